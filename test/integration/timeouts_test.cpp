// Each of the client's timeouts in the phase it guards: connect (a listener
// whose backlog is full), TLS handshake (a listener that never answers),
// response header, body idle, the overall deadline and the wait for a pooled
// connection; and a refused connection, which is no timeout.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using boost::system::error_code;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using client_fixture::ca_file;
using client_fixture::contains;
using client_fixture::fault_case;
using client_fixture::key;
using client_fixture::options_for;
using client_fixture::outcome;
using client_fixture::png_file;
using client_fixture::run_one;
using client_fixture::run_until;
using client_fixture::small_generation;

// A TCP listener on 127.0.0.1 that accepts and then says nothing.
struct silent_listener {
    asio::io_context ioc;
    asio::ip::tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    std::vector<asio::ip::tcp::socket> accepted;
    std::thread runner;

    silent_listener() {
        accept();
        runner = std::thread([this] { ioc.run(); });
    }
    ~silent_listener() {
        asio::post(ioc, [this] {
            acceptor.close();
            for (auto& s : accepted)
                s.close();
        });
        runner.join();
    }
    void accept() {
        acceptor.async_accept([this](error_code ec, asio::ip::tcp::socket s) {
            if (ec)
                return;
            accepted.push_back(std::move(s));
            accept();
        });
    }
    std::string base_url(bool tls) const {
        return std::string(tls ? "https" : "http") +
               "://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/v1";
    }
};

// A listener whose accept queue is full and never drained: connecting to it
// stays in SYN-SENT until the client gives up.
struct full_backlog {
    asio::io_context ioc;
    asio::ip::tcp::acceptor acceptor{ioc};
    std::vector<asio::ip::tcp::socket> fillers;

    full_backlog() {
        const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor.open(ep.protocol());
        acceptor.bind(ep);
        acceptor.listen(0);
        // Fill the queue: connects that complete are queued, later ones hang.
        for (int i = 0; i < 8; ++i) {
            fillers.emplace_back(ioc);
            fillers.back().async_connect(acceptor.local_endpoint(), [](error_code) {});
        }
        ioc.run_for(200ms);
    }
    std::string base_url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/v1";
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(client_timeouts)

BOOST_AUTO_TEST_CASE(connect_timeout) {
    full_backlog backlog;
    asio::io_context ioc;
    oi::client_options o;
    o.base_url = backlog.base_url();
    o.api_key = key;
    o.retry.max_retries = 0;
    o.timeout.connect = 300ms;
    oi::client c(ioc.get_executor(), o);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::connect_timeout, r.ec.message() << ": " << diag.message());
    BOOST_TEST(diag.message() == "connecting to 127.0.0.1:" +
                                     std::to_string(backlog.acceptor.local_endpoint().port()));
}

// The diagnostics name the phase and the peer; the error's own message
// ("Connection refused") is the code's, not repeated.
BOOST_AUTO_TEST_CASE(a_refused_connection_names_the_peer_once) {
    std::uint16_t port = 0;
    {
        asio::io_context probe;
        asio::ip::tcp::acceptor a(probe, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }  // closed: nothing listens there now
    asio::io_context ioc;
    oi::client_options o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    o.api_key = key;
    o.retry.max_retries = 0;
    oi::client c(ioc.get_executor(), o);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == asio::error::connection_refused, r.ec.message());
    BOOST_TEST(diag.message() == "connecting to 127.0.0.1:" + std::to_string(port));
}

BOOST_AUTO_TEST_CASE(handshake_timeout) {
    silent_listener silent;
    asio::io_context ioc;
    oi::client_options o;
    o.base_url = silent.base_url(true);
    o.api_key = key;
    o.tls.ca_file = ca_file();
    o.retry.max_retries = 0;
    o.timeout.tls_handshake = 200ms;
    oi::client c(ioc.get_executor(), o);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::handshake_timeout, r.ec.message());
    BOOST_TEST(c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_CASE(response_header_timeout) {
    t::fake_server server;
    fault_case f(server, [](auto& o) {
        o.retry.max_retries = 0;
        o.timeout.response_header = 200ms;
    });
    server.push_fault({.latency = 10'000ms});
    BOOST_TEST(f.generate().ec == oi::client_errc::response_header_timeout);
    BOOST_TEST(contains(f.diag.message(), "response header"));
    BOOST_TEST(!f.generate().ec);  // a fresh connection works
    BOOST_TEST(f.c.stats().connections_opened == 2u);
}

// An upload's send phase arms the connection's timer for the body-idle
// time; the header phase after it allows longer, so the timer fires while
// the answer is awaited within its time and must wait on for it.
BOOST_AUTO_TEST_CASE(a_header_phase_longer_than_the_send_phase_before_it_gets_its_whole_time) {
    t::fake_server server;
    fault_case f(server, [](auto& o) {
        o.retry.max_retries = 0;
        o.timeout.body_idle = 300ms;
        o.timeout.response_header = 5000ms;
    });
    server.push_fault({.latency = 1000ms});
    oi::CreateImageEditRequest edit{.image = {png_file(64, 64)}, .prompt = "x"};
    auto r = run_one(f.ioc, [&](auto h) { f.c.async_create_image_edit(edit, f.diag, h); });
    BOOST_TEST(!r.ec, r.ec.message() << ": " << f.diag.message());
}

// The timeouts leave nothing pending once an exchange is over: a caller's
// io_context::run() returns when its requests are done, the connection kept.
BOOST_AUTO_TEST_CASE(a_kept_connection_leaves_no_work_behind) {
    t::fake_server server;
    fault_case f(server);
    for (int i = 0; i < 2; ++i) {
        const auto r = run_one(
            f.ioc, [&](auto h) { f.c.async_create_image(small_generation(), f.diag, h); }, 10s);
        BOOST_TEST(!r.ec, r.ec.message());
        BOOST_TEST(f.ioc.stopped());  // out of work, not out of time
    }
    BOOST_TEST(f.c.stats().open_connections == 1u);
    BOOST_TEST(f.c.stats().connections_opened == 1u);

    // Four at once, on four connections: the last one done releases all.
    server.push_fault({.latency = 200ms});
    server.push_fault({.latency = 200ms});
    server.push_fault({.latency = 200ms});
    server.push_fault({.latency = 200ms});
    int done = 0;
    for (int i = 0; i < 4; ++i)
        f.c.async_create_image(small_generation(), [&](error_code ec, oi::ImagesResponse) {
            BOOST_TEST(!ec, ec.message());
            ++done;
        });
    f.ioc.restart();
    f.ioc.run_for(10s);
    BOOST_TEST(done == 4);
    BOOST_TEST(f.ioc.stopped());
    BOOST_TEST(f.c.stats().open_connections == 4u);
}

BOOST_AUTO_TEST_CASE(response_header_timeout_is_retried) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.timeout.response_header = 200ms; });
    server.push_fault({.latency = 10'000ms});
    BOOST_TEST(!f.generate().ec);
    BOOST_TEST(f.diag.failed_attempts().at(0).ec == oi::client_errc::response_header_timeout);
}

BOOST_AUTO_TEST_CASE(body_idle_timeout) {
    t::fake_server server;
    fault_case f(server, [](auto& o) {
        o.retry.max_retries = 0;
        o.timeout.body_idle = 200ms;
    });
    server.push_fault({.what = t::fault::kind::trickle_body, .chunk = 100, .interval = 10'000ms});
    BOOST_TEST(f.generate().ec == oi::client_errc::body_idle_timeout);
    BOOST_TEST(contains(f.diag.message(), "response body"));
}

BOOST_AUTO_TEST_CASE(overall_deadline) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.timeout.total = 300ms; });
    server.push_fault({.latency = 10'000ms});
    const auto start = steady::now();
    BOOST_TEST(f.generate().ec == oi::client_errc::deadline_exceeded);
    BOOST_TEST(f.diag.response().attempts == 1u);
    BOOST_TEST((steady::now() - start < 5s));
}

BOOST_AUTO_TEST_CASE(pool_wait_timeout) {
    t::fake_server server;
    asio::io_context ioc;
    auto o = options_for(server);
    o.pool.max_connections = 1;
    o.pool.wait_timeout = 100ms;
    o.retry.max_retries = 0;
    oi::client c(ioc.get_executor(), o);
    server.push_fault({.latency = 1'000ms});
    outcome first, second;
    c.async_create_image(small_generation(), [&](error_code ec, oi::ImagesResponse) {
        first.ec = ec;
        first.done = true;
    });
    oi::diagnostics diag;
    c.async_create_image(small_generation(), diag, [&](error_code ec, oi::ImagesResponse) {
        second.ec = ec;
        second.done = true;
    });
    BOOST_REQUIRE(run_until(ioc, [&] { return first.done && second.done; }));
    BOOST_TEST(!first.ec);
    BOOST_TEST(second.ec == oi::client_errc::pool_wait_timeout);
    BOOST_TEST(c.stats().pool_waits == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
