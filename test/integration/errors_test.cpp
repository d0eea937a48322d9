// What a failed operation reports: the API's error type, code, parameter and
// request id, the status and an excerpt of a body that is not the API's, the
// error of a reset or a truncation, and never the API key, even when the
// server echoes it.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using boost::system::error_code;
using namespace std::chrono_literals;
using client_fixture::contains;
using client_fixture::fault_case;
using client_fixture::options_for;
using client_fixture::run_one;
using client_fixture::small_generation;

}  // namespace

BOOST_AUTO_TEST_SUITE(client_errors)

BOOST_AUTO_TEST_CASE(html_502_from_a_proxy_gives_status_and_excerpt) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.retry.max_retries = 0; });
    server.push_fault({.what = t::fault::kind::raw_body,
                       .status = 502,
                       .body = "<html><body><h1>502 Bad Gateway</h1></body></html>"});
    auto r = f.generate();
    BOOST_TEST(r.ec == oi::api_errc::server_error);
    BOOST_TEST(contains(f.diag.message(), "HTTP 502"));
    BOOST_TEST(contains(f.diag.message(), "<h1>502 Bad Gateway</h1>"));
}

BOOST_AUTO_TEST_CASE(client_errors_carry_type_code_param_and_request_id) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::status,
                       .status = 400,
                       .error_code = "invalid_value",
                       .error_param = "quality",
                       .error_message = "Invalid value: 'ultra'."});
    BOOST_TEST(f.generate().ec == oi::api_errc::bad_request);
    BOOST_TEST(f.diag.param() == "quality");
    BOOST_TEST(f.diag.api_code() == "invalid_value");
    BOOST_TEST(f.diag.error_type() == "invalid_request_error");
    BOOST_TEST(f.diag.response().request_id.starts_with("req_"));
}

BOOST_AUTO_TEST_CASE(resets_and_truncation_without_retries_give_their_errors) {
    using k = t::fault::kind;
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.retry.max_retries = 0; });
    server.push_fault({.what = k::truncated_body});
    BOOST_TEST(f.generate().ec == oi::client_errc::truncated_response);
    BOOST_TEST(contains(f.diag.message(), "response body"));
    server.push_fault({.what = k::reset_after_headers});
    BOOST_TEST(f.generate().ec == oi::client_errc::truncated_response);
    server.push_fault({.what = k::reset_before_headers});
    const auto r = f.generate();
    BOOST_TEST(r.ec == asio::error::connection_reset);
    BOOST_TEST(contains(f.diag.message(), "response header"));
    // No response came: no timestamps either.
    BOOST_TEST((f.diag.response().header_received == std::chrono::steady_clock::time_point{}));
    BOOST_TEST((f.diag.response().body_received == std::chrono::steady_clock::time_point{}));
    // The pool is healthy afterwards.
    BOOST_TEST(!f.generate().ec);
    BOOST_TEST(f.c.stats().open_connections == 1u);
}

BOOST_AUTO_TEST_CASE(the_api_key_appears_in_no_message) {
    const std::string secret = "sk-proj-SECRET-0123456789abcdef";
    t::fake_server server({.api_key = secret});
    asio::io_context ioc;
    auto o = options_for(server);
    o.api_key = secret;
    oi::client c(ioc.get_executor(), o);
    std::vector<std::string> texts;
    auto collect = [&](const oi::diagnostics& d, error_code ec) {
        texts.emplace_back(d.message());
        texts.emplace_back(d.param());
        texts.emplace_back(ec.message());
        for (const auto& a : d.failed_attempts())
            texts.push_back(a.message);
        texts.push_back(oi::api_error(ec, d).what());
    };
    // An error body that echoes the key, as some proxies and servers do.
    server.push_faults(3, {.what = t::fault::kind::status,
                           .status = 401,
                           .headers = {{"x-should-retry", "true"}},
                           .error_message = "Incorrect API key provided: " + secret + "."});
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == oi::api_errc::authentication_error);
    BOOST_TEST(contains(diag.message(), "[redacted]"));
    collect(diag, r.ec);
    server.push_fault(
        {.what = t::fault::kind::raw_body, .status = 502, .body = "upstream said " + secret});
    r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    collect(diag, r.ec);
    server.push_fault({.what = t::fault::kind::malformed_json, .body = "not json " + secret});
    r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    collect(diag, r.ec);
    // The coroutine form's exception text.
    server.push_fault(
        {.what = t::fault::kind::status, .status = 400, .error_message = "bad key " + secret});
    asio::co_spawn(ioc, c.create_image(small_generation()),
                   [&](std::exception_ptr e, oi::ImagesResponse) {
                       try {
                           if (e)
                               std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                           texts.emplace_back(ex.what());
                       }
                   });
    ioc.restart();
    ioc.run_for(20s);
    BOOST_TEST(texts.size() >= 16u);
    for (const auto& text : texts)
        BOOST_TEST(!contains(text, secret), text);
    // The key itself did go to the server.
    BOOST_TEST(server.requests().back().headers.at("authorization") == "Bearer " + secret);
}

BOOST_AUTO_TEST_SUITE_END()
