// The fake server's connections: one coroutine per connection, on its own
// strand, reads requests with Beast, writes what handlers.cpp decides, or
// misbehaves as the request's fault says; each registers how stop() closes it.
#include "state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <string_view>
#include <vector>

namespace openai::images::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using state = fake_server::state;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto handshake_timeout = 10s;
constexpr auto io_timeout = 60s;  // reading a request's body, writing a response
constexpr auto shutdown_timeout = 2s;

// Counts a running coroutine so that stop() knows when all have ended. Owned
// by the coroutine's frame: released whenever the frame is destroyed.
class task_token {
  public:
    task_token() = default;
    explicit task_token(state* st) : st_(st) {}
    task_token(task_token&& o) noexcept : st_(std::exchange(o.st_, nullptr)) {}
    task_token& operator=(task_token&&) = delete;
    ~task_token() {
        if (!st_)
            return;
        {
            std::lock_guard lock(st_->mu);
            --st_->live_tasks;
        }
        st_->cv.notify_all();
    }
    explicit operator bool() const noexcept { return st_ != nullptr; }

  private:
    state* st_ = nullptr;
};

// A token for a new coroutine; an empty one once the server is stopping.
task_token start_task(state& st) {
    std::lock_guard lock(st.mu);
    if (st.stopping)
        return {};
    ++st.live_tasks;
    return task_token(&st);
}

bool stopping(state& st) {
    std::lock_guard lock(st.mu);
    return st.stopping;
}

// Lists a connection, with the way to close it, for stop() while it lives.
// Created and destroyed on the connection's strand, where stop() runs `close`.
class registration {
  public:
    registration(state& st, std::uint64_t id, asio::any_io_executor ex, std::function<void()> close)
        : st_(st), id_(id) {
        std::lock_guard lock(st.mu);
        ok_ = !st.stopping;
        if (ok_)
            st.connections.emplace(id, state::live_connection{std::move(ex), std::move(close)});
        ++st.open;
    }
    ~registration() {
        std::lock_guard lock(st_.mu);
        if (ok_)
            st_.connections.erase(id_);
        --st_.open;
    }
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;
    bool ok() const noexcept { return ok_; }

  private:
    state& st_;
    std::uint64_t id_;
    bool ok_ = false;
};

struct connection {
    state* st;
    std::uint64_t id;
    asio::steady_timer timer;  // latency and trickle waits; cancelled by stop()
    std::size_t served = 0;
    std::string tls_cipher{};  // negotiated suite, empty for plain HTTP
};

enum class after { keep_alive, close, closed };

// An abortive close: the peer gets a TCP RST, not a FIN.
void reset(beast::tcp_stream& s) {
    boost::system::error_code ec;
    s.socket().set_option(tcp::socket::linger(true, 0), ec);
    s.socket().close(ec);
}

void report_exception(std::exception_ptr e) {
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        std::cerr << "fake_server: " << x.what() << '\n';
    }
}

template <class Stream>
asio::awaitable<bool> write_all(Stream& stream, asio::const_buffer b) {
    auto [ec, n] = co_await asio::async_write(stream, b, nothrow);
    co_return !ec;
}

bool is_stream_fault(fault::kind k) {
    return k == fault::kind::stream_error || k == fault::kind::stream_reset ||
           k == fault::kind::stream_truncated || k == fault::kind::stream_stall;
}

// One HTTP chunk of `data`.
std::string chunk_of(std::string_view data) {
    char size[20];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out(size);
    out.append(data).append("\r\n");
    return out;
}

// Waits `d` on the connection's timer; false when stop() cut it short.
asio::awaitable<bool> pause(connection& c, std::chrono::milliseconds d) {
    if (stopping(*c.st))
        co_return false;
    c.timer.expires_after(d);
    auto [ec] = co_await c.timer.async_wait(nothrow);
    co_return !ec && !stopping(*c.st);
}

// A streamed answer: the header (chunked), then each event in a chunk of its
// own after stream_interval, then the last chunk. The stream_* faults act
// once `f.events` events have gone whole.
template <class Stream>
asio::awaitable<after> write_events(Stream& stream, connection& c, detail::http_response& res,
                                    const fault& f) {
    using kind = fault::kind;
    auto& lowest = beast::get_lowest_layer(stream);
    const std::string body = std::move(res.body());
    res.body().clear();
    res.erase(http::field::content_length);
    res.chunked(true);
    http::response_serializer<http::string_body> sr(res);
    auto [ec, n] = co_await http::async_write_header(stream, sr, nothrow);
    if (ec)
        co_return after::closed;
    std::vector<std::string_view> events;  // each with its blank line
    for (std::size_t at = 0; at < body.size();) {
        const std::size_t end = body.find("\n\n", at);
        const std::size_t next = end == std::string::npos ? body.size() : end + 2;
        events.push_back(std::string_view(body).substr(at, next - at));
        at = next;
    }
    const bool faulty = is_stream_fault(f.what);
    for (std::size_t i = 0; i <= events.size(); ++i) {
        if (faulty && i == std::min(f.events, events.size())) {
            if (f.what == kind::stream_reset) {
                reset(lowest);
                co_return after::closed;
            }
            if (f.what == kind::stream_stall) {
                lowest.expires_never();
                c.timer.expires_at(steady::time_point::max());
                co_await c.timer.async_wait(nothrow);  // until stop()
                co_return after::closed;
            }
            if (f.what == kind::stream_truncated) {
                const std::string_view half =
                    i < events.size() ? events[i].substr(0, events[i].size() / 2) : "data: {";
                const std::string cut = chunk_of(half);
                co_return co_await write_all(stream, asio::buffer(cut)) ? after::close
                                                                        : after::closed;
            }
            // stream_error: an error event, then the stream's end.
            const std::string type = f.error_type.empty() ? "server_error" : f.error_type;
            const std::string message = f.error_message.empty()
                                            ? "The fake server was told to fail the stream."
                                            : f.error_message;
            detail::http_response err =
                detail::error_response(200, type, message, f.error_param, f.error_code);
            const std::string out =
                chunk_of("event: error\ndata: " + err.body() + "\n\n") + "0\r\n\r\n";
            co_return co_await write_all(stream, asio::buffer(out)) ? after::close : after::closed;
        }
        if (i == events.size())
            break;
        if (c.st->opts.stream_interval.count() > 0) {
            lowest.expires_never();
            if (!co_await pause(c, c.st->opts.stream_interval))
                co_return after::closed;
            lowest.expires_after(io_timeout);
        }
        const std::string piece = chunk_of(events[i]);
        if (!co_await write_all(stream, asio::buffer(piece)))
            co_return after::closed;
    }
    const std::string last = "0\r\n\r\n";
    if (!co_await write_all(stream, asio::buffer(last)))
        co_return after::closed;
    co_return res.keep_alive() ? after::keep_alive : after::close;
}

template <class Stream>
asio::awaitable<after> respond(Stream& stream, connection& c, detail::http_request req,
                               steady::time_point received) {
    using kind = fault::kind;
    state& st = *c.st;
    request_record rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    for (const auto& h : req) {
        std::string name(h.name_string());
        for (char& ch : name)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto [it, inserted] = rec.headers.try_emplace(std::move(name), h.value());
        if (!inserted)
            it->second.append(", ").append(h.value());
    }
    rec.body_size = req.body().size();
    rec.content_type = std::string(req[http::field::content_type]);
    rec.received = received;
    rec.connection_id = c.id;
    rec.tls_cipher = c.tls_cipher;
    detail::record_body(req, rec);
    fault f;
    std::shared_ptr<const fault_rule> rule;
    std::size_t index = 0;
    {
        std::lock_guard order(st.fifo_mu);
        {
            std::lock_guard lock(st.mu);
            if (st.faults.empty())
                rule = st.rule;
        }
        index = detail::arrive(st, rec, f);
    }
    if (rule)
        f = (*rule)(rec);

    const auto delay = st.opts.latency + f.latency;
    if (delay.count() > 0) {
        if (stopping(st))
            co_return after::closed;
        c.timer.expires_after(delay);
        auto [ec] = co_await c.timer.async_wait(nothrow);
        if (ec)
            co_return after::closed;  // stop()
    }

    const bool replaced =
        f.what == kind::status || f.what == kind::raw_body || f.what == kind::malformed_json;
    detail::http_response res = detail::answer(st, req, !replaced);
    if (replaced)
        res = detail::fault_response(f);
    detail::add_common_headers(
        st, res, std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - received));
    // Scripted headers win over the common ones (x-ratelimit-*, for one).
    for (const auto& [name, value] : f.headers)
        res.set(name, value);
    ++c.served;
    const bool limit =
        st.opts.close_after_requests != 0 && c.served >= st.opts.close_after_requests;
    res.keep_alive(req.keep_alive() && !limit);
    res.prepare_payload();
    detail::finish(st, index, std::move(rec),
                   f.what == kind::reset_before_headers ? 0u : res.result_int());

    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(io_timeout);
    after next = res.keep_alive() ? after::keep_alive : after::close;
    const bool events =
        res.result() == http::status::ok && res[http::field::content_type] == "text/event-stream";
    if (events) {
        next = co_await write_events(stream, c, res, f);
    } else if (f.what == kind::reset_before_headers) {
        reset(lowest);
        next = after::closed;
    } else if (f.what == kind::reset_after_headers || f.what == kind::truncated_body ||
               f.what == kind::trickle_body) {
        http::response_serializer<http::string_body> sr(res);
        auto [ec, n] = co_await http::async_write_header(stream, sr, nothrow);
        const std::string& body = res.body();
        if (ec) {
            next = after::closed;
        } else if (f.what == kind::reset_after_headers) {
            reset(lowest);
            next = after::closed;
        } else if (f.what == kind::truncated_body) {
            const bool ok = co_await write_all(stream, asio::buffer(body.data(), body.size() / 2));
            next = ok ? after::close : after::closed;
        } else {
            const std::size_t chunk = std::max<std::size_t>(f.chunk, 1);
            for (std::size_t off = 0; off < body.size(); off += chunk) {
                const std::size_t len = std::min(chunk, body.size() - off);
                if (!co_await write_all(stream, asio::buffer(body.data() + off, len))) {
                    next = after::closed;
                    break;
                }
                if (off + len < body.size() && f.interval.count() > 0) {
                    lowest.expires_never();
                    c.timer.expires_after(f.interval);
                    auto [tec] = co_await c.timer.async_wait(nothrow);
                    if (tec || stopping(st)) {
                        next = after::closed;
                        break;
                    }
                    lowest.expires_after(io_timeout);
                }
            }
        }
    } else {
        auto [ec, n] = co_await http::async_write(stream, res, nothrow);
        if (ec)
            next = after::closed;
    }
    lowest.expires_never();
    co_return next;
}

// Answers a request that could not be read (malformed, too large) and closes.
template <class Stream>
asio::awaitable<after> refuse(Stream& stream, connection& c, boost::system::error_code ec) {
    if (ec.category() != http::make_error_code(http::error::bad_target).category() ||
        ec == http::error::end_of_stream || ec == http::error::partial_message)
        co_return after::closed;  // the peer went away
    const unsigned status = ec == http::error::body_limit     ? 413
                            : ec == http::error::header_limit ? 431
                                                              : 400;
    detail::http_response res = detail::error_response(
        status, "invalid_request_error", "The request could not be read: " + ec.message(), {}, {});
    detail::add_common_headers(*c.st, res, {});
    res.keep_alive(false);
    res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(io_timeout);
    auto [wec, n] = co_await http::async_write(stream, res, nothrow);
    co_return wec ? after::closed : after::close;
}

template <class Stream>
asio::awaitable<after> serve(Stream& stream, connection& c) {
    const server_options& opts = c.st->opts;
    auto& lowest = beast::get_lowest_layer(stream);
    beast::flat_buffer buf;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(64 * 1024);
        parser.body_limit(detail::max_request_body);
        if (opts.idle_close.count() > 0)
            lowest.expires_after(opts.idle_close);
        else
            lowest.expires_never();
        auto [ec, n] = co_await http::async_read_header(stream, buf, parser, nothrow);
        if (ec)
            co_return co_await refuse(stream, c, ec);
        const auto received = steady::now();
        lowest.expires_after(io_timeout);
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
            static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
            if (!co_await write_all(stream, asio::buffer(cont)))
                co_return after::closed;
        }
        if (!parser.is_done()) {
            auto [bec, bn] = co_await http::async_read(stream, buf, parser, nothrow);
            if (bec)
                co_return co_await refuse(stream, c, bec);
        }
        lowest.expires_never();
        const after next = co_await respond(stream, c, parser.release(), received);
        if (next != after::keep_alive)
            co_return next;
    }
}

void close_connection(connection& c, beast::tcp_stream& lowest) {
    c.timer.cancel();
    lowest.close();
}

asio::awaitable<void> run_connection(state* st, tcp::socket sock, std::uint64_t id,
                                     [[maybe_unused]] task_token token) {
    const asio::any_io_executor ex = sock.get_executor();
    connection c{st, id, asio::steady_timer(ex)};
    if (st->opts.tls) {
        ssl::stream<beast::tcp_stream> stream(std::move(sock), st->ssl_ctx);
        auto& lowest = beast::get_lowest_layer(stream);
        registration reg(*st, id, ex, [&c, &lowest] { close_connection(c, lowest); });
        if (!reg.ok())
            co_return;
        lowest.expires_after(handshake_timeout);
        auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, nothrow);
        if (ec)
            co_return;  // e.g. the client refused the certificate
        ++st->handshakes;
        if (SSL_session_reused(stream.native_handle()) == 1)
            ++st->resumed;
        if (const char* name = SSL_get_cipher_name(stream.native_handle()))
            c.tls_cipher = name;
        if (co_await serve(stream, c) == after::close) {
            lowest.expires_after(shutdown_timeout);
            co_await stream.async_shutdown(nothrow);  // a peer that just closes is fine
            lowest.close();
        }
    } else {
        beast::tcp_stream stream(std::move(sock));
        registration reg(*st, id, ex, [&c, &stream] { close_connection(c, stream); });
        if (!reg.ok())
            co_return;
        if (co_await serve(stream, c) == after::close) {
            boost::system::error_code ec;
            stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            stream.close();
        }
    }
}

asio::awaitable<void> accept_loop(state* st, [[maybe_unused]] task_token token) {
    for (;;) {
        const asio::any_io_executor conn_ex = asio::make_strand(st->ioc);
        auto [ec, sock] = co_await st->acceptor->async_accept(conn_ex, nothrow);
        if (ec) {
            if (ec == asio::error::operation_aborted || !st->acceptor->is_open())
                co_return;
            // Out of descriptors (EMFILE) and the like: try again shortly, not in a tight loop.
            asio::steady_timer pause(co_await asio::this_coro::executor, 10ms);
            co_await pause.async_wait(nothrow);
            continue;
        }
        ++st->accepted;
        task_token t = start_task(*st);
        if (!t)
            co_return;
        boost::system::error_code ignored;
        sock.set_option(tcp::no_delay(true), ignored);
        const auto id = ++st->connection_ids;
        asio::co_spawn(conn_ex, run_connection(st, std::move(sock), id, std::move(t)),
                       report_exception);
    }
}

}  // namespace

namespace detail {

void spawn_acceptor(fake_server::state& st) {
    const asio::any_io_executor ex = asio::make_strand(st.ioc);
    st.acceptor_executor = ex;
    asio::co_spawn(ex, accept_loop(&st, start_task(st)), report_exception);
}

}  // namespace detail
}  // namespace openai::images::testing
