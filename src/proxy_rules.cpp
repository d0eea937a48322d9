#include "proxy_rules.hpp"

#include <openai/images/base64.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace openai::images::detail {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// The first `bits` bits of the two addresses' bytes are equal.
template <std::size_t N>
bool same_prefix(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                 unsigned bits) {
    for (std::size_t i = 0; i < N && bits > 0; ++i) {
        const unsigned take = std::min(bits, 8u);
        const auto mask = static_cast<unsigned char>(0xff << (8 - take));
        if ((a[i] & mask) != (b[i] & mask))
            return false;
        bits -= take;
    }
    return true;
}

// `entry` is an address or ADDRESS/BITS that holds `host`.
bool address_matches(std::string_view entry, const boost::asio::ip::address& host) {
    // Without /BITS: the whole address.
    unsigned bits = host.is_v4() ? 32 : 128;
    if (const auto slash = entry.find('/'); slash != std::string_view::npos) {
        const auto tail = entry.substr(slash + 1);
        const auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), bits);
        if (ec != std::errc{} || end != tail.data() + tail.size())
            return false;
        entry = entry.substr(0, slash);
    }
    if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']')
        entry = entry.substr(1, entry.size() - 2);
    boost::system::error_code ec;
    const auto net = boost::asio::ip::make_address(std::string(entry), ec);
    if (ec || net.is_v4() != host.is_v4())
        return false;
    if (host.is_v4())
        return bits <= 32 && same_prefix(net.to_v4().to_bytes(), host.to_v4().to_bytes(), bits);
    return bits <= 128 && same_prefix(net.to_v6().to_bytes(), host.to_v6().to_bytes(), bits);
}

bool name_matches(std::string_view entry, std::string_view host) {
    while (!entry.empty() && entry.front() == '.')
        entry.remove_prefix(1);
    if (entry.empty())
        return false;
    if (host.size() == entry.size())
        return iequals(host, entry);
    return host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
           iequals(host.substr(host.size() - entry.size()), entry);
}

std::optional<std::string> read_first(const std::function<const char*(const char*)>& get,
                                      const char* first, const char* second) {
    for (const char* name : {first, second}) {
        if (!name)
            continue;
        if (const char* v = get(name); v && *v)
            return std::string(v);
    }
    return std::nullopt;
}

}  // namespace

std::string proxy_url::redacted() const {
    std::string out = "http://";
    const bool v6 = host.find(':') != std::string::npos;
    if (v6)
        out += '[';
    out += host;
    if (v6)
        out += ']';
    out += ':';
    out += std::to_string(port);
    return out;
}

std::string proxy_url::authorization() const {
    if (!has_credentials())
        return {};
    std::string out = "Basic ";
    out += base64_encode(user + ":" + password);
    return out;
}

error_code parse_proxy_url(std::string_view text, std::string_view option, proxy_url& out,
                           diagnostics& diag) {
    const std::string name(option);
    const auto refuse = [&](std::string why) {
        diag.assign(name, name + ": " + why);
        return error_code(client_errc::invalid_url);
    };
    // The text itself is never quoted: it may hold a password.
    std::string url(text);
    if (url.find("://") == std::string::npos)
        url = "http://" + url;
    const auto r = boost::urls::parse_absolute_uri(url);
    if (!r)
        return refuse("not a proxy URL (http://[user[:password]@]host[:port])");
    if (!iequals(r->scheme(), "http")) {
        std::string why = "a proxy URL of scheme '";
        why += r->scheme();
        why += "'; only http:// proxies are supported";
        return refuse(std::move(why));
    }
    std::string host(r->encoded_host_address());
    if (host.size() > 2 && host.front() == '[')
        host = host.substr(1, host.size() - 2);
    if (host.empty())
        return refuse("a proxy URL without a host");
    if ((!r->encoded_path().empty() && r->encoded_path() != "/") || r->has_query() ||
        r->has_fragment())
        return refuse("a proxy URL is http://[user[:password]@]host[:port], without a path");
    proxy_url p;
    p.host = std::move(host);
    if (r->has_port()) {
        const auto port = r->port();
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || v == 0 ||
            v > 65535)
            return refuse("the proxy's port is a number from 1 to 65535");
        p.port = static_cast<std::uint16_t>(v);
    }
    if (r->has_userinfo()) {
        p.user = r->user();
        p.password = r->password();
    }
    out = std::move(p);
    return {};
}

proxy_environment read_proxy_environment(const std::function<const char*(const char*)>& get) {
    proxy_environment env;
    env.https_proxy = read_first(get, "https_proxy", "HTTPS_PROXY");
    env.http_proxy = read_first(get, "http_proxy", nullptr);
    env.all_proxy = read_first(get, "all_proxy", "ALL_PROXY");
    env.no_proxy = read_first(get, "no_proxy", "NO_PROXY");
    return env;
}

bool no_proxy_matches(std::string_view list, std::string_view host) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (!host.empty() && host.back() == '.')
        host.remove_suffix(1);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(host), ec);
    const bool is_address = !ec;
    while (!list.empty()) {
        const auto end = list.find_first_of(", \t");
        const auto entry = list.substr(0, end);
        list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
        if (entry.empty())
            continue;
        if (entry == "*")
            return true;
        if (is_address ? address_matches(entry, address) : name_matches(entry, host))
            return true;
    }
    return false;
}

std::optional<std::string> proxy_for(const proxy_environment& env, std::string_view scheme,
                                     std::string_view host) {
    if (env.no_proxy && no_proxy_matches(*env.no_proxy, host))
        return std::nullopt;
    if (scheme == "https" && env.https_proxy)
        return env.https_proxy;
    if (scheme == "http" && env.http_proxy)
        return env.http_proxy;
    return env.all_proxy;
}

}  // namespace openai::images::detail
