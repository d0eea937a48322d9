#include <openai/images/detail/retry.hpp>

#include <boost/asio/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>

namespace openai::images::detail {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::optional<double> parse_number(std::string_view s) {
    s = trim(s);
    if (s.empty())
        return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

// IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT", as seconds since 1970.
// Not a time_point: system_clock counts nanoseconds in 64 bits, which spans only
// the years 1678 to 2262, and a server may send any year.
std::optional<std::time_t> parse_http_date(std::string_view s) {
    std::tm tm{};
    std::istringstream in{std::string(trim(s))};
    in.imbue(std::locale::classic());
    in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S");
    std::string zone;
    in >> zone;
    if (in.fail() || zone != "GMT")
        return std::nullopt;
    const std::time_t t = timegm(&tm);
    if (t == static_cast<std::time_t>(-1))
        return std::nullopt;
    return t;
}

}  // namespace

std::optional<std::chrono::milliseconds> server_retry_after(
    std::string_view retry_after_ms, std::string_view retry_after,
    std::chrono::system_clock::time_point now, std::chrono::milliseconds cap) {
    std::optional<double> ms;
    if (auto v = parse_number(retry_after_ms)) {
        ms = *v;
    } else if (auto secs = parse_number(retry_after)) {
        ms = *secs * 1000.0;
    } else if (auto date = parse_http_date(retry_after)) {
        // In double milliseconds, truncated as a duration_cast would: no
        // overflow whatever the year.
        const double now_ms =
            std::chrono::duration<double, std::milli>(now.time_since_epoch()).count();
        ms = std::trunc(static_cast<double>(*date) * 1000.0 - now_ms);
    }
    if (!ms || *ms < 0)
        return std::nullopt;
    // Seconds with a fraction ("2.007") are not exact in binary: snap values
    // within a microsecond of a whole millisecond before rounding up.
    if (const double whole = std::round(*ms); std::abs(*ms - whole) < 1e-3)
        *ms = whole;
    // A cap near milliseconds::max() is 2^63 as a double, which does not
    // convert back to int64: a wait of 2^63 ms or more is over any cap.
    constexpr double two_to_63 = 9223372036854775808.0;
    if (*ms > static_cast<double>(cap.count()) || std::ceil(*ms) >= two_to_63)
        return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(*ms)));
}

std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view text) {
    text = trim(text);
    if (text.empty())
        return std::nullopt;
    double total_ms = 0;
    while (!text.empty()) {
        std::size_t i = 0;
        while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'))
            ++i;
        if (i == 0)
            return std::nullopt;
        double v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + i, v);
        if (ec != std::errc() || p != text.data() + i)
            return std::nullopt;
        text.remove_prefix(i);
        double unit_ms = 0;
        if (text.starts_with("ms")) {
            unit_ms = 1;
            text.remove_prefix(2);
        } else if (text.starts_with("us")) {
            unit_ms = 1e-3;
            text.remove_prefix(2);
        } else if (text.starts_with("ns")) {
            unit_ms = 1e-6;
            text.remove_prefix(2);
        } else if (text.starts_with("h")) {
            unit_ms = 3'600'000;
            text.remove_prefix(1);
        } else if (text.starts_with("m")) {
            unit_ms = 60'000;
            text.remove_prefix(1);
        } else if (text.starts_with("s")) {
            unit_ms = 1'000;
            text.remove_prefix(1);
        } else {
            return std::nullopt;
        }
        total_ms += v * unit_ms;
    }
    if (!std::isfinite(total_ms) || total_ms > 1e12)
        return std::nullopt;
    if (const double whole = std::round(total_ms); std::abs(total_ms - whole) < 1e-3)
        total_ms = whole;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(total_ms)));
}

std::chrono::milliseconds computed_backoff(const retry_policy& policy, std::size_t retry_index,
                                           double random01) noexcept {
    const double base = static_cast<double>(policy.initial_backoff.count()) *
                        std::pow(2.0, static_cast<double>(std::min<std::size_t>(retry_index, 30)));
    const double capped = std::min(base, static_cast<double>(policy.max_backoff.count()));
    const double r = random01 >= 0.0 ? std::min(random01, 1.0) : 0.0;  // NaN counts as 0
    const double jittered = capped * (1.0 - 0.25 * r);
    if (!(jittered > 0.0))
        return std::chrono::milliseconds(0);
    // max_backoff near milliseconds::max() ("no cap") becomes 2^63 as a
    // double, which does not convert back to int64: the cap itself is the answer.
    if (jittered >= static_cast<double>(policy.max_backoff.count()))
        return policy.max_backoff;
    return std::chrono::milliseconds(static_cast<std::int64_t>(jittered));
}

bool should_retry(error_code ec, std::string_view x_should_retry) noexcept {
    if (!ec || ec == boost::asio::error::operation_aborted)
        return false;
    if (ec == api_errc::insufficient_quota || ec == api_errc::moderation_blocked)
        return false;
    if (ec == client_errc::deadline_exceeded)
        return false;
    const auto header = trim(x_should_retry);
    if (header == "true")
        return true;
    if (header == "false")
        return false;
    return is_retryable(ec);
}

std::string excerpt(std::string_view body, std::size_t max) {
    std::string out;
    const std::size_t n = std::min(body.size(), max);
    out.reserve(n + 3);
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(body[i]);
        out += (c < 0x20 || c == 0x7F) ? '.' : static_cast<char>(c);
    }
    if (body.size() > max)
        out += "...";
    return out;
}

api_error_body parse_error_body(std::string_view body, unsigned status) {
    namespace json = boost::json;
    api_error_body out;
    boost::system::error_code jec;
    const json::value v = json::parse(json::string_view(body.data(), body.size()), jec);
    const json::object* err = nullptr;
    if (!jec && v.is_object()) {
        if (const auto* e = v.as_object().if_contains("error"))
            err = e->if_object();
    }
    if (!err) {
        out.message = "HTTP " + std::to_string(status) +
                      (body.empty() ? std::string(" with an empty body") : ": " + excerpt(body));
        return out;
    }
    auto text = [&](std::string_view key) -> std::string {
        const auto* f = err->if_contains(key);
        if (!f)
            return {};
        if (const auto* s = f->if_string())
            return std::string(s->data(), s->size());
        if (f->is_int64())
            return std::to_string(f->get_int64());
        return {};
    };
    out.message = text("message");
    out.type = text("type");
    out.param = text("param");
    out.code = text("code");
    if (out.message.empty())
        out.message = "HTTP " + std::to_string(status);
    return out;
}

void redact(std::string& text, std::string_view secret) {
    if (secret.empty())
        return;
    constexpr std::string_view mask = "[redacted]";
    for (auto pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + mask.size())) {
        text.replace(pos, secret.size(), mask);
    }
}

}  // namespace openai::images::detail
