// The pure parts of the retry loop and of error handling: the server's
// retry-after headers, the computed back-off, the retry decision, the API
// error body, excerpts and redaction, api_error and the error categories.
#include <openai/images/detail/retry.hpp>
#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "test_common.hpp"

namespace oi = openai::images;
namespace detail = openai::images::detail;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

using ms = std::chrono::milliseconds;

/// server_wait() gives the wait in milliseconds, or `none` for nullopt.
constexpr std::int64_t none = -1;

// 07:28:00 GMT on Wed, 21 Oct 2015 (the HTTP-date example of RFC 9110).
const std::chrono::system_clock::time_point rfc_now =
    std::chrono::sys_days{2015y / 10 / 21} + 7h + 28min;

std::int64_t server_wait(std::string_view retry_after_ms, std::string_view retry_after,
                         ms cap = 60'000ms, std::chrono::system_clock::time_point now = rfc_now) {
    const auto r = detail::server_retry_after(retry_after_ms, retry_after, now, cap);
    return r ? r->count() : none;
}

oi::retry_policy policy_500_8000() {
    oi::retry_policy p;
    p.initial_backoff = 500ms;
    p.max_backoff = 8'000ms;
    return p;
}

std::int64_t backoff(std::size_t retry_index, double random01) {
    return detail::computed_backoff(policy_500_8000(), retry_index, random01).count();
}

oi::error_code api(oi::api_errc e) {
    return oi::make_error_code(e);
}
oi::error_code client(oi::client_errc e) {
    return oi::make_error_code(e);
}
oi::error_code api_from(unsigned status, std::string_view code = {}) {
    return oi::make_error_code(oi::api_errc_from(status, code));
}

bool contains(std::string_view s, std::string_view part) {
    return s.find(part) != std::string_view::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry)

// server_retry_after -------------------------------------------------------

BOOST_AUTO_TEST_CASE(retry_after_ms_is_milliseconds_rounded_up) {
    BOOST_TEST(server_wait("150", "") == 150);
    BOOST_TEST(server_wait("1.5", "") == 2);
    BOOST_TEST(server_wait("0.1", "") == 1);
    BOOST_TEST(server_wait("0", "") == 0);
    BOOST_TEST(server_wait("  150\t", "") == 150);
    BOOST_TEST(server_wait("\t1.5 ", "") == 2);
}

BOOST_AUTO_TEST_CASE(retry_after_is_seconds) {
    BOOST_TEST(server_wait("", "2") == 2'000);
    BOOST_TEST(server_wait("", "0.25") == 250);
    BOOST_TEST(server_wait("", "0") == 0);
    BOOST_TEST(server_wait("", " 2 ") == 2'000);
    BOOST_TEST(server_wait("", "\t0.25\t") == 250);
    // Fractions of a second that are not exact in binary are not rounded up a
    // whole millisecond: 2.007 * 1000 is 2007.0000000000002.
    BOOST_TEST(server_wait("", "2.007") == 2'007);
    for (int i = 1; i <= 60'000; ++i) {
        const std::string text =
            std::to_string(i / 1000) + "." + std::to_string(1000 + i % 1000).substr(1);
        BOOST_TEST_REQUIRE(server_wait("", text) == i, text);
    }
}

BOOST_AUTO_TEST_CASE(retry_after_ms_takes_precedence_over_retry_after) {
    BOOST_TEST(server_wait("150", "2") == 150);
    BOOST_TEST(server_wait("150", "Wed, 21 Oct 2015 07:28:10 GMT") == 150);
    // A malformed retry-after-ms falls back to retry-after.
    BOOST_TEST(server_wait("soon", "2") == 2'000);
    BOOST_TEST(server_wait("   ", "2") == 2'000);
}

BOOST_AUTO_TEST_CASE(retry_after_http_date_is_relative_to_now) {
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:28:10 GMT") == 10'000);
    BOOST_TEST(server_wait("", "  Wed, 21 Oct 2015 07:28:10 GMT  ") == 10'000);
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:29:00 GMT") == 60'000);
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:28:00 GMT") == 0);
    // In the past.
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:27:59 GMT") == none);
    BOOST_TEST(server_wait("", "Tue, 20 Oct 2015 07:28:10 GMT") == none);
    // Over the cap (60 s by default).
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:29:01 GMT") == none);
    // Not GMT, or not a date.
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:28:10 PST") == none);
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:28:10") == none);
    BOOST_TEST(server_wait("", "Wed, 21 Foo 2015 07:28:10 GMT") == none);
}

BOOST_AUTO_TEST_CASE(retry_after_rejects_garbage_empty_negative_and_non_finite) {
    for (std::string_view bad : {"", " ", "garbage", "-1", "-0.5", "inf", "-inf", "nan", "NaN",
                                 "infinity", "1s", "1,5", "0x10", "150ms", "1 2"}) {
        BOOST_TEST(server_wait(bad, "") == none, "retry-after-ms: '" << bad << "'");
        BOOST_TEST(server_wait("", bad) == none, "retry-after: '" << bad << "'");
    }
    BOOST_TEST(server_wait("", "") == none);
}

BOOST_AUTO_TEST_CASE(retry_after_over_the_cap_is_ignored_at_the_cap_accepted) {
    BOOST_TEST(server_wait("60000", "") == 60'000);
    BOOST_TEST(server_wait("60001", "") == none);
    BOOST_TEST(server_wait("60000.5", "") == none);
    BOOST_TEST(server_wait("", "60") == 60'000);
    BOOST_TEST(server_wait("", "61") == none);
    BOOST_TEST(server_wait("", "1e300") == none);
    BOOST_TEST(server_wait("1000", "", 1'000ms) == 1'000);
    BOOST_TEST(server_wait("1001", "", 1'000ms) == none);
    BOOST_TEST(server_wait("", "1", 1'000ms) == 1'000);
    BOOST_TEST(server_wait("", "2", 1'000ms) == none);
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:28:01 GMT", 1'000ms) == 1'000);
    BOOST_TEST(server_wait("", "Wed, 21 Oct 2015 07:28:02 GMT", 1'000ms) == none);
    BOOST_TEST(server_wait("0", "", 0ms) == 0);
    BOOST_TEST(server_wait("1", "", 0ms) == none);
}

// computed_backoff -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(ratelimit_reset_durations) {
    auto d = [](std::string_view text) -> std::int64_t {
        const auto r = detail::parse_reset_duration(text);
        return r ? r->count() : -1;
    };
    BOOST_TEST(d("1s") == 1'000);
    BOOST_TEST(d("6m0s") == 360'000);
    BOOST_TEST(d("20ms") == 20);
    BOOST_TEST(d("1h2m3.5s") == 3'723'500);
    BOOST_TEST(d("0.5s") == 500);
    BOOST_TEST(d("1500us") == 2);
    BOOST_TEST(d("17ns") == 0);  // under a microsecond: noise
    BOOST_TEST(d("2000us") == 2);
    BOOST_TEST(d(" 2s ") == 2'000);
    BOOST_TEST(d("0s") == 0);
    for (std::string_view bad : {"", "s", "1", "1x", "1s2", "-1s", "ms", "1..2s", "1e400s"})
        BOOST_TEST(d(bad) == -1, bad);
}

BOOST_AUTO_TEST_CASE(computed_backoff_doubles_up_to_the_max) {
    BOOST_TEST(backoff(0, 0.0) == 500);
    BOOST_TEST(backoff(1, 0.0) == 1'000);
    BOOST_TEST(backoff(2, 0.0) == 2'000);
    BOOST_TEST(backoff(3, 0.0) == 4'000);
    BOOST_TEST(backoff(4, 0.0) == 8'000);
    BOOST_TEST(backoff(5, 0.0) == 8'000);
    BOOST_TEST(backoff(10, 0.0) == 8'000);
}

BOOST_AUTO_TEST_CASE(computed_backoff_jitter_removes_up_to_a_quarter) {
    // 500 * (1 - 0.25 * 0.999999) = 375.000125, truncated.
    BOOST_TEST(backoff(0, 0.999999) == 375);
    // 8000 * (1 - 0.25 * 0.999999) = 6000.002, truncated.
    BOOST_TEST(backoff(4, 0.999999) == 6'000);
    BOOST_TEST(backoff(10, 0.999999) == 6'000);
    BOOST_TEST(backoff(0, 0.5) == 437);     // 437.5
    BOOST_TEST(backoff(1, 0.5) == 875);     // 875
    BOOST_TEST(backoff(3, 0.25) == 3'750);  // 4000 * 0.9375
    // Out-of-range randoms are clamped to [0, 1].
    BOOST_TEST(backoff(0, -1.0) == 500);
    BOOST_TEST(backoff(0, 2.0) == 375);
    BOOST_TEST(backoff(0, std::numeric_limits<double>::quiet_NaN()) == 500);
    for (double r = 0.0; r < 1.0; r += 0.01) {
        for (std::size_t i = 0; i < 8; ++i) {
            const auto b = backoff(i, r);
            const std::int64_t full = i < 4 ? std::int64_t{500} << i : 8'000;
            BOOST_TEST(b <= full, "retry " << i << " random " << r);
            BOOST_TEST(b >= full * 3 / 4, "retry " << i << " random " << r);
        }
    }
}

BOOST_AUTO_TEST_CASE(computed_backoff_huge_retry_index_does_not_overflow) {
    BOOST_TEST(backoff(1'000, 0.0) == 8'000);
    BOOST_TEST(backoff(1'000, 0.999999) == 6'000);
    BOOST_TEST(backoff(static_cast<std::size_t>(-1), 0.0) == 8'000);
    BOOST_TEST(backoff(63, 0.0) == 8'000);
    BOOST_TEST(backoff(64, 0.0) == 8'000);

    oi::retry_policy wide;
    wide.initial_backoff = 1ms;
    wide.max_backoff = std::chrono::days{30};
    // 2^30 ms (about 12.4 days), under the max: the exponent stops at 30.
    BOOST_TEST(detail::computed_backoff(wide, 1'000, 0.0).count() == std::int64_t{1} << 30);
}

// should_retry / is_retryable --------------------------------------------------

BOOST_AUTO_TEST_CASE(should_retry_never_after_success_cancellation_quota_moderation_deadline) {
    BOOST_TEST(!detail::should_retry(oi::error_code{}, ""));
    BOOST_TEST(!detail::should_retry(oi::error_code{}, "true"));
    BOOST_TEST(!detail::should_retry(asio::error::operation_aborted, ""));
    BOOST_TEST(!detail::should_retry(asio::error::operation_aborted, "true"));
    BOOST_TEST(!detail::should_retry(api(oi::api_errc::insufficient_quota), ""));
    BOOST_TEST(!detail::should_retry(api(oi::api_errc::insufficient_quota), "true"));
    BOOST_TEST(!detail::should_retry(api(oi::api_errc::moderation_blocked), ""));
    BOOST_TEST(!detail::should_retry(api(oi::api_errc::moderation_blocked), "true"));
    BOOST_TEST(!detail::should_retry(client(oi::client_errc::deadline_exceeded), ""));
    BOOST_TEST(!detail::should_retry(client(oi::client_errc::deadline_exceeded), "true"));
}

BOOST_AUTO_TEST_CASE(should_retry_header_decides_when_present) {
    BOOST_TEST(detail::should_retry(api(oi::api_errc::bad_request), "true"));
    BOOST_TEST(detail::should_retry(api(oi::api_errc::bad_request), " true "));
    BOOST_TEST(detail::should_retry(api(oi::api_errc::not_found), "true"));
    BOOST_TEST(!detail::should_retry(api(oi::api_errc::server_error), "false"));
    BOOST_TEST(!detail::should_retry(api(oi::api_errc::server_error), "\tfalse"));
    BOOST_TEST(!detail::should_retry(api(oi::api_errc::rate_limited), "false"));
    BOOST_TEST(!detail::should_retry(asio::error::connection_reset, "false"));
    // Any other value is no answer: is_retryable decides.
    BOOST_TEST(detail::should_retry(api(oi::api_errc::server_error), "maybe"));
    BOOST_TEST(!detail::should_retry(api(oi::api_errc::bad_request), "maybe"));
}

BOOST_AUTO_TEST_CASE(without_header_transient_failures_are_retried) {
    const oi::error_code retryable[] = {
        api(oi::api_errc::rate_limited),
        api(oi::api_errc::server_error),
        api(oi::api_errc::request_timeout),
        api(oi::api_errc::conflict),
        client(oi::client_errc::connect_timeout),
        client(oi::client_errc::response_header_timeout),
        client(oi::client_errc::body_idle_timeout),
        client(oi::client_errc::handshake_timeout),
        client(oi::client_errc::truncated_response),
        asio::error::connection_reset,
        asio::error::connection_refused,
        asio::error::eof,
    };
    for (const auto& ec : retryable) {
        BOOST_TEST(detail::should_retry(ec, ""), ec.to_string());
        BOOST_TEST(oi::is_retryable(ec), ec.to_string());
    }
}

BOOST_AUTO_TEST_CASE(without_header_permanent_failures_are_not_retried) {
    const oi::error_code permanent[] = {
        api(oi::api_errc::bad_request),
        api(oi::api_errc::authentication_error),
        api(oi::api_errc::permission_denied),
        api(oi::api_errc::not_found),
        api(oi::api_errc::unprocessable_entity),
        api(oi::api_errc::insufficient_quota),
        api(oi::api_errc::moderation_blocked),
        api(oi::api_errc::unexpected_status),
        api(oi::api_errc::stream_error),
        api(oi::api_errc::batch_request_failed),
        client(oi::client_errc::invalid_json),
        client(oi::client_errc::invalid_batch_job),
        client(oi::client_errc::unexpected_json),
        client(oi::client_errc::invalid_size),
        client(oi::client_errc::missing_api_key),
        client(oi::client_errc::deadline_exceeded),
        client(oi::client_errc::response_too_large),
        client(oi::client_errc::tls_certificate_rejected),
        client(oi::client_errc::invalid_ca_file),
        oi::error_code(1, asio::error::get_ssl_category()),
        asio::error::operation_aborted,
    };
    for (const auto& ec : permanent) {
        BOOST_TEST(!detail::should_retry(ec, ""), ec.to_string());
        BOOST_TEST(!oi::is_retryable(ec), ec.to_string());
    }
    BOOST_TEST(!oi::is_retryable(oi::error_code{}));
}

// Name resolution: getaddrinfo's EAI_NONAME (and EAI_NODATA, EAI_ADDRFAMILY)
// become host_not_found, an authoritative "no such name"; EAI_AGAIN becomes
// host_not_found_try_again, a resolver that did not answer in time.
BOOST_AUTO_TEST_CASE(an_authoritative_name_resolution_failure_is_not_retried) {
    for (const oi::error_code ec :
         {oi::error_code(asio::error::host_not_found), oi::error_code(asio::error::no_data)}) {
        BOOST_TEST(!oi::is_retryable(ec), ec.to_string());
        BOOST_TEST(!detail::should_retry(ec, ""), ec.to_string());
        // The server never answered, so no x-should-retry can come; the
        // header still decides when given, as for every error.
        BOOST_TEST(detail::should_retry(ec, "true"), ec.to_string());
    }
}

BOOST_AUTO_TEST_CASE(a_temporary_name_resolution_failure_is_retried) {
    const oi::error_code ec = asio::error::host_not_found_try_again;
    BOOST_TEST(oi::is_retryable(ec));
    BOOST_TEST(detail::should_retry(ec, ""));
    BOOST_TEST(!detail::should_retry(ec, "false"));
}

// api_errc_from ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(api_errc_from_maps_status_and_code) {
    BOOST_TEST(api_from(400) == api(oi::api_errc::bad_request));
    BOOST_TEST(api_from(401) == api(oi::api_errc::authentication_error));
    BOOST_TEST(api_from(403) == api(oi::api_errc::permission_denied));
    BOOST_TEST(api_from(404) == api(oi::api_errc::not_found));
    BOOST_TEST(api_from(408) == api(oi::api_errc::request_timeout));
    BOOST_TEST(api_from(409) == api(oi::api_errc::conflict));
    BOOST_TEST(api_from(422) == api(oi::api_errc::unprocessable_entity));
    BOOST_TEST(api_from(429) == api(oi::api_errc::rate_limited));
    BOOST_TEST(api_from(429, "rate_limit_exceeded") == api(oi::api_errc::rate_limited));
    BOOST_TEST(api_from(500) == api(oi::api_errc::server_error));
    BOOST_TEST(api_from(502) == api(oi::api_errc::server_error));
    BOOST_TEST(api_from(503) == api(oi::api_errc::server_error));
    BOOST_TEST(api_from(418) == api(oi::api_errc::unexpected_status));
    BOOST_TEST(api_from(302) == api(oi::api_errc::unexpected_status));
    BOOST_TEST(api_from(429, "insufficient_quota") == api(oi::api_errc::insufficient_quota));
    BOOST_TEST(api_from(400, "moderation_blocked") == api(oi::api_errc::moderation_blocked));
    BOOST_TEST(api_from(400, "invalid_value") == api(oi::api_errc::bad_request));
}

// parse_error_body ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(parse_error_body_reads_an_openai_error) {
    const auto b = detail::parse_error_body(
        R"({"error":{"message":"m","type":"invalid_request_error","param":"size","code":"invalid_value"}})",
        400);
    BOOST_TEST(b.message == "m");
    BOOST_TEST(b.type == "invalid_request_error");
    BOOST_TEST(b.param == "size");
    BOOST_TEST(b.code == "invalid_value");
}

BOOST_AUTO_TEST_CASE(parse_error_body_null_and_integer_fields) {
    const auto nulls = detail::parse_error_body(
        R"({"error":{"message":"Slow down","type":"requests","param":null,"code":null}})", 429);
    BOOST_TEST(nulls.message == "Slow down");
    BOOST_TEST(nulls.type == "requests");
    BOOST_TEST(nulls.param.empty());
    BOOST_TEST(nulls.code.empty());

    const auto integer = detail::parse_error_body(
        R"({"error":{"message":"x","type":"server_error","param":null,"code":502}})", 502);
    BOOST_TEST(integer.code == "502");
    BOOST_TEST(integer.message == "x");

    const auto absent = detail::parse_error_body(R"({"error":{"type":"t"}})", 400);
    BOOST_TEST(absent.type == "t");
    BOOST_TEST(absent.param.empty());
    BOOST_TEST(absent.code.empty());
    BOOST_TEST(absent.message.starts_with("HTTP 400"), absent.message);
}

BOOST_AUTO_TEST_CASE(parse_error_body_of_an_html_page_gives_status_and_excerpt) {
    const auto b = detail::parse_error_body("<html><body>502 Bad Gateway</body></html>", 502);
    BOOST_TEST(contains(b.message, "HTTP 502"), b.message);
    BOOST_TEST(contains(b.message, "<html><body>502 Bad Gateway"), b.message);
    BOOST_TEST(b.type.empty());
    BOOST_TEST(b.param.empty());
    BOOST_TEST(b.code.empty());

    // A long page is cut short, on one line.
    const std::string page = "<html>\n" + std::string(1'000, 'x') + "\n</html>";
    const auto cut = detail::parse_error_body(page, 504);
    BOOST_TEST(contains(cut.message, "HTTP 504"), cut.message);
    BOOST_TEST(contains(cut.message, "<html>."), cut.message);
    BOOST_TEST(cut.message.ends_with("..."), cut.message);
    BOOST_TEST(cut.message.size() < 300u);
    BOOST_TEST(!contains(cut.message, "\n"));
}

BOOST_AUTO_TEST_CASE(parse_error_body_empty_and_json_without_error) {
    BOOST_TEST(detail::parse_error_body("", 503).message == "HTTP 503 with an empty body");

    const auto no_error = detail::parse_error_body(R"({"detail":"nope"})", 400);
    BOOST_TEST(no_error.message.starts_with("HTTP 400"), no_error.message);
    BOOST_TEST(no_error.type.empty());
    BOOST_TEST(no_error.code.empty());

    const auto string_error = detail::parse_error_body(R"({"error":"nope"})", 400);
    BOOST_TEST(string_error.message.starts_with("HTTP 400"), string_error.message);

    const auto array = detail::parse_error_body("[1,2]", 500);
    BOOST_TEST(array.message.starts_with("HTTP 500"), array.message);
}

// excerpt and redact ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(excerpt_shows_control_bytes_as_dots_and_cuts_long_text) {
    BOOST_TEST(detail::excerpt("short text") == "short text");
    BOOST_TEST(detail::excerpt("") == "");
    BOOST_TEST(detail::excerpt("a\r\nb\tc\x7f"
                               "d\x01") == "a..b.c.d.");
    BOOST_TEST(detail::excerpt(std::string_view("a\0b", 3)) == "a.b");
    // Bytes >= 0x80 (UTF-8) are kept.
    BOOST_TEST(detail::excerpt("caf\xc3\xa9") == "caf\xc3\xa9");

    BOOST_TEST(detail::excerpt("abcdef", 3) == "abc...");
    BOOST_TEST(detail::excerpt("abc", 3) == "abc");
    BOOST_TEST(detail::excerpt("abcd", 0) == "...");
    const std::string long_text(300, 'a');
    BOOST_TEST(detail::excerpt(long_text) == std::string(200, 'a') + "...");
    BOOST_TEST(detail::excerpt(std::string(200, 'a')) == std::string(200, 'a'));
}

BOOST_AUTO_TEST_CASE(redact_replaces_every_occurrence) {
    std::string text = "Bearer sk-123 and sk-123 again: sk-123";
    detail::redact(text, "sk-123");
    BOOST_TEST(text == "Bearer [redacted] and [redacted] again: [redacted]");

    std::string adjacent = "sk-1sk-1";
    detail::redact(adjacent, "sk-1");
    BOOST_TEST(adjacent == "[redacted][redacted]");

    std::string untouched = "nothing secret here";
    detail::redact(untouched, "");
    BOOST_TEST(untouched == "nothing secret here");
    detail::redact(untouched, "sk-123");
    BOOST_TEST(untouched == "nothing secret here");

    std::string empty;
    detail::redact(empty, "sk");
    BOOST_TEST(empty == "");
}

BOOST_AUTO_TEST_CASE(redact_terminates_when_the_secret_contains_the_mask) {
    std::string same = "a [redacted] b [redacted]";
    detail::redact(same, "[redacted]");
    BOOST_TEST(same == "a [redacted] b [redacted]");

    std::string longer = "x[redacted]x[redacted]y";
    detail::redact(longer, "x[redacted]");
    BOOST_TEST(longer == "[redacted][redacted]y");

    // A one-letter secret that also occurs in the mask.
    std::string letters = "de-d";
    detail::redact(letters, "d");
    BOOST_TEST(letters == "[redacted]e-[redacted]");
}

// api_error and the categories -------------------------------------------------------

BOOST_AUTO_TEST_CASE(api_error_carries_the_diagnostics) {
    oi::diagnostics diag;
    diag.response().status = 429;
    diag.response().request_id = "req_1";
    diag.response().attempts = 3;
    diag.assign_api("requests", "rate_limit_exceeded", "", "Slow down");

    const oi::api_error e(oi::api_errc::rate_limited, diag);
    BOOST_TEST(e.status() == 429u);
    BOOST_TEST(e.type() == "requests");
    BOOST_TEST(e.api_code() == "rate_limit_exceeded");
    BOOST_TEST(e.message() == "Slow down");
    BOOST_TEST(e.request_id() == "req_1");
    BOOST_TEST(e.attempts() == 3u);
    BOOST_TEST(e.param() == "");
    BOOST_TEST(e.code() == api(oi::api_errc::rate_limited));
    BOOST_TEST(std::string(e.what()) ==
               "Slow down [HTTP 429, type requests, code rate_limit_exceeded, request id req_1, "
               "attempts 3]");

    bool caught_client_error = false;
    try {
        throw oi::api_error(oi::api_errc::rate_limited, diag);
    } catch (const oi::client_error& ce) {
        caught_client_error = true;
        BOOST_TEST(ce.code() == api(oi::api_errc::rate_limited));
    }
    BOOST_TEST(caught_client_error);

    bool caught_system_error = false;
    try {
        throw oi::api_error(oi::api_errc::rate_limited, diag);
    } catch (const boost::system::system_error& se) {
        caught_system_error = true;
        BOOST_TEST(se.code() == api(oi::api_errc::rate_limited));
        BOOST_TEST(contains(se.what(), "Slow down"));
    }
    BOOST_TEST(caught_system_error);
}

BOOST_AUTO_TEST_CASE(api_error_without_a_response) {
    oi::diagnostics diag;
    diag.assign("size", "size must be auto or WIDTHxHEIGHT");
    const oi::api_error e(oi::client_errc::invalid_size, diag);
    BOOST_TEST(e.status() == 0u);
    BOOST_TEST(e.type() == "");
    BOOST_TEST(e.api_code() == "");
    BOOST_TEST(e.request_id() == "");
    BOOST_TEST(e.attempts() == 0u);
    BOOST_TEST(e.param() == "size");
    BOOST_TEST(e.code() == client(oi::client_errc::invalid_size));
    BOOST_TEST(std::string(e.what()) == "size must be auto or WIDTHxHEIGHT");
}

// boost::system::system_error::what() is "<prefix>: <message> [<category>:<value>]";
// a client_error's is the sentence alone, the code kept for code().
BOOST_AUTO_TEST_CASE(client_error_what_is_the_sentence_without_a_code_suffix) {
    oi::diagnostics diag;
    diag.assign("base_url", "base_url: 'ftp://x/v1' must start with http:// or https://");
    const oi::client_error e(oi::client_errc::invalid_base_url, diag);
    BOOST_TEST(std::string(e.what()) ==
               "base_url: 'ftp://x/v1' must start with http:// or https://");
    BOOST_TEST(e.code() == client(oi::client_errc::invalid_base_url));
    BOOST_TEST(e.param() == "base_url");
    const boost::system::system_error& base = e;
    BOOST_TEST(std::string(base.what()) == e.what());

    // Without a sentence, the code's own message.
    const oi::client_error bare(oi::client_errc::invalid_ca_file, oi::diagnostics{});
    BOOST_TEST(std::string(bare.what()) == "unusable CA file");
    BOOST_TEST(
        std::string(oi::api_error(oi::client_errc::invalid_ca_file, oi::diagnostics{}).what()) ==
        "unusable CA file");
}

BOOST_AUTO_TEST_CASE(tls_error_codes_have_their_own_messages) {
    BOOST_TEST(client(oi::client_errc::tls_certificate_rejected).message() ==
               "server certificate rejected");
    BOOST_TEST(client(oi::client_errc::invalid_ca_file).message() == "unusable CA file");
    BOOST_TEST(oi::private_ca_hint ==
               "; to trust a private CA, set client_options::tls.ca_file or the "
               "OPENAI_IMAGES_CA_FILE environment variable to its PEM file");
}

BOOST_AUTO_TEST_CASE(error_categories_have_names_and_messages) {
    BOOST_TEST(std::string_view(oi::client_category().name()) == "openai.images.client");
    BOOST_TEST(std::string_view(oi::api_category().name()) == "openai.images.api");
    BOOST_TEST((api(oi::api_errc::rate_limited).category() == oi::api_category()));
    BOOST_TEST((client(oi::client_errc::invalid_json).category() == oi::client_category()));

    const int last_api = static_cast<int>(oi::api_errc::batch_request_failed);
    BOOST_TEST(last_api == 14);
    for (int v = 1; v <= last_api; ++v) {
        const auto m = oi::api_category().message(v);
        BOOST_TEST(!m.empty(), v);
        BOOST_TEST(!m.starts_with("unknown"), v << ": " << m);
    }
    BOOST_TEST(oi::api_category().message(0).starts_with("unknown"));
    BOOST_TEST(oi::api_category().message(last_api + 1).starts_with("unknown"));

    const int last_client = static_cast<int>(oi::client_errc::invalid_batch_job);
    for (int v = 1; v <= last_client; ++v) {
        const auto m = oi::client_category().message(v);
        BOOST_TEST(!m.empty(), v);
        BOOST_TEST(!m.starts_with("unknown"), v << ": " << m);
    }
    BOOST_TEST(oi::client_category().message(last_client + 1).starts_with("unknown"));
}

BOOST_AUTO_TEST_SUITE_END()
