// The soak's script: what request i is (generation or variation, which fault
// scenario), the outcome the client must give it, and the server's fault rule
// that reads the scenario back from the request.
#pragma once

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/error.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace soak {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using boost::system::error_code;
using kind = t::fault::kind;
using namespace std::chrono_literals;

constexpr std::size_t max_retries = 2;
constexpr std::size_t fault_every = 10;  // request i is faulted when i % 10 == 9

// What a request does to the server, and what the client must make of it.
struct scenario {
    std::string_view name;
    t::fault fault;        // applied to every attempt of the request
    error_code expected;   // the outcome; success when not set
    bool retried = false;  // the client makes 1 + max_retries attempts, else 1
};

// The first is the 90 %, the others take the faulted requests in turn. As the
// client's policy says: 5xx (unless x-should-retry: false), 429 (unless
// insufficient_quota), resets and truncation are retried, and the last
// attempt's error is the outcome; other 4xx and a 200 that is not JSON are not.
// A reset before any response byte on a kept-alive connection is also re-sent
// at once (a stale re-send, not an attempt).
inline const std::vector<scenario>& scenarios() {
    static const std::vector<scenario> all = {
        {"none", {}, {}},
        {"status_500", {.what = kind::status, .status = 500}, oi::api_errc::server_error, true},
        {"status_503_should_retry_false",
         {.what = kind::status, .status = 503, .headers = {{"x-should-retry", "false"}}},
         oi::api_errc::server_error},
        {"status_429_retry_after_ms",
         {.what = kind::status,
          .status = 429,
          .headers = {{"retry-after-ms", "1"}},
          .error_code = "rate_limit_exceeded"},
         oi::api_errc::rate_limited,
         true},
        {"status_429_insufficient_quota",
         {.what = kind::status,
          .status = 429,
          .error_type = "insufficient_quota",
          .error_code = "insufficient_quota"},
         oi::api_errc::insufficient_quota},
        {"status_400",
         {.what = kind::status,
          .status = 400,
          .error_code = "invalid_value",
          .error_param = "size"},
         oi::api_errc::bad_request},
        {"raw_body_502",
         {.what = kind::raw_body, .status = 502, .body = "<html><h1>502 Bad Gateway</h1></html>"},
         oi::api_errc::server_error,
         true},
        {"reset_before_headers",
         {.what = kind::reset_before_headers},
         asio::error::connection_reset,
         true},
        {"reset_after_headers",
         {.what = kind::reset_after_headers},
         oi::client_errc::truncated_response,
         true},
        {"truncated_body",
         {.what = kind::truncated_body},
         oi::client_errc::truncated_response,
         true},
        {"malformed_json", {.what = kind::malformed_json}, oi::client_errc::invalid_json},
        {"trickle_body", {.what = kind::trickle_body, .chunk = 256, .interval = 1ms}, {}},
        {"latency", {.latency = 2ms}, {}},
    };
    return all;
}

inline std::size_t scenario_of(std::size_t i) {
    if (i % fault_every != fault_every - 1)
        return 0;
    return 1 + (i / fault_every) % (scenarios().size() - 1);
}

// A quarter of the requests are variations (multipart uploads, replayed on a
// retry), the rest generations: whole rounds of the fault script alternate.
inline bool is_variation(std::size_t i) {
    return (i / (fault_every * (scenarios().size() - 1))) % 4 == 3;
}

inline std::size_t attempts_of(const scenario& s) {
    return s.retried ? 1 + max_retries : 1;
}

// The `user` field of request i (generations and variations both have one):
// "soak <i> <scenario>", which the server's fault rule reads back.
inline std::string tag(std::size_t i) {
    return "soak " + std::to_string(i) + " " + std::string(scenarios()[scenario_of(i)].name);
}

// The server side: decides each request's fault from its tag and counts, per
// scenario, the requests that reached the server (attempts and re-sends).
class fault_script {
  public:
    fault_script() : arrivals_(scenarios().size()) {}

    t::fault operator()(const t::request_record& rec) {
        for (const auto& [name, value] : rec.fields) {
            if (name != "user")
                continue;
            const std::string_view v = value;
            const auto sp1 = v.find(' '), sp2 = v.rfind(' ');
            std::size_t i = 0;
            if (!v.starts_with("soak ") || sp1 == sp2 ||
                std::from_chars(v.data() + sp1 + 1, v.data() + sp2, i).ec != std::errc{})
                break;
            const std::size_t s = scenario_of(i);
            if (v.substr(sp2 + 1) != scenarios()[s].name)
                break;
            arrivals_[s].fetch_add(1, std::memory_order_relaxed);
            return scenarios()[s].fault;
        }
        unknown_.fetch_add(1, std::memory_order_relaxed);
        return {};
    }

    std::size_t arrivals(std::size_t s) const { return arrivals_[s].load(); }
    std::size_t unknown() const { return unknown_.load(); }

  private:
    std::vector<std::atomic<std::size_t>> arrivals_;
    std::atomic<std::size_t> unknown_{0};
};

}  // namespace soak
