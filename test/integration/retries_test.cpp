// Retries and back-off against scripted faults: which failures are retried
// (5xx, resets, truncation, x-should-retry) and which never are (quota,
// moderation, malformed JSON), how long the client waits (retry-after-ms,
// retry-after, the cap), and an upload re-sent byte for byte.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <zlib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using namespace std::chrono_literals;
using client_fixture::contains;
using client_fixture::fault_case;
using client_fixture::png_file;
using client_fixture::run_one;

std::chrono::milliseconds gap(const std::vector<t::request_record>& recs, std::size_t i) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(recs.at(i).received -
                                                                 recs.at(i - 1).received);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_retries)

BOOST_AUTO_TEST_CASE(server_error_is_retried_then_succeeds) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::status, .status = 500});
    auto r = f.generate();
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
    BOOST_TEST(f.diag.response().attempts == 2u);
    BOOST_REQUIRE_EQUAL(f.diag.failed_attempts().size(), 1u);
    BOOST_TEST(f.diag.failed_attempts()[0].ec == oi::api_errc::server_error);
    BOOST_TEST(f.diag.failed_attempts()[0].status == 500u);
    BOOST_TEST(f.c.stats().retries == 1u);
}

BOOST_AUTO_TEST_CASE(an_upload_is_replayed_byte_for_byte_on_a_retry) {
    t::fake_server server;
    fault_case f(server);
    const auto path = png_file(96, 96);
    const std::string second = t::make_png(50, 70);
    oi::CreateImageEditRequest req{
        .image = {path, oi::file_source::from_memory(second, "second.png")},
        .prompt = "replay",
        .model = oi::ImageModel::gpt_image_1};
    server.push_fault({.what = t::fault::kind::status, .status = 500});
    server.push_fault({.what = t::fault::kind::reset_before_headers});
    auto r = run_one(f.ioc, [&](auto h) { f.c.async_create_image_edit(req, f.diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
    // The reset came on the connection kept alive after the 500: re-sent
    // at once, without counting as an attempt.
    BOOST_TEST(f.diag.response().attempts == 2u);
    BOOST_TEST(f.c.stats().stale_resends == 1u);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 3u);
    const std::string first = t::make_png(96, 96);
    const auto crc = [](std::string_view bytes) {
        return static_cast<std::uint32_t>(::crc32(::crc32(0L, Z_NULL, 0),
                                                  reinterpret_cast<const Bytef*>(bytes.data()),
                                                  static_cast<uInt>(bytes.size())));
    };
    for (const auto& rec : recs) {
        BOOST_TEST(rec.body_size == recs[0].body_size);
        BOOST_REQUIRE_EQUAL(rec.file_crc32.size(), 2u);
        BOOST_TEST(rec.file_crc32[0] == crc(first));
        BOOST_TEST(rec.file_crc32[1] == crc(second));
        BOOST_TEST(rec.fields == recs[0].fields);
    }
}

BOOST_AUTO_TEST_CASE(persistent_503_gives_up_after_max_retries) {
    t::fake_server server;
    fault_case f(server);
    server.push_faults(3, {.what = t::fault::kind::status, .status = 503});
    auto r = f.generate();
    BOOST_TEST(r.ec == oi::api_errc::server_error);
    BOOST_TEST(f.diag.response().attempts == 3u);
    BOOST_TEST(f.diag.response().status == 503u);
    BOOST_TEST(f.diag.failed_attempts().size() == 2u);
    BOOST_TEST(server.requests().size() == 3u);
}

BOOST_AUTO_TEST_CASE(retry_after_ms_is_honoured) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault(
        {.what = t::fault::kind::status, .status = 429, .headers = {{"retry-after-ms", "300"}}});
    auto r = f.generate();
    BOOST_REQUIRE(!r.ec);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 2u);
    BOOST_TEST(gap(recs, 1) >= 300ms);
    BOOST_TEST(f.diag.failed_attempts().at(0).backoff == 300ms);
    BOOST_TEST(f.diag.failed_attempts().at(0).ec == oi::api_errc::rate_limited);
}

BOOST_AUTO_TEST_CASE(retry_after_seconds_is_honoured) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault(
        {.what = t::fault::kind::status, .status = 429, .headers = {{"retry-after", "1"}}});
    BOOST_REQUIRE(!f.generate().ec);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 2u);
    BOOST_TEST(gap(recs, 1) >= 1000ms);
}

BOOST_AUTO_TEST_CASE(retry_after_over_the_cap_falls_back_to_the_computed_backoff) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.retry.max_retry_after = 100ms; });
    server.push_fault(
        {.what = t::fault::kind::status, .status = 429, .headers = {{"retry-after", "3600"}}});
    BOOST_REQUIRE(!f.generate().ec);
    BOOST_TEST(f.diag.failed_attempts().at(0).backoff <= 5ms);  // max_backoff of the test options
}

BOOST_AUTO_TEST_CASE(x_should_retry_decides) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault(
        {.what = t::fault::kind::status, .status = 500, .headers = {{"x-should-retry", "false"}}});
    BOOST_TEST(f.generate().ec == oi::api_errc::server_error);
    BOOST_TEST(f.diag.response().attempts == 1u);
    server.push_fault(
        {.what = t::fault::kind::status, .status = 400, .headers = {{"x-should-retry", "true"}}});
    BOOST_TEST(!f.generate().ec);
    BOOST_TEST(f.diag.response().attempts == 2u);
}

BOOST_AUTO_TEST_CASE(quota_and_moderation_are_never_retried) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::status,
                       .status = 429,
                       .headers = {{"x-should-retry", "true"}, {"retry-after-ms", "1"}},
                       .error_type = "insufficient_quota",
                       .error_code = "insufficient_quota",
                       .error_message = "You exceeded your current quota."});
    BOOST_TEST(f.generate().ec == oi::api_errc::insufficient_quota);
    BOOST_TEST(f.diag.response().attempts == 1u);
    BOOST_TEST(f.diag.api_code() == "insufficient_quota");
    BOOST_TEST(f.diag.message() == "You exceeded your current quota.");
    server.push_fault({.what = t::fault::kind::status,
                       .status = 400,
                       .error_code = "moderation_blocked",
                       .error_message = "Your request was rejected by the safety system."});
    BOOST_TEST(f.generate().ec == oi::api_errc::moderation_blocked);
    BOOST_TEST(f.diag.response().attempts == 1u);
    BOOST_TEST(f.diag.error_type() == "invalid_request_error");
    BOOST_TEST(server.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(resets_and_truncation_are_retried) {
    using k = t::fault::kind;
    for (auto what : {k::reset_before_headers, k::reset_after_headers, k::truncated_body}) {
        t::fake_server server;
        fault_case f(server);
        server.push_fault({.what = what});
        auto r = f.generate();
        BOOST_TEST_CONTEXT("fault " << static_cast<int>(what)) {
            BOOST_TEST(!r.ec, r.ec.message());
            BOOST_TEST(f.diag.response().attempts == 2u);
            BOOST_TEST(f.diag.failed_attempts().size() == 1u);
            BOOST_TEST(server.requests().size() == 2u);
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_json_is_not_retried) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::malformed_json, .body = "{\"data\": [tru"});
    BOOST_TEST(f.generate().ec == oi::client_errc::invalid_json);
    BOOST_TEST(contains(f.diag.message(), "HTTP 200"));
    BOOST_TEST(contains(f.diag.message(), "{\"data\": [tru"));
    BOOST_TEST(f.diag.response().attempts == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
