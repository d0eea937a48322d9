// A scripted, misbehaving HTTP server on 127.0.0.1 for the hostile-server
// tests: it reads each request whole, then answers every one with the same
// script of raw bytes (sent at once, trickled, or repeated without end) and
// ends the connection in a chosen way. Plain TCP or TLS (a certificate of the
// fake server's test PKI, or a TLS 1.1-only configuration).
#pragma once

#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

namespace hostile {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

enum class ending {
    close_notify,     ///< TLS close_notify (when TLS), then FIN
    no_close_notify,  ///< FIN straight away, without TLS close_notify
    keep_open,        ///< wait for the client to close
};

enum class tls_mode {
    none,        ///< plain HTTP
    server,      ///< the test CA's certificate for 127.0.0.1
    wrong_host,  ///< a certificate of the test CA for other.example
    tls1_1_only  ///< the right certificate, but only TLS 1.0 and 1.1 offered
};

struct script {
    std::string head{};     ///< sent at once after the request was read
    std::string trickle{};  ///< then these bytes, one per `interval`
    std::chrono::milliseconds interval{1000};
    std::string repeat{};  ///< then this, again and again while the client reads
    ending end = ending::close_notify;
    /// Reads a request's body at most this many bytes per `body_interval`
    /// (0: as it comes), so that a large body fills the client's socket
    /// buffers and its writes have to wait.
    std::size_t body_pace = 0;
    std::chrono::milliseconds body_interval{10};
};

// Reads one request's head and its Content-Length body into `body` (or
// nowhere), the body at most `pace` bytes per `interval` when pace is not 0.
template <class Stream>
asio::awaitable<void> read_request(Stream& s, std::string& in, std::string* body = nullptr,
                                   std::size_t pace = 0, std::chrono::milliseconds interval = {}) {
    const auto head_end = co_await asio::async_read_until(s, asio::dynamic_buffer(in), "\r\n\r\n",
                                                          asio::use_awaitable);
    std::size_t length = 0;
    const auto head = in.substr(0, head_end);
    if (const auto at = head.find("Content-Length: "); at != std::string::npos)
        length = std::stoul(head.substr(at + 16));
    asio::steady_timer timer(s.get_executor());
    while (in.size() < head_end + length) {
        std::size_t want = head_end + length - in.size();
        if (pace != 0) {
            timer.expires_after(interval);
            co_await timer.async_wait(asio::use_awaitable);
            want = std::min(want, pace);
        }
        co_await asio::async_read(s, asio::dynamic_buffer(in), asio::transfer_exactly(want),
                                  asio::use_awaitable);
    }
    if (body != nullptr)
        body->assign(in, head_end, length);
    in.erase(0, head_end + length);
}

class server {
  public:
    server(script s, tls_mode mode) : script_(std::move(s)), mode_(mode) {
        if (mode_ != tls_mode::none)
            configure_tls();
        acceptor_.open(tcp::v4());
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(ioc_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~server() {
        ioc_.stop();
        thread_.join();
    }
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    std::string base_url() const {
        return std::string(mode_ == tls_mode::none ? "http" : "https") +
               "://127.0.0.1:" + std::to_string(port_) + "/v1";
    }
    std::uint16_t port() const { return port_; }
    std::size_t connections() const { return connections_.load(); }
    std::size_t requests() const { return requests_.load(); }
    /// The body of the last request read whole.
    std::string last_body() const {
        const std::lock_guard lock(mutex_);
        return last_body_;
    }

  private:
    void configure_tls() {
        const auto& pki = openai::images::testing::test_pki();
        const bool wrong = mode_ == tls_mode::wrong_host;
        const auto& cert = wrong ? pki.wrong_host_cert_pem : pki.server_cert_pem;
        const auto& key = wrong ? pki.wrong_host_key_pem : pki.server_key_pem;
        ctx_.use_certificate_chain(asio::buffer(cert));
        ctx_.use_private_key(asio::buffer(key), ssl::context::pem);
        if (mode_ == tls_mode::tls1_1_only) {
            // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level.
            SSL_CTX_set_security_level(ctx_.native_handle(), 0);
            SSL_CTX_set_cipher_list(ctx_.native_handle(), "DEFAULT:@SECLEVEL=0");
            SSL_CTX_set_min_proto_version(ctx_.native_handle(), TLS1_VERSION);
            SSL_CTX_set_max_proto_version(ctx_.native_handle(), TLS1_1_VERSION);
        }
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto sock = co_await acceptor_.async_accept(asio::use_awaitable);
            connections_.fetch_add(1);
            if (mode_ == tls_mode::none) {
                asio::co_spawn(ioc_, session_plain(std::move(sock)), asio::detached);
            } else {
                asio::co_spawn(ioc_, session_tls(std::move(sock)), asio::detached);
            }
        }
    }

    asio::awaitable<void> session_plain(tcp::socket sock) {
        try {
            co_await serve(sock, sock);
        } catch (const std::exception&) {
            // The client went away: what several scripts wait for.
        }
    }

    asio::awaitable<void> session_tls(tcp::socket sock) {
        ssl::stream<tcp::socket> s(std::move(sock), ctx_);
        try {
            co_await s.async_handshake(ssl::stream_base::server, asio::use_awaitable);
            co_await serve(s, s.next_layer());
        } catch (const std::exception&) {
            // A refused handshake or a client that went away.
        }
    }

    template <class Stream>
    asio::awaitable<void> serve(Stream& s, tcp::socket& raw) {
        std::string in;
        for (;;) {
            std::string body;
            co_await read_request(s, in, &body, script_.body_pace, script_.body_interval);
            {
                const std::lock_guard lock(mutex_);
                last_body_ = std::move(body);
            }
            requests_.fetch_add(1);
            co_await asio::async_write(s, asio::buffer(script_.head), asio::use_awaitable);
            asio::steady_timer timer(ioc_);
            for (const char c : script_.trickle) {
                timer.expires_after(script_.interval);
                co_await timer.async_wait(asio::use_awaitable);
                co_await asio::async_write(s, asio::buffer(&c, 1), asio::use_awaitable);
            }
            if (!script_.repeat.empty()) {
                for (;;)
                    co_await asio::async_write(s, asio::buffer(script_.repeat),
                                               asio::use_awaitable);
            }
            if (script_.end == ending::keep_open)
                continue;  // the next request, or an exception when the client closes
            if constexpr (!std::is_same_v<Stream, tcp::socket>) {
                if (script_.end == ending::close_notify)
                    co_await s.async_shutdown(asio::use_awaitable);
            }
            raw.shutdown(tcp::socket::shutdown_both);
            raw.close();
            co_return;
        }
    }

    const script script_;
    const tls_mode mode_;
    ssl::context ctx_{ssl::context::tls_server};
    std::atomic<std::size_t> connections_{0}, requests_{0};
    mutable std::mutex mutex_;
    std::string last_body_;
    std::uint16_t port_ = 0;
    // Destroyed first (members go in reverse order): the coroutine frames it
    // owns refer to everything above.
    asio::io_context ioc_;
    tcp::acceptor acceptor_{ioc_};
    std::thread thread_;
};

/// A complete, valid ImagesResponse body with one url image.
inline const std::string& images_json() {
    static const std::string body =
        R"({"created":1700000000,"data":[{"url":"https://127.0.0.1/files/a.png"}]})";
    return body;
}

}  // namespace hostile
