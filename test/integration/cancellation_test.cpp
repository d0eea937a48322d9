// Cancellation through a bound cancellation slot mid-upload, mid-download,
// while waiting for a pooled connection and during the retry back-off, and
// the client destroyed with an operation in flight: each completes once, and
// the pool is usable afterwards.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using boost::system::error_code;
using namespace std::chrono_literals;
using client_fixture::options_for;
using client_fixture::outcome;
using client_fixture::run_one;
using client_fixture::run_until;
using client_fixture::small_generation;

}  // namespace

BOOST_AUTO_TEST_SUITE(client_cancel)

BOOST_AUTO_TEST_CASE(cancel_mid_upload_closes_the_connection_and_the_pool_recovers) {
    t::fake_server server;
    asio::io_context ioc;
    auto o = options_for(server);
    o.validation.enabled = false;
    oi::client c(ioc.get_executor(), o);
    // 48 MiB behind a PNG header: long enough to be cancelled mid-way.
    std::string big = t::make_png(64, 64);
    big.resize(48u << 20, 'x');
    oi::CreateImageEditRequest req{.image = {oi::file_source::from_memory(big, "big.png")},
                                   .prompt = "x",
                                   .model = oi::ImageModel::gpt_image_1};
    asio::cancellation_signal signal;
    outcome out;
    c.async_create_image_edit(
        req, asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, oi::ImagesResponse) {
            out.ec = ec;
            out.done = true;
        }));
    BOOST_REQUIRE(run_until(ioc, [&] { return c.stats().bytes_sent > (1u << 20) || out.done; }));
    BOOST_REQUIRE(!out.done);
    signal.emit(asio::cancellation_type::terminal);
    BOOST_REQUIRE(run_until(ioc, [&] { return out.done; }));
    BOOST_TEST(out.ec == asio::error::operation_aborted);
    BOOST_TEST(c.stats().bytes_sent < big.size());
    BOOST_TEST(c.stats().open_connections == 0u);
    // Later requests succeed on a new connection.
    BOOST_TEST(!run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    BOOST_TEST(c.stats().connections_opened == 2u);
}

BOOST_AUTO_TEST_CASE(cancel_mid_download_closes_the_connection_and_the_pool_recovers) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault({.what = t::fault::kind::trickle_body, .chunk = 256, .interval = 20ms});
    asio::cancellation_signal signal;
    outcome out;
    c.async_create_image(
        small_generation(),
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, oi::ImagesResponse) {
            out.ec = ec;
            out.done = true;
        }));
    // Wait for the header and some of the body.
    BOOST_REQUIRE(run_until(ioc, [&] { return c.stats().bytes_received > 1024 || out.done; }));
    BOOST_REQUIRE(!out.done);
    signal.emit(asio::cancellation_type::partial);
    BOOST_REQUIRE(run_until(
        ioc, [&] { return out.done; }, 2'000ms));
    BOOST_TEST(out.ec == asio::error::operation_aborted);
    BOOST_TEST(c.stats().open_connections == 0u);
    BOOST_TEST(c.stats().retries == 0u);
    BOOST_TEST(!run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
}

BOOST_AUTO_TEST_CASE(cancel_while_waiting_for_a_connection) {
    t::fake_server server;
    asio::io_context ioc;
    auto o = options_for(server);
    o.pool.max_connections = 1;
    oi::client c(ioc.get_executor(), o);
    server.push_fault({.latency = 300ms});
    outcome first, second;
    asio::cancellation_signal signal;
    c.async_create_image(small_generation(), [&](error_code ec, oi::ImagesResponse) {
        first.ec = ec;
        first.done = true;
    });
    c.async_create_image(
        small_generation(),
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, oi::ImagesResponse) {
            second.ec = ec;
            second.done = true;
        }));
    BOOST_REQUIRE(run_until(ioc, [&] { return c.stats().pool_waits == 1; }));
    signal.emit(asio::cancellation_type::total);
    BOOST_REQUIRE(run_until(ioc, [&] { return second.done; }));
    BOOST_TEST(!first.done);
    BOOST_TEST(second.ec == asio::error::operation_aborted);
    BOOST_REQUIRE(run_until(ioc, [&] { return first.done; }));
    BOOST_TEST(!first.ec);
    BOOST_TEST(server.requests().size() == 1u);
    BOOST_TEST(!run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    BOOST_TEST(c.stats().connections_opened == 1u);
}

BOOST_AUTO_TEST_CASE(cancel_during_the_retry_back_off) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault(
        {.what = t::fault::kind::status, .status = 429, .headers = {{"retry-after", "30"}}});
    asio::cancellation_signal signal;
    outcome out;
    c.async_create_image(
        small_generation(),
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, oi::ImagesResponse) {
            out.ec = ec;
            out.done = true;
        }));
    BOOST_REQUIRE(run_until(ioc, [&] { return c.stats().retries == 1; }));
    signal.emit(asio::cancellation_type::terminal);
    BOOST_REQUIRE(run_until(
        ioc, [&] { return out.done; }, 2'000ms));
    BOOST_TEST(out.ec == asio::error::operation_aborted);
    BOOST_TEST(server.requests().size() == 1u);
    // The connection of the 429 was fine: it stays in the pool.
    BOOST_TEST(c.stats().idle_connections == 1u);
}

BOOST_AUTO_TEST_CASE(destroying_the_client_with_operations_in_flight) {
    t::fake_server server;
    asio::io_context ioc;
    outcome out;
    {
        oi::client c(ioc.get_executor(), options_for(server));
        c.async_create_image(small_generation(), [&](error_code ec, oi::ImagesResponse r) {
            out.ec = ec;
            out.response = std::move(r);
            out.done = true;
        });
    }
    BOOST_REQUIRE(run_until(ioc, [&] { return out.done; }));
    BOOST_TEST(!out.ec);
    BOOST_TEST(out.response.data.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
