// What an input image is (PNG, JPEG or WEBP) and how large, read from its
// first bytes only: used to pick a part's Content-Type and to check an upload
// against a model's limits before a single byte is sent.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/file.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace openai::images {

/// The image formats the Images API reads.
enum class image_format { unknown, png, jpeg, webp };

/// "png", "jpeg", "webp" or "unknown".
std::string_view to_string(image_format f) noexcept;

/// "image/png", "image/jpeg", "image/webp"; "application/octet-stream" when unknown.
std::string_view mime_type(image_format f) noexcept;

/// The usual file name extension without the dot: "png", "jpg", "webp"; "bin" when unknown.
std::string_view file_extension(image_format f) noexcept;

/// The format from the magic bytes at the start of a file: the 8-byte PNG
/// signature, JPEG's FF D8 FF, or "RIFF" ???? "WEBP". Too few bytes, or any
/// other start, give image_format::unknown. 12 bytes are enough for every format.
image_format detect_format(std::span<const unsigned char> head) noexcept;

struct image_info {
    image_format format = image_format::unknown;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::uint64_t byte_size = 0;  ///< the whole file's (or buffer's) size
};

/// Fills `out` from the image's header, reading only header bytes through
/// file_source::read_at (a JPEG's segments are walked, never read, up to its
/// frame header; at most a few hundred bytes are read in all).
///
/// Errors:
/// - an unrecognised start is not an error: format unknown, width and height 0;
/// - client_errc::invalid_image: a PNG, JPEG or WEBP start whose header is
///   truncated or corrupt; the message names the source and what was wrong;
/// - file_source's own errors (file_open_failed, file_read_failed,
///   missing_required_field for an empty source), passed through.
error_code probe_image(const file_source& src, image_info& out, diagnostics& diag);

}  // namespace openai::images
