// Every completion form of the client: the coroutine functions (returning,
// or throwing api_error), a plain callback with an associated executor,
// use_future from another thread, deferred, use_awaitable and as_tuple.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using boost::system::error_code;
using namespace std::chrono_literals;
using client_fixture::options_for;
using client_fixture::png_file;
using client_fixture::run_one;
using client_fixture::small_generation;

// Named coroutine functions, not coroutine lambdas: a lambda's captures live in
// its closure, which must outlive the coroutine (a temporary closure does not).
asio::awaitable<void> throwing_sequence(oi::client& cl, std::optional<oi::api_error>& err,
                                        std::size_t& count) {
    try {
        co_await cl.create_image(small_generation());
    } catch (const oi::api_error& e) {
        err = e;
    }
    auto r = co_await cl.create_image(small_generation());
    oi::CreateImageVariationRequest v{.image = png_file(16, 16),
                                      .response_format = oi::ImageResponseFormat::b64_json,
                                      .size = oi::ImageSize::s256x256};
    auto r2 = co_await cl.create_image_variation(v);
    oi::CreateImageEditRequest e{.image = {png_file(16, 16)},
                                 .prompt = "x",
                                 .model = oi::ImageModel::gpt_image_1_mini,
                                 .size = oi::ImageSize::s1024x1024};
    auto r3 = co_await cl.create_image_edit(e);
    count = r.data.size() + r2.data.size() + r3.data.size();
}

asio::awaitable<void> token_sequence(oi::client& cl, std::size_t& n, error_code& ec2) {
    // The 401 comes first: as_tuple reports it without throwing.
    auto [ec, r] =
        co_await cl.async_create_image(small_generation(), asio::as_tuple(asio::use_awaitable));
    ec2 = ec;
    oi::ImagesResponse ok = co_await cl.async_create_image(small_generation(), asio::use_awaitable);
    n = ok.data.size() + r.data.size();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_tokens)

BOOST_AUTO_TEST_CASE(coroutine_forms_return_and_throw_api_error) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault({.what = t::fault::kind::status,
                       .status = 400,
                       .headers = {{"x-should-retry", "false"}},
                       .error_type = "invalid_request_error",
                       .error_code = "invalid_value",
                       .error_param = "size",
                       .error_message = "Invalid size."});
    std::optional<oi::api_error> caught;
    std::size_t images = 0;
    asio::co_spawn(ioc, throwing_sequence(c, caught, images), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    ioc.run_for(30s);
    BOOST_TEST(images == 3u);
    BOOST_REQUIRE(caught.has_value());
    BOOST_TEST(caught->code() == oi::api_errc::bad_request);
    BOOST_TEST(caught->status() == 400u);
    BOOST_TEST(caught->type() == "invalid_request_error");
    BOOST_TEST(caught->api_code() == "invalid_value");
    BOOST_TEST(caught->param() == "size");
    BOOST_TEST(caught->message() == "Invalid size.");
    BOOST_TEST(caught->request_id().starts_with("req_"));
    BOOST_TEST(caught->attempts() == 1u);
    BOOST_TEST(std::string(caught->what()).find("Invalid size.") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(plain_callback_runs_on_its_associated_executor) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    auto strand = asio::make_strand(ioc);
    bool on_strand = false;
    auto r = run_one(ioc, [&](auto h) {
        c.async_create_image(
            small_generation(),
            asio::bind_executor(strand, [&, h](error_code ec, oi::ImagesResponse resp) mutable {
                on_strand = strand.running_in_this_thread();
                h(ec, std::move(resp));
            }));
    });
    BOOST_TEST(!r.ec);
    BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_CASE(use_future_from_another_thread) {
    t::fake_server server;
    asio::io_context ioc;
    auto guard = asio::make_work_guard(ioc);
    std::thread runner([&] { ioc.run(); });
    oi::client c(ioc.get_executor(), options_for(server));
    std::future<oi::ImagesResponse> ok = c.async_create_image(small_generation(), asio::use_future);
    BOOST_REQUIRE(ok.wait_for(30s) == std::future_status::ready);
    BOOST_TEST(ok.get().data.size() == 1u);
    server.push_fault({.what = t::fault::kind::status, .status = 404});
    auto bad = c.async_create_image(small_generation(), asio::use_future);
    BOOST_REQUIRE(bad.wait_for(30s) == std::future_status::ready);
    try {
        bad.get();
        BOOST_FAIL("no exception");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(e.code() == oi::api_errc::not_found);
    }
    guard.reset();
    runner.join();
}

BOOST_AUTO_TEST_CASE(deferred_starts_only_when_invoked) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    auto op = c.async_create_image(small_generation(), asio::deferred);
    ioc.run_for(50ms);
    BOOST_TEST(server.requests().empty());
    auto r = run_one(ioc, [&](auto h) { std::move(op)(h); });
    BOOST_TEST(!r.ec);
    BOOST_TEST(server.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(use_awaitable_and_as_tuple) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault({.what = t::fault::kind::status, .status = 401});
    std::size_t first = 0;
    error_code second;
    asio::co_spawn(ioc, token_sequence(c, first, second), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    ioc.run_for(30s);
    BOOST_TEST(second == oi::api_errc::authentication_error);
    BOOST_TEST(first == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
