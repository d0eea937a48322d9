// One HTTP exchange on one connection, knowing nothing about images:
// connecting (resolve, TCP, TLS with SNI and host-name verification) and
// writing a request then reading its response, each phase under its own
// timeout and the operation's overall deadline.
#pragma once

#include <openai/images/detail/multipart_body.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "connection_pool.hpp"

namespace openai::images::detail {

namespace http = boost::beast::http;

struct exchange_result {
    error_code ec;
    std::string message;  ///< a sentence for diagnostics when ec is set
    /// Failed on a kept-alive connection before any byte of a response: the
    /// server had closed it; the request may be re-sent on a fresh connection.
    bool stale = false;
    bool keep_alive = false;
    http::response<http::string_body> response;
};

/// Resolves, connects and (for https) performs the TLS handshake.
asio::awaitable<exchange_result> connect(connection& c, const origin& o,
                                         steady::time_point deadline, const timeouts& t,
                                         stats_counters& stats);

/// Writes the request and reads the whole response.
asio::awaitable<exchange_result> exchange(connection& c, http::request<http::string_body>& req,
                                          steady::time_point deadline, const timeouts& t,
                                          const limits& l, stats_counters& stats);
asio::awaitable<exchange_result> exchange(connection& c, http::request<multipart_body>& req,
                                          steady::time_point deadline, const timeouts& t,
                                          const limits& l, stats_counters& stats);

}  // namespace openai::images::detail
