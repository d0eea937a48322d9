#include "endpoint.hpp"

#include <openai/images/version.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <utility>

namespace openai::images::detail {
namespace {

namespace http = boost::beast::http;

const std::string user_agent = std::string("openai-images-cpp/") + version_string;

// A header value from the caller goes on the wire as it is: CR or LF would
// let it add headers or end the request's head early, and other control
// characters are not allowed in a field value (RFC 9110, section 5.5).
void check_header_value(std::string_view name, const std::string& value) {
    const auto bad = std::find_if(value.begin(), value.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return (u < 0x20 && u != '\t') || u == 0x7f;
    });
    if (bad == value.end())
        return;
    diagnostics diag;
    // The value itself is left out: it may be the API key.
    diag.assign(std::string(name), std::string(name) + ": control character " +
                                       std::to_string(static_cast<unsigned char>(*bad)) +
                                       " at offset " + std::to_string(bad - value.begin()) +
                                       "; a header value must be printable text without CR or LF");
    throw client_error(client_errc::invalid_header_value, diag);
}

}  // namespace

std::optional<url_parts> parse_http_url(std::string_view url, std::string& why) {
    auto r = boost::urls::parse_absolute_uri(url);
    if (!r) {
        why = "is not an absolute URL";
        return std::nullopt;
    }
    url_parts p;
    const std::string scheme(r->scheme());
    if (scheme == "https") {
        p.where.tls = true;
    } else if (scheme == "http") {
        p.where.tls = false;
    } else {
        why = "must start with http:// or https://";
        return std::nullopt;
    }
    p.where.host = std::string(r->encoded_host_address());
    if (p.where.host.size() > 2 && p.where.host.front() == '[')
        p.where.host = p.where.host.substr(1, p.where.host.size() - 2);
    if (p.where.host.empty()) {
        why = "has no host";
        return std::nullopt;
    }
    if (r->has_port()) {
        // Checked here, once: a port the socket layer cannot take would
        // otherwise fail every request later.
        if (!parse_port(r->port())) {
            why = "has port '" + std::string(r->port()) + "'; a port is a number from 1 to 65535";
            return std::nullopt;
        }
        p.where.port = std::string(r->port());
    } else {
        p.where.port = p.where.tls ? "443" : "80";
    }
    p.path = std::string(r->encoded_path());
    while (!p.path.empty() && p.path.back() == '/')
        p.path.pop_back();
    if (r->has_query())
        p.query = std::string(r->encoded_query());
    p.host_header = std::string(r->encoded_host_and_port());
    p.resource = std::string(r->encoded_resource());
    // push_back, not = "/": GCC 12 at -O3 warns falsely (-Wrestrict) on the latter.
    if (p.resource.empty())
        p.resource.push_back('/');
    return p;
}

endpoint::endpoint(const client_options& opts)
    : organization_(opts.organization), project_(opts.project) {
    check_header_value("api_key", opts.api_key);
    check_header_value("organization", opts.organization);
    check_header_value("project", opts.project);
    std::string why;
    auto parsed = parse_http_url(opts.base_url, why);
    if (!parsed) {
        diagnostics diag;
        diag.assign("base_url", "base_url: '" + opts.base_url + "' " + why);
        throw client_error(client_errc::invalid_base_url, diag);
    }
    base_ = std::move(*parsed);
    credentials_ = std::make_unique<api_key_credentials>(opts.api_key);
    http::fields f;
    api_headers(f);
    for (const auto& field : f)
        api_lines_.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
}

std::string endpoint::target(std::string_view path) const {
    std::string t;
    t.reserve(base_.path.size() + path.size() + (base_.query.empty() ? 0 : base_.query.size() + 1));
    t.append(base_.path).append(path);
    if (!base_.query.empty())
        t.append("?").append(base_.query);
    return t;
}

std::string endpoint::render_api_request(std::string_view method, std::string_view path,
                                         std::string_view content_type,
                                         std::string_view body) const {
    const std::string length = std::to_string(body.size());
    std::string out;
    constexpr std::size_t framing = 64;  // the literals below, with room to spare
    out.reserve(framing + method.size() + base_.path.size() + path.size() + base_.query.size() +
                api_lines_.size() + content_type.size() + length.size() + body.size());
    out.append(method).append(" ").append(base_.path).append(path);
    if (!base_.query.empty())
        out.append("?").append(base_.query);
    out.append(" HTTP/1.1\r\n").append(api_lines_);
    out.append("Content-Type: ").append(content_type).append("\r\n");
    out.append("Content-Length: ").append(length).append("\r\n\r\n").append(body);
    return out;
}

void endpoint::api_headers(http::fields& f) const {
    f.set(http::field::host, base_.host_header);
    f.set(http::field::user_agent, user_agent);
    f.set(http::field::accept, "application/json");
    credentials_->authorize(f);
    if (!organization_.empty())
        f.set("OpenAI-Organization", organization_);
    if (!project_.empty())
        f.set("OpenAI-Project", project_);
}

void endpoint::download_headers(http::fields& f, const url_parts& url) const {
    f.set(http::field::host, url.host_header);
    f.set(http::field::user_agent, user_agent);
    f.set(http::field::accept, "*/*");
    if (url.where == base_.where)
        credentials_->authorize(f);
}

error_code endpoint::check_credentials(diagnostics& diag) const {
    if (credentials_->empty() && base_.where.host == "api.openai.com") {
        diag.assign("api_key",
                    "api_key: no API key; set OPENAI_API_KEY or client_options::api_key");
        return client_errc::missing_api_key;
    }
    return {};
}

}  // namespace openai::images::detail
