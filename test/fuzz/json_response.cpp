// Fuzz target: JSON bodies to the models. The whole input is one body, given
// to parse_images_response, parse_stream_event and parse_create_image_request.
//
// Invariants: a failure is invalid_json or unexpected_json with a message
// (and, for unexpected_json, the JSON path as param); value_to agrees with
// the parse_* functions; what parses serializes (to_json / value_from) to
// JSON that parses again to an equal value and serializes to the same text;
// parse_images_response decoding b64_json as it parses gives what
// decode_image gives on each entry, or a base64 error naming the first bad one.
#include <openai/images/base64.hpp>
#include <openai/images/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "fuzz_common.hpp"
#include "fuzz_models.hpp"

namespace oi = openai::images;
namespace json = boost::json;

using fuzz::eq;

namespace {

std::string serialize(const oi::ImagesResponse& v) {
    return oi::to_json(v);
}
std::string serialize(const oi::CreateImageRequest& v) {
    return oi::to_json(v);
}
std::string serialize(const oi::ImageStreamEvent& v) {
    return json::serialize(json::value_from(v));
}

template <class T>
using parse_fn = oi::error_code (*)(std::string_view, T&, oi::diagnostics&);

// One model type: parse, check the failure's shape or the round trip.
template <class T>
void one(std::string_view body, const json::value* parsed, parse_fn<T> parse) {
    T out{};
    oi::diagnostics diag;
    const oi::error_code ec = parse(body, out, diag);

    // value_to on the same document agrees.
    bool value_to_ok = false;
    if (parsed) {
        try {
            (void)json::value_to<T>(*parsed);
            value_to_ok = true;
        } catch (const oi::client_error& e) {
            FUZZ_CHECK(e.code() == oi::client_errc::unexpected_json);
            FUZZ_CHECK(!e.param().empty());
        }
    }
    if (ec) {
        FUZZ_CHECK_MSG(
            ec == oi::client_errc::invalid_json || ec == oi::client_errc::unexpected_json,
            ec.message());
        FUZZ_CHECK(!diag.message().empty());
        FUZZ_CHECK((ec == oi::client_errc::invalid_json) == (parsed == nullptr));
        if (ec == oi::client_errc::unexpected_json) {
            FUZZ_CHECK(!diag.param().empty());
            FUZZ_CHECK(!value_to_ok);
        }
        return;
    }
    FUZZ_CHECK(parsed != nullptr && value_to_ok);

    const std::string first = serialize(out);
    T again{};
    oi::diagnostics diag2;
    const auto ec2 = parse(first, again, diag2);
    FUZZ_CHECK_MSG(!ec2, std::string(diag2.message()) + " in " + fuzz::escaped(first));
    FUZZ_CHECK_MSG(eq(out, again), fuzz::escaped(first));
    const std::string second = serialize(again);
    FUZZ_CHECK_MSG(first == second, fuzz::escaped(first) + "\n  " + fuzz::escaped(second));
}

bool is_base64_error(oi::error_code ec) {
    return ec == oi::client_errc::base64_truncated ||
           ec == oi::client_errc::base64_invalid_character ||
           ec == oi::client_errc::base64_bad_padding;
}

// Decoding while parsing agrees with parsing, then decode_image on each entry:
// the same bytes, or a base64 error naming the first entry whose text is bad.
void decoded_agrees(std::string_view body) {
    oi::ImagesResponse kept, decoded;
    oi::diagnostics d1, d2;
    const oi::error_code ec1 = oi::parse_images_response(body, kept, d1);
    const oi::error_code ec2 = oi::parse_images_response(body, decoded, d2, true);
    if (ec1) {
        FUZZ_CHECK_MSG(ec2 == ec1, ec2.message());
        return;
    }
    for (std::size_t i = 0; i < kept.data.size(); ++i) {
        const oi::Image& img = kept.data[i];
        if (!img.b64_json)
            continue;
        std::vector<unsigned char> bytes;
        oi::diagnostics d;
        if (const oi::error_code ec = oi::decode_image(img, bytes, d)) {
            FUZZ_CHECK_MSG(ec2 && is_base64_error(ec2), ec.message());
            FUZZ_CHECK(std::string(d2.param()) == "data[" + std::to_string(i) + "].b64_json");
            return;
        }
        FUZZ_CHECK(!ec2);
        FUZZ_CHECK(!decoded.data[i].b64_json);
        FUZZ_CHECK(decoded.data[i].bytes == bytes);
    }
    FUZZ_CHECK_MSG(!ec2, std::string(d2.message()));
    FUZZ_CHECK(decoded.data.size() == kept.data.size());
    for (std::size_t i = 0; i < kept.data.size(); ++i) {
        FUZZ_CHECK(decoded.data[i].bytes.has_value() == kept.data[i].b64_json.has_value());
        FUZZ_CHECK(fuzz::eq_opt(decoded.data[i].url, kept.data[i].url));
    }
}

}  // namespace

int fuzz_self_test() {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    boost::system::error_code jec;
    const json::value v = json::parse(json::string_view(body.data(), body.size()), jec);
    const json::value* parsed = jec ? nullptr : &v;
    one<oi::ImagesResponse>(body, parsed,
                            [](std::string_view b, oi::ImagesResponse& r, oi::diagnostics& d) {
                                return oi::parse_images_response(b, r, d);
                            });
    decoded_agrees(body);
    one<oi::ImageStreamEvent>(body, parsed, &oi::parse_stream_event);
    one<oi::CreateImageRequest>(body, parsed, &oi::parse_create_image_request);
    return 0;
}
