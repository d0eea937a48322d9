// The pure parts of the retry loop and of error handling: when to retry, how
// long to wait, what an error body says. No sockets, so unit-testable alone.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace openai::images::detail {

/// The wait the server asked for: `retry-after-ms` (milliseconds) first, then
/// `retry-after` (seconds, or an HTTP-date relative to `now`). nullopt when
/// absent, malformed, negative or over `cap` (the caller then computes its own).
std::optional<std::chrono::milliseconds> server_retry_after(
    std::string_view retry_after_ms, std::string_view retry_after,
    std::chrono::system_clock::time_point now, std::chrono::milliseconds cap);

/// An x-ratelimit-reset-requests / -tokens value: a Go-style duration such
/// as "1s", "6m0s", "20ms", "1h2m3.5s" (units h, m, s, ms, us, ns). nullopt
/// when malformed or empty. Rounded up to whole milliseconds.
std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view text);

/// min(initial * 2^retry_index, max), reduced by up to 25 % jitter;
/// `random01` in [0, 1) picks the jitter. Always in [0, max_backoff] (0 for a
/// zero or negative policy), for any policy up to milliseconds::max().
std::chrono::milliseconds computed_backoff(const retry_policy& policy, std::size_t retry_index,
                                           double random01) noexcept;

/// Whether to retry after an attempt that failed with `ec`: `x-should-retry`
/// (true/false) decides when the server sent it, except that
/// insufficient_quota, moderation_blocked and cancellation are never retried;
/// otherwise is_retryable(ec).
bool should_retry(error_code ec, std::string_view x_should_retry) noexcept;

/// The `error` object of an API error body.
struct api_error_body {
    std::string message;
    std::string type;
    std::string param;
    std::string code;
};

/// Reads {"error":{"message","type","param","code"}}. A body that is not such
/// JSON (an HTML page from a proxy…) gives a message with the status and a
/// short excerpt of the body.
api_error_body parse_error_body(std::string_view body, unsigned status);

/// At most `max` bytes of `body` on one line, control bytes shown as '.'.
std::string excerpt(std::string_view body, std::size_t max = 200);

/// Replaces every occurrence of `secret` in `text` (no-op for an empty secret).
void redact(std::string& text, std::string_view secret);

}  // namespace openai::images::detail
