// Sample input images for the examples that upload files (edit_with_mask,
// variation), so that they run without any image at hand. Not part of the
// library: a real program uploads its own files.
//
// sample_png(w, h, pixel) is a valid 8-bit RGBA PNG whose pixel data sits in
// uncompressed ("stored") deflate blocks: any decoder reads it and no zlib is
// needed. Only small images are sensible this way (4 bytes per pixel).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace examples {

namespace detail {

inline std::uint32_t crc32(std::string_view bytes) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (const char ch : bytes) {
        c ^= static_cast<unsigned char>(ch);
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

inline void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xFFu));
}

// A chunk: length, type, data, CRC-32 of type and data.
inline void put_chunk(std::string& out, std::string_view type, std::string_view data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    out.append(type).append(data);
    put_u32(out, crc32(std::string_view(out).substr(start)));
}

}  // namespace detail

/// A width x height RGBA PNG; pixel(x, y) gives {r, g, b, a}.
template <class Pixel>
std::string sample_png(std::uint32_t width, std::uint32_t height, Pixel pixel) {
    // Scanlines, each with filter type 0 (none).
    std::string raw;
    for (std::uint32_t y = 0; y < height; ++y) {
        raw.push_back('\0');
        for (std::uint32_t x = 0; x < width; ++x) {
            const std::array<unsigned char, 4> rgba = pixel(x, y);
            for (const unsigned char v : rgba)
                raw.push_back(static_cast<char>(v));
        }
    }
    // A zlib stream of stored blocks (at most 65535 bytes each) and its Adler-32.
    std::string z = {'\x78', '\x01'};
    std::uint32_t a = 1, b = 0;
    std::size_t pos = 0;
    do {
        const std::size_t len = std::min<std::size_t>(raw.size() - pos, 65535);
        z.push_back(pos + len == raw.size() ? '\x01' : '\x00');  // BFINAL on the last block
        for (const std::size_t v : {len, len ^ 0xFFFFu}) {
            z.push_back(static_cast<char>(v & 0xFFu));
            z.push_back(static_cast<char>((v >> 8) & 0xFFu));
        }
        z.append(raw, pos, len);
        pos += len;
    } while (pos < raw.size());
    for (const char ch : raw) {
        a = (a + static_cast<unsigned char>(ch)) % 65521u;
        b = (b + a) % 65521u;
    }
    detail::put_u32(z, (b << 16) | a);

    std::string ihdr;
    detail::put_u32(ihdr, width);
    detail::put_u32(ihdr, height);
    ihdr += std::string_view("\x08\x06\x00\x00\x00", 5);  // 8 bits, RGBA, deflate, no interlace

    std::string png = "\x89PNG\r\n\x1a\n";
    detail::put_chunk(png, "IHDR", ihdr);
    detail::put_chunk(png, "IDAT", z);
    detail::put_chunk(png, "IEND", {});
    return png;
}

/// Writes `bytes` to `path` (creating its directory) and returns `path`.
inline std::filesystem::path write_file(const std::filesystem::path& path, std::string_view bytes) {
    if (path.has_parent_path())
        std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush())
        throw std::runtime_error("cannot write " + path.string());
    return path;
}

}  // namespace examples
