// Writing one HTTP request and reading its response over any Beast-style
// stream: the core of transport.cpp, kept apart so that it can also be driven
// over an in-memory stream (the HTTP response fuzzer does that). Each phase
// runs under its own timeout and the operation's overall deadline; limits on
// the response's header and body are enforced while reading.
#pragma once

#include <openai/images/detail/multipart_body.hpp>
#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "response_body.hpp"

namespace openai::images::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using steady = std::chrono::steady_clock;

struct exchange_result {
    error_code ec;
    std::string message;  ///< a sentence for diagnostics when ec is set
    /// Failed on a kept-alive connection before any byte of a response: the
    /// server had closed it; the request may be re-sent on a fresh connection.
    bool stale = false;
    bool keep_alive = false;
    http::response<response_body> response;
    steady::time_point header_received{}, body_received{};  ///< when each was complete
};

/// What one exchange adds to the client's counters.
struct exchange_counters {
    std::atomic<std::uint64_t>& requests;
    std::atomic<std::uint64_t>& bytes_sent;
    std::atomic<std::uint64_t>& bytes_received;
};

inline steady::time_point phase_end(std::chrono::milliseconds phase, steady::time_point deadline) {
    const auto now = steady::now();
    return phase.count() > 0 ? std::min(now + phase, deadline) : deadline;
}

// A Beast timeout is the phase's own error, unless the overall deadline is
// what expired.
inline error_code timeout_error(client_errc phase, steady::time_point deadline) {
    return steady::now() >= deadline ? client_errc::deadline_exceeded : phase;
}

// The errors a kept-alive connection closed by the server gives on reuse.
inline bool closed_by_peer(error_code ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == asio::error::not_connected ||
           ec == asio::ssl::error::stream_truncated;
}

// Beast's parse errors (a bad status line, header or chunk) become one code
// of ours; the parser's own words stay in the message.
inline bool malformed(error_code ec) {
    return ec.category() == make_error_code(http::error::bad_version).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message &&
           ec != http::error::header_limit && ec != http::error::body_limit &&
           ec != http::error::need_more && ec != http::error::need_buffer;
}

// Per-operation cancellation reaches a socket operation only while it is
// pending; one emitted between two operations (a loopback write often
// completes at once) is only remembered by the coroutine's cancellation
// state, so it is checked after every operation.
inline bool cancelled(const asio::cancellation_state& cs) {
    return cs.cancelled() != asio::cancellation_type::none;
}

inline exchange_result aborted(std::string_view phase) {
    exchange_result r;
    r.ec = asio::error::operation_aborted;
    r.message = std::string(phase);
    return r;
}

// A failed read of the response header or body as reported: Beast's limits,
// truncation and parse errors become codes of ours, a Beast timeout the
// phase's own (or deadline_exceeded; `idle` for the body). In the header, a
// close by the peer stays as it is (it may be a stale connection); in the
// body it is a truncation.
inline exchange_result read_failure(error_code ec, bool body, steady::time_point deadline,
                                    client_errc idle = client_errc::body_idle_timeout) {
    exchange_result r;
    const std::string phase = body ? "reading the response body" : "reading the response header";
    if (ec == beast::error::timeout) {
        r.ec = timeout_error(body ? idle : client_errc::response_header_timeout, deadline);
    } else if (ec == http::error::body_limit || (!body && ec == http::error::header_limit)) {
        // A Content-Length over the body limit is refused with the header.
        r.ec = client_errc::response_too_large;
    } else if (ec == http::error::partial_message || (body && closed_by_peer(ec))) {
        r.ec = client_errc::truncated_response;
    } else if (malformed(ec)) {
        r.ec = client_errc::malformed_response;
        r.message = phase + ": " + ec.message();
        return r;
    } else {
        r.ec = ec;
    }
    r.message = phase;
    return r;
}

/// A request with a body in memory, as HTTP/1.1 puts it on the wire: the
/// request line, each field, an empty line, the body. Its framing must be
/// in its fields already (prepare_payload(): Content-Length).
inline std::string render_request(const http::request<http::string_body>& req) {
    const std::string_view method = req.method_string(), target = req.target();
    std::size_t size = method.size() + target.size() + 13 + req.body().size();
    for (const auto& f : req)
        size += f.name_string().size() + f.value().size() + 4;
    std::string out;
    out.reserve(size);
    const unsigned v = req.version();
    out.append(method).append(" ").append(target).append(" HTTP/");
    out.push_back(static_cast<char>('0' + v / 10 % 10));
    out.push_back('.');
    out.push_back(static_cast<char>('0' + v % 10));
    out.append("\r\n");
    for (const auto& f : req)
        out.append(f.name_string()).append(": ").append(f.value()).append("\r\n");
    out.append("\r\n").append(req.body());
    return out;
}

// Whether a stream that writes without an operation (tls_stream::write_now)
// has output left to send.
template <class Stream>
bool output_waits(const Stream& s) {
    if constexpr (requires { s.pending_output(); })
        return s.pending_output();
    else
        return false;
}

// A stream operation's error as the exchange reports it: a socket that its
// deadline closed (timed_socket) gives Beast's timeout error.
template <class Stream>
error_code stream_error(const Stream& s, error_code ec) {
    if constexpr (requires { s.timeout_result(ec); })
        return s.timeout_result(ec);
    else
        return ec;
}

// What one read of the response asks for at most, as Beast's reads.
constexpr std::size_t max_read = 64 * 1024;

// Gives the parser what the buffer holds and drops what it took. True when
// it needs more bytes than the buffer holds (need_more is no error); `ec`:
// what the parser refused.
template <class Parser>
bool parse_buffered(Parser& p, beast::flat_buffer& buffer, std::atomic<std::uint64_t>& received,
                    error_code& ec) {
    if (buffer.size() == 0)
        return true;
    const std::size_t used = p.put(buffer.data(), ec);
    buffer.consume(used);
    received.fetch_add(used, std::memory_order_relaxed);
    if (ec == http::error::need_more) {
        ec = {};
        return true;
    }
    return false;
}

// A read's error as Beast's reads give it: the end of the stream completes
// a response that runs to it, truncates one begun and is end_of_stream
// before any byte of one.
template <class Parser>
error_code at_end(Parser& p, error_code read_error) {
    if (read_error != asio::error::eof)
        return read_error;
    if (!p.got_some())
        return http::error::end_of_stream;
    error_code ec;
    p.put_eof(ec);
    return ec;
}

/// A request with its body in memory, already as HTTP/1.1 puts it on the
/// wire (endpoint::render_api_request, render_request): written as one buffer.
/// Any other request is an http::request written by Beast's serializer.
struct rendered_request {
    std::string bytes;
};

/// Writes `req` to `s` and reads the whole response, using `buffer` for what
/// was read past it. `expire(tp)` arms the stream's timeout for the next
/// operations (steady::time_point::max(): none). `reused`: the connection
/// carried a response before, so a failure before any response byte is stale.
/// `sink`: where a 2xx body goes (null: kept as text; see response_body).
template <class Stream, class Expire, class Request>
asio::awaitable<exchange_result> write_and_read(Stream& s, beast::flat_buffer& buffer,
                                                Expire expire, bool reused, Request& req,
                                                steady::time_point deadline, const timeouts& t,
                                                const limits& l, exchange_counters stats,
                                                body_sink* sink) {
    constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
    exchange_result r;
    const auto cs = co_await asio::this_coro::cancellation_state;

    // A failed write: stale when nothing came back on a reused connection.
    auto write_failed = [&](error_code ec, std::string_view why) {
        r.stale = reused && closed_by_peer(ec);
        if (ec == beast::error::timeout) {
            r.ec = timeout_error(client_errc::body_idle_timeout, deadline);
            r.message = "sending the request";
        } else {
            r.ec = ec;
            r.message = why.empty() ? std::string_view("sending the request") : why;
        }
    };
    if constexpr (std::is_same_v<Request, rendered_request>) {
        // A request whole in memory is written as one buffer (Beast's
        // serializer walks a view of views per write).
        const std::string_view wire = req.bytes;
        std::size_t off = 0;
        if constexpr (requires(error_code ec) { s.write_now(asio::const_buffer(), ec); }) {
            // Nearly always whole at once, without an operation: encrypted
            // and sent, no timeout needed for what cannot wait. 0 bytes: the
            // asynchronous write goes on from here.
            while (off < wire.size()) {
                error_code ec;
                const std::size_t n =
                    s.write_now(asio::const_buffer(wire.data() + off, wire.size() - off), ec);
                if (ec) {
                    write_failed(ec, {});
                    co_return r;
                }
                if (n == 0)
                    break;
                off += n;
                stats.bytes_sent.fetch_add(n, std::memory_order_relaxed);
            }
        }
        // The rest, and what the socket did not take, under the timeouts.
        while (off < wire.size() || output_waits(s)) {
            expire(phase_end(t.body_idle, deadline));
            auto [wec, n] = co_await s.async_write_some(
                asio::const_buffer(wire.data() + off, wire.size() - off), tuple_awaitable);
            const error_code ec = stream_error(s, wec);
            off += n;
            stats.bytes_sent.fetch_add(n, std::memory_order_relaxed);
            if (cancelled(cs))
                co_return aborted("sending the request");
            if (ec) {
                write_failed(ec, {});
                co_return r;
            }
        }
    } else {
        using Body = typename Request::body_type;
        http::request_serializer<Body> sr(req);
        while (!sr.is_done()) {
            expire(phase_end(t.body_idle, deadline));
            auto [wec, n] = co_await http::async_write_some(s, sr, tuple_awaitable);
            const error_code ec = stream_error(s, wec);
            stats.bytes_sent.fetch_add(n, std::memory_order_relaxed);
            if (cancelled(cs))
                co_return aborted("sending the request");
            if (ec) {
                std::string_view why;
                if constexpr (std::is_same_v<Body, multipart_body>)
                    why = sr.writer_impl().error_message();
                write_failed(ec, why);
                co_return r;
            }
        }
    }
    stats.requests.fetch_add(1, std::memory_order_relaxed);

    // Interim (1xx) responses come before the final one and are skipped
    // (RFC 9110, section 15.2), a bounded number of them. 101 is never
    // asked for, so it is as malformed as a status under 100.
    // The response is read with the stream's own read_some and parsed here
    // (as Beast's read operations would, with the same errors): each layer
    // of composed operation costs a frame and copies of the executor.
    constexpr int max_interim = 16;
    std::optional<http::response_parser<response_body>> parser;
    expire(phase_end(t.response_header, deadline));
    for (int interim = 0;; ++interim) {
        parser.emplace();
        parser->get().body().sink = sink;
        parser->header_limit(l.max_response_header);
        if (sink != nullptr && sink->unbounded()) {
            parser->body_limit(boost::none);
            parser->get().body().text_limit = l.max_response_body;
        } else {
            parser->body_limit(l.max_response_body);
        }
        error_code ec;
        for (;;) {
            parse_buffered(*parser, buffer, stats.bytes_received, ec);
            if (ec || parser->is_header_done())
                break;
            if (cancelled(cs))
                co_return aborted("reading the response header");
            auto [rec, n] = co_await s.async_read_some(
                buffer.prepare(beast::read_size(buffer, max_read)), tuple_awaitable);
            buffer.commit(n);
            if (cancelled(cs))
                co_return aborted("reading the response header");
            if ((ec = at_end(*parser, stream_error(s, rec))))
                break;
        }
        if (ec) {
            auto failed = read_failure(ec, false, deadline);
            failed.stale = reused && interim == 0 && closed_by_peer(ec);
            co_return failed;
        }
        const unsigned status = parser->get().result_int();
        if (status < 100 || status == 101 || (status < 200 && interim == max_interim)) {
            r.ec = client_errc::malformed_response;
            const bool too_many = status >= 100 && status != 101;
            r.message =
                "reading the response header: status " + std::to_string(status) +
                (too_many ? " after " + std::to_string(interim) + " interim responses" : "");
            co_return r;
        }
        if (status >= 200)
            break;
    }
    r.header_received = steady::now();
    auto& p = *parser;
    // A stream of events may pause far longer between bytes than a body.
    const unsigned final_status = p.get().result_int();
    const bool sunk = sink != nullptr && final_status >= 200 && final_status < 300;
    const bool streamed = sunk && sink->streams();
    const auto idle = streamed ? t.stream_idle : t.body_idle;
    const auto idle_error =
        streamed ? client_errc::stream_idle_timeout : client_errc::body_idle_timeout;
    if (streamed)
        sink->watch(cs);
    // The buffer is as large as the header needed (often under 1 KiB) and
    // each read fills at most what it has free: a large body is read with
    // room for several TLS records per read, and the room is given back after.
    constexpr std::size_t large_body = 16 * 1024, body_read_room = 64 * 1024;
    const bool large = !p.content_length() || *p.content_length() > large_body;
    if (large && !p.is_done())
        buffer.reserve(buffer.size() + body_read_room);
    // Bytes of the body already read come first; a read only when the
    // parser has taken all it can.
    bool read_more = buffer.size() == 0;
    while (!p.is_done()) {
        error_code ec;
        if (read_more) {
            // The sink may have run the caller's code (a streamed event),
            // which may have cancelled the operation.
            if (cancelled(cs))
                co_return aborted("reading the response body");
            expire(phase_end(idle, deadline));
            auto [rec, n] = co_await s.async_read_some(
                buffer.prepare(beast::read_size(buffer, max_read)), tuple_awaitable);
            buffer.commit(n);
            if (cancelled(cs))
                co_return aborted("reading the response body");
            ec = at_end(p, stream_error(s, rec));
        }
        if (!ec)
            read_more = parse_buffered(p, buffer, stats.bytes_received, ec);
        if (ec)
            co_return read_failure(ec, true, deadline, idle_error);
        // The caller's code ran in the sink: it may have cancelled, or failed.
        if (streamed && cancelled(cs))
            co_return aborted("reading the response body");
        if (sunk && sink->stopped())
            co_return aborted("reading the response body: its reader stopped");
    }
    expire(steady::time_point::max());
    r.body_received = steady::now();
    if (large && buffer.capacity() > large_body)
        buffer.shrink_to_fit();
    r.response = p.release();
    // Bytes after the response were not asked for (requests are never
    // pipelined): on reuse they would be read as the next response.
    r.keep_alive = r.response.keep_alive() && buffer.size() == 0;
    co_return r;
}

}  // namespace openai::images::detail
