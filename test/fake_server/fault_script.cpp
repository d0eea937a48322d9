// The `--fault SPEC` syntax: parsing with messages that name the key, the
// value and what is allowed, the selection of requests, and the rule that
// plays a script of specs.
#include <openai/images/testing/fault_script.hpp>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace openai::images::testing {
namespace {

using kind = fault::kind;

struct kind_name {
    std::string_view name;
    kind what;
};

constexpr kind_name kind_names[] = {
    {"none", kind::none},
    {"status", kind::status},
    {"raw-body", kind::raw_body},
    {"reset-before-headers", kind::reset_before_headers},
    {"reset-after-headers", kind::reset_after_headers},
    {"truncated-body", kind::truncated_body},
    {"malformed-json", kind::malformed_json},
    {"trickle-body", kind::trickle_body},
    {"stream-error", kind::stream_error},
    {"stream-reset", kind::stream_reset},
    {"stream-truncated", kind::stream_truncated},
    {"stream-stall", kind::stream_stall},
};

constexpr std::string_view all_keys =
    "kind, status, type, code, param, message, header, body, content-type, latency-ms, chunk, "
    "interval-ms, events, first, after, every, probability, seed, path";

std::string_view name_of(kind k) {
    for (const auto& [name, what] : kind_names)
        if (what == k)
            return name;
    return "?";
}

[[noreturn]] void bad(std::string_view key, std::string_view value, std::string_view allowed) {
    throw std::invalid_argument("bad value \"" + std::string(value) + "\" for " + std::string(key) +
                                ": " + std::string(allowed));
}

std::uint64_t whole_number(std::string_view key, std::string_view value, std::uint64_t min,
                           std::uint64_t max, std::string_view allowed) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || n < min ||
        n > max)
        bad(key, value, allowed);
    return n;
}

// Splits at commas not escaped by a backslash; `\,` and `\\` are unescaped.
std::vector<std::string> split_items(std::string_view spec) {
    std::vector<std::string> items(1);
    for (std::size_t i = 0; i < spec.size(); ++i) {
        const char c = spec[i];
        if (c == '\\' && i + 1 < spec.size() && (spec[i + 1] == ',' || spec[i + 1] == '\\')) {
            items.back() += spec[++i];
        } else if (c == ',') {
            items.emplace_back();
        } else {
            items.back() += c;
        }
    }
    return items;
}

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::string_view without_v1(std::string_view path) {
    path = path.substr(0, path.find('?'));
    if (path.starts_with("/v1/"))
        path.remove_prefix(3);
    return path;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

}  // namespace

scripted_fault parse_fault_spec(std::string_view spec) {
    scripted_fault out;
    fault& f = out.what;
    fault_selector& when = out.when;
    // The key=value pairs given, to refuse repeats and check them against the kind.
    std::vector<std::pair<std::string, std::string>> seen;
    std::string selector_item;  // first, after, every or probability
    std::string content_type;   // content-type=, applied after the kind is known
    bool seed_given = false;

    if (spec.empty())
        throw std::invalid_argument("empty spec: expected key=value pairs separated by commas (" +
                                    std::string(all_keys) + ")");
    for (const std::string& item : split_items(spec)) {
        const std::size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw std::invalid_argument(
                "\"" + item + "\" is not key=value; allowed keys: " + std::string(all_keys));
        const std::string key = item.substr(0, eq);
        const std::string_view value = std::string_view(item).substr(eq + 1);
        const auto given =
            std::find_if(seen.begin(), seen.end(), [&](const auto& kv) { return kv.first == key; });
        if (key != "header" && given != seen.end())
            throw std::invalid_argument("key " + key + " given twice (" + given->first + "=" +
                                        given->second + ", then " + item +
                                        "); only header may repeat");
        seen.emplace_back(key, value);

        if (key == "kind") {
            const auto* it = std::find_if(std::begin(kind_names), std::end(kind_names),
                                          [&](const kind_name& k) { return k.name == value; });
            if (it == std::end(kind_names))
                bad(key, value,
                    "expected none, status, raw-body, reset-before-headers, "
                    "reset-after-headers, truncated-body, malformed-json, trickle-body, "
                    "stream-error, stream-reset, stream-truncated or stream-stall");
            f.what = it->what;
        } else if (key == "status") {
            f.status = static_cast<unsigned>(
                whole_number(key, value, 100, 599, "expected an HTTP status, 100 to 599"));
        } else if (key == "type") {
            f.error_type = value;
        } else if (key == "code") {
            f.error_code = value;
        } else if (key == "param") {
            f.error_param = value;
        } else if (key == "message") {
            f.error_message = value;
        } else if (key == "header") {
            const std::size_t colon = value.find(':');
            const std::string_view name =
                colon == std::string_view::npos ? std::string_view{} : value.substr(0, colon);
            if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char) ||
                value.find_first_of("\r\n") != std::string_view::npos)
                bad(key, value,
                    "expected Name:Value (a header name of letters, digits and !#$%&'*+-.^_`|~, "
                    "a value on one line), e.g. header=retry-after-ms:150");
            f.headers.emplace_back(std::string(name), std::string(trim(value.substr(colon + 1))));
        } else if (key == "body") {
            f.body = value;
        } else if (key == "content-type") {
            if (value.empty() || value.find_first_of("\r\n") != std::string_view::npos)
                bad(key, value, "expected a media type, e.g. content-type=text/html");
            content_type = value;
        } else if (key == "latency-ms") {
            f.latency = std::chrono::milliseconds(
                whole_number(key, value, 0, 86'400'000, "expected milliseconds, 0 to 86400000"));
        } else if (key == "chunk") {
            f.chunk = static_cast<std::size_t>(
                whole_number(key, value, 1, 1U << 30, "expected bytes per write, 1 to 2^30"));
        } else if (key == "interval-ms") {
            f.interval = std::chrono::milliseconds(
                whole_number(key, value, 0, 3'600'000, "expected milliseconds, 0 to 3600000"));
        } else if (key == "events") {
            f.events = static_cast<std::size_t>(
                whole_number(key, value, 0, 1'000'000, "expected a count of events, 0 to 1000000"));
        } else if (key == "first" || key == "after" || key == "every" || key == "probability") {
            if (!selector_item.empty())
                throw std::invalid_argument(
                    selector_item + " and " + item +
                    " both given: a spec takes one of first, after, every and probability");
            selector_item = item;
            if (key == "first") {
                when.what = fault_selector::kind::first;
                when.count = whole_number(key, value, 1, UINT64_MAX, "expected a count, 1 or more");
            } else if (key == "after") {
                when.what = fault_selector::kind::after;
                when.count = whole_number(key, value, 0, UINT64_MAX, "expected a count, 0 or more");
            } else if (key == "every") {
                when.what = fault_selector::kind::every_nth;
                when.count = whole_number(key, value, 1, UINT64_MAX, "expected a count, 1 or more");
            } else {
                double p = -1;
                const auto [end, ec] =
                    std::from_chars(value.data(), value.data() + value.size(), p);
                if (value.empty() || ec != std::errc{} || end != value.data() + value.size() ||
                    !(p >= 0 && p <= 1))
                    bad(key, value, "expected a number from 0 to 1, e.g. probability=0.25");
                when.what = fault_selector::kind::probability;
                when.probability = p;
            }
        } else if (key == "seed") {
            when.seed = whole_number(key, value, 0, UINT64_MAX,
                                     "expected a whole number, 0 to 18446744073709551615");
            seed_given = true;
        } else if (key == "path") {
            if (!value.starts_with('/') || value.find_first_of("?# \r\n") != std::string_view::npos)
                bad(key, value, "expected a path such as /images/generations or /v1/images/edits");
            when.path = value;
        } else {
            throw std::invalid_argument("unknown key " + key + " (value \"" + std::string(value) +
                                        "\"); allowed keys: " + std::string(all_keys));
        }
    }

    if (seed_given && when.what != fault_selector::kind::probability)
        throw std::invalid_argument("seed=" + std::to_string(when.seed) +
                                    " needs probability=P in the same spec");
    // A key that the kind would silently ignore is a mistake in the script.
    struct applies {
        std::string_view key;
        std::initializer_list<kind> kinds;
        std::string_view kinds_text;
    };
    const applies rules[] = {
        {"status", {kind::status, kind::raw_body}, "kind=status or kind=raw-body"},
        {"type", {kind::status, kind::stream_error}, "kind=status or kind=stream-error"},
        {"code", {kind::status, kind::stream_error}, "kind=status or kind=stream-error"},
        {"param", {kind::status, kind::stream_error}, "kind=status or kind=stream-error"},
        {"message", {kind::status, kind::stream_error}, "kind=status or kind=stream-error"},
        {"body", {kind::raw_body, kind::malformed_json}, "kind=raw-body or kind=malformed-json"},
        {"content-type", {kind::raw_body}, "kind=raw-body"},
        {"chunk", {kind::trickle_body}, "kind=trickle-body"},
        {"interval-ms", {kind::trickle_body}, "kind=trickle-body"},
        {"events",
         {kind::stream_error, kind::stream_reset, kind::stream_truncated, kind::stream_stall},
         "the stream-* kinds"},
        {"header",
         {kind::none, kind::status, kind::raw_body, kind::reset_after_headers, kind::truncated_body,
          kind::malformed_json, kind::trickle_body, kind::stream_error, kind::stream_reset,
          kind::stream_truncated, kind::stream_stall},
         "any kind but reset-before-headers (which sends no header)"},
    };
    for (const applies& a : rules) {
        const auto given = std::find_if(seen.begin(), seen.end(),
                                        [&](const auto& kv) { return kv.first == a.key; });
        if (given == seen.end() ||
            std::find(a.kinds.begin(), a.kinds.end(), f.what) != a.kinds.end())
            continue;
        throw std::invalid_argument(given->first + "=" + given->second +
                                    " does nothing with kind=" + std::string(name_of(f.what)) +
                                    ": it is for " + std::string(a.kinds_text));
    }
    if (!content_type.empty())
        f.content_type = content_type;
    return out;
}

bool selects(const fault_selector& when, std::uint64_t n) {
    switch (when.what) {
        case fault_selector::kind::every_request:
            return true;
        case fault_selector::kind::first:
            return n <= when.count;
        case fault_selector::kind::after:
            return n > when.count;
        case fault_selector::kind::every_nth:
            return when.count != 0 && n % when.count == 0;
        case fault_selector::kind::probability: {
            const std::uint64_t x = splitmix64(when.seed + n * 0x9E3779B97F4A7C15ULL);
            return static_cast<double>(x >> 11) * 0x1.0p-53 < when.probability;
        }
    }
    return false;
}

bool path_matches(std::string_view path, std::string_view target) {
    return path.empty() || without_v1(path) == without_v1(target);
}

fault_rule make_fault_rule(std::vector<scripted_fault> script) {
    struct shared {
        std::mutex mu;
        std::vector<scripted_fault> script;
        std::vector<std::uint64_t> seen;  // per spec: requests to its path so far
    };
    auto s = std::make_shared<shared>();
    s->seen.assign(script.size(), 0);
    s->script = std::move(script);
    return [s](const request_record& rec) {
        std::lock_guard lock(s->mu);
        const fault* chosen = nullptr;
        for (std::size_t i = 0; i < s->script.size(); ++i) {
            const scripted_fault& sf = s->script[i];
            if (!path_matches(sf.when.path, rec.target))
                continue;
            const std::uint64_t n = ++s->seen[i];
            if (!chosen && selects(sf.when, n))
                chosen = &sf.what;
        }
        return chosen ? *chosen : fault{};
    };
}

}  // namespace openai::images::testing
