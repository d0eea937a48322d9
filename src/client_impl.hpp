// What a client shares with its operations: options, endpoint, TLS context,
// counters, pool and connector. Operations hold it by shared_ptr, so it
// outlives the client object while any of them runs.
#pragma once

#include <openai/images/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>

#include "connection_pool.hpp"
#include "connector.hpp"
#include "endpoint.hpp"
#include "stats_counters.hpp"

namespace openai::images::detail {

class client_impl {
  public:
    /// Throws client_error for options that cannot be used (base_url, header
    /// values, the CA file, the pool's limits).
    client_impl(asio::any_io_executor ex, client_options o);

    asio::any_io_executor executor;
    /// Where operations run: one strand for all of them (made by
    /// make_any_strand(), strands.hpp), the executor itself (single_thread),
    /// or (strand_per_operation) a new strand for each.
    asio::any_io_executor strand;
    client_options opts;
    detail::endpoint endpoint;
    std::unique_ptr<ssl::context> owned_ctx;
    ssl::context* ctx;
    stats_counters counters;
    /// Before the pool: its connections point to it.
    tls_session_cache tls_sessions;
    connection_pool pool;
    std::unique_ptr<detail::connector> connector;
};

}  // namespace openai::images::detail
