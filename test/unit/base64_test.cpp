// The strict base64 decoder on RFC 4648's vectors and every kind of malformed input.
#include <openai/images/base64.hpp>

#include <boost/test/unit_test.hpp>

#include <random>

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

BOOST_AUTO_TEST_SUITE_END()
