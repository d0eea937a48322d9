// b64_json decoded while the answer is parsed (client_options::decode_b64_json):
// the streaming base64 decoder against the whole-text one, split at every
// place, and parse_images_response / images_response_stream with decoding on.
#include <openai/images/base64.hpp>
#include <openai/images/json.hpp>
#include <openai/images/save.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "../../src/base64_impl.hpp"
#include "../../src/images_stream.hpp"
#include "test_common.hpp"

namespace oi = openai::images;

namespace {

struct outcome {
    oi::error_code ec;
    std::string param, message;
    std::vector<unsigned char> bytes;
};

outcome whole(std::string_view text) {
    outcome r;
    oi::diagnostics diag;
    r.ec = oi::base64_decode(text, r.bytes, diag);
    r.param = diag.param();
    r.message = diag.message();
    return r;
}

// `text` given to a stream decoder in pieces of `sizes` (cycled), then finished.
outcome streamed(std::string_view text, const std::vector<std::size_t>& sizes,
                 const std::string& field = "b64_json") {
    outcome r;
    oi::diagnostics diag;
    oi::detail::base64_stream_decoder d(field);
    std::size_t at = 0;
    for (std::size_t k = 0; at < text.size() && !r.ec; ++k) {
        const std::size_t n = std::min(sizes[k % sizes.size()], text.size() - at);
        r.ec = d.write(text.substr(at, n), r.bytes, diag);
        at += n;
    }
    if (!r.ec)
        r.ec = d.finish(r.bytes, diag);
    r.param = diag.param();
    r.message = diag.message();
    return r;
}

std::vector<unsigned char> random_bytes(std::mt19937& rng, std::size_t n) {
    std::vector<unsigned char> v(n);
    for (auto& b : v)
        b = static_cast<unsigned char>(rng() & 0xFF);
    return v;
}

std::string b64(const std::vector<unsigned char>& v) {
    return oi::base64_encode(std::span<const unsigned char>(v));
}

// One body fed to an images_response_stream in pieces of `piece` bytes.
oi::error_code parse_in_pieces(std::string_view body, std::size_t piece, bool decode,
                               oi::ImagesResponse& out, oi::diagnostics& diag) {
    oi::detail::images_response_stream s(body.size(), decode);
    for (std::size_t at = 0; at < body.size(); at += piece)
        s.write(body.substr(at, piece));
    return s.finish(out, diag);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(decoded_images)

BOOST_AUTO_TEST_CASE(stream_decoder_gives_the_whole_texts_bytes_at_every_split) {
    std::mt19937 rng(7);
    for (std::size_t n = 0; n <= 200; ++n) {
        const auto data = random_bytes(rng, n);
        const std::string text = b64(data);
        for (std::size_t piece = 1; piece <= 9; ++piece) {
            const auto r = streamed(text, {piece});
            BOOST_TEST_REQUIRE(!r.ec, "n " << n << " piece " << piece << ": " << r.message);
            BOOST_TEST_REQUIRE((r.bytes == data), "n " << n << " piece " << piece);
        }
        const auto r = streamed(text, {1, 5, 2, 33, 3, 64, 4});
        BOOST_TEST_REQUIRE((r.bytes == data), "n " << n << " mixed pieces");
    }
    // Long enough for the AVX2 blocks inside each piece.
    const auto big = random_bytes(rng, 300'000);
    BOOST_TEST((streamed(b64(big), {65'536, 17, 4'099}).bytes == big));
}

BOOST_AUTO_TEST_CASE(stream_decoder_fails_as_the_whole_text_does_with_its_offsets) {
    std::mt19937 rng(11);
    const std::string text = b64(random_bytes(rng, 150));  // 200 characters, no padding
    std::vector<std::string> damaged;
    for (std::size_t at : {0u, 1u, 3u, 4u, 63u, 64u, 127u, 130u, 199u}) {
        std::string t = text;
        t[at] = '!';
        damaged.push_back(t);
        t[at] = '=';
        damaged.push_back(t);
    }
    damaged.push_back(text.substr(0, 197));               // truncated
    damaged.push_back(text.substr(0, 196) + "QQ==QUJD");  // padding, then more
    damaged.push_back(text.substr(0, 196) + "QR==");      // bits under the padding
    damaged.push_back("QQ==");                            // and the valid end, for contrast
    for (const std::string& t : damaged) {
        const auto expected = whole(t);
        for (const std::vector<std::size_t>& sizes :
             std::vector<std::vector<std::size_t>>{{1}, {2}, {3}, {5}, {7}, {64}, {1000}}) {
            const auto r = streamed(t, sizes, "data[4].b64_json");
            BOOST_TEST_REQUIRE(r.ec == expected.ec, t << " in pieces of " << sizes[0]);
            if (!expected.ec) {
                BOOST_TEST((r.bytes == expected.bytes));
                continue;
            }
            BOOST_TEST(r.param == "data[4].b64_json");
            // The same sentence, naming the entry instead of the bare field.
            BOOST_TEST(r.message == "data[4]." + expected.message, "pieces of " << sizes[0]);
        }
    }
    BOOST_TEST(whole(text.substr(0, 196) + "QQ==QUJD").message ==
               "b64_json: '=' padding at offset 198 before the end of the data");
}

BOOST_AUTO_TEST_CASE(parsing_with_decoding_fills_bytes_and_leaves_b64_json_unset) {
    const auto png = test_images::png(3, 2);
    const std::string body = R"({"created":7,"data":[{"url":"u0"},{"b64_json":")" + b64(png) +
                             R"(","revised_prompt":"p"},{"b64_json":"QUJD\/w=="}],)"
                             R"("output_format":"png","usage":{"input_tokens":3,)"
                             R"("total_tokens":5,"output_tokens":2}})";
    oi::ImagesResponse r;
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::parse_images_response(body, r, diag, true), diag.message());
    BOOST_REQUIRE_EQUAL(r.data.size(), 3u);
    BOOST_TEST(r.created == 7);
    BOOST_TEST(r.data[0].url.value() == "u0");
    BOOST_TEST(!r.data[0].bytes.has_value());
    BOOST_TEST(!r.data[1].b64_json.has_value());
    BOOST_TEST((r.data[1].bytes.value() == png));
    BOOST_TEST(r.data[1].revised_prompt.value() == "p");
    // "\/" is JSON's escape of '/': decoded from the unescaped text.
    BOOST_TEST((r.data[2].bytes.value() == std::vector<unsigned char>{'A', 'B', 'C', 0xFF}));
    BOOST_TEST(r.output_format.value() == "png");
    BOOST_TEST(r.usage.value().total_tokens == 5);

    // Written back as b64_json: the same document as parsing without decoding gives.
    oi::ImagesResponse kept;
    BOOST_TEST_REQUIRE(!oi::parse_images_response(body, kept, diag));
    BOOST_TEST(oi::to_json(r) == oi::to_json(kept));
    BOOST_TEST(kept.data[2].b64_json.value() == "QUJD/w==");
    BOOST_TEST(!kept.data[2].bytes.has_value());
}

BOOST_AUTO_TEST_CASE(a_body_in_pieces_decodes_as_the_whole) {
    std::mt19937 rng(3);
    std::string body = R"({"created":1,"data":[)";
    std::vector<std::vector<unsigned char>> images;
    for (std::size_t i = 0; i < 3; ++i) {
        images.push_back(random_bytes(rng, 1000 + 301 * i));
        body += (i ? "," : "") + std::string(R"({"b64_json":")") + b64(images.back()) + "\"}";
    }
    body += "]}";
    for (std::size_t piece : {1u, 2u, 3u, 7u, 13u, 64u, 4096u}) {
        oi::ImagesResponse r;
        oi::diagnostics diag;
        BOOST_TEST_REQUIRE(!parse_in_pieces(body, piece, true, r, diag), diag.message());
        BOOST_REQUIRE_EQUAL(r.data.size(), 3u);
        for (std::size_t i = 0; i < 3; ++i)
            BOOST_TEST((r.data[i].bytes.value() == images[i]), "piece " << piece << " image " << i);
    }
}

BOOST_AUTO_TEST_CASE(bad_base64_names_the_entry_and_its_offset) {
    const std::string body =
        R"({"created":1,"data":[{"b64_json":"QUJD"},{"b64_json":"QUJDQU!D"}]})";
    for (std::size_t piece : {1u, 3u, 1000u}) {
        oi::ImagesResponse r;
        oi::diagnostics diag;
        BOOST_TEST(parse_in_pieces(body, piece, true, r, diag) ==
                   oi::client_errc::base64_invalid_character);
        BOOST_TEST(diag.param() == "data[1].b64_json");
        BOOST_TEST(diag.message() == "data[1].b64_json: invalid base64 character 0x21 at offset 6");
        BOOST_TEST(r.data.empty());
    }
    oi::ImagesResponse r;
    oi::diagnostics diag;
    BOOST_TEST(oi::parse_images_response(R"({"created":1,"data":[{"b64_json":"QUJDQQ"}]})", r, diag,
                                         true) == oi::client_errc::base64_truncated);
    BOOST_TEST(diag.message() ==
               "data[0].b64_json: base64 length 6 is not a multiple of 4 (truncated data)");
    // A JSON error comes first: the document is not an answer at all.
    BOOST_TEST(oi::parse_images_response(R"({"created":1,"data":[{"b64_json":"QU!D"}]} x)", r, diag,
                                         true) == oi::client_errc::invalid_json);
    // Without decoding the same text parses; decode_image then reports it.
    BOOST_TEST(
        !oi::parse_images_response(R"({"created":1,"data":[{"b64_json":"QU!D"}]})", r, diag));
}

BOOST_AUTO_TEST_CASE(a_repeated_b64_json_key_keeps_its_last_value_as_without_decoding) {
    oi::ImagesResponse r;
    oi::diagnostics diag;
    const std::string bad_then_good =
        R"({"created":1,"data":[{"b64_json":"!!!!","b64_json":"QUJD"}]})";
    BOOST_TEST_REQUIRE(!oi::parse_images_response(bad_then_good, r, diag, true), diag.message());
    BOOST_TEST((r.data.at(0).bytes.value() == std::vector<unsigned char>{'A', 'B', 'C'}));
    BOOST_TEST_REQUIRE(!oi::parse_images_response(bad_then_good, r, diag));
    BOOST_TEST(r.data.at(0).b64_json.value() == "QUJD");
    BOOST_TEST(
        oi::parse_images_response(R"({"created":1,"data":[{"b64_json":"QUJD","b64_json":"!!!!"}]})",
                                  r, diag, true) == oi::client_errc::base64_invalid_character);
    BOOST_TEST(diag.param() == "data[0].b64_json");
}

BOOST_AUTO_TEST_CASE(decode_image_and_save_image_take_decoded_bytes) {
    const auto png = test_images::png(4, 5, 100);
    const oi::Image img{.bytes = png};
    std::vector<unsigned char> out;
    oi::diagnostics diag;
    BOOST_TEST(!oi::decode_image(img, out, diag));
    BOOST_TEST((out == png));

    const auto dir = std::filesystem::temp_directory_path() / "openai-images-decoded-test";
    std::filesystem::remove_all(dir);
    oi::saved_image saved;
    BOOST_TEST_REQUIRE(!oi::save_image(img, dir, "four", saved, diag), diag.message());
    BOOST_TEST(saved.path == dir / "four.png");
    BOOST_TEST(saved.width == 4u);
    BOOST_TEST(saved.height == 5u);
    std::ifstream in(saved.path, std::ios::binary);
    const std::vector<unsigned char> written{std::istreambuf_iterator<char>(in), {}};
    BOOST_TEST((written == png));
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
