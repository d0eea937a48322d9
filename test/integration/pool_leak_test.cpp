// The pool's slots against failures: a port out of range is refused before
// anything is sent, a connection that fails gives its slot back (with a
// single connection allowed, the next request still gets it), and a
// kept-alive connection the server closed while idle is found dead before
// reuse instead of costing a re-sent request.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"
#include "hostile_server.hpp"

#include <openai/images.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
using asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;
using client_fixture::run_one;
using client_fixture::small_generation;

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// A plain HTTP server on 127.0.0.1 whose port is reserved at once but which
// listens only when told (connecting is refused until then). It answers
// every request with a complete 200 that keeps the connection alive, and,
// when asked, closes each connection right after its answer all the same,
// as a server does when its own idle timeout is short.
class raw_server {
  public:
    explicit raw_server(bool close_after_answer) : close_after_answer_(close_after_answer) {
        acceptor_.open(tcp::v4());
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        port_ = acceptor_.local_endpoint().port();
    }
    ~raw_server() {
        ioc_.stop();
        if (thread_.joinable())
            thread_.join();
    }
    raw_server(const raw_server&) = delete;
    raw_server& operator=(const raw_server&) = delete;

    void listen() {
        acceptor_.listen();
        asio::co_spawn(ioc_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
    std::uint16_t port() const { return port_; }
    std::size_t connections() const { return connections_.load(); }
    std::size_t requests() const { return requests_.load(); }

    // Waits until the server has closed `count` connections, 20 s at most.
    bool wait_closed(std::size_t count) {
        std::unique_lock lock(mutex_);
        return closed_cv_.wait_for(lock, 20s, [&] { return closed_ >= count; });
    }

  private:
    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto sock = co_await acceptor_.async_accept(asio::use_awaitable);
            connections_.fetch_add(1);
            asio::co_spawn(ioc_, session(std::move(sock)), asio::detached);
        }
    }

    asio::awaitable<void> session(tcp::socket sock) {
        static const std::string answer =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(hostile::images_json().size()) + "\r\n\r\n" + hostile::images_json();
        try {
            std::string in;
            for (;;) {
                co_await hostile::read_request(sock, in);
                requests_.fetch_add(1);
                co_await asio::async_write(sock, asio::buffer(answer), asio::use_awaitable);
                if (close_after_answer_) {
                    error_code ignored;
                    sock.shutdown(tcp::socket::shutdown_both, ignored);
                    sock.close(ignored);
                    const std::lock_guard lock(mutex_);
                    ++closed_;
                    closed_cv_.notify_all();
                    co_return;
                }
            }
        } catch (const std::exception&) {
            // The client closed its connection.
        }
    }

    const bool close_after_answer_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> connections_{0}, requests_{0};
    std::mutex mutex_;
    std::condition_variable closed_cv_;
    std::size_t closed_ = 0;
    // Destroyed first (members go in reverse order): the coroutine frames it
    // owns refer to everything above.
    asio::io_context ioc_;
    tcp::acceptor acceptor_{ioc_};
    std::thread thread_;
};

// One connection at most, no retries, and a short wait for it: a slot
// leaked would fail the next request within a second instead of a minute.
oi::client_options one_connection(const std::string& base_url) {
    oi::client_options o;
    o.base_url = base_url;
    o.api_key = client_fixture::key;
    o.retry.max_retries = 0;
    o.pool.max_connections = 1;
    o.pool.wait_timeout = 1'000ms;
    return o;
}

struct download_outcome {
    error_code ec;
    std::string body;
    bool done = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_leak)

BOOST_AUTO_TEST_CASE(a_base_url_port_out_of_range_is_refused_when_the_client_is_built) {
    asio::io_context ioc;
    for (const std::string port : {"99999999999999999999", "65536", "0", ""}) {
        BOOST_TEST_CONTEXT("port '" << port << "'") {
            const std::string url = "http://127.0.0.1:" + port + "/v1";
            try {
                oi::client c(ioc.get_executor(), one_connection(url));
                BOOST_ERROR("the client was built");
            } catch (const oi::client_error& e) {
                BOOST_TEST(e.code() == oi::client_errc::invalid_base_url);
                BOOST_TEST(e.param() == "base_url");
                BOOST_TEST(std::string(e.what()) == "base_url: '" + url + "' has port '" + port +
                                                        "'; a port is a number from 1 to 65535");
            }
        }
    }
    // The ends of the range are ports like any other.
    oi::client lowest(ioc.get_executor(), one_connection("http://127.0.0.1:1/v1"));
    oi::client highest(ioc.get_executor(), one_connection("http://127.0.0.1:65535/v1"));
}

BOOST_AUTO_TEST_CASE(a_pool_of_no_connections_is_refused_when_the_client_is_built) {
    asio::io_context ioc;
    auto opts = one_connection("http://127.0.0.1:8080/v1");
    opts.pool.max_connections = 0;
    try {
        oi::client c(ioc.get_executor(), opts);
        BOOST_ERROR("the client was built");
    } catch (const oi::client_error& e) {
        BOOST_TEST(e.code() == oi::client_errc::value_out_of_range);
        BOOST_TEST(e.param() == "pool.max_connections");
        BOOST_TEST(std::string(e.what()) ==
                   "pool.max_connections: 0; it must be at least 1 (the connections allowed per "
                   "origin)");
    }
}

BOOST_AUTO_TEST_CASE(a_failed_connect_frees_its_slot_for_the_next_request) {
    raw_server server(false);  // not listening yet: connecting is refused
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), one_connection(server.base_url()));
    oi::diagnostics diag;
    for (int i = 0; i < 2; ++i) {
        BOOST_TEST_CONTEXT("request " << i) {
            auto r =
                run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
            BOOST_TEST(r.ec == asio::error::connection_refused);
            BOOST_TEST(contains(diag.message(), "connecting to 127.0.0.1:"));
            BOOST_TEST(c.stats().open_connections == 0u);
            BOOST_TEST(c.stats().idle_connections == 0u);
        }
    }
    server.listen();
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    const auto s = c.stats();
    BOOST_TEST(s.pool_waits == 0u);
    BOOST_TEST(s.connections_opened == 1u);
    BOOST_TEST(s.open_connections == 1u);
    BOOST_TEST(s.idle_connections == 1u);
    BOOST_TEST(server.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(a_download_url_with_a_port_out_of_range_fails_with_invalid_url) {
    raw_server server(false);
    server.listen();
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), one_connection(server.base_url()));
    oi::diagnostics diag;
    download_outcome out;
    const std::string url = "http://127.0.0.1:99999999999999999999/v1/files/a.png";
    c.async_download(url, diag, [&out](error_code ec, std::string body) {
        out.ec = ec;
        out.body = std::move(body);
        out.done = true;
    });
    ioc.run_for(30s);
    BOOST_REQUIRE(out.done);
    BOOST_TEST(out.ec == oi::client_errc::invalid_url);
    BOOST_TEST(diag.param() == "url");
    BOOST_TEST(std::string(diag.message()) ==
               "url: '" + url +
                   "' has port '99999999999999999999'; a port is a number from 1 to 65535");
    BOOST_TEST(c.stats().open_connections == 0u);
    BOOST_TEST(server.connections() == 0u);
    // The one connection allowed is still there to take.
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    BOOST_TEST(c.stats().pool_waits == 0u);
}

BOOST_AUTO_TEST_CASE(an_idle_connection_closed_by_the_server_is_found_dead_before_reuse) {
    raw_server server(true);
    server.listen();
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), one_connection(server.base_url()));
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    // The answer said keep-alive: the connection waits in the pool, closed
    // at the other end.
    BOOST_REQUIRE(server.wait_closed(1));
    BOOST_TEST(c.stats().idle_connections == 1u);
    BOOST_TEST(c.stats().open_connections == 1u);

    r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    const auto s = c.stats();
    BOOST_TEST(s.idle_closed_by_server == 1u);
    BOOST_TEST(s.stale_resends == 0u);
    BOOST_TEST(s.retries == 0u);
    BOOST_TEST(s.connections_reused == 0u);
    BOOST_TEST(s.connections_opened == 2u);
    BOOST_TEST(s.requests == 2u);
    BOOST_TEST(diag.response().attempts == 1u);
    // Nothing was written on the dead connection.
    BOOST_TEST(server.requests() == 2u);
    BOOST_TEST(server.connections() == 2u);
}

BOOST_AUTO_TEST_CASE(a_live_idle_connection_is_reused) {
    raw_server server(false);
    server.listen();
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), one_connection(server.base_url()));
    for (int i = 0; i < 3; ++i) {
        oi::diagnostics diag;
        auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    }
    const auto s = c.stats();
    BOOST_TEST(s.connections_opened == 1u);
    BOOST_TEST(s.connections_reused == 2u);
    BOOST_TEST(s.idle_closed_by_server == 0u);
    BOOST_TEST(server.connections() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
