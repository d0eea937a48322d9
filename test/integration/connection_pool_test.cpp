// The connection pool: 1,000 concurrent requests through 32 connections on
// one thread and on four, reuse of one connection by sequential requests,
// idle expiry, the per-connection request limit, and connections the server
// closes, whether it says so or not.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using boost::system::error_code;
using namespace std::chrono_literals;
using client_fixture::options_for;
using client_fixture::run_one;
using client_fixture::run_until;
using client_fixture::small_generation;

// Starts `count` generations at once and runs `threads` threads until all
// completed; returns how many succeeded and checks each completed once.
std::size_t concurrent_generations(oi::client& c, asio::io_context& ioc, std::size_t count,
                                   std::size_t threads) {
    std::atomic<std::size_t> ok{0}, completed{0}, duplicates{0};
    std::vector<std::atomic<int>> seen(count);
    oi::CreateImageRequest req{.prompt = "many",
                               .model = oi::ImageModel::dall_e_2,
                               .response_format = oi::ImageResponseFormat::url,
                               .size = oi::ImageSize::s256x256};
    for (std::size_t i = 0; i < count; ++i) {
        c.async_create_image(req, [&, i](error_code ec, oi::ImagesResponse r) {
            if (seen[i].fetch_add(1) != 0)
                duplicates.fetch_add(1);
            if (!ec && r.data.size() == 1 && r.data[0].url)
                ok.fetch_add(1);
            completed.fetch_add(1);
        });
    }
    std::vector<std::thread> runners;
    for (std::size_t i = 1; i < threads; ++i)
        runners.emplace_back([&] { ioc.run_for(120s); });
    ioc.run_for(120s);
    for (auto& th : runners)
        th.join();
    BOOST_TEST(completed.load() == count);
    BOOST_TEST(duplicates.load() == 0u);
    return ok.load();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_pool)

BOOST_AUTO_TEST_CASE(thousand_concurrent_on_one_thread_through_32_connections) {
    t::fake_server server({.keep_records = false});
    asio::io_context ioc(1);
    auto opts = options_for(server);
    opts.pool.max_connections = 32;
    oi::client c(ioc.get_executor(), opts);
    BOOST_TEST(concurrent_generations(c, ioc, 1000, 1) == 1000u);
    const auto s = c.stats();
    BOOST_TEST(s.tls_handshakes <= 32u);
    BOOST_TEST(s.connections_opened <= 32u);
    BOOST_TEST(server.tls_handshakes() <= 32u);
    BOOST_TEST(s.requests == 1000u);
    BOOST_TEST(s.pool_waits > 0u);
    BOOST_TEST(s.connections_reused >= 1000u - 32u);
    BOOST_TEST(s.open_connections == s.idle_connections);
    BOOST_TEST(s.retries == 0u);
    BOOST_TEST(s.bytes_sent > 0u);
    BOOST_TEST(s.bytes_received > 0u);
}

// A thousand generations on four threads through 32 connections, with one
// strand for the client or (strand_per_operation) one per operation and per
// connection: the same guarantees, and TSan (which runs this suite) sees no
// race between the pool's bookkeeping and the connections' work.
void thousand_on_four_threads(bool strand_per_operation) {
    t::fake_server server({.threads = 2, .keep_records = false});
    asio::io_context ioc(4);
    auto opts = options_for(server);
    opts.pool.max_connections = 32;
    opts.strand_per_operation = strand_per_operation;
    oi::client c(ioc.get_executor(), opts);
    BOOST_TEST(concurrent_generations(c, ioc, 1000, 4) == 1000u);
    const auto s = c.stats();
    BOOST_TEST(s.tls_handshakes <= 32u);
    BOOST_TEST(server.tls_handshakes() <= 32u);
    BOOST_TEST(s.requests == 1000u);
    BOOST_TEST(s.open_connections == s.idle_connections);
}

BOOST_AUTO_TEST_CASE(thousand_concurrent_on_four_threads_through_32_connections) {
    thousand_on_four_threads(false);
}

BOOST_AUTO_TEST_CASE(thousand_concurrent_on_four_threads_with_a_strand_per_operation) {
    thousand_on_four_threads(true);
}

BOOST_AUTO_TEST_CASE(sequential_requests_reuse_one_connection) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    for (int i = 0; i < 5; ++i) {
        auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); });
        BOOST_REQUIRE(!r.ec);
    }
    const auto s = c.stats();
    BOOST_TEST(s.connections_opened == 1u);
    BOOST_TEST(s.connections_reused == 4u);
    BOOST_TEST(s.tls_handshakes == 1u);
    BOOST_TEST(server.connections_accepted() == 1u);
    const auto recs = server.requests();
    for (const auto& r : recs)
        BOOST_TEST(r.connection_id == recs[0].connection_id);
}

BOOST_AUTO_TEST_CASE(idle_connections_expire) {
    t::fake_server server;
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.pool.idle_timeout = 0ms;  // any idle time is too long
    oi::client c(ioc.get_executor(), opts);
    for (int i = 0; i < 3; ++i) {
        BOOST_REQUIRE(
            !run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    }
    BOOST_TEST(c.stats().connections_opened == 3u);
    BOOST_TEST(c.stats().connections_reused == 0u);
    BOOST_TEST(c.stats().open_connections == 1u);
}

BOOST_AUTO_TEST_CASE(a_connection_serves_at_most_max_requests) {
    t::fake_server server;
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.pool.max_requests_per_connection = 2;
    oi::client c(ioc.get_executor(), opts);
    for (int i = 0; i < 5; ++i) {
        BOOST_REQUIRE(
            !run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    }
    BOOST_TEST(c.stats().connections_opened == 3u);
    BOOST_TEST(server.connections_accepted() == 3u);
}

BOOST_AUTO_TEST_CASE(connection_close_from_the_server_is_honoured) {
    t::fake_server server({.close_after_requests = 2});
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    for (int i = 0; i < 5; ++i) {
        BOOST_REQUIRE(
            !run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    }
    BOOST_TEST(c.stats().connections_opened == 3u);
    BOOST_TEST(c.stats().stale_resends == 0u);
    BOOST_TEST(c.stats().retries == 0u);
}

BOOST_AUTO_TEST_CASE(a_kept_alive_connection_closed_by_the_server_is_replaced_before_reuse) {
    t::fake_server server({.idle_close = 20ms});
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    BOOST_REQUIRE(!run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    // The server closes the idle connection; the pool sees its FIN before
    // reusing it, so the request is never written onto the dead socket.
    BOOST_REQUIRE(run_until(ioc, [&] { return server.open_connections() == 0; }));
    BOOST_TEST(c.stats().idle_connections == 1u);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    const auto s = c.stats();
    BOOST_TEST(s.idle_closed_by_server == 1u);
    BOOST_TEST(s.stale_resends == 0u);
    BOOST_TEST(s.retries == 0u);
    BOOST_TEST(s.connections_opened == 2u);
    BOOST_TEST(diag.response().attempts == 1u);
    BOOST_TEST(diag.failed_attempts().empty());
}

BOOST_AUTO_TEST_SUITE_END()
