// Drives one request's state machine (request_fsm) with real steps: a lease
// from the pool, the connector, the HTTP exchange into the operation's sink,
// the back-off timer. One coroutine per request; each step on a connection
// runs on that connection's strand, so that the TLS and parsing work of many
// requests spreads over every thread running the io_context.
#pragma once

#include <openai/images/detail/multipart_body.hpp>
#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <variant>

#include "body_sink.hpp"
#include "http_exchange.hpp"
#include "pool_core.hpp"

namespace openai::images::detail {

class client_impl;

using json_request = http::request<http::string_body>;
using form_request = http::request<multipart_body>;
/// A request as it goes on the wire; sent again, byte for byte, by a retry.
using wire_request = std::variant<json_request, form_request>;

/// What an operation makes of its responses.
class response_handler {
  public:
    virtual ~response_handler() = default;
    /// Where the next attempt's 2xx body goes (null: kept as text in the
    /// response). Called before each exchange; forgets the last attempt's.
    virtual body_sink* sink() = 0;
    /// A complete response turned into the operation's result, or its error
    /// (an API error, a body that does not parse) with `diag` filled.
    virtual error_code finish(exchange_result& r, diagnostics& diag) = 0;
};

/// The timeouts and retry policy of one operation (the client's, or the
/// operation's own); both must outlive the request.
struct request_settings {
    const timeouts* timeout;
    const retry_policy* retry;
    /// Called before each retry's wait; may be null or empty.
    const retry_observer* on_retry;
};

/// Sends `wire` to `where` until the machine says done; completes with the
/// outcome, `diag` filled (message, response metadata, failed attempts).
/// Must run on a strand of its own (a request's); never throws for a
/// failure of a step, but may throw what a step throws (std::bad_alloc…),
/// having given back every connection it held.
asio::awaitable<error_code> drive_request(client_impl& impl, const origin& where,
                                          wire_request& wire, response_handler& handler,
                                          diagnostics& diag, request_settings settings);

}  // namespace openai::images::detail
