// Drives one request's state machine (request_fsm) with real steps: a lease
// from the pool, the connector, the HTTP exchange into the operation's sink,
// the back-off timer. One coroutine per request, whose frame is all that a
// request waiting for a connection holds besides its encoded form; each step
// on a connection runs on that connection's strand, so that the TLS and
// parsing work of many requests spreads over every thread running the
// io_context.
#pragma once

#include <openai/images/detail/multipart_body.hpp>
#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <variant>

#include "body_sink.hpp"
#include "client_impl.hpp"
#include "http_exchange.hpp"
#include "op_completion.hpp"
#include "request_fsm.hpp"

namespace openai::images::detail {

using form_request = http::request<multipart_body>;
/// A request as it goes on the wire; sent again, byte for byte, by a retry.
/// A multipart one is on the heap: one in memory (JSON, a download), the
/// common case, keeps the request's frame smaller.
using wire_request = std::variant<rendered_request, std::unique_ptr<form_request>>;

/// The caller's diagnostics, or, when the caller gave none, diagnostics of
/// the request's own made only when something is to be said (a failure): a
/// request that succeeds keeps none.
class lazy_diagnostics {
  public:
    explicit lazy_diagnostics(diagnostics* callers) noexcept : diag_(callers) {}
    diagnostics& get() {
        if (!diag_) {
            own_ = std::make_unique<diagnostics>();
            diag_ = own_.get();
        }
        return *diag_;
    }
    /// Null while nobody asked for any.
    diagnostics* if_any() const noexcept { return diag_; }

  private:
    diagnostics* diag_;
    std::unique_ptr<diagnostics> own_;
};

/// What an operation makes of its responses.
class response_handler {
  public:
    virtual ~response_handler() = default;
    /// Where the next attempt's 2xx body goes (null: kept as text in the
    /// response). Called before each exchange; forgets the last attempt's.
    virtual body_sink* sink() = 0;
    /// A complete response turned into the operation's result, or its error
    /// (an API error, a body that does not parse) with `diag` filled.
    virtual error_code finish(exchange_result& r, lazy_diagnostics& diag) = 0;
    /// Part of the last attempt's answer has reached the caller (a streamed
    /// event), or the answer was complete: whatever happens next, the
    /// request is not sent again.
    virtual bool delivered() const noexcept { return false; }
    /// A failure of the handler's own that ends the request whatever the
    /// exchange says (the caller's event function threw), with `diag`
    /// filled; none by default.
    virtual error_code own_failure(lazy_diagnostics&) { return {}; }
};

/// The timeouts and retry policy of one operation (the client's, or the
/// operation's own); both must outlive the request.
struct request_settings {
    const timeouts* timeout;
    const retry_policy* retry;
    /// Called before each retry's wait; may be null or empty.
    const retry_observer* on_retry;
};

/// The settings of an operation: `ro`'s where given, else the client's.
request_settings settings_of(const client_impl& impl, const request_options* ro) noexcept;

/// The error and message of the exception being handled (an operation's
/// coroutine never lets one escape: it completes with an error instead).
error_code error_from_exception(diagnostics& diag);

/// Everything of one request between its steps, and what is done with each
/// step's outcome; no I/O. run_request's frame holds this and little else.
class request_run {
  public:
    /// `ro`: the operation's own options, or null for the client's.
    request_run(client_impl& impl, const origin& where, wire_request& wire,
                response_handler& handler, lazy_diagnostics& diag, const request_options* ro);

    /// The machine's next step, after the last one's outcome.
    request_step next();

    /// The steps, each: what to await (null when there is nothing to
    /// await), then what it gave. `here` is the operation's executor.
    void begin_acquire(const asio::any_io_executor& here, bool cancelled);
    bool must_wait_for_connection() const noexcept { return ticket_.must_wait(); }
    asio::awaitable<std::tuple<error_code>> wait_for_connection() { return ticket_.wait(); }
    void acquired(bool cancelled);
    asio::awaitable<void> connect(const asio::any_io_executor& here);
    void connected(bool cancelled);
    asio::awaitable<void> exchange(const asio::any_io_executor& here);
    void exchanged(bool cancelled);
    asio::awaitable<void> back_off();
    void waited(bool cancelled);
    /// The outcome, once next() said done.
    error_code done();

  private:
    exchange_result& next_result();
    void fail();
    void record(const exchange_result& r);

    client_impl& impl_;
    const origin& where_;
    wire_request& wire_;
    response_handler& handler_;
    lazy_diagnostics& diag_;
    const request_settings settings_;
    request_fsm fsm_;
    request_event ev_;
    request_action action_;
    pool_ticket ticket_;
    pool_lease lease_;
    // The last step's result (the machine reads the last response's
    // x-should-retry header); made once a connection is held, then reused.
    std::unique_ptr<exchange_result> last_;
};

/// One operation's request from its encoded form to its result: `Handler`
/// (a response_handler made from the client and the result's value, which
/// starts as `value`) reads the responses; `where` is the API's origin when null. Completes with
/// the outcome, `diag` (when given) filled: message, response metadata, failed attempts. Must run
/// on a strand of its own (the operation's); never throws, and gives back every connection it held
/// whatever happens.
template <class Handler, class T>
asio::awaitable<result_of_op<T>> run_request(std::shared_ptr<client_impl> impl, wire_request wire,
                                             std::unique_ptr<const origin> where,
                                             diagnostics* user_diag,
                                             std::shared_ptr<const request_options> ro, T value) {
    result_of_op<T> out;
    out.value = std::move(value);
    lazy_diagnostics diag(user_diag);
    try {
        // Cancellation of any kind ends the operation; the default filter
        // would pass terminal cancellation only.
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        co_await asio::this_coro::throw_if_cancelled(false);
        const auto cs = co_await asio::this_coro::cancellation_state;
        const auto here = co_await asio::this_coro::executor;
        Handler handler(*impl, out.value);
        request_run run(*impl, where ? *where : impl->endpoint.api_origin(), wire, handler, diag,
                        ro.get());
        for (;;) {
            switch (run.next()) {
                case request_step::acquire:
                    run.begin_acquire(here, cancelled(cs));
                    if (run.must_wait_for_connection())
                        co_await run.wait_for_connection();
                    run.acquired(cancelled(cs));
                    break;
                case request_step::connect:
                    co_await run.connect(here);
                    run.connected(cancelled(cs));
                    break;
                case request_step::exchange:
                    co_await run.exchange(here);
                    run.exchanged(cancelled(cs));
                    break;
                case request_step::wait:
                    co_await run.back_off();
                    run.waited(cancelled(cs));
                    break;
                case request_step::done:
                    out.ec = run.done();
                    co_return out;
            }
        }
    } catch (...) {
        out.ec = error_from_exception(diag.get());
    }
    co_return out;
}

}  // namespace openai::images::detail
