// Fuzz target: what the client reads from an error response and its headers
// (include/openai/images/detail/retry.hpp): the API error body, excerpts of
// bodies, redaction of the API key, retry-after / retry-after-ms, the
// x-ratelimit-reset-* durations, the computed back-off and the retry decision.
//
// Input: status (2 bytes), then strings (FuzzedDataProvider protocol: ends at
// a backslash followed by any other byte): secret, retry-after-ms,
// retry-after, reset duration, x-should-retry; then now (4 bytes, seconds
// since 1970), cap (4 bytes, ms), back-off policy (2 x 4 bytes, ms; a flag
// byte makes either, or the cap, the maximum duration), retry index, random01 (8 bytes,
// any double), error choice; the rest is the body.
//
// Invariants: parse_error_body's fields are exactly what the body's "error"
// object holds (strings, or integers written out), with a message that is
// never empty; excerpt is the body's prefix with control bytes as '.';
// redact replaces exactly the non-overlapping occurrences, leftmost first,
// and an API-key-like secret no longer occurs; the durations are never
// negative and within their caps; the back-off is within [0, max_backoff].
#include <openai/images/detail/retry.hpp>

#include <boost/asio/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <bit>
#include <cmath>
#include <limits>

#include "fuzz_common.hpp"

namespace oi = openai::images;
namespace detail = openai::images::detail;
namespace json = boost::json;
using ms = std::chrono::milliseconds;

namespace {

constexpr std::string_view mask = "[redacted]";

// The documented behaviour, written plainly.
std::string reference_redact(std::string_view text, std::string_view secret) {
    if (secret.empty())
        return std::string(text);
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.substr(i, secret.size()) == secret) {
            out += mask;
            i += secret.size();
        } else {
            out += text[i++];
        }
    }
    return out;
}

std::string reference_excerpt(std::string_view body, std::size_t max) {
    std::string out;
    for (std::size_t i = 0; i < body.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(body[i]);
        out += (c < 0x20 || c == 0x7F) ? '.' : body[i];
    }
    if (body.size() > max)
        out += "...";
    return out;
}

void check_error_body(std::string_view body, unsigned status) {
    const auto e = detail::parse_error_body(body, status);
    FUZZ_CHECK(!e.message.empty());

    boost::system::error_code jec;
    const json::value v = json::parse(json::string_view(body.data(), body.size()), jec);
    const json::object* err = nullptr;
    if (!jec && v.is_object()) {
        if (const auto* p = v.as_object().if_contains("error"))
            err = p->if_object();
    }
    const std::string http = "HTTP " + std::to_string(status);
    if (!err) {
        const std::string expected =
            body.empty() ? http + " with an empty body" : http + ": " + detail::excerpt(body);
        FUZZ_CHECK_MSG(e.message == expected, fuzz::escaped(e.message));
        FUZZ_CHECK(e.type.empty() && e.param.empty() && e.code.empty());
        return;
    }
    auto text = [&](std::string_view key) -> std::string {
        const auto* f = err->if_contains(key);
        if (!f)
            return {};
        if (const auto* s = f->if_string())
            return std::string(s->data(), s->size());
        if (const auto* i = f->if_int64())
            return std::to_string(*i);
        return {};
    };
    const std::string message = text("message");
    FUZZ_CHECK(e.message == (message.empty() ? http : message));
    FUZZ_CHECK(e.type == text("type"));
    FUZZ_CHECK(e.param == text("param"));
    FUZZ_CHECK(e.code == text("code"));
}

void check_excerpt(std::string_view body, std::size_t max) {
    const std::string x = detail::excerpt(body, max);
    FUZZ_CHECK_MSG(x == reference_excerpt(body, max), fuzz::escaped(x));
}

bool api_key_like(std::string_view secret) {
    return secret.size() >= 8 && secret.find_first_of("[]") == std::string_view::npos &&
           mask.find(secret) == std::string_view::npos;
}

void check_redact(std::string_view text, std::string_view secret) {
    std::string t(text);
    detail::redact(t, secret);
    FUZZ_CHECK_MSG(t == reference_redact(text, secret), fuzz::escaped(t));
    if (api_key_like(secret))
        FUZZ_CHECK_MSG(t.find(secret) == std::string::npos, fuzz::escaped(t));
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == s.npos;
}

void check_retry_after(std::string_view retry_after_ms, std::string_view retry_after,
                       std::chrono::system_clock::time_point now, ms cap) {
    const auto r = detail::server_retry_after(retry_after_ms, retry_after, now, cap);
    if (r) {
        FUZZ_CHECK(r->count() >= 0);
        FUZZ_CHECK_MSG(*r <= cap, std::to_string(r->count()) + " > " + std::to_string(cap.count()));
    }
    if (all_digits(retry_after_ms)) {
        const auto v = std::stoll(std::string(retry_after_ms));
        if (v <= cap.count()) {
            FUZZ_CHECK(r && r->count() == v);
        } else {
            FUZZ_CHECK(!r);
        }
    }
}

void check_reset(std::string_view text) {
    const auto r = detail::parse_reset_duration(text);
    if (r) {
        FUZZ_CHECK(r->count() >= 0);
        FUZZ_CHECK(r->count() <= 1'000'000'000'000);
    }
    if (text.size() > 2 && text.ends_with("ms") && all_digits(text.substr(0, text.size() - 2))) {
        FUZZ_CHECK(r && r->count() == std::stoll(std::string(text.substr(0, text.size() - 2))));
    }
}

void check_backoff(const oi::retry_policy& p, std::size_t index, double random01) {
    const ms b = detail::computed_backoff(p, index, random01);
    FUZZ_CHECK(b.count() >= 0);
    FUZZ_CHECK_MSG(b <= p.max_backoff,
                   std::to_string(b.count()) + " > " + std::to_string(p.max_backoff.count()));
}

oi::error_code error_choice(std::uint8_t c) {
    switch (c % 10) {
        case 0:
            return {};
        case 1:
            return boost::asio::error::operation_aborted;
        case 2:
            return oi::api_errc::insufficient_quota;
        case 3:
            return oi::api_errc::moderation_blocked;
        case 4:
            return oi::client_errc::deadline_exceeded;
        case 5:
            return oi::api_errc::rate_limited;
        case 6:
            return oi::api_errc::bad_request;
        case 7:
            return oi::api_errc::server_error;
        case 8:
            return boost::asio::error::connection_reset;
        default:
            return oi::client_errc::truncated_response;
    }
}

}  // namespace

int fuzz_self_test() {
    // regressions/api_error/backoff-no-cap-policy-float-cast-overflow: with
    // max_backoff = milliseconds::max() ("no cap") and a large initial back-off,
    // the capped value was 2^63 as a double and its conversion to int64 was
    // undefined (a negative back-off in practice). It is now the cap itself.
    oi::retry_policy p;
    p.initial_backoff = ms::max();
    p.max_backoff = ms::max();
    FUZZ_CHECK(detail::computed_backoff(p, 0, 0.0) == ms::max());
    FUZZ_CHECK(detail::computed_backoff(p, 30, std::numeric_limits<double>::quiet_NaN()) ==
               ms::max());
    FUZZ_CHECK(detail::computed_backoff(p, 3, 1.0) ==
               ms(6'917'529'027'641'081'856));  // 0.75 * 2^63
    p.initial_backoff = ms(10'000'000'000);     // 115 days, doubled 30 times: over 2^63
    FUZZ_CHECK(detail::computed_backoff(p, 30, 0.0) == ms::max());
    // A zero or negative policy waits 0, never a negative time.
    p.initial_backoff = ms(-5);
    FUZZ_CHECK(detail::computed_backoff(p, 2, 0.5) == ms(0));
    p.initial_backoff = ms(500);
    p.max_backoff = ms(-1);
    FUZZ_CHECK(detail::computed_backoff(p, 0, 0.0) == ms(0));
    // regressions/api_error/retry-after-date-year-0041-chrono-overflow: an
    // HTTP-date outside 1678..2262 overflowed system_clock's nanoseconds in
    // from_time_t (undefined behaviour, a garbage wait in practice). Any year
    // now works: the past is no wait, the far future is over the cap.
    using namespace std::chrono;
    const system_clock::time_point rfc_now = sys_days{2015y / 10 / 21} + 7h + 28min;
    FUZZ_CHECK(
        !detail::server_retry_after("", "Tue, 20 Oct 0041 07:28:05 GMT", rfc_now, ms(60'000)));
    FUZZ_CHECK(
        !detail::server_retry_after("", "Fri, 31 Dec 9999 23:59:59 GMT", rfc_now, ms(60'000)));
    FUZZ_CHECK(detail::server_retry_after("", "Fri, 31 Dec 9999 23:59:59 GMT", rfc_now,
                                          ms::max()) == ms(251'956'888'319'000));
    FUZZ_CHECK(detail::server_retry_after("", "Wed, 21 Oct 2015 07:28:05 GMT", rfc_now,
                                          ms(60'000)) == ms(5'000));
    FUZZ_CHECK(detail::server_retry_after("", "Wed, 21 Oct 2015 07:28:05 GMT", rfc_now + 250us,
                                          ms(60'000)) == ms(4'999));
    // With the cap at milliseconds::max(), 2^63 ms (a double) is over it.
    FUZZ_CHECK(!detail::server_retry_after("9223372036854775807", "", rfc_now, ms::max()));
    FUZZ_CHECK(detail::server_retry_after("9223372036854774784", "", rfc_now, ms::max()) ==
               ms(9'223'372'036'854'774'784));

    // The usual policy is unchanged.
    p.max_backoff = ms(8'000);
    FUZZ_CHECK(detail::computed_backoff(p, 0, 0.0) == ms(500));
    FUZZ_CHECK(detail::computed_backoff(p, 10, 0.0) == ms(8'000));
    FUZZ_CHECK(detail::computed_backoff(p, 10, 0.999999) == ms(6'000));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    const unsigned status = in.integral<std::uint16_t>();
    const std::string secret = in.string(128);
    const std::string retry_after_ms = in.string(128);
    const std::string retry_after = in.string(128);
    const std::string reset = in.string(128);
    const std::string should = in.string(32);
    const auto now =
        std::chrono::system_clock::time_point(std::chrono::seconds(in.integral<std::int32_t>()));
    ms cap(in.integral<std::uint32_t>());
    oi::retry_policy policy;
    policy.initial_backoff = ms(in.integral<std::uint32_t>());
    policy.max_backoff = ms(in.integral<std::uint32_t>());
    const std::uint8_t big = in.byte();
    if (big & 1)
        policy.initial_backoff = ms::max();
    if (big & 2)
        policy.max_backoff = ms::max();
    if (big & 4)
        cap = ms::max();
    const std::size_t index = in.byte();
    const double random01 = std::bit_cast<double>(in.integral<std::uint64_t>());
    const oi::error_code ec = error_choice(in.byte());
    const std::string_view body = in.rest();

    check_error_body(body, status);
    check_excerpt(body, 200);
    check_excerpt(body, 0);
    check_excerpt(body, status % 64);
    check_redact(body, secret);
    check_redact(detail::parse_error_body(body, status).message, secret);
    check_retry_after(retry_after_ms, retry_after, now, cap);
    check_retry_after({}, retry_after, now, cap);
    check_reset(reset);
    check_reset(retry_after);
    check_backoff(policy, index, random01);

    const bool retry = detail::should_retry(ec, should);
    if (!ec || ec == oi::api_errc::insufficient_quota || ec == oi::api_errc::moderation_blocked ||
        ec == boost::asio::error::operation_aborted || ec == oi::client_errc::deadline_exceeded) {
        FUZZ_CHECK(!retry);
    }
    return 0;
}
