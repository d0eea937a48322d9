// How a new connection reaches its origin: resolve, TCP, TLS. Direct today;
// a proxy's CONNECT tunnel is another implementation of the same interface.
#pragma once

#include <openai/images/options.hpp>

#include <boost/asio/awaitable.hpp>

#include "connection.hpp"
#include "http_exchange.hpp"
#include "pool_core.hpp"
#include "stats_counters.hpp"
#include "tls_session_cache.hpp"

namespace openai::images::detail {

class connector {
  public:
    virtual ~connector() = default;
    /// Makes `c` ready to carry requests to `where` (c.connected), each phase
    /// under its timeout and `deadline`; a failure in the result, with a
    /// sentence naming the phase and the peer.
    virtual asio::awaitable<exchange_result> connect(connection& c, const origin& where,
                                                     steady::time_point deadline, const timeouts& t,
                                                     stats_counters& stats) = 0;
};

/// Straight to the origin (transport.hpp's connect), resuming TLS sessions
/// of `sessions`, which must outlive the connector's connections.
std::unique_ptr<connector> make_direct_connector(tls_session_cache& sessions);

}  // namespace openai::images::detail
