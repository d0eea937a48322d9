// The strict base64 decoder on RFC 4648's vectors and every kind of malformed input.
#include <openai/images/base64.hpp>

#include <boost/test/unit_test.hpp>

#include <random>

#include "../../src/base64_impl.hpp"  // the scalar path, to compare with the AVX2 one
#include "test_common.hpp"

namespace oi = openai::images;

namespace {

std::string decode_ok(std::string_view in) {
    std::vector<unsigned char> out;
    oi::diagnostics diag;
    auto ec = oi::base64_decode(in, out, diag);
    BOOST_TEST_REQUIRE(!ec, in << ": " << diag.message());
    return {out.begin(), out.end()};
}

oi::error_code decode_err(std::string_view in, oi::diagnostics& diag) {
    std::vector<unsigned char> out{1, 2, 3};
    auto ec = oi::base64_decode(in, out, diag);
    BOOST_TEST(out.empty());
    return ec;
}

std::string random_bytes(std::mt19937& rng, std::size_t n) {
    std::string data(n, '\0');
    for (auto& c : data)
        c = static_cast<char>(rng() & 0xFF);
    return data;
}

bool in_alphabet(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

std::string hex_byte(unsigned char c) {
    constexpr char hex[] = "0123456789ABCDEF";
    return std::string("0x") + hex[c >> 4] + hex[c & 0xF];
}

// One decode through the span overload: the error, its message, `written` and the bytes.
struct outcome {
    oi::error_code ec;
    std::string message;
    std::size_t written = 0;
    std::vector<unsigned char> bytes;
};

template <class Decode>
outcome decode_with(Decode decode, std::string_view in) {
    outcome r;
    r.bytes.assign(oi::base64_decoded_size(in), 0);
    oi::diagnostics diag;
    r.ec = decode(in, std::span<unsigned char>(r.bytes), r.written, diag);
    r.message = diag.message();
    if (!r.ec)
        r.bytes.resize(r.written);
    else
        r.bytes.clear();  // unspecified on error
    return r;
}

outcome decode_public(std::string_view in) {
    return decode_with([](std::string_view i, std::span<unsigned char> o, std::size_t& w,
                          oi::diagnostics& d) { return oi::base64_decode(i, o, w, d); },
                       in);
}

outcome decode_scalar(std::string_view in) {
    return decode_with(oi::detail::base64_decode_scalar, in);
}

// The public (dispatching) decoder and the scalar one give the same outcome.
void check_paths_agree(std::string_view in) {
    const outcome a = decode_public(in), b = decode_scalar(in);
    BOOST_TEST(a.ec == b.ec);
    BOOST_TEST(a.message == b.message);
    BOOST_TEST(a.written == b.written);
    BOOST_TEST(a.bytes == b.bytes);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base64)

BOOST_AUTO_TEST_CASE(rfc4648_test_vectors_decode_and_encode) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (auto [plain, encoded] : vectors) {
        BOOST_TEST(decode_ok(encoded) == plain);
        BOOST_TEST(oi::base64_encode(std::string_view(plain)) == encoded);
        BOOST_TEST(oi::base64_decoded_size(encoded) == std::string_view(plain).size());
    }
}

BOOST_AUTO_TEST_CASE(every_byte_value_and_length_round_trips) {
    std::mt19937 rng(7);
    for (std::size_t len = 0; len < 200; ++len) {
        std::string data(len, '\0');
        for (auto& c : data)
            c = static_cast<char>(rng() & 0xFF);
        BOOST_TEST(decode_ok(oi::base64_encode(data)) == data);
    }
    std::string all;
    for (int i = 0; i < 256; ++i)
        all.push_back(static_cast<char>(i));
    BOOST_TEST(decode_ok(oi::base64_encode(all)) == all);
}

BOOST_AUTO_TEST_CASE(a_large_image_decodes_through_the_blocked_loop) {
    std::string data(3 * 100000 + 2, '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>((i * 131) & 0xFF);
    BOOST_TEST(decode_ok(oi::base64_encode(data)) == data);
}

BOOST_AUTO_TEST_CASE(length_not_a_multiple_of_four_is_truncated) {
    oi::diagnostics diag;
    BOOST_TEST(decode_err("Zm9vY", diag) == oi::client_errc::base64_truncated);
    BOOST_TEST(diag.message() ==
               "b64_json: base64 length 5 is not a multiple of 4 (truncated data)");
    BOOST_TEST(decode_err("Zm8", diag) == oi::client_errc::base64_truncated);
    BOOST_TEST(decode_err("Z", diag) == oi::client_errc::base64_truncated);
}

BOOST_AUTO_TEST_CASE(invalid_characters_are_rejected_with_their_offset) {
    oi::diagnostics diag;
    BOOST_TEST(decode_err("Zm9v*mFy", diag) == oi::client_errc::base64_invalid_character);
    BOOST_TEST(diag.message() == "b64_json: invalid base64 character 0x2A at offset 4");
    BOOST_TEST(diag.param() == "b64_json");
    // Whitespace and the URL-safe alphabet are not standard base64.
    BOOST_TEST(decode_err("Zm9v\nmFy", diag) == oi::client_errc::base64_invalid_character);
    BOOST_TEST(decode_err("Zm9-YmFy", diag) == oi::client_errc::base64_invalid_character);
    BOOST_TEST(decode_err("Zm9_", diag) == oi::client_errc::base64_invalid_character);
    BOOST_TEST(decode_err(std::string_view("Zm\0v", 4), diag) ==
               oi::client_errc::base64_invalid_character);
    // Deep inside a long input, found by the blocked loop.
    std::string big = oi::base64_encode(std::string(3000, 'x'));
    big[2401] = '\xC3';
    BOOST_TEST(decode_err(big, diag) == oi::client_errc::base64_invalid_character);
    BOOST_TEST(diag.message() == "b64_json: invalid base64 character 0xC3 at offset 2401");
}

BOOST_AUTO_TEST_CASE(misplaced_or_excess_padding_is_bad_padding) {
    oi::diagnostics diag;
    BOOST_TEST(decode_err("Zg==Zm9v", diag) == oi::client_errc::base64_bad_padding);
    BOOST_TEST(diag.message() == "b64_json: '=' padding at offset 2 before the end of the data");
    BOOST_TEST(decode_err("Z===", diag) == oi::client_errc::base64_bad_padding);
    BOOST_TEST(decode_err("====", diag) == oi::client_errc::base64_bad_padding);
    BOOST_TEST(decode_err("Zm=v", diag) == oi::client_errc::base64_bad_padding);
    std::string big = oi::base64_encode(std::string(300, 'x'));
    big[100] = '=';
    BOOST_TEST(decode_err(big, diag) == oi::client_errc::base64_bad_padding);
}

BOOST_AUTO_TEST_CASE(non_zero_bits_under_padding_are_bad_padding) {
    oi::diagnostics diag;
    BOOST_TEST(decode_err("Zh==", diag) == oi::client_errc::base64_bad_padding);
    BOOST_TEST(decode_err("Zm9=", diag) == oi::client_errc::base64_bad_padding);
    BOOST_TEST(diag.message() == "b64_json: non-zero bits in the padded last group");
}

BOOST_AUTO_TEST_CASE(decode_image_reads_b64_json_and_explains_url_entries) {
    std::vector<unsigned char> out;
    oi::diagnostics diag;
    BOOST_TEST(!oi::decode_image(oi::Image{.b64_json = "iVBORw=="}, out, diag));
    BOOST_TEST(out == (std::vector<unsigned char>{0x89, 'P', 'N', 'G'}));
    BOOST_TEST(oi::decode_image(oi::Image{.url = "https://x/y.png"}, out, diag) ==
               oi::client_errc::missing_required_field);
    BOOST_TEST(diag.message() ==
               "b64_json: the image was returned as a url (https://x/y.png); download it instead");
}

BOOST_AUTO_TEST_CASE(decoding_into_caller_memory_reports_bytes_written) {
    unsigned char buf[6];
    std::size_t written = 0;
    oi::diagnostics diag;
    BOOST_TEST(!oi::base64_decode("Zm9vYmE=", std::span<unsigned char>(buf), written, diag));
    BOOST_TEST(written == 5u);
    BOOST_TEST(std::string(buf, buf + 5) == "fooba");
}

// The cases below run through the public API, so through the AVX2 block
// decoder wherever the CPU has it (32 characters a step, four steps at a time
// from 128 characters on), and compare with the scalar path.

BOOST_AUTO_TEST_CASE(simd_path_round_trips_every_length) {
    BOOST_TEST_MESSAGE("base64: AVX2 decoder "
                       << (oi::detail::base64_have_avx2() ? "in use" : "not available"));
    std::mt19937 rng(11);
    for (std::size_t len = 0; len <= 300; ++len) {
        const std::string data = random_bytes(rng, len);
        const std::string text = oi::base64_encode(data);
        BOOST_TEST(decode_ok(text) == data, "length " << len);
        const outcome r = decode_public(text);
        BOOST_TEST(!r.ec);
        BOOST_TEST(r.written == len);
        BOOST_TEST(std::string(r.bytes.begin(), r.bytes.end()) == data);
        check_paths_agree(text);
    }
    for (std::size_t k = 0; k < 4; ++k) {
        const std::string data = random_bytes(rng, (1u << 20) + k);
        BOOST_TEST(decode_ok(oi::base64_encode(data)) == data, "length 1 MiB + " << k);
    }
}

BOOST_AUTO_TEST_CASE(simd_path_writes_nothing_past_the_decoded_bytes) {
    std::mt19937 rng(12);
    for (std::size_t len : {0u, 1u, 23u, 24u, 25u, 95u, 96u, 97u, 200u, 1000u, 4099u}) {
        const std::string data = random_bytes(rng, len);
        const std::string text = oi::base64_encode(data);
        std::vector<unsigned char> buf(len + 64, 0xA5);
        std::size_t written = 0;
        oi::diagnostics diag;
        BOOST_TEST_REQUIRE(!oi::base64_decode(text, std::span<unsigned char>(buf), written, diag));
        BOOST_TEST(written == len);
        BOOST_TEST(std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(len)) ==
                   data);
        BOOST_TEST(std::count(buf.begin() + static_cast<std::ptrdiff_t>(len), buf.end(), 0xA5) ==
                   64);
    }
}

BOOST_AUTO_TEST_CASE(simd_path_reports_an_invalid_character_at_every_offset) {
    std::mt19937 rng(13);
    const std::string text = oi::base64_encode(random_bytes(rng, 150));  // 200 chars, no '='
    BOOST_TEST_REQUIRE(text.size() == 200u);
    const unsigned char bads[] = {'*', '\n', ' ', '-', '_',  '.',  '@',  '[',
                                  '`', '{',  ':', 0,   0x7F, 0x80, 0xC3, 0xFF};
    for (unsigned char bad : bads) {
        for (std::size_t at = 0; at < text.size(); ++at) {
            std::string t = text;
            t[at] = static_cast<char>(bad);
            oi::diagnostics diag;
            BOOST_TEST(decode_err(t, diag) == oi::client_errc::base64_invalid_character);
            BOOST_TEST(diag.message() == "b64_json: invalid base64 character " + hex_byte(bad) +
                                             " at offset " + std::to_string(at));
            BOOST_TEST(diag.param() == "b64_json");
            const outcome r = decode_public(t);
            BOOST_TEST(r.written == 0u);
            check_paths_agree(t);
        }
    }
}

BOOST_AUTO_TEST_CASE(simd_path_reports_the_first_of_several_bad_bytes) {
    std::mt19937 rng(14);
    const std::string text = oi::base64_encode(random_bytes(rng, 300));  // 400 chars
    for (std::size_t a = 0; a < 396; a += 7) {
        for (std::size_t b : {a + 1, a + 3, a + 31, a + 32, a + 130}) {
            if (b >= 396)
                continue;
            std::string t = text;
            t[a] = '!';
            t[b] = '=';
            oi::diagnostics diag;
            BOOST_TEST(decode_err(t, diag) == oi::client_errc::base64_invalid_character);
            BOOST_TEST(diag.message() ==
                       "b64_json: invalid base64 character 0x21 at offset " + std::to_string(a));
            t[a] = '=';
            t[b] = '!';
            BOOST_TEST(decode_err(t, diag) == oi::client_errc::base64_bad_padding);
            BOOST_TEST(diag.message() == "b64_json: '=' padding at offset " + std::to_string(a) +
                                             " before the end of the data");
            check_paths_agree(t);
        }
    }
}

BOOST_AUTO_TEST_CASE(simd_path_reports_padding_in_the_middle_at_its_offset) {
    std::mt19937 rng(15);
    for (std::size_t len : {150u, 299u, 3000u}) {  // 200, 400 (ends "x=="), 4000 chars
        const std::string text = oi::base64_encode(random_bytes(rng, len));
        for (std::size_t at = 0; at + 4 < text.size(); at += (at < 400 ? 1 : 37)) {
            for (const char* pad : {"=", "==", "=x=="}) {
                std::string t = text;
                t.replace(at, std::string_view(pad).size(), pad);
                oi::diagnostics diag;
                BOOST_TEST(decode_err(t, diag) == oi::client_errc::base64_bad_padding);
                BOOST_TEST(diag.message() == "b64_json: '=' padding at offset " +
                                                 std::to_string(at) +
                                                 " before the end of the data");
                check_paths_agree(t);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(simd_path_accepts_exactly_the_alphabet_in_every_lane) {
    // Every byte value at each of the first 160 offsets of a 512-character
    // input: the four-step loop's blocks, then single steps, then the scalar tail.
    std::mt19937 rng(16);
    const std::string text = oi::base64_encode(random_bytes(rng, 384));
    BOOST_TEST_REQUIRE(text.size() == 512u);
    for (std::size_t at = 0; at < 160; ++at) {
        for (int c = 0; c < 256; ++c) {
            std::string t = text;
            t[at] = static_cast<char>(c);
            const outcome r = decode_public(t);
            const auto uc = static_cast<unsigned char>(c);
            if (in_alphabet(uc)) {
                BOOST_TEST(!r.ec, "byte " << c << " at " << at << ": " << r.message);
                BOOST_TEST(oi::base64_encode(std::span<const unsigned char>(r.bytes)) == t);
            } else if (uc == '=') {
                BOOST_TEST(r.ec == oi::client_errc::base64_bad_padding);
            } else {
                BOOST_TEST(r.message == "b64_json: invalid base64 character " + hex_byte(uc) +
                                            " at offset " + std::to_string(at));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(simd_and_scalar_paths_agree_on_damaged_inputs) {
    std::mt19937 rng(17);
    const char damage[] = {'=', '*', '\n', '\x80', 'A', '/', '+', '\0'};
    for (int round = 0; round < 3000; ++round) {
        std::string t = oi::base64_encode(random_bytes(rng, rng() % 700));
        const std::size_t hits = t.empty() ? 0 : rng() % 4;
        for (std::size_t h = 0; h < hits; ++h)
            t[rng() % t.size()] = damage[rng() % sizeof damage];
        check_paths_agree(t);
    }
}

BOOST_AUTO_TEST_SUITE_END()
