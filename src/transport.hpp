// One HTTP exchange on one connection, knowing nothing about images:
// connecting (resolve, TCP, TLS with SNI and host-name verification) and
// writing a request then reading its response, each phase under its own
// timeout and the operation's overall deadline.
#pragma once

#include "connection.hpp"
#include "http_exchange.hpp"
#include "pool_core.hpp"
#include "stats_counters.hpp"

#include <boost/beast/http/string_body.hpp>

namespace openai::images::detail {

/// Resolves, connects and (for https) performs the TLS handshake. A port
/// that is not 1..65535 fails with client_errc::invalid_url (the client
/// refuses such URLs before they get here).
/// `sessions`: TLS sessions to resume and to save (null: every handshake is a full one).
asio::awaitable<exchange_result> connect(connection& c, const origin& o,
                                         steady::time_point deadline, const timeouts& t,
                                         stats_counters& stats, tls_session_cache* sessions);

/// Writes the request and reads the whole response; `sink`: where a 2xx body
/// goes as it is read (null: kept as text in the response).
asio::awaitable<exchange_result> exchange(connection& c, rendered_request& req,
                                          steady::time_point deadline, const timeouts& t,
                                          const limits& l, stats_counters& stats, body_sink* sink);
asio::awaitable<exchange_result> exchange(connection& c, http::request<multipart_body>& req,
                                          steady::time_point deadline, const timeouts& t,
                                          const limits& l, stats_counters& stats, body_sink* sink);

}  // namespace openai::images::detail
