// Internals of the base64 decoder (src/base64.cpp), shared with its AVX2 block
// decoder (src/base64_avx2.cpp) and reachable from the unit tests and
// bench_base64; not part of the installed headers.
#pragma once

#include <openai/images/error.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images::detail {

/// The standard base64 alphabet (RFC 4648), value order.
inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// base64_decode (the span overload) without the SIMD block decoder: the
/// portable table-driven path, for tests and benchmarks to compare against.
error_code base64_decode_scalar(std::string_view in, std::span<unsigned char> out,
                                std::size_t& written, diagnostics& diag);

/// Decodes one base64 text given in parts of any length (as a JSON parser
/// hands over a long string), appending the bytes to `out` as whole groups of
/// 4 characters arrive. It succeeds where base64_decode on the whole text
/// succeeds, with the same bytes, and fails where it fails; for a text of
/// whole groups with one bad character or misplaced '=', and for a truncated
/// text, with the same error and message (offsets counted from the text's
/// start). Messages and the param name `field` (such as "data[2].b64_json").
/// After an error the decoder must not be used again.
class base64_stream_decoder {
  public:
    explicit base64_stream_decoder(std::string field);
    error_code write(std::string_view part, std::vector<unsigned char>& out, diagnostics& diag);
    /// The end of the text: what was held back must be a whole, valid last group.
    error_code finish(std::vector<unsigned char>& out, diagnostics& diag);
    /// Characters given so far.
    std::uint64_t size() const noexcept { return seen_; }

  private:
    /// Decodes whole groups, `final` when they end the text.
    error_code decode_groups(std::string_view groups, bool final, std::vector<unsigned char>& out,
                             diagnostics& diag);

    std::string field_;
    std::uint64_t seen_ = 0;      ///< characters given so far
    std::uint64_t consumed_ = 0;  ///< characters decoded so far
    char hold_[4] = {};           ///< the last characters given, not decoded yet
    std::size_t held_ = 0;
};

/// Whether this CPU can run base64_decode_avx2 (checked once); always false
/// off x86.
bool base64_have_avx2() noexcept;

/// Decodes 32-character blocks of in[0, n) into 24 bytes each at `out`, in
/// order, and returns how many characters it consumed (a multiple of 32). It
/// stops before the first block that holds a byte outside A-Z a-z 0-9 + /
/// ('=' included), and when fewer than 32 characters or 32 bytes of `out_room`
/// are left (each block's store is 32 bytes wide, of which 24 are kept). It
/// reads nothing beyond in[n) and writes nothing beyond out[out_room). Only
/// callable when base64_have_avx2(); returns 0 off x86.
std::size_t base64_decode_avx2(const unsigned char* in, std::size_t n, unsigned char* out,
                               std::size_t out_room) noexcept;

}  // namespace openai::images::detail
