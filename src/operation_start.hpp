// How an operation starts, shared by the plain operations (client.cpp) and
// the streamed ones (stream_operation.cpp): the request validated and
// encoded at initiation, then its coroutine spawned on the operation's
// strand, or its failure delivered without a byte sent.
#pragma once

#include <openai/images/encode.hpp>
#include <openai/images/json.hpp>
#include <openai/images/operations.hpp>
#include <openai/images/validate.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <memory>

#include "client_impl.hpp"
#include "op_completion.hpp"
#include "request_driver.hpp"

namespace openai::images::detail {

/// A response with a status outside 2xx: the API's error, or the status and
/// an excerpt of a body that is not one.
error_code api_failure(const client_impl& impl, exchange_result& r, diagnostics& diag);

/// The client's strand, or a new one when each operation has its own.
asio::any_io_executor operation_strand(const client_impl& impl);

/// A multipart request of `req`'s fields and files (encode()) to `path`.
template <class Request>
error_code encode_form(const client_impl& impl, const Request& req, std::string_view method,
                       std::string_view path, wire_request& out, diagnostics& diag) {
    auto m = std::make_unique<form_request>();
    if (auto ec = encode(req, m->body(), diag))
        return ec;
    m->method(http::string_to_verb(method));
    m->target(impl.endpoint.target(path));
    m->version(11);
    impl.endpoint.api_headers(*m);
    m->set(http::field::content_type, m->body().content_type());
    m->prepare_payload();
    out = std::move(m);
    return {};
}

/// A complete 2xx answer whose body does not parse (`ec`, `parse_diag`):
/// `diag` says the status, the parser's message and how the body starts.
error_code unreadable_answer(const client_impl& impl, error_code ec, unsigned status,
                             std::string_view body, const diagnostics& parse_diag,
                             diagnostics& diag);

/// Validation and encoding: everything that can fail before a byte is sent.
/// The row says where the request goes and how its body is written.
/// `streamed`: the operation reads server-sent events (async_stream); any
/// other refuses stream=true.
template <class Request>
error_code prepare(const client_impl& impl, const Request& req, wire_request& out,
                   diagnostics& diag, bool streamed = false) {
    constexpr const operation_row& row = operation_of<Request>::row;
    if (auto ec = validate(req, diag, impl.opts.validation))
        return ec;
    if constexpr (row.can_stream) {
        if (!streamed && req.stream.value_or(false)) {
            diag.assign("stream",
                        "stream: true streams server-sent events, which only async_stream and "
                        "stream() read; leave it unset here");
            return client_errc::streaming_not_supported;
        }
    }
    if constexpr (row.encoding == body_encoding::json) {
        rendered_request m;
        m.bytes = impl.endpoint.render_api_request(row.method, row.path, "application/json",
                                                   to_json(req));
        out = std::move(m);
    } else {
        return encode_form(impl, req, row.method, row.path, out, diag);
    }
    return {};
}

/// An operation that failed before the network: it still completes through
/// the handler's executor, never inside the initiating call.
template <class T>
asio::awaitable<result_of_op<T>> failed_operation(error_code ec, T value) {
    result_of_op<T> out;
    out.ec = ec;
    out.value = std::move(value);
    co_return out;
}

/// The client's executor, shared with the client (no copy, no allocation).
inline std::shared_ptr<const asio::any_io_executor> client_executor(
    const std::shared_ptr<client_impl>& impl) noexcept {
    return {impl, &impl->executor};
}

/// Starts an operation prepared at initiation: its request on the network,
/// or its failure `ec` delivered without one. `value`: the result's start
/// (what the operation's Handler reads besides the responses).
/// `strand`: where the operation runs (operation_strand()).
template <class Handler, class T, class Done>
void launch_on(asio::any_io_executor strand, const std::shared_ptr<client_impl>& impl,
               error_code ec, wire_request wire, std::unique_ptr<const origin> where,
               diagnostics* diag, std::shared_ptr<const request_options> ro, Done done,
               T value = {}) {
    if (ec) {
        asio::co_spawn(std::move(strand), failed_operation<T>(ec, std::move(value)),
                       std::move(done));
        return;
    }
    asio::co_spawn(std::move(strand),
                   run_request<Handler, T>(impl, std::move(wire), std::move(where), diag,
                                           std::move(ro), std::move(value)),
                   std::move(done));
}

template <class Handler, class T, class Done>
void launch(const std::shared_ptr<client_impl>& impl, error_code ec, wire_request wire,
            std::unique_ptr<const origin> where, diagnostics* diag,
            std::shared_ptr<const request_options> ro, Done done, T value = {}) {
    launch_on<Handler, T>(operation_strand(*impl), impl, ec, std::move(wire), std::move(where),
                          diag, std::move(ro), std::move(done), std::move(value));
}

/// A failure as the coroutine forms throw it: api_error for one the API
/// answered, client_error for any other.
[[noreturn]] void throw_failure(error_code ec, const diagnostics& diag);

/// A coroutine form: the value of the operation `start(diag, token)`
/// starts, or its failure thrown as throw_failure() says. `start` is kept
/// in the frame, so what it captures by value lives until completion.
template <class T, class Start>
asio::awaitable<T> value_or_throw(Start start) {
    diagnostics diag;
    // Named, not a temporary in co_await: GCC 12 miscompiles those.
    constexpr auto token = asio::as_tuple(asio::use_awaitable);
    auto [ec, value] = co_await start(diag, token);
    if (ec)
        throw_failure(ec, diag);
    co_return std::move(value);
}

/// Starts an operation whose request `prepare(diag, wire)` validates and
/// renders after the credentials are checked; `ro`: the operation's own
/// options (null: the client's); `Handler` reads its answers
/// on the request machine, or the failure is delivered without a byte sent.
template <class Handler, class T, class Prepare, class Completion>
void start_prepared(const std::shared_ptr<client_impl>& impl, Prepare&& prepare, diagnostics* diag,
                    std::shared_ptr<const request_options> ro, Completion done, T value = {}) {
    diagnostics local_diag;
    diagnostics& d = diag ? *diag : local_diag;
    d.clear();
    error_code ec;
    wire_request wire;
    try {
        ec = impl->endpoint.check_credentials(d);
        if (!ec)
            ec = prepare(d, wire);
    } catch (...) {
        ec = error_from_exception(d);
    }
    launch<Handler, T>(impl, ec, std::move(wire), nullptr, diag, std::move(ro), std::move(done),
                       std::move(value));
}

}  // namespace openai::images::detail
