// Shared by the unit tests: printing of the library's enums in Boost.Test
// messages, what a check said, and small builders of valid image headers.
#pragma once

#include <openai/images/error.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace openai::images {
inline std::ostream& boost_test_print_type(std::ostream& os, client_errc e) {
    return os << make_error_code(e).message() << " (" << static_cast<int>(e) << ")";
}
inline std::ostream& boost_test_print_type(std::ostream& os, api_errc e) {
    return os << make_error_code(e).message() << " (" << static_cast<int>(e) << ")";
}
}  // namespace openai::images

namespace test_images {

/// What a check (validate() and the like) said: its error, field and message.
struct outcome {
    openai::images::error_code ec;
    std::string param;
    std::string message;
};

/// Runs `check(diag)` and keeps what it said.
template <class Check>
outcome checked(Check&& check) {
    openai::images::diagnostics diag;
    const openai::images::error_code ec = check(diag);
    return {ec, std::string(diag.param()), std::string(diag.message())};
}

inline void put_be32(std::vector<unsigned char>& v, std::uint32_t x) {
    v.push_back(static_cast<unsigned char>(x >> 24));
    v.push_back(static_cast<unsigned char>(x >> 16));
    v.push_back(static_cast<unsigned char>(x >> 8));
    v.push_back(static_cast<unsigned char>(x));
}

/// A PNG signature and IHDR chunk for w x h, padded with zeros to `total` bytes.
inline std::vector<unsigned char> png(std::uint32_t w, std::uint32_t h, std::size_t total = 64) {
    std::vector<unsigned char> v = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    put_be32(v, 13);
    v.insert(v.end(), {'I', 'H', 'D', 'R'});
    put_be32(v, w);
    put_be32(v, h);
    v.insert(v.end(), {8, 6, 0, 0, 0});
    put_be32(v, 0);  // CRC: not checked by header probing
    if (v.size() < total)
        v.resize(total, 0);
    return v;
}

/// A JPEG with an APP0 segment and a baseline SOF0 for w x h.
inline std::vector<unsigned char> jpeg(std::uint16_t w, std::uint16_t h, std::size_t total = 64) {
    std::vector<unsigned char> v = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F',
                                    0,    1,    1,    0,    0,    1,    0,   1,   0,   0};
    v.insert(v.end(), {0xFF, 0xC0, 0x00, 0x11, 8, static_cast<unsigned char>(h >> 8),
                       static_cast<unsigned char>(h), static_cast<unsigned char>(w >> 8),
                       static_cast<unsigned char>(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1});
    if (v.size() < total)
        v.resize(total, 0);
    return v;
}

/// A WEBP (VP8X extended header) for w x h.
inline std::vector<unsigned char> webp(std::uint32_t w, std::uint32_t h, std::size_t total = 64) {
    std::vector<unsigned char> v = {'R', 'I', 'F', 'F', 0,  0, 0, 0, 'W', 'E', 'B', 'P',
                                    'V', 'P', '8', 'X', 10, 0, 0, 0, 0,   0,   0,   0};
    const std::uint32_t wm = w - 1, hm = h - 1;
    v.insert(v.end(), {static_cast<unsigned char>(wm), static_cast<unsigned char>(wm >> 8),
                       static_cast<unsigned char>(wm >> 16), static_cast<unsigned char>(hm),
                       static_cast<unsigned char>(hm >> 8), static_cast<unsigned char>(hm >> 16)});
    if (v.size() < total)
        v.resize(total, 0);
    const auto riff = static_cast<std::uint32_t>(v.size() - 8);
    v[4] = static_cast<unsigned char>(riff);
    v[5] = static_cast<unsigned char>(riff >> 8);
    v[6] = static_cast<unsigned char>(riff >> 16);
    v[7] = static_cast<unsigned char>(riff >> 24);
    return v;
}

}  // namespace test_images
