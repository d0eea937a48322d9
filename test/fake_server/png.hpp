// The fake server's images: real, decodable PNGs (8-bit RGB, zlib-compressed
// IDAT, correct CRCs), either of a gradient that compresses to a few bytes per
// row or of noise that does not compress at all (benchmarks of large
// responses), encoded once per size and shared by every response.
#pragma once

#include <openai/images/testing/fake_server.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace openai::images::testing::detail {

/// A PNG and its base64 text, as b64_json carries it.
struct png_image {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::string png;
    std::string b64;
};

/// Encodes a width x height image (both at least 1) of the given fill.
/// `block` > 1: a gradient in squares of that many pixels, a coarser version
/// of the same image (noise is the same at any block). Throws
/// std::runtime_error when zlib fails.
std::string encode_png(std::uint32_t width, std::uint32_t height,
                       image_fill fill = image_fill::gradient, std::uint32_t block = 1);

/// encode_png's result for this size and fill, encoded on first use and kept
/// for the process's lifetime; thread safe (concurrent first uses encode once).
std::shared_ptr<const png_image> cached_png(std::uint32_t width, std::uint32_t height,
                                            image_fill fill = image_fill::gradient,
                                            std::uint32_t block = 1);

}  // namespace openai::images::testing::detail
