// Base64 (RFC 4648, standard alphabet, padded) for `b64_json` images: a strict
// decoder that rejects anything a correct encoder would not produce, and the
// encoder the fake server uses.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images {

/// The exact number of bytes `in` decodes to, assuming it is valid.
std::size_t base64_decoded_size(std::string_view in) noexcept;

/// Decodes `in` into `out` (replacing its contents). Errors:
/// - client_errc::base64_truncated: a length that is not a multiple of 4;
/// - client_errc::base64_invalid_character: a byte outside A-Z a-z 0-9 + / (whitespace too),
///   with its offset in the message;
/// - client_errc::base64_bad_padding: '=' anywhere but the last one or two places, or
///   non-zero bits in the padded tail.
/// On error `out` is left empty.
error_code base64_decode(std::string_view in, std::vector<unsigned char>& out, diagnostics& diag);

/// Decodes into caller memory of at least base64_decoded_size(in) bytes;
/// `written` is the number of bytes stored.
error_code base64_decode(std::string_view in, std::span<unsigned char> out, std::size_t& written,
                         diagnostics& diag);

std::string base64_encode(std::span<const unsigned char> in);
std::string base64_encode(std::string_view in);

/// The image bytes of a response entry: its b64_json decoded, or a copy of
/// its `bytes` when the client already decoded it. An entry that carries only
/// a `url` gives client_errc::missing_required_field (param `b64_json`).
error_code decode_image(const Image& img, std::vector<unsigned char>& out, diagnostics& diag);

}  // namespace openai::images
