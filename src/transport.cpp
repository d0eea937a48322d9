#include "transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace openai::images::detail {
namespace {

using asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// "host:port", an IPv6 address in brackets.
std::string peer(const origin& o) {
    const bool v6 = o.host.find(':') != std::string::npos;
    return (v6 ? "[" + o.host + "]" : o.host) + ":" + o.port;
}

// Whether the verification failed for want of a trusted issuer, which a
// private CA's file cures (not a name mismatch or an expired certificate).
bool untrusted_issuer(long verify_result) {
    switch (verify_result) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_CERT_UNTRUSTED:
            return true;
        default:
            return false;
    }
}

// A handshake that failed on the server's certificate becomes
// tls_certificate_rejected, with OpenSSL's reason for rejecting it (OpenSSL's
// own error only says "certificate verify failed").
bool certificate_rejected(SSL* ssl, const origin& o, exchange_result& r) {
    // The reason, not the verify result alone: a verify_none context of the
    // caller's records a failed verification and carries on.
    if (r.ec.category() != asio::error::get_ssl_category() ||
        ERR_GET_REASON(static_cast<unsigned long>(r.ec.value())) != SSL_R_CERTIFICATE_VERIFY_FAILED)
        return false;
    const long result = SSL_get_verify_result(ssl);
    r.ec = client_errc::tls_certificate_rejected;
    r.message = peer(o) + ": ";
    if (result == X509_V_OK) {
        r.message += "certificate verify failed";
    } else {
        r.message += X509_verify_cert_error_string(result);
        if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH)
            r.message += " (the certificate does not name " + o.host + ")";
        else if (untrusted_issuer(result))
            r.message += private_ca_hint;
    }
    return true;
}

// One coroutine for the exchange, whichever the stream: the request's
// frames are few (each level of coroutine costs a frame and a move of the
// whole response on the way out).
template <class Request>
asio::awaitable<exchange_result> exchange_any(connection& c, Request& req,
                                              steady::time_point deadline, const timeouts& t,
                                              const limits& l, stats_counters& stats,
                                              body_sink* sink) {
    auto expire = [&c](steady::time_point tp) {
        if (tp == steady::time_point::max())
            c.lowest().expires_never();
        else
            c.lowest().expires_at(tp);
    };
    // Named, not a braced temporary: GCC 12 (only) miscompiles those inside co_await.
    const exchange_counters counters{stats.requests, stats.bytes_sent, stats.bytes_received};
    const bool reused = c.requests > 0;
    exchange_result r;
    if (c.is_tls())
        r = co_await write_and_read(c.tls_stream(), c.buffer, expire, reused, req, deadline, t, l,
                                    counters, sink);
    else
        r = co_await write_and_read(c.plain_stream(), c.buffer, expire, reused, req, deadline, t, l,
                                    counters, sink);
    if (!r.ec)
        ++c.requests;
    if (c.is_tls()) {
        // The session to resume, once the first response is read: TLS 1.3
        // tickets come after the handshake, ahead of it.
        if (!r.ec && c.requests == 1 && c.sessions != nullptr)
            c.sessions->save(c.tls_stream().native_handle(), c.where, c.offered_session);
        c.tls_stream().trim();  // an idle connection keeps only the small input buffer
    }
    co_return r;
}

}  // namespace

asio::awaitable<exchange_result> connect(connection& c, const origin& o,
                                         steady::time_point deadline, const timeouts& t,
                                         stats_counters& stats, tls_session_cache* sessions) {
    exchange_result r;
    const auto connect_end = phase_end(t.connect, deadline);
    const auto cs = co_await asio::this_coro::cancellation_state;

    const auto port = parse_port(o.port);
    if (!port) {
        r.ec = client_errc::invalid_url;
        r.message = "connecting to " + peer(o) + ": the port is not a number from 1 to 65535";
        co_return r;
    }
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
            r.message = "resolving " + o.host;
            co_return r;
        }
        if (cancelled(cs))
            co_return aborted("resolving " + o.host);
        if (ec) {
            r.ec = ec;
            r.message = "resolving " + o.host;
            co_return r;
        }
        endpoints = std::move(results);
    } else {
        endpoints = tcp::resolver::results_type::create(tcp::endpoint(addr, *port), o.host, o.port);
    }
    if (steady::now() >= connect_end) {
        r.ec = timeout_error(client_errc::connect_timeout, deadline);
        r.message = "resolving " + o.host;
        co_return r;
    }

    c.lowest().expires_at(connect_end);
    {
        // Each address in turn, until one connects or the deadline closes
        // the socket (asio::async_connect would open it again for the next).
        auto& sock = c.lowest().socket();
        error_code ec = asio::error::host_not_found;
        for (const auto& e : endpoints) {
            error_code ignored;
            sock.close(ignored);
            sock.open(e.endpoint().protocol(), ec);
            if (ec)
                continue;
            auto [cec] = co_await sock.async_connect(e.endpoint(), tuple_awaitable);
            if (cancelled(cs))
                co_return aborted("connecting to " + peer(o));
            ec = c.lowest().timeout_result(cec);
            if (!ec || ec == beast::error::timeout)
                break;
        }
        if (ec) {
            r.ec = ec == beast::error::timeout
                       ? timeout_error(client_errc::connect_timeout, deadline)
                       : ec;
            r.message = "connecting to " + peer(o);
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
            r.ec = ssl_error();
            r.message = "setting the TLS server name " + o.host;
            co_return r;
        }
        // The certificate must name the host: an IP address among its IP
        // SANs, a host name among its DNS names (checked by OpenSSL during
        // verification, which a verify_none context ignores).
        const bool host_set = addr_ec
                                  ? SSL_set1_host(tls.native_handle(), o.host.c_str()) == 1
                                  : X509_VERIFY_PARAM_set1_ip_asc(
                                        SSL_get0_param(tls.native_handle()), o.host.c_str()) == 1;
        if (!host_set) {
            r.ec = ssl_error();
            r.message = "setting the TLS host to verify to " + o.host;
            co_return r;
        }
        // TLS 1.2 or newer on every connection, a caller's own context included.
        if (!SSL_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION)) {
            r.ec = ssl_error();
            r.message = "setting the minimum TLS version";
            co_return r;
        }
        if (sessions != nullptr) {
            c.sessions = sessions;
            c.offered_session = sessions->offer(tls.native_handle(), o);
        }
        c.lowest().expires_at(phase_end(t.tls_handshake, deadline));
        auto [ec] = co_await tls.async_handshake(tuple_awaitable);
        if (cancelled(cs))
            co_return aborted("TLS handshake with " + peer(o));
        if (ec) {
            r.ec = ec == beast::error::timeout
                       ? timeout_error(client_errc::handshake_timeout, deadline)
                       : ec;
            if (!certificate_rejected(tls.native_handle(), o, r))
                r.message = "TLS handshake with " + peer(o);
            co_return r;
        }
        stats.tls_handshakes.fetch_add(1, std::memory_order_relaxed);
        if (SSL_session_reused(tls.native_handle()) == 1)
            stats.tls_resumed.fetch_add(1, std::memory_order_relaxed);
    }
    c.lowest().expires_never();
    c.connected = true;
    co_return r;
}

asio::awaitable<exchange_result> exchange(connection& c, rendered_request& req,
                                          steady::time_point deadline, const timeouts& t,
                                          const limits& l, stats_counters& stats, body_sink* sink) {
    return exchange_any(c, req, deadline, t, l, stats, sink);
}

asio::awaitable<exchange_result> exchange(connection& c, http::request<multipart_body>& req,
                                          steady::time_point deadline, const timeouts& t,
                                          const limits& l, stats_counters& stats, body_sink* sink) {
    return exchange_any(c, req, deadline, t, l, stats, sink);
}

}  // namespace openai::images::detail
