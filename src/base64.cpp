#include <openai/images/base64.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

#include "base64_impl.hpp"

namespace openai::images {
namespace {

using detail::base64_alphabet;
constexpr std::uint8_t invalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_table() {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t)
        v = invalid;
    for (std::uint8_t i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(base64_alphabet[i])] = i;
    return t;
}
constexpr auto table = make_table();

// Where the text being decoded sits, for messages: the field it is the value
// of, and the offset of its first character in that value (a part of a value
// decoded as it arrives starts further in).
struct position {
    std::string_view field = "b64_json";
    std::uint64_t offset = 0;

    error_code fail(error_code ec, const std::string& what, diagnostics& diag) const {
        diag.assign(std::string(field), std::string(field) + ": " + what);
        return ec;
    }
    error_code early_padding(std::uint64_t pos, diagnostics& diag) const {
        return fail(
            client_errc::base64_bad_padding,
            "'=' padding at offset " + std::to_string(offset + pos) + " before the end of the data",
            diag);
    }
    error_code bad_char(std::string_view in, std::size_t pos, diagnostics& diag) const {
        auto c = static_cast<unsigned char>(in[pos]);
        constexpr char hex[] = "0123456789ABCDEF";
        std::string shown = "0x";
        shown += hex[c >> 4];
        shown += hex[c & 0xF];
        return fail(
            client_errc::base64_invalid_character,
            "invalid base64 character " + shown + " at offset " + std::to_string(offset + pos),
            diag);
    }
    error_code truncated(std::uint64_t length, diagnostics& diag) const {
        return fail(
            client_errc::base64_truncated,
            "base64 length " + std::to_string(length) + " is not a multiple of 4 (truncated data)",
            diag);
    }
    // Finds the first offending byte of a quad already known to be bad.
    error_code locate(std::string_view in, std::size_t start, std::size_t end,
                      diagnostics& diag) const {
        for (std::size_t i = start; i < end; ++i) {
            if (in[i] == '=')
                return early_padding(i, diag);
            if (table[static_cast<unsigned char>(in[i])] == invalid)
                return bad_char(in, i, diag);
        }
        return fail(client_errc::base64_invalid_character, "malformed base64", diag);
    }
};

}  // namespace

std::size_t base64_decoded_size(std::string_view in) noexcept {
    if (in.empty() || in.size() % 4 != 0)
        return in.size() / 4 * 3;
    std::size_t n = in.size() / 4 * 3;
    if (in[in.size() - 1] == '=')
        --n;
    if (in[in.size() - 2] == '=')
        --n;
    return n;
}

namespace {

// Both overloads' work; `simd`: whole 32-character blocks go through the AVX2
// decoder first, up to the first block that holds an invalid byte, where the
// scalar loop takes over and reports it exactly as it would have alone.
// `final`: `in` ends the text, so its last group may carry padding; a part
// before the end is groups of 4 data characters only.
error_code decode(std::string_view in, std::span<unsigned char> out, std::size_t& written,
                  diagnostics& diag, bool simd, const position& at = {}, bool final = true) {
    written = 0;
    if (in.size() % 4 != 0)
        return at.truncated(in.size(), diag);
    if (in.empty())
        return {};
    const std::size_t size = final ? base64_decoded_size(in) : in.size() / 4 * 3;
    if (out.size() < size)
        return at.fail(client_errc::base64_truncated, "output buffer too small", diag);
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    unsigned char* o = out.data();
    const std::size_t full = in.size() / 4 - (final ? 1 : 0);  // a final quad may carry padding

    // Its wide stores stay inside out[0, size): bytes past the decoded data
    // stay untouched, and the 8 spare bytes of each store are rewritten next.
    std::size_t q = 0;
    if (simd)
        q = detail::base64_decode_avx2(p, full * 4, o, size) / 4;

    // Eight quads at a time: one check of the OR of all lookups per block.
    for (; q + 8 <= full; q += 8) {
        std::uint32_t bad = 0;
        for (std::size_t k = 0; k < 8; ++k) {
            const unsigned char* s = p + (q + k) * 4;
            const std::uint32_t a = table[s[0]], b = table[s[1]], c = table[s[2]], d = table[s[3]];
            bad |= a | b | c | d;
            const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
            unsigned char* t = o + (q + k) * 3;
            t[0] = static_cast<unsigned char>(v >> 16);
            t[1] = static_cast<unsigned char>(v >> 8);
            t[2] = static_cast<unsigned char>(v);
        }
        if (bad & 0x80u)
            return at.locate(in, q * 4, (q + 8) * 4, diag);
    }
    for (; q < full; ++q) {
        const unsigned char* s = p + q * 4;
        const std::uint32_t a = table[s[0]], b = table[s[1]], c = table[s[2]], d = table[s[3]];
        if ((a | b | c | d) & 0x80u)
            return at.locate(in, q * 4, q * 4 + 4, diag);
        const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
        unsigned char* t = o + q * 3;
        t[0] = static_cast<unsigned char>(v >> 16);
        t[1] = static_cast<unsigned char>(v >> 8);
        t[2] = static_cast<unsigned char>(v);
    }

    if (!final) {
        written = full * 3;
        return {};
    }

    // The last quad: "xxxx", "xxx=" or "xx==".
    const std::size_t base = full * 4;
    const unsigned char* s = p + base;
    std::size_t pad = 0;
    if (s[3] == '=')
        pad = (s[2] == '=') ? 2 : 1;
    const std::size_t data_chars = 4 - pad;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < data_chars; ++i) {
        const std::uint32_t x = table[s[i]];
        if (x == invalid)
            return s[i] == '=' ? at.early_padding(base + i, diag) : at.bad_char(in, base + i, diag);
        v |= x << (18 - 6 * i);
    }
    if ((pad == 1 && (v & 0xFFu)) || (pad == 2 && (v & 0xFFFFu)))
        return at.fail(client_errc::base64_bad_padding, "non-zero bits in the padded last group",
                       diag);
    unsigned char* t = o + full * 3;
    t[0] = static_cast<unsigned char>(v >> 16);
    if (pad < 2)
        t[1] = static_cast<unsigned char>(v >> 8);
    if (pad < 1)
        t[2] = static_cast<unsigned char>(v);
    written = full * 3 + 3 - pad;
    return {};
}

}  // namespace

error_code detail::base64_decode_scalar(std::string_view in, std::span<unsigned char> out,
                                        std::size_t& written, diagnostics& diag) {
    return decode(in, out, written, diag, false);
}

detail::base64_stream_decoder::base64_stream_decoder(std::string field)
    : field_(std::move(field)) {}

error_code detail::base64_stream_decoder::decode_groups(std::string_view groups, bool final,
                                                        std::vector<unsigned char>& out,
                                                        diagnostics& diag) {
    const std::size_t old = out.size();
    out.resize(old + groups.size() / 4 * 3);
    std::size_t written = 0;
    if (auto ec = decode(groups, std::span(out).subspan(old), written, diag, base64_have_avx2(),
                         {field_, consumed_}, final))
        return ec;
    out.resize(old + written);
    consumed_ += groups.size();
    return {};
}

// The text's last characters so far (a group split between parts, or the
// last whole group) wait: only the end of the text says whether they are the
// last group, the one place where '=' is valid. Everything before them is
// decoded as groups of data characters, so a '=' there is an error at its
// offset, as it is for base64_decode.
error_code detail::base64_stream_decoder::write(std::string_view part,
                                                std::vector<unsigned char>& out,
                                                diagnostics& diag) {
    seen_ += part.size();
    if (held_ > 0) {
        const std::size_t take = std::min<std::size_t>(4 - held_, part.size());
        part.copy(hold_ + held_, take);
        held_ += take;
        part.remove_prefix(take);
        if (held_ < 4 || part.empty())
            return {};
        held_ = 0;
        if (auto ec = decode_groups({hold_, 4}, false, out, diag))
            return ec;
    }
    if (part.empty())
        return {};
    const std::size_t keep = part.size() % 4 == 0 ? 4 : part.size() % 4;
    if (part.size() > keep) {
        if (auto ec = decode_groups(part.substr(0, part.size() - keep), false, out, diag))
            return ec;
    }
    held_ = part.substr(part.size() - keep).copy(hold_, keep);
    return {};
}

error_code detail::base64_stream_decoder::finish(std::vector<unsigned char>& out,
                                                 diagnostics& diag) {
    if (held_ == 0)
        return {};
    if (held_ < 4)
        return position{field_, 0}.truncated(seen_, diag);
    held_ = 0;
    return decode_groups({hold_, 4}, true, out, diag);
}

error_code base64_decode(std::string_view in, std::span<unsigned char> out, std::size_t& written,
                         diagnostics& diag) {
    return decode(in, out, written, diag, detail::base64_have_avx2());
}

error_code base64_decode(std::string_view in, std::vector<unsigned char>& out, diagnostics& diag) {
    out.resize(base64_decoded_size(in));
    std::size_t written = 0;
    auto ec = base64_decode(in, std::span<unsigned char>(out), written, diag);
    if (ec) {
        out.clear();
        return ec;
    }
    out.resize(written);
    return {};
}

std::string base64_encode(std::span<const unsigned char> in) {
    std::string out;
    out.resize((in.size() + 2) / 3 * 4);
    char* o = out.data();
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) |
                                std::uint32_t{in[i + 2]};
        *o++ = base64_alphabet[(v >> 18) & 63];
        *o++ = base64_alphabet[(v >> 12) & 63];
        *o++ = base64_alphabet[(v >> 6) & 63];
        *o++ = base64_alphabet[v & 63];
    }
    if (const std::size_t rest = in.size() - i; rest > 0) {
        std::uint32_t v = std::uint32_t{in[i]} << 16;
        if (rest == 2)
            v |= std::uint32_t{in[i + 1]} << 8;
        *o++ = base64_alphabet[(v >> 18) & 63];
        *o++ = base64_alphabet[(v >> 12) & 63];
        *o++ = rest == 2 ? base64_alphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    return out;
}

std::string base64_encode(std::string_view in) {
    return base64_encode(std::span<const unsigned char>(
        reinterpret_cast<const unsigned char*>(in.data()), in.size()));
}

error_code decode_image(const Image& img, std::vector<unsigned char>& out, diagnostics& diag) {
    if (img.bytes && !img.b64_json) {
        out = *img.bytes;
        return {};
    }
    if (!img.b64_json) {
        diag.assign("b64_json", img.url ? "b64_json: the image was returned as a url (" + *img.url +
                                              "); download it instead"
                                        : "b64_json: the image has no data");
        out.clear();
        return client_errc::missing_required_field;
    }
    return base64_decode(*img.b64_json, out, diag);
}

}  // namespace openai::images
