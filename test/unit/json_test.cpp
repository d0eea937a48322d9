// Models <-> JSON: exact request bodies, the spec's own examples, open enums,
// unknown fields, wrong types.
#include <openai/images/json.hpp>

#include "test_common.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

namespace oi = openai::images;
namespace json = boost::json;

namespace {

json::value spec_examples() {
    std::ifstream in(OPENAI_IMAGES_TEST_SPEC);
    BOOST_REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

oi::ImagesResponse parse_ok(std::string_view body) {
    oi::ImagesResponse r;
    oi::diagnostics diag;
    auto ec = oi::parse_images_response(body, r, diag);
    BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << diag.message());
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_conversions)

BOOST_AUTO_TEST_CASE(minimal_request_serializes_only_the_prompt) {
    BOOST_TEST(oi::to_json(oi::CreateImageRequest{.prompt = "A cute baby sea otter"}) ==
               R"({"prompt":"A cute baby sea otter"})");
}

BOOST_AUTO_TEST_CASE(designated_initializers_and_named_constants_serialize_in_spec_order) {
    oi::CreateImageRequest req{.prompt = "otter",
                               .model = oi::ImageModel::gpt_image_1,
                               .n = 2,
                               .quality = oi::ImageQuality::high,
                               .output_format = "webp",
                               .output_compression = 80,
                               .stream = false,
                               .partial_images = 1,
                               .size = oi::ImageSize::s1536x1024,
                               .moderation = oi::ImageModeration::low,
                               .background = oi::ImageBackground::transparent,
                               .user = "user-1234"};
    BOOST_TEST(oi::to_json(req) ==
               R"({"prompt":"otter","model":"gpt-image-1","n":2,"quality":"high",)"
               R"("output_format":"webp","output_compression":80,"stream":false,)"
               R"("partial_images":1,"size":"1536x1024","moderation":"low",)"
               R"("background":"transparent","user":"user-1234"})");
}

BOOST_AUTO_TEST_CASE(dall_e_3_request_with_style_and_response_format) {
    oi::CreateImageRequest req{.prompt = "a \"quoted\" prompt\nwith a newline",
                               .model = "dall-e-3",
                               .quality = "hd",
                               .response_format = oi::ImageResponseFormat::b64_json,
                               .size = "1792x1024",
                               .style = oi::ImageStyle::natural};
    BOOST_TEST(oi::to_json(req) ==
               R"({"prompt":"a \"quoted\" prompt\nwith a newline","model":"dall-e-3",)"
               R"("quality":"hd","response_format":"b64_json","size":"1792x1024",)"
               R"("style":"natural"})");
}

// to_json writes a request without building its document: the bytes must be
// the document's as Boost.JSON serializes it, escapes included.
BOOST_AUTO_TEST_CASE(a_request_is_written_as_its_document_serializes) {
    std::string every_byte;
    for (int c = 1; c < 256; ++c)
        every_byte.push_back(static_cast<char>(c));
    const std::string prompts[] = {"", "plain", every_byte, "\"\\\x7f \xc3\xa9 \xe2\x82\xac/"};
    for (const auto& prompt : prompts) {
        oi::CreateImageRequest req{.prompt = prompt,
                                   .model = oi::ImageModel::gpt_image_1,
                                   .n = -9223372036854775807 - 1,
                                   .quality = "q\tq",
                                   .response_format = oi::ImageResponseFormat::url,
                                   .output_format = "png",
                                   .output_compression = 0,
                                   .stream = true,
                                   .partial_images = 3,
                                   .size = "auto",
                                   .moderation = "auto",
                                   .background = "opaque",
                                   .style = "vivid",
                                   .user = prompt};
        BOOST_TEST(oi::to_json(req) == json::serialize(json::value_from(req)));
        req.model.reset();
        req.n = 9223372036854775807;
        req.user.reset();
        BOOST_TEST(oi::to_json(req) == json::serialize(json::value_from(req)));
    }
    BOOST_TEST(oi::to_json(oi::CreateImageRequest{.prompt = std::string("\x01\x1f\b\f\r", 5)}) ==
               R"({"prompt":"\u0001\u001f\b\f\r"})");
}

BOOST_AUTO_TEST_CASE(request_round_trips_through_json) {
    oi::CreateImageRequest req{.prompt = "p", .model = "future-model", .n = 3, .size = "777x333"};
    oi::CreateImageRequest back;
    oi::diagnostics diag;
    BOOST_TEST(!oi::parse_create_image_request(oi::to_json(req), back, diag));
    BOOST_TEST(back.prompt == "p");
    BOOST_TEST(back.model.value() == "future-model");
    BOOST_TEST(back.n.value() == 3);
    BOOST_TEST(back.size.value() == "777x333");
    BOOST_TEST(!back.quality.has_value());
    BOOST_TEST(oi::to_json(back) == oi::to_json(req));
}

BOOST_AUTO_TEST_CASE(parses_the_spec_generation_example) {
    auto ex = spec_examples().at("responses").at("/images/generations Generate image");
    auto r = parse_ok(json::serialize(ex));
    BOOST_TEST(r.created == 1713833628);
    BOOST_TEST_REQUIRE(r.data.size() == 1u);
    BOOST_TEST(r.data[0].b64_json.value() == "...");
    BOOST_TEST(!r.data[0].url.has_value());
    BOOST_TEST_REQUIRE(r.usage.has_value());
    BOOST_TEST(r.usage->total_tokens == 100);
    BOOST_TEST(r.usage->input_tokens == 50);
    BOOST_TEST(r.usage->output_tokens == 50);
    BOOST_TEST(r.usage->input_tokens_details.text_tokens == 10);
    BOOST_TEST(r.usage->input_tokens_details.image_tokens == 40);
    BOOST_TEST(!r.usage->output_tokens_details.has_value());
    BOOST_TEST(!r.background.has_value());
}

BOOST_AUTO_TEST_CASE(parses_the_spec_variation_example_with_urls) {
    auto ex = spec_examples().at("responses").at("/images/variations default");
    auto r = parse_ok(json::serialize(ex));
    BOOST_TEST(r.created == 1589478378);
    BOOST_TEST_REQUIRE(r.data.size() == 2u);
    BOOST_TEST(r.data[0].url.value() == "https://...");
    BOOST_TEST(r.data[1].url.value() == "https://...");
    BOOST_TEST(!r.usage.has_value());
}

BOOST_AUTO_TEST_CASE(parses_the_spec_images_response_example) {
    auto ex = spec_examples().at("responses").at("ImagesResponse");
    auto r = parse_ok(json::serialize(ex));
    BOOST_TEST(r.background.value() == oi::ImageBackground::transparent);
    BOOST_TEST(r.output_format.value() == oi::ImageOutputFormat::png);
    BOOST_TEST(r.size.value() == oi::ImageSize::s1024x1024);
    BOOST_TEST(r.quality.value() == oi::ImageQuality::high);
    // value_to gives the same result as the non-throwing parser.
    auto r2 = json::value_to<oi::ImagesResponse>(ex);
    BOOST_TEST(oi::to_json(r2) == oi::to_json(r));
}

BOOST_AUTO_TEST_CASE(parses_the_spec_stream_event_examples) {
    auto events = spec_examples().at("events").as_object();
    BOOST_TEST(events.size() == 4u);
    for (const auto& [name, value] : events) {
        oi::ImageStreamEvent e;
        oi::diagnostics diag;
        BOOST_TEST_REQUIRE(!oi::parse_stream_event(json::serialize(value), e, diag));
        BOOST_TEST(e.type == value.at("type").as_string().c_str());
        BOOST_TEST(e.created_at == 1620000000);
        BOOST_TEST(e.b64_json == "...");
        BOOST_TEST(e.size.value() == "1024x1024");
        const bool partial = e.type.find("partial_image") != std::string::npos;
        BOOST_TEST(e.partial_image_index.has_value() == partial, name);
        BOOST_TEST(e.usage.has_value() == !partial, name);
        if (e.usage)
            BOOST_TEST(e.usage->input_tokens_details.image_tokens == 40);
    }
}

BOOST_AUTO_TEST_CASE(response_round_trips_with_every_field) {
    oi::ImagesResponse r{
        .created = 42,
        .data = {{.b64_json = "QUJD"}, {.url = "https://x/y.png", .revised_prompt = "rp"}},
        .background = "opaque",
        .output_format = "jpeg",
        .size = "1536x1024",
        .quality = "low",
        .usage = oi::ImageGenUsage{
            .input_tokens = 1,
            .total_tokens = 6,
            .output_tokens = 5,
            .output_tokens_details =
                oi::ImageGenOutputTokensDetails{.image_tokens = 4, .text_tokens = 1},
            .input_tokens_details = {.text_tokens = 1, .image_tokens = 0}}};
    const std::string expected =
        R"({"created":42,"data":[{"b64_json":"QUJD"},{"url":"https://x/y.png","revised_prompt":"rp"}],)"
        R"("background":"opaque","output_format":"jpeg","size":"1536x1024","quality":"low",)"
        R"("usage":{"input_tokens":1,"total_tokens":6,"output_tokens":5,)"
        R"("output_tokens_details":{"image_tokens":4,"text_tokens":1},)"
        R"("input_tokens_details":{"text_tokens":1,"image_tokens":0}}})";
    BOOST_TEST(oi::to_json(r) == expected);
    BOOST_TEST(oi::to_json(parse_ok(expected)) == expected);
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_ignored_and_unknown_enum_values_kept) {
    auto r = parse_ok(
        R"({"created":1,"new_top_level":{"a":[1,2]},"data":[{"url":"u","extra":true}],)"
        R"("quality":"ultra","background":"glass","output_format":"avif","size":"4096x4096"})");
    BOOST_TEST(r.data.size() == 1u);
    BOOST_TEST(r.data[0].url.value() == "u");
    BOOST_TEST(r.quality.value() == "ultra");
    BOOST_TEST(r.background.value() == "glass");
    BOOST_TEST(r.output_format.value() == "avif");
    BOOST_TEST(r.size.value() == "4096x4096");
}

BOOST_AUTO_TEST_CASE(null_fields_count_as_absent) {
    auto r =
        parse_ok(R"({"created":5,"data":[{"b64_json":null,"url":"u"}],"usage":null,"size":null})");
    BOOST_TEST(!r.data[0].b64_json.has_value());
    BOOST_TEST(!r.usage.has_value());
    BOOST_TEST(!r.size.has_value());
}

BOOST_AUTO_TEST_CASE(integral_doubles_are_accepted_fractions_are_not) {
    BOOST_TEST(parse_ok(R"({"created":1.7e9,"data":[]})").created == 1700000000);
    oi::ImagesResponse r;
    oi::diagnostics diag;
    BOOST_TEST(oi::parse_images_response(R"({"created":1.5})", r, diag) ==
               oi::client_errc::unexpected_json);
    BOOST_TEST(diag.param() == "created");
}

BOOST_AUTO_TEST_CASE(wrong_types_name_the_json_path) {
    oi::ImagesResponse r;
    oi::diagnostics diag;
    BOOST_TEST(oi::parse_images_response(R"({"created":1,"data":[{"url":"a"},{"url":7}]})", r,
                                         diag) == oi::client_errc::unexpected_json);
    BOOST_TEST(diag.param() == "data[1].url");
    BOOST_TEST(diag.message() == "data[1].url: expected a string");

    BOOST_TEST(oi::parse_images_response(R"({"created":1,"data":{}})", r, diag) ==
               oi::client_errc::unexpected_json);
    BOOST_TEST(diag.message() == "data: expected an array");

    BOOST_TEST(oi::parse_images_response(R"([1,2])", r, diag) == oi::client_errc::unexpected_json);
    BOOST_TEST(diag.message() == "(root): expected an object");

    BOOST_TEST(oi::parse_images_response(R"({"created":1,"usage":{"input_tokens":"x"}})", r,
                                         diag) == oi::client_errc::unexpected_json);
    BOOST_TEST(diag.param() == "usage.input_tokens");
}

// The images' strings are parsed apart from the rest of the document; these
// check that they land in the right image, escapes included, and that only
// data[i].b64_json is taken that way.
BOOST_AUTO_TEST_CASE(b64_json_strings_go_to_their_own_images) {
    const auto r = parse_ok(
        R"({"created":1,"data":[{"url":"u0"},{"b64_json":"QUJD\/w==","revised_prompt":"p"},)"
        R"({"b64_json":"","url":"u2"}],"extra":{"b64_json":"zz"},"b64_json":"top"})");
    BOOST_REQUIRE_EQUAL(r.data.size(), 3u);
    BOOST_TEST(!r.data[0].b64_json.has_value());
    BOOST_TEST(r.data[0].url.value() == "u0");
    BOOST_TEST(r.data[1].b64_json.value() == "QUJD/w==");
    BOOST_TEST(r.data[1].revised_prompt.value() == "p");
    BOOST_TEST(r.data[2].b64_json.value() == "");
    BOOST_TEST(r.data[2].url.value() == "u2");

    oi::ImagesResponse bad;
    oi::diagnostics diag;
    BOOST_TEST(oi::parse_images_response(R"({"created":1,"data":[{"b64_json":5}]})", bad, diag) ==
               oi::client_errc::unexpected_json);
    BOOST_TEST(diag.message() == "data[0].b64_json: expected a string");
    BOOST_TEST(oi::parse_images_response(R"({"created":1,"data":[{"b64_json":"QUJD"}]} x)", bad,
                                         diag) == oi::client_errc::invalid_json);
    BOOST_TEST(oi::parse_images_response(R"({"created":1,"data":[{"b64_json":"QUJD)", bad, diag) ==
               oi::client_errc::invalid_json);
}

BOOST_AUTO_TEST_CASE(not_json_is_invalid_json) {
    oi::ImagesResponse r;
    oi::diagnostics diag;
    BOOST_TEST(oi::parse_images_response("<html>502 Bad Gateway</html>", r, diag) ==
               oi::client_errc::invalid_json);
    BOOST_TEST(oi::parse_images_response(R"({"created":1,"data":[)", r, diag) ==
               oi::client_errc::invalid_json);
    BOOST_TEST(std::string(diag.message()).find("not valid JSON") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(value_to_throws_client_error_naming_the_path) {
    try {
        (void)json::value_to<oi::ImagesResponse>(json::parse(R"({"created":"yesterday"})"));
        BOOST_FAIL("expected client_error");
    } catch (const oi::client_error& e) {
        BOOST_TEST(e.code() == oi::client_errc::unexpected_json);
        BOOST_TEST(e.param() == "created");
        BOOST_TEST(std::string(e.what()).find("created: expected an integer") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
