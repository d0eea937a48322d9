// Which HTTP proxy a connection to an origin goes through, by the rules
// libcurl applies to the proxy variables of the environment, so that a
// program using this library behaves as curl does on the same machine:
//
// - https:// origins: https_proxy, else HTTPS_PROXY; http:// origins:
//   http_proxy only (a CGI server sets HTTP_PROXY from a request's `Proxy:`
//   header, so the upper-case name is never read); then all_proxy, else
//   ALL_PROXY, for both;
// - no_proxy, else NO_PROXY: hosts that go direct (see no_proxy_matches);
// - a proxy URL without a scheme is http://; without a port, port 1080.
//
// Sans-io: the environment comes in as a function, the answer is data.
#pragma once

#include <openai/images/error.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace openai::images::detail {

/// An http:// proxy: where it listens and, from the URL's user info
/// (percent-decoded), the credentials of its Basic authentication.
struct proxy_url {
    std::string host;  ///< a name, an IPv4 address, or an IPv6 address without brackets
    std::uint16_t port = 1080;
    std::string user{};
    std::string password{};
    bool has_credentials() const noexcept { return !user.empty() || !password.empty(); }
    /// "http://host:port", for messages: never the credentials.
    std::string redacted() const;
    /// The value of a Proxy-Authorization header ("Basic " + base64 of
    /// user:password); empty without credentials.
    std::string authorization() const;
};

/// Parses a proxy URL: `http://[user[:password]@]host[:port][/]` or the
/// same without `http://`. Errors: client_errc::invalid_url with a message
/// that names `option` and says what is allowed, never the credentials.
error_code parse_proxy_url(std::string_view text, std::string_view option, proxy_url& out,
                           diagnostics& diag);

/// The proxy variables as read from the environment (unset: nullopt).
struct proxy_environment {
    std::optional<std::string> https_proxy{};  ///< https_proxy, else HTTPS_PROXY
    std::optional<std::string> http_proxy{};   ///< http_proxy only
    std::optional<std::string> all_proxy{};    ///< all_proxy, else ALL_PROXY
    std::optional<std::string> no_proxy{};     ///< no_proxy, else NO_PROXY
};

/// Reads the variables through `get` (getenv's contract: nullptr when unset).
/// An empty value counts as unset, as libcurl counts it.
proxy_environment read_proxy_environment(const std::function<const char*(const char*)>& get);

/// Whether `host` (a name, or an IP address; IPv6 without brackets) is
/// listed in `list`: entries separated by commas or spaces; `*` alone
/// matches every host; a name matches itself and its subdomains, case
/// aside, with or without a leading dot ("example.com" and ".example.com"
/// match example.com and api.example.com, not notexample.com); an IP
/// address matches itself, and an entry with /BITS matches the addresses of
/// that network (192.168.0.0/16, fd00::/8). A trailing dot of the host is
/// ignored.
bool no_proxy_matches(std::string_view list, std::string_view host);

/// The proxy URL text for an origin of `scheme` ("https" or "http") and
/// `host`, or nullopt to go direct.
std::optional<std::string> proxy_for(const proxy_environment& env, std::string_view scheme,
                                     std::string_view host);

}  // namespace openai::images::detail
