// Where a connection goes (scheme, host, port): the pool's key, and what a
// connection remembers of its peer.
#pragma once

#include <charconv>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openai::images::detail {

/// Where connections go: scheme, host and port.
struct origin {
    bool tls = true;
    std::string host;
    std::string port;
    auto operator<=>(const origin&) const = default;
};

/// A port as written in a URL: digits only, 1 to 65535.
inline std::optional<std::uint16_t> parse_port(std::string_view text) noexcept {
    std::uint16_t port = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, port);
    if (ec != std::errc() || ptr != end || port == 0)
        return std::nullopt;
    return port;
}

}  // namespace openai::images::detail
