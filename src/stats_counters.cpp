#include "stats_counters.hpp"

namespace openai::images::detail {

client_stats stats_counters::snapshot() const noexcept {
    constexpr auto relaxed = std::memory_order_relaxed;
    client_stats s;
    s.requests = requests.load(relaxed);
    s.connections_opened = connections_opened.load(relaxed);
    s.connections_reused = connections_reused.load(relaxed);
    s.tls_handshakes = tls_handshakes.load(relaxed);
    s.tls_resumed = tls_resumed.load(relaxed);
    s.pool_waits = pool_waits.load(relaxed);
    s.retries = retries.load(relaxed);
    s.stale_resends = stale_resends.load(relaxed);
    s.bytes_sent = bytes_sent.load(relaxed);
    s.bytes_received = bytes_received.load(relaxed);
    s.open_connections = open_connections.load(relaxed);
    s.idle_connections = idle_connections.load(relaxed);
    s.idle_closed_by_server = idle_closed_by_server.load(relaxed);
    return s;
}

}  // namespace openai::images::detail
