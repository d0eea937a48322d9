// The client's counters as atomics, written by the pool and the transport on
// any thread, and read at any time as a plain client_stats.
#pragma once

#include <openai/images/stats.hpp>

#include <atomic>
#include <cstdint>

namespace openai::images::detail {

struct stats_counters {
    std::atomic<std::uint64_t> requests{0}, connections_opened{0}, connections_reused{0},
        tls_handshakes{0}, tls_resumed{0}, pool_waits{0}, retries{0}, stale_resends{0},
        bytes_sent{0}, bytes_received{0}, open_connections{0}, idle_connections{0},
        idle_closed_by_server{0};

    /// Each counter as it is now; not one instant for all (each is read on its own).
    client_stats snapshot() const noexcept;
};

}  // namespace openai::images::detail
