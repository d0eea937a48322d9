#include "transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

namespace openai::images::detail {
namespace {

using asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

steady::time_point phase_end(std::chrono::milliseconds phase, steady::time_point deadline) {
    const auto now = steady::now();
    return phase.count() > 0 ? std::min(now + phase, deadline) : deadline;
}

// A Beast timeout is the phase's own error, unless the overall deadline is
// what expired.
error_code timeout_error(client_errc phase, steady::time_point deadline) {
    return steady::now() >= deadline ? client_errc::deadline_exceeded : phase;
}

// The errors a kept-alive connection closed by the server gives on reuse.
bool closed_by_peer(error_code ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == asio::error::not_connected ||
           ec == asio::ssl::error::stream_truncated;
}

std::string describe(const error_code& ec) {
    return ec.message();
}

// Per-operation cancellation reaches a socket operation only while it is
// pending; one emitted between two operations (a loopback write often
// completes at once) is only remembered by the coroutine's cancellation
// state, so it is checked after every operation.
bool cancelled(const asio::cancellation_state& cs) {
    return cs.cancelled() != asio::cancellation_type::none;
}

exchange_result aborted(std::string_view phase) {
    exchange_result r;
    r.ec = asio::error::operation_aborted;
    r.message = std::string(phase) + ": cancelled";
    return r;
}

template <class Stream, class Body>
asio::awaitable<exchange_result> do_exchange(Stream& s, connection& c, http::request<Body>& req,
                                             steady::time_point deadline, const timeouts& t,
                                             const limits& l, stats_counters& stats) {
    exchange_result r;
    const bool reused = c.requests > 0;
    const auto cs = co_await asio::this_coro::cancellation_state;

    http::request_serializer<Body> sr(req);
    while (!sr.is_done()) {
        c.lowest().expires_at(phase_end(t.body_idle, deadline));
        auto [ec, n] = co_await http::async_write_some(s, sr, tuple_awaitable);
        stats.bytes_sent.fetch_add(n, std::memory_order_relaxed);
        if (cancelled(cs))
            co_return aborted("sending the request");
        if (ec) {
            r.stale = reused && closed_by_peer(ec);
            if (ec == beast::error::timeout) {
                r.ec = timeout_error(client_errc::body_idle_timeout, deadline);
                r.message = "sending the request: " + describe(r.ec);
            } else {
                r.ec = ec;
                if constexpr (std::is_same_v<Body, multipart_body>) {
                    if (!sr.writer_impl().error_message().empty()) {
                        r.message = std::string(sr.writer_impl().error_message());
                    }
                }
                if (r.message.empty())
                    r.message = "sending the request: " + describe(ec);
            }
            co_return r;
        }
    }
    stats.requests.fetch_add(1, std::memory_order_relaxed);

    http::response_parser<http::string_body> p;
    p.header_limit(l.max_response_header);
    p.body_limit(l.max_response_body);
    c.lowest().expires_at(phase_end(t.response_header, deadline));
    {
        auto [ec, n] = co_await http::async_read_header(s, c.buffer, p, tuple_awaitable);
        stats.bytes_received.fetch_add(n, std::memory_order_relaxed);
        if (cancelled(cs))
            co_return aborted("reading the response header");
        if (ec) {
            r.stale = reused && closed_by_peer(ec);
            if (ec == beast::error::timeout) {
                r.ec = timeout_error(client_errc::response_header_timeout, deadline);
            } else if (ec == http::error::header_limit || ec == http::error::body_limit) {
                // A Content-Length over the body limit is refused with the header.
                r.ec = client_errc::response_too_large;
            } else {
                r.ec = ec;
            }
            r.message = "reading the response header: " + describe(r.ec);
            co_return r;
        }
    }
    while (!p.is_done()) {
        c.lowest().expires_at(phase_end(t.body_idle, deadline));
        auto [ec, n] = co_await http::async_read_some(s, c.buffer, p, tuple_awaitable);
        stats.bytes_received.fetch_add(n, std::memory_order_relaxed);
        if (cancelled(cs))
            co_return aborted("reading the response body");
        if (ec) {
            if (ec == beast::error::timeout) {
                r.ec = timeout_error(client_errc::body_idle_timeout, deadline);
            } else if (ec == http::error::body_limit) {
                r.ec = client_errc::response_too_large;
            } else if (ec == http::error::partial_message || closed_by_peer(ec)) {
                r.ec = client_errc::truncated_response;
            } else {
                r.ec = ec;
            }
            r.message = "reading the response body: " + describe(r.ec);
            co_return r;
        }
    }
    c.lowest().expires_never();
    r.response = p.release();
    r.keep_alive = r.response.keep_alive();
    ++c.requests;
    co_return r;
}

template <class Body>
asio::awaitable<exchange_result> exchange_any(connection& c, http::request<Body>& req,
                                              steady::time_point deadline, const timeouts& t,
                                              const limits& l, stats_counters& stats) {
    if (c.is_tls())
        co_return co_await do_exchange(c.tls_stream(), c, req, deadline, t, l, stats);
    co_return co_await do_exchange(c.plain_stream(), c, req, deadline, t, l, stats);
}

}  // namespace

asio::awaitable<exchange_result> connect(connection& c, const origin& o,
                                         steady::time_point deadline, const timeouts& t,
                                         stats_counters& stats) {
    exchange_result r;
    const auto connect_end = phase_end(t.connect, deadline);
    const auto cs = co_await asio::this_coro::cancellation_state;

    boost::system::error_code addr_ec;
    const auto addr = asio::ip::make_address(o.host, addr_ec);
    tcp::resolver::results_type endpoints;
    if (addr_ec) {
        // Name resolution counts against the connect timeout: the timer
        // cancels it. The handler holds a weak reference, as it may run
        // after this scope has ended.
        auto resolver = std::make_shared<tcp::resolver>(c.lowest().get_executor());
        asio::steady_timer limit(c.lowest().get_executor(), connect_end);
        limit.async_wait([weak = std::weak_ptr<tcp::resolver>(resolver)](error_code ec) {
            if (auto res = weak.lock(); res && !ec)
                res->cancel();
        });
        auto [ec, results] = co_await resolver->async_resolve(o.host, o.port, tuple_awaitable);
        limit.cancel();
        if (ec == asio::error::operation_aborted && !cancelled(cs) &&
            steady::now() >= connect_end) {
            r.ec = timeout_error(client_errc::connect_timeout, deadline);
            r.message = "resolving " + o.host + ": " + describe(r.ec);
            co_return r;
        }
        if (cancelled(cs))
            co_return aborted("resolving " + o.host);
        if (ec) {
            r.ec = ec;
            r.message = "resolving " + o.host + ": " + describe(ec);
            co_return r;
        }
        endpoints = std::move(results);
    } else {
        endpoints = tcp::resolver::results_type::create(
            tcp::endpoint(addr, static_cast<unsigned short>(std::stoul(o.port))), o.host, o.port);
    }
    if (steady::now() >= connect_end) {
        r.ec = timeout_error(client_errc::connect_timeout, deadline);
        r.message = "resolving " + o.host + ": " + describe(r.ec);
        co_return r;
    }

    c.lowest().expires_at(connect_end);
    {
        auto [ec, ep] = co_await c.lowest().async_connect(endpoints, tuple_awaitable);
        if (cancelled(cs))
            co_return aborted("connecting to " + o.host + ":" + o.port);
        if (ec) {
            r.ec = ec == beast::error::timeout
                       ? timeout_error(client_errc::connect_timeout, deadline)
                       : ec;
            r.message = "connecting to " + o.host + ":" + o.port + ": " + describe(r.ec);
            co_return r;
        }
    }
    c.lowest().socket().set_option(tcp::no_delay(true));
    stats.connections_opened.fetch_add(1, std::memory_order_relaxed);

    if (c.is_tls()) {
        auto& tls = c.tls_stream();
        // SNI is for host names only (RFC 6066); the certificate is checked
        // against the host either way, IP addresses against its IP SANs.
        if (addr_ec && !SSL_set_tlsext_host_name(tls.native_handle(), o.host.c_str())) {
            r.ec = error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
            r.message = "setting the TLS server name: " + describe(r.ec);
            co_return r;
        }
        tls.set_verify_callback(asio::ssl::host_name_verification(o.host));
        c.lowest().expires_at(phase_end(t.tls_handshake, deadline));
        auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
        if (cancelled(cs))
            co_return aborted("TLS handshake with " + o.host);
        if (ec) {
            r.ec = ec == beast::error::timeout
                       ? timeout_error(client_errc::handshake_timeout, deadline)
                       : ec;
            r.message = "TLS handshake with " + o.host + ": " + describe(r.ec);
            co_return r;
        }
        stats.tls_handshakes.fetch_add(1, std::memory_order_relaxed);
    }
    c.lowest().expires_never();
    c.connected = true;
    co_return r;
}

asio::awaitable<exchange_result> exchange(connection& c, http::request<http::string_body>& req,
                                          steady::time_point deadline, const timeouts& t,
                                          const limits& l, stats_counters& stats) {
    co_return co_await exchange_any(c, req, deadline, t, l, stats);
}

asio::awaitable<exchange_result> exchange(connection& c, http::request<multipart_body>& req,
                                          steady::time_point deadline, const timeouts& t,
                                          const limits& l, stats_counters& stats) {
    co_return co_await exchange_any(c, req, deadline, t, l, stats);
}

}  // namespace openai::images::detail
