// The client of a command line: its options from the environment and the
// flags, its creation, and its errors told in the tool's own terms (flags,
// not the library's option names).
#include "run.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

namespace openai_images_cli {

namespace oi = openai::images;

namespace {

// The library's option names, as its messages start with them, and the flags
// that set them.
constexpr std::pair<std::string_view, std::string_view> option_flags[] = {
    {"tls.ca_file", "--ca-file"},       {"base_url", "--base-url"},     {"api_key", "--api-key"},
    {"retry.max_retries", "--retries"}, {"timeout.total", "--timeout"},
};

}  // namespace

std::string in_cli_terms(std::string message) {
    for (const auto& [option, flag] : option_flags) {
        for (auto at = message.find(option); at != std::string::npos;
             at = message.find(option, at + flag.size())) {
            const bool word_start = at == 0 || message[at - 1] == ' ' || message[at - 1] == '(';
            const std::size_t end = at + option.size();
            const bool word_end = end == message.size() || message[end] == ':' ||
                                  message[end] == ' ' || message[end] == ')' || message[end] == ',';
            if (word_start && word_end)
                message.replace(at, option.size(), flag);
        }
    }
    return message;
}

std::string describe_error(oi::error_code ec, const oi::diagnostics& diag) {
    std::string out = ec.message();
    std::string detail = in_cli_terms(std::string(diag.message()));
    // The library tells a program how to trust a private CA; the tool has its own flag.
    if (ec == oi::client_errc::tls_certificate_rejected && detail.ends_with(oi::private_ca_hint))
        detail.replace(detail.size() - oi::private_ca_hint.size(), oi::private_ca_hint.size(),
                       "; to trust a private CA, pass --ca-file PEM or set OPENAI_IMAGES_CA_FILE");
    if (!detail.empty() && detail != out) {
        out += ": ";
        out += detail;
    }
    std::string extra;
    const auto add = [&](const std::string& s) {
        if (!extra.empty())
            extra += ", ";
        extra += s;
    };
    if (!diag.param().empty())
        add("param " + in_cli_terms(std::string(diag.param())));
    if (!diag.api_code().empty())
        add("code " + std::string(diag.api_code()));
    const auto& r = diag.response();
    if (r.status != 0)
        add("HTTP " + std::to_string(r.status));
    if (!r.request_id.empty())
        add("request " + r.request_id);
    if (r.attempts > 1)
        add(std::to_string(r.attempts) + " attempts");
    if (!extra.empty())
        out += " [" + extra + "]";
    return out;
}

bool make_client_options(const cli_args& args, oi::client_options& out, std::string& error) {
    out = oi::client_options::from_env();
    if (args.base_url)
        out.base_url = *args.base_url;
    if (args.api_key)
        out.api_key = *args.api_key;
    if (args.ca_file)
        out.tls.ca_file = *args.ca_file;
    if (args.retries)
        out.retry.max_retries = *args.retries;
    if (args.timeout_seconds) {
        const auto total = std::chrono::milliseconds(std::llround(*args.timeout_seconds * 1000.0));
        out.timeout.total = std::max(total, std::chrono::milliseconds(1));
        out.timeout.response_header = std::min(out.timeout.response_header, out.timeout.total);
    }
    // plan_run() validated every request before the first was sent (unless
    // --no-validate): the client need not read the same images' headers again.
    out.validation.enabled = false;
    out.decode_b64_json = true;  // every image is saved: decoded as it arrives
    out.pool.max_connections = std::max(out.pool.max_connections, args.concurrency);

    const auto url = boost::urls::parse_uri(out.base_url);
    if (!url) {
        error = "--base-url: '" + out.base_url + "' is not a URL (e.g. https://api.openai.com/v1)";
        return false;
    }
    if (out.api_key.empty() && url->host() == "api.openai.com") {
        error = "no API key: set OPENAI_API_KEY (or pass --api-key)";
        return false;
    }
    return true;
}

bool make_client(oi::client::executor_type ex, const oi::client_options& options,
                 std::optional<oi::client>& out, std::string& error) {
    try {
        out.emplace(std::move(ex), options);
        return true;
    } catch (const std::exception& e) {  // client_error: a sentence naming the option
        error = in_cli_terms(e.what());
    }
    return false;
}

}  // namespace openai_images_cli
