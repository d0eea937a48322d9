// Header probing on hand-built PNG, JPEG and WEBP headers (exact bytes), in
// memory and on disk, including truncated and corrupt ones.
#include <openai/images/image_info.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "test_common.hpp"

namespace oi = openai::images;
namespace fs = std::filesystem;

namespace openai::images {
inline std::ostream& boost_test_print_type(std::ostream& os, image_format f) {
    return os << to_string(f);
}
}  // namespace openai::images

namespace {

using bytes = std::vector<unsigned char>;

// A 24-byte PNG start: signature, IHDR length 13, "IHDR", width 1024, height 768.
const bytes png_1024x768 = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D,
                            'I',  'H', 'D', 'R', 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00};

// SOI, APP0 (JFIF, 16 bytes), SOF0 for 640x480.
const bytes jpeg_640x480 = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',
                            0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
                            0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03,
                            0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01};

// RIFF, "VP8 " chunk: key frame tag, start code, width 400 (scale bits set), height 300.
const bytes webp_vp8_400x300 = {'R',  'I',  'F',  'F',  0x16, 0x00, 0x00, 0x00, 'W',  'E',
                                'B',  'P',  'V',  'P',  '8',  ' ',  0x0A, 0x00, 0x00, 0x00,
                                0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x90, 0x41, 0x2C, 0x01};

// RIFF, "VP8L" chunk: signature 0x2F, width-1 399 and height-1 299 in 14 bits each, alpha set.
const bytes webp_vp8l_400x300 = {'R',  'I',  'F',  'F',  0x11, 0x00, 0x00, 0x00, 'W',
                                 'E',  'B',  'P',  'V',  'P',  '8',  'L',  0x05, 0x00,
                                 0x00, 0x00, 0x2F, 0x8F, 0xC1, 0x4A, 0x10};

// RIFF, "VP8X" chunk: flags, reserved, canvas width-1 4999, height-1 2999 (24 bits each).
const bytes webp_vp8x_5000x3000 = {'R',  'I',  'F',  'F',  0x16, 0x00, 0x00, 0x00, 'W',  'E',
                                   'B',  'P',  'V',  'P',  '8',  'X',  0x0A, 0x00, 0x00, 0x00,
                                   0x10, 0x00, 0x00, 0x00, 0x87, 0x13, 0x00, 0xB7, 0x0B, 0x00};

bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

bytes head(const bytes& b, std::size_t n) {
    return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)};
}

oi::image_info probe_ok(const bytes& b) {
    oi::image_info info;
    oi::diagnostics diag;
    const auto ec = oi::probe_image(oi::file_source::from_memory(std::span(b)), info, diag);
    BOOST_TEST_REQUIRE(!ec, diag.message());
    BOOST_TEST(info.byte_size == b.size());
    return info;
}

// The error and the message of a probe expected to fail.
std::pair<oi::error_code, std::string> probe_err(const bytes& b) {
    oi::image_info info;
    oi::diagnostics diag;
    const auto ec = oi::probe_image(oi::file_source::from_memory(std::span(b)), info, diag);
    BOOST_TEST(ec);
    BOOST_TEST(info.width == 0u);
    BOOST_TEST(info.height == 0u);
    return {ec, std::string(diag.message())};
}

void check_invalid(const bytes& b, const std::string& expected_message) {
    const auto [ec, message] = probe_err(b);
    BOOST_TEST(ec == oi::client_errc::invalid_image);
    BOOST_TEST(message == expected_message);
}

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::random_device rd;
        path = fs::temp_directory_path() /
               ("openai-images-image-info-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const std::string& name, const bytes& b) const {
        const auto p = path / name;
        std::ofstream(p, std::ios::binary)
            .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        return p;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(image_info)

BOOST_AUTO_TEST_CASE(detect_format_reads_magic_bytes_only) {
    BOOST_TEST(oi::detect_format(png_1024x768) == oi::image_format::png);
    BOOST_TEST(oi::detect_format(head(png_1024x768, 8)) == oi::image_format::png);
    BOOST_TEST(oi::detect_format(head(png_1024x768, 7)) == oi::image_format::unknown);
    BOOST_TEST(oi::detect_format(bytes{0xFF, 0xD8, 0xFF}) == oi::image_format::jpeg);
    BOOST_TEST(oi::detect_format(bytes{0xFF, 0xD8, 0x00}) == oi::image_format::unknown);
    BOOST_TEST(oi::detect_format(head(webp_vp8x_5000x3000, 12)) == oi::image_format::webp);
    BOOST_TEST(oi::detect_format(bytes{'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'}) ==
               oi::image_format::unknown);
    BOOST_TEST(oi::detect_format(bytes{'G', 'I', 'F', '8', '9', 'a'}) == oi::image_format::unknown);
    BOOST_TEST(oi::detect_format(bytes{}) == oi::image_format::unknown);
}

BOOST_AUTO_TEST_CASE(names_mime_types_and_extensions) {
    using f = oi::image_format;
    BOOST_TEST(oi::to_string(f::png) == "png");
    BOOST_TEST(oi::to_string(f::jpeg) == "jpeg");
    BOOST_TEST(oi::to_string(f::webp) == "webp");
    BOOST_TEST(oi::to_string(f::unknown) == "unknown");
    BOOST_TEST(oi::mime_type(f::png) == "image/png");
    BOOST_TEST(oi::mime_type(f::jpeg) == "image/jpeg");
    BOOST_TEST(oi::mime_type(f::webp) == "image/webp");
    BOOST_TEST(oi::mime_type(f::unknown) == "application/octet-stream");
    BOOST_TEST(oi::file_extension(f::png) == "png");
    BOOST_TEST(oi::file_extension(f::jpeg) == "jpg");
    BOOST_TEST(oi::file_extension(f::webp) == "webp");
    BOOST_TEST(oi::file_extension(f::unknown) == "bin");
}

BOOST_AUTO_TEST_CASE(png_dimensions_come_from_ihdr) {
    const auto info = probe_ok(png_1024x768);
    BOOST_TEST(info.format == oi::image_format::png);
    BOOST_TEST(info.width == 1024u);
    BOOST_TEST(info.height == 768u);
}

BOOST_AUTO_TEST_CASE(png_truncated_or_without_ihdr_first_is_invalid) {
    check_invalid(head(png_1024x768, 20),
                  "<20 bytes in memory>: truncated PNG header: 20 bytes, the IHDR chunk needs 24");
    check_invalid(head(png_1024x768, 8),
                  "<8 bytes in memory>: truncated PNG header: 8 bytes, the IHDR chunk needs 24");
    auto b = png_1024x768;
    b[12] = 'g';  // "gHDR"
    check_invalid(b, "<24 bytes in memory>: corrupt PNG: the first chunk is 'gHDR', not IHDR");
    b = png_1024x768;
    b[18] = b[19] = 0;  // width 0
    check_invalid(b, "<24 bytes in memory>: corrupt PNG: IHDR gives 0x768");
}

BOOST_AUTO_TEST_CASE(jpeg_dimensions_come_from_sof0) {
    const auto info = probe_ok(jpeg_640x480);
    BOOST_TEST(info.format == oi::image_format::jpeg);
    BOOST_TEST(info.width == 640u);
    BOOST_TEST(info.height == 480u);
}

BOOST_AUTO_TEST_CASE(jpeg_large_app1_segment_before_sof_is_skipped) {
    // APP1 of 60000 bytes whose content looks like an SOF0 for 1x1: a walker
    // that scanned the bytes instead of skipping the segment would find it.
    bytes app1 = {0xFF, 0xE1, 0xEA, 0x60};  // length 60000
    for (std::size_t i = 2; i < 60000; i += 9)
        app1.insert(app1.end(), {0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x01, 0x00, 0x01});
    app1.resize(4 + 60000 - 2, 0x00);
    // DHT (C4, not a frame header), then a progressive SOF2 for 3000x2000.
    const bytes dht = {0xFF, 0xC4, 0x00, 0x03, 0x00};
    const bytes sof2 = {0xFF, 0xC2, 0x00, 0x11, 0x08, 0x07, 0xD0, 0x0B, 0xB8, 0x03,
                        0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01};
    const auto b = cat({{0xFF, 0xD8}, app1, dht, sof2});
    const auto info = probe_ok(b);
    BOOST_TEST(info.format == oi::image_format::jpeg);
    BOOST_TEST(info.width == 3000u);
    BOOST_TEST(info.height == 2000u);
}

BOOST_AUTO_TEST_CASE(jpeg_fill_bytes_and_standalone_markers_are_skipped) {
    // SOI, 20 fill bytes before APP0, a TEM and an RST0 marker, then SOF1 for 17x9.
    bytes b = {0xFF, 0xD8};
    b.insert(b.end(), 20, 0xFF);
    b.insert(b.end(), jpeg_640x480.begin() + 3, jpeg_640x480.begin() + 20);  // APP0 without its FF
    b.insert(b.end(), {0xFF, 0x01, 0xFF, 0xD0});
    b.insert(b.end(),
             {0xFF, 0xC1, 0x00, 0x0B, 0x08, 0x00, 0x09, 0x00, 0x11, 0x01, 0x01, 0x11, 0x00});
    const auto info = probe_ok(b);
    BOOST_TEST(info.width == 17u);
    BOOST_TEST(info.height == 9u);
}

BOOST_AUTO_TEST_CASE(jpeg_truncated_or_corrupt_header_is_invalid) {
    check_invalid(head(jpeg_640x480, 3),
                  "<3 bytes in memory>: truncated JPEG header: the data ends at offset 3 before a "
                  "frame header (SOFn)");
    check_invalid(head(jpeg_640x480, 26),  // inside SOF0, before the width
                  "<26 bytes in memory>: truncated JPEG header: the data ends at offset 26 before "
                  "a frame header (SOFn)");
    check_invalid(head(jpeg_640x480, 20),  // APP0 ends, nothing follows
                  "<20 bytes in memory>: truncated JPEG header: the data ends at offset 20 before "
                  "a frame header (SOFn)");
    auto b = jpeg_640x480;
    b[20] = 0x12;  // where the SOF0 marker should start
    check_invalid(b,
                  "<39 bytes in memory>: corrupt JPEG: expected a marker at offset 20, found 0x12");
    b = jpeg_640x480;
    b[4] = 0x00;
    b[5] = 0x01;  // APP0 length 1
    check_invalid(b, "<39 bytes in memory>: corrupt JPEG: segment 0xFFE0 at offset 2 has length 1");
    b = cat({{0xFF, 0xD8, 0xFF, 0xD9}, head(jpeg_640x480, 20)});
    check_invalid(b,
                  "<24 bytes in memory>: corrupt JPEG: marker 0xFFD9 at offset 2 before a frame "
                  "header (SOFn)");
}

BOOST_AUTO_TEST_CASE(jpeg_segment_walk_is_bounded) {
    bytes b = {0xFF, 0xD8};
    for (int i = 0; i < 2000; ++i)
        b.insert(b.end(), {0xFF, 0xFE, 0x00, 0x02});  // empty COM segments
    b.insert(b.end(), jpeg_640x480.begin() + 20, jpeg_640x480.end());
    check_invalid(b,
                  "<8021 bytes in memory>: corrupt JPEG: no frame header (SOFn) in the first "
                  "1024 segments");
}

BOOST_AUTO_TEST_CASE(webp_lossy_lossless_and_extended_dimensions) {
    auto info = probe_ok(webp_vp8_400x300);
    BOOST_TEST(info.format == oi::image_format::webp);
    BOOST_TEST(info.width == 400u);
    BOOST_TEST(info.height == 300u);
    info = probe_ok(webp_vp8l_400x300);
    BOOST_TEST(info.format == oi::image_format::webp);
    BOOST_TEST(info.width == 400u);
    BOOST_TEST(info.height == 300u);
    info = probe_ok(webp_vp8x_5000x3000);
    BOOST_TEST(info.format == oi::image_format::webp);
    BOOST_TEST(info.width == 5000u);
    BOOST_TEST(info.height == 3000u);
}

BOOST_AUTO_TEST_CASE(webp_truncated_or_corrupt_header_is_invalid) {
    check_invalid(head(webp_vp8_400x300, 16),
                  "<16 bytes in memory>: truncated WEBP header: 16 bytes, the first chunk header "
                  "needs 20");
    check_invalid(head(webp_vp8_400x300, 28),
                  "<28 bytes in memory>: truncated WEBP header: 28 bytes, a VP8 frame header "
                  "needs 30");
    check_invalid(head(webp_vp8l_400x300, 24),
                  "<24 bytes in memory>: truncated WEBP header: 24 bytes, a VP8L header needs 25");
    check_invalid(head(webp_vp8x_5000x3000, 29),
                  "<29 bytes in memory>: truncated WEBP header: 29 bytes, a VP8X header needs 30");
    auto b = webp_vp8_400x300;
    b[24] = 0x02;
    check_invalid(b, "<30 bytes in memory>: corrupt WEBP: no VP8 start code (9D 01 2A)");
    b = webp_vp8l_400x300;
    b[20] = 0x2E;
    check_invalid(b, "<25 bytes in memory>: corrupt WEBP: VP8L signature 0x2E, expected 0x2F");
    b = webp_vp8x_5000x3000;
    b[15] = 0x01;
    check_invalid(b,
                  "<30 bytes in memory>: corrupt WEBP: the first chunk is 'VP8\\x01', not VP8, "
                  "VP8L or VP8X");
}

BOOST_AUTO_TEST_CASE(unknown_magic_is_success_with_unknown_format) {
    const bytes gif = {'G', 'I', 'F', '8', '9', 'a', 0x01, 0x00, 0x01, 0x00};
    const auto info = probe_ok(gif);
    BOOST_TEST(info.format == oi::image_format::unknown);
    BOOST_TEST(info.width == 0u);
    BOOST_TEST(info.height == 0u);
    BOOST_TEST(probe_ok(bytes{}).format == oi::image_format::unknown);
}

BOOST_AUTO_TEST_CASE(file_on_disk_is_probed_and_sized) {
    temp_dir dir;
    auto b = png_1024x768;
    b.resize(100000, 0xAB);
    const auto p = dir.write("big.png", b);
    oi::image_info info;
    oi::diagnostics diag;
    const auto ec = oi::probe_image(oi::file_source(p), info, diag);
    BOOST_TEST_REQUIRE(!ec, diag.message());
    BOOST_TEST(info.format == oi::image_format::png);
    BOOST_TEST(info.width == 1024u);
    BOOST_TEST(info.height == 768u);
    BOOST_TEST(info.byte_size == 100000u);

    const auto t = dir.write("cut.jpg", head(jpeg_640x480, 26));
    BOOST_TEST(oi::probe_image(oi::file_source(t), info, diag) == oi::client_errc::invalid_image);
    BOOST_TEST(diag.message() == "'" + t.string() +
                                     "': truncated JPEG header: the data ends at offset 26 before "
                                     "a frame header (SOFn)");
}

BOOST_AUTO_TEST_CASE(missing_path_gives_file_open_failed_naming_the_path) {
    temp_dir dir;
    const auto p = dir.path / "missing.png";
    oi::image_info info;
    oi::diagnostics diag;
    const auto ec = oi::probe_image(oi::file_source(p), info, diag);
    BOOST_TEST(ec == oi::client_errc::file_open_failed);
    BOOST_TEST(std::string(diag.message()).find(p.string()) != std::string::npos);
    BOOST_TEST(info.format == oi::image_format::unknown);
}

BOOST_AUTO_TEST_SUITE_END()
