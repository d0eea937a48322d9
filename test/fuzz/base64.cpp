// Fuzz target: the strict base64 decoder and the encoder
// (include/openai/images/base64.hpp).
//
// Input: the whole input is decoded as base64 text, and encoded as bytes.
//
// Invariants: a decode either fails (empty output, a b64_json diagnostic and
// one of the three base64 errors) or gives base64_decoded_size(in) bytes that
// encode back to exactly `in` (the decoder accepts only what the encoder
// writes); the span overload agrees with the vector one and refuses a buffer
// one byte short; the scalar path (no AVX2 block decoder) gives the same error,
// message, count and bytes; the streaming decoder, fed the text in pieces,
// fails or gives the same bytes alike; encode(x) decodes back to x;
// decode_image passes through.
#include <openai/images/base64.hpp>

#include <algorithm>
#include <vector>

#include "../../src/base64_impl.hpp"  // the scalar path
#include "fuzz_common.hpp"

namespace oi = openai::images;

namespace {

bool is_base64_error(oi::error_code ec) {
    return ec == oi::client_errc::base64_truncated ||
           ec == oi::client_errc::base64_invalid_character ||
           ec == oi::client_errc::base64_bad_padding;
}

// The streaming decoder, given the text in pieces of three sizes: it fails
// where the whole-text decoder fails, naming its field, and otherwise gives
// the same bytes.
void check_streamed(std::string_view text, oi::error_code whole_ec,
                    const std::vector<unsigned char>& whole) {
    const std::size_t first =
        text.empty() ? 1 : 1 + std::size_t{static_cast<unsigned char>(text[0])} % 9;
    for (const std::size_t piece : {first, std::size_t{5}, std::size_t{4096}}) {
        oi::detail::base64_stream_decoder d("data[0].b64_json");
        std::vector<unsigned char> out;
        oi::diagnostics diag;
        oi::error_code ec;
        for (std::size_t at = 0; at < text.size() && !ec; at += piece)
            ec = d.write(text.substr(at, piece), out, diag);
        if (!ec)
            ec = d.finish(out, diag);
        FUZZ_CHECK_MSG(!ec == !whole_ec, "pieces of " + std::to_string(piece) + ": " +
                                             ec.message() + " / whole " + whole_ec.message());
        if (ec) {
            FUZZ_CHECK_MSG(is_base64_error(ec), ec.message());
            FUZZ_CHECK(diag.param() == "data[0].b64_json");
        } else {
            FUZZ_CHECK(out == whole);
        }
    }
}

void check_decode(std::string_view text) {
    std::vector<unsigned char> out{1, 2, 3};
    oi::diagnostics diag;
    const auto ec = oi::base64_decode(text, out, diag);

    // The span overload, into exactly base64_decoded_size bytes.
    const std::size_t expected = oi::base64_decoded_size(text);
    std::vector<unsigned char> buf(expected);
    std::size_t written = 0;
    oi::diagnostics diag2;
    const auto ec2 = oi::base64_decode(text, std::span<unsigned char>(buf), written, diag2);
    FUZZ_CHECK_MSG(ec == ec2, ec.message() + " / " + ec2.message());

    // The scalar path alone, into a buffer of the same size.
    std::vector<unsigned char> buf3(expected);
    std::size_t written3 = 0;
    oi::diagnostics diag3;
    const auto ec3 =
        oi::detail::base64_decode_scalar(text, std::span<unsigned char>(buf3), written3, diag3);
    FUZZ_CHECK_MSG(ec2 == ec3, ec2.message() + " / scalar " + ec3.message());
    FUZZ_CHECK_MSG(diag2.message() == diag3.message(),
                   std::string(diag2.message()) + " / scalar " + std::string(diag3.message()));
    FUZZ_CHECK(written == written3);
    FUZZ_CHECK(ec2 || buf == buf3);
    check_streamed(text, ec, out);

    if (ec) {
        FUZZ_CHECK_MSG(is_base64_error(ec), ec.message());
        FUZZ_CHECK(out.empty());
        FUZZ_CHECK(!diag.message().empty());
        FUZZ_CHECK(diag.param() == "b64_json");
        FUZZ_CHECK(written == 0);
        return;
    }
    FUZZ_CHECK_MSG(out.size() == expected,
                   std::to_string(out.size()) + " != " + std::to_string(expected));
    FUZZ_CHECK(written == expected);
    FUZZ_CHECK(std::equal(out.begin(), out.end(), buf.begin(), buf.end()));
    const std::string back = oi::base64_encode(std::span<const unsigned char>(out));
    FUZZ_CHECK_MSG(back == text, fuzz::escaped(text) + " re-encodes as " + fuzz::escaped(back));

    if (expected > 0) {
        std::vector<unsigned char> small(expected - 1);
        std::size_t w = 0;
        oi::diagnostics d;
        FUZZ_CHECK(oi::base64_decode(text, std::span<unsigned char>(small), w, d));
        FUZZ_CHECK(w == 0);
    }
}

void check_round_trip(std::string_view bytes) {
    const std::string text = oi::base64_encode(bytes);
    FUZZ_CHECK(text.size() == (bytes.size() + 2) / 3 * 4);
    FUZZ_CHECK(oi::base64_decoded_size(text) == bytes.size());
    std::vector<unsigned char> out;
    oi::diagnostics diag;
    const auto ec = oi::base64_decode(text, out, diag);
    FUZZ_CHECK_MSG(!ec, std::string(diag.message()));
    FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()) == bytes);

    // The same through decode_image.
    oi::Image img;
    img.b64_json = text;
    std::vector<unsigned char> out2;
    FUZZ_CHECK(!oi::decode_image(img, out2, diag));
    FUZZ_CHECK(out2 == out);
}

}  // namespace

int fuzz_self_test() {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    check_decode(in);
    check_round_trip(in);
    // Valid text with one byte of the input spliced in: the decoder's
    // error paths on almost-valid data.
    if (size > 1) {
        std::string text = oi::base64_encode(in.substr(1));
        if (!text.empty()) {
            text[data[0] % text.size()] = static_cast<char>(data[size - 1]);
            check_decode(text);
        }
    }
    return 0;
}
