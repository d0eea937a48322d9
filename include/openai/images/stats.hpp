// The client's counters of connections and requests, a plain snapshot: in a
// header of its own so that the connection pool can fill it without knowing
// the client.
#pragma once

#include <cstdint>

namespace openai::images {

/// Counters of the client's connections and requests, read at any time from any thread.
struct client_stats {
    std::uint64_t requests = 0;            ///< HTTP requests written, retries included
    std::uint64_t connections_opened = 0;  ///< TCP connections established
    std::uint64_t connections_reused = 0;  ///< requests that took a kept-alive connection
    std::uint64_t tls_handshakes = 0;      ///< TLS handshakes completed
    /// Of tls_handshakes, those that resumed a session saved from an earlier
    /// connection to the same origin (abbreviated: no certificate sent or
    /// verified); the others were full handshakes.
    std::uint64_t tls_resumed = 0;
    std::uint64_t pool_waits = 0;  ///< requests that waited for a free connection
    std::uint64_t retries = 0;     ///< attempts after the first, all operations
    std::uint64_t stale_resends =
        0;                         ///< requests re-sent because a kept-alive connection was closed
    std::uint64_t bytes_sent = 0;  ///< HTTP bytes written (before TLS)
    std::uint64_t bytes_received = 0;    ///< HTTP bytes read (after TLS)
    std::uint64_t open_connections = 0;  ///< connections open now, idle or busy
    std::uint64_t idle_connections = 0;  ///< of which idle in the pool
    /// Kept-alive connections found closed by the server (or sent bytes
    /// nobody asked for) when about to be reused: closed and replaced before
    /// a request was written on them, so they cost no stale re-send.
    std::uint64_t idle_closed_by_server = 0;
};

}  // namespace openai::images
