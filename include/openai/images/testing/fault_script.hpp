// Fault scripting in text: the `--fault SPEC` syntax of fake-openai-server,
// parsed into faults and the requests they apply to, and a fault_rule that
// plays a list of them, so that a test in-process can script the fake server
// exactly as a command line does.
#pragma once

#include <openai/images/testing/fake_server.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images::testing {

/// Which requests a scripted fault applies to. The requests are counted per
/// spec: each request to `path` (any request when `path` is empty) is that
/// spec's 1st, 2nd, ... whether or not an earlier spec took it.
struct fault_selector {
    enum class kind {
        every_request,  ///< every request (the default)
        first,          ///< requests 1..count
        after,          ///< requests count+1, count+2, ...
        every_nth,      ///< requests count, 2*count, 3*count, ...
        probability,    ///< each request with `probability`, decided from `seed` and its number
    };
    kind what = kind::every_request;
    std::uint64_t count = 0;
    double probability = 0;
    std::uint64_t seed = 0;
    /// Only requests to this path ("/images/generations" or
    /// "/v1/images/generations": the same; the query is ignored). Empty: all.
    std::string path{};
};

/// One `--fault` spec: what to do, and to which requests.
struct scripted_fault {
    fault what{};
    fault_selector when{};
};

/// Parses one spec: comma-separated key=value pairs (a `\,` in a value is a
/// comma, `\\` a backslash). Keys: kind (none, status, raw-body,
/// reset-before-headers, reset-after-headers, truncated-body, malformed-json,
/// trickle-body, stream-error, stream-reset, stream-truncated, stream-stall;
/// default none), status, type, code, param, message, header=Name:Value
/// (repeatable), body, content-type, latency-ms, chunk, interval-ms, events;
/// the selector first=K, after=K, every=N or probability=P with
/// seed=S (at most one of the four); path. Throws std::invalid_argument whose
/// message names the key, its value and what is allowed, for an unknown key, a
/// bad or repeated value, or a key that does nothing for the kind.
scripted_fault parse_fault_spec(std::string_view spec);

/// Whether a request numbered `n` (from 1, counted as fault_selector says)
/// is selected. `probability`: when x / 2^53 < probability, x being the top 53
/// bits of the (n+1)th output of a SplitMix64 generator seeded with `seed`
/// (its state seed + (n+1) * 0x9E3779B97F4A7C15, mixed): a seed gives the same
/// choice of requests every run, on every platform.
bool selects(const fault_selector& when, std::uint64_t n);

/// Whether `target` (a request's target, query included) is `path`, each
/// with or without the leading /v1.
bool path_matches(std::string_view path, std::string_view target);

/// A rule for fake_server::set_fault_rule() that plays `script`: a request
/// gets the fault of the first spec that selects it, kind::none when none
/// does. Thread safe; the counters live in the rule (its copies share them).
fault_rule make_fault_rule(std::vector<scripted_fault> script);

}  // namespace openai::images::testing
