#include <openai/images/image_info.hpp>

#include <array>
#include <cstring>
#include <string>

namespace openai::images {

std::string_view to_string(image_format f) noexcept {
    switch (f) {
        case image_format::png:
            return "png";
        case image_format::jpeg:
            return "jpeg";
        case image_format::webp:
            return "webp";
        case image_format::unknown:
            break;
    }
    return "unknown";
}

std::string_view mime_type(image_format f) noexcept {
    switch (f) {
        case image_format::png:
            return "image/png";
        case image_format::jpeg:
            return "image/jpeg";
        case image_format::webp:
            return "image/webp";
        case image_format::unknown:
            break;
    }
    return "application/octet-stream";
}

std::string_view file_extension(image_format f) noexcept {
    switch (f) {
        case image_format::png:
            return "png";
        case image_format::jpeg:
            return "jpg";
        case image_format::webp:
            return "webp";
        case image_format::unknown:
            break;
    }
    return "bin";
}

namespace {

constexpr unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

bool starts_with(std::span<const unsigned char> s, std::size_t at, std::string_view lit) noexcept {
    return s.size() >= at + lit.size() && std::memcmp(s.data() + at, lit.data(), lit.size()) == 0;
}

std::uint32_t be16(const unsigned char* p) noexcept {
    return static_cast<std::uint32_t>(p[0]) << 8 | p[1];
}
std::uint32_t be32(const unsigned char* p) noexcept {
    return be16(p) << 16 | be16(p + 2);
}
std::uint32_t le16(const unsigned char* p) noexcept {
    return static_cast<std::uint32_t>(p[1]) << 8 | p[0];
}
std::uint32_t le24(const unsigned char* p) noexcept {
    return static_cast<std::uint32_t>(p[2]) << 16 | le16(p);
}
std::uint32_t le32(const unsigned char* p) noexcept {
    return static_cast<std::uint32_t>(p[3]) << 24 | le24(p);
}

std::string hex_byte(unsigned v) {
    constexpr char digits[] = "0123456789ABCDEF";
    return {'0', 'x', digits[(v >> 4) & 0xF], digits[v & 0xF]};
}

// A chunk name for a message, with anything unprintable shown as \xNN.
std::string fourcc(const unsigned char* p) {
    std::string s;
    for (int i = 0; i < 4; ++i) {
        if (p[i] >= 0x20 && p[i] < 0x7F) {
            s += static_cast<char>(p[i]);
        } else {
            s += "\\x" + hex_byte(p[i]).substr(2);
        }
    }
    return s;
}

// JPEG start-of-frame markers; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
bool is_sof(unsigned m) noexcept {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// Enough for the signature and the dimensions of every format.
constexpr std::size_t head_size = 32;

// Real files have a dozen segments before the frame header; the bound stops a
// crafted file of empty segments from costing thousands of reads.
constexpr int max_jpeg_steps = 1024;

class prober {
  public:
    prober(const file_source& src, image_info& out, diagnostics& diag)
        : src_(src), out_(out), diag_(diag) {}

    error_code run() {
        out_ = {};
        std::uint64_t size = 0;
        if (auto ec = src_.size(size, diag_))
            return ec;
        out_.byte_size = size;
        std::array<unsigned char, head_size> head{};
        std::size_t got = 0;
        if (auto ec = src_.read_at(0, head, got, diag_))
            return ec;
        const std::span<const unsigned char> h(head.data(), got);
        switch (detect_format(h)) {
            case image_format::png:
                return png(h);
            case image_format::jpeg:
                return jpeg();
            case image_format::webp:
                return webp(h);
            case image_format::unknown:
                break;
        }
        return {};
    }

  private:
    error_code invalid(const std::string& what) {
        out_.width = out_.height = 0;
        diag_.assign({}, src_.describe() + ": " + what);
        return client_errc::invalid_image;
    }

    error_code set(image_format f, std::uint32_t w, std::uint32_t h) {
        out_.format = f;
        out_.width = w;
        out_.height = h;
        return {};
    }

    error_code png(std::span<const unsigned char> h) {
        out_.format = image_format::png;
        if (h.size() < 24) {
            return invalid("truncated PNG header: " + std::to_string(h.size()) +
                           " bytes, the IHDR chunk needs 24");
        }
        if (!starts_with(h, 12, "IHDR"))
            return invalid("corrupt PNG: the first chunk is '" + fourcc(&h[12]) + "', not IHDR");
        if (be32(&h[8]) != 13) {
            return invalid("corrupt PNG: IHDR length " + std::to_string(be32(&h[8])) +
                           ", expected 13");
        }
        const std::uint32_t w = be32(&h[16]), ht = be32(&h[20]);
        if (w == 0 || ht == 0 || w > 0x7FFFFFFFu || ht > 0x7FFFFFFFu) {
            return invalid("corrupt PNG: IHDR gives " + std::to_string(w) + "x" +
                           std::to_string(ht));
        }
        return set(image_format::png, w, ht);
    }

    error_code jpeg_truncated(std::uint64_t at) {
        return invalid("truncated JPEG header: the data ends at offset " + std::to_string(at) +
                       " before a frame header (SOFn)");
    }

    // Walks the segments from the one after SOI, reading only each marker and
    // length, so that large EXIF or ICC segments are skipped, not read.
    error_code jpeg() {
        out_.format = image_format::jpeg;
        std::uint64_t pos = 2;
        for (int step = 0; step < max_jpeg_steps; ++step) {
            std::array<unsigned char, 16> b{};
            std::size_t got = 0;
            if (auto ec = src_.read_at(pos, b, got, diag_))
                return ec;
            if (got < 2)
                return jpeg_truncated(pos + got);
            if (b[0] != 0xFF) {
                return invalid("corrupt JPEG: expected a marker at offset " + std::to_string(pos) +
                               ", found " + hex_byte(b[0]));
            }
            std::size_t i = 1;
            while (i < got && b[i] == 0xFF)
                ++i;  // fill bytes
            if (i == got) {
                if (got < b.size())
                    return jpeg_truncated(pos + got);
                pos += i - 1;  // keep the last 0xFF: it starts the marker
                continue;
            }
            const unsigned marker = b[i];
            const std::uint64_t after = pos + i + 1;
            if (marker == 0x00 || marker == 0xD8 || marker == 0xD9) {
                return invalid("corrupt JPEG: marker 0xFF" + hex_byte(marker).substr(2) +
                               " at offset " + std::to_string(pos + i - 1) +
                               " before a frame header (SOFn)");
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                pos = after;  // standalone marker, no length
                continue;
            }
            // Length (2), then for SOFn: precision (1), height (2), width (2).
            const std::size_t need = is_sof(marker) ? 7 : 2;
            std::array<unsigned char, 7> seg{};
            const std::size_t have = got - (i + 1);
            if (have >= need) {
                std::memcpy(seg.data(), b.data() + i + 1, need);
            } else {
                std::size_t got2 = 0;
                if (auto ec = src_.read_at(after, std::span(seg.data(), need), got2, diag_))
                    return ec;
                if (got2 < need)
                    return jpeg_truncated(after + got2);
            }
            const std::uint32_t len = be16(seg.data());
            if (len < (is_sof(marker) ? 8u : 2u)) {
                return invalid("corrupt JPEG: segment 0xFF" + hex_byte(marker).substr(2) +
                               " at offset " + std::to_string(pos + i - 1) + " has length " +
                               std::to_string(len));
            }
            if (is_sof(marker)) {
                const std::uint32_t h = be16(&seg[3]), w = be16(&seg[5]);
                if (w == 0 || h == 0) {
                    return invalid("corrupt JPEG: the frame header gives " + std::to_string(w) +
                                   "x" + std::to_string(h));
                }
                return set(image_format::jpeg, w, h);
            }
            pos = after + len;
        }
        return invalid("corrupt JPEG: no frame header (SOFn) in the first " +
                       std::to_string(max_jpeg_steps) + " segments");
    }

    error_code webp_truncated(std::span<const unsigned char> h, std::size_t need,
                              const std::string& chunk) {
        return invalid("truncated WEBP header: " + std::to_string(h.size()) + " bytes, " + chunk +
                       " needs " + std::to_string(need));
    }

    error_code webp(std::span<const unsigned char> h) {
        out_.format = image_format::webp;
        if (h.size() < 20)
            return webp_truncated(h, 20, "the first chunk header");
        const std::string chunk = fourcc(&h[12]);
        if (chunk == "VP8 ") {
            if (h.size() < 30)
                return webp_truncated(h, 30, "a VP8 frame header");
            if ((h[20] & 1) != 0)
                return invalid("corrupt WEBP: the VP8 frame is not a key frame");
            if (h[23] != 0x9D || h[24] != 0x01 || h[25] != 0x2A)
                return invalid("corrupt WEBP: no VP8 start code (9D 01 2A)");
            const std::uint32_t w = le16(&h[26]) & 0x3FFF, ht = le16(&h[28]) & 0x3FFF;
            if (w == 0 || ht == 0) {
                return invalid("corrupt WEBP: the VP8 frame gives " + std::to_string(w) + "x" +
                               std::to_string(ht));
            }
            return set(image_format::webp, w, ht);
        }
        if (chunk == "VP8L") {
            if (h.size() < 25)
                return webp_truncated(h, 25, "a VP8L header");
            if (h[20] != 0x2F) {
                return invalid("corrupt WEBP: VP8L signature " + hex_byte(h[20]) +
                               ", expected 0x2F");
            }
            const std::uint32_t bits = le32(&h[21]);
            return set(image_format::webp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }
        if (chunk == "VP8X") {
            if (h.size() < 30)
                return webp_truncated(h, 30, "a VP8X header");
            return set(image_format::webp, le24(&h[24]) + 1, le24(&h[27]) + 1);
        }
        return invalid("corrupt WEBP: the first chunk is '" + chunk + "', not VP8, VP8L or VP8X");
    }

    const file_source& src_;
    image_info& out_;
    diagnostics& diag_;
};

}  // namespace

image_format detect_format(std::span<const unsigned char> head) noexcept {
    if (head.size() >= 8 && std::memcmp(head.data(), png_signature, 8) == 0)
        return image_format::png;
    if (head.size() >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        return image_format::jpeg;
    if (starts_with(head, 0, "RIFF") && starts_with(head, 8, "WEBP"))
        return image_format::webp;
    return image_format::unknown;
}

error_code probe_image(const file_source& src, image_info& out, diagnostics& diag) {
    return prober(src, out, diag).run();
}

}  // namespace openai::images
