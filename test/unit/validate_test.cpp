// Client-side validation per model: every rule gives its own code, names the
// field, the value and what the model allows.
#include <openai/images/validate.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "test_common.hpp"

namespace oi = openai::images;
namespace ti = test_images;

namespace {

struct outcome {
    oi::error_code ec;
    std::string param;
    std::string message;
};

template <class Req>
outcome check(const Req& req) {
    oi::diagnostics diag;
    auto ec = oi::validate(req, diag);
    return {ec, std::string(diag.param()), std::string(diag.message())};
}

oi::CreateImageRequest gen(std::string model) {
    return {.prompt = "A cute baby sea otter", .model = std::move(model)};
}

oi::file_source mem(std::vector<unsigned char> bytes, std::string name = "in.png") {
    return oi::file_source::from_owned(std::move(bytes), std::move(name));
}

oi::CreateImageEditRequest edit(std::string model, std::vector<oi::file_source> images) {
    return {.image = std::move(images), .prompt = "add a hat", .model = std::move(model)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(validate)

BOOST_AUTO_TEST_CASE(valid_requests_for_every_model_pass) {
    for (const char* m :
         {"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2",
          "gpt-image-2-2026-04-21", "chatgpt-image-latest"}) {
        auto r = check(gen(m));
        BOOST_TEST(!r.ec, m << ": " << r.message);
    }
    BOOST_TEST(!check(oi::CreateImageRequest{.prompt = "no model"}).ec);
}

BOOST_AUTO_TEST_CASE(empty_prompt_is_a_missing_required_field) {
    auto r = check(gen("gpt-image-1"));
    r = check(oi::CreateImageRequest{.prompt = "", .model = "gpt-image-1"});
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "prompt");
    BOOST_TEST(r.message == "prompt: required, must not be empty");
}

BOOST_AUTO_TEST_CASE(prompt_length_limits_per_model_count_characters_not_bytes) {
    auto req = gen("dall-e-2");
    req.prompt = std::string(1000, 'a');
    BOOST_TEST(!check(req).ec);
    req.prompt += "b";
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::prompt_too_long);
    BOOST_TEST(r.message == "prompt: 1001 characters; dall-e-2 allows at most 1000");

    req.model = "dall-e-3";
    req.prompt = std::string(4001, 'a');
    BOOST_TEST(check(req).message == "prompt: 4001 characters; dall-e-3 allows at most 4000");

    req.model = "gpt-image-1";
    req.prompt.clear();
    for (int i = 0; i < 32000; ++i)
        req.prompt += "\xC3\xA9";  // 32000 characters, 64000 bytes
    BOOST_TEST(!check(req).ec);
    req.prompt += "x";
    BOOST_TEST(check(req).message == "prompt: 32001 characters; gpt-image-1 allows at most 32000");
}

BOOST_AUTO_TEST_CASE(n_ranges_and_dall_e_3_only_one) {
    auto req = gen("dall-e-3");
    req.n = 2;
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(r.param == "n");
    BOOST_TEST(r.message == "n: 2 is out of range; must be 1 for dall-e-3");
    req.model = "gpt-image-1";
    req.n = 10;
    BOOST_TEST(!check(req).ec);
    req.n = 11;
    BOOST_TEST(check(req).message == "n: 11 is out of range; must be from 1 to 10 for gpt-image-1");
    req.n = 0;
    BOOST_TEST(check(req).ec == oi::client_errc::value_out_of_range);
}

BOOST_AUTO_TEST_CASE(sizes_per_model) {
    auto req = gen("dall-e-3");
    req.size = "1792x1024";
    BOOST_TEST(!check(req).ec);
    req.size = "512x512";
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(
        r.message ==
        "size: '512x512' is not supported by dall-e-3; allowed: 1024x1024, 1792x1024, 1024x1792");
    req.model = "dall-e-2";
    BOOST_TEST(!check(req).ec);
    req.size = "auto";
    BOOST_TEST(check(req).message ==
               "size: 'auto' is not supported by dall-e-2; allowed: 256x256, 512x512, 1024x1024");
    req.model = "gpt-image-1";
    BOOST_TEST(!check(req).ec);
    req.size = "1536x864";
    BOOST_TEST(check(req).message ==
               "size: '1536x864' is not supported by gpt-image-1; allowed: auto, 1024x1024, "
               "1536x1024, 1024x1536");
    req.size = "big";
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::invalid_size);
    BOOST_TEST(r.message == "size: 'big' is neither 'auto' nor WIDTHxHEIGHT (e.g. 1024x1024)");
}

BOOST_AUTO_TEST_CASE(gpt_image_2_custom_sizes_follow_the_spec_rules) {
    auto req = gen("gpt-image-2");
    for (const char* ok : {"1536x864", "3840x2160", "2160x3840", "768x2304", "1024x1024", "auto"}) {
        req.size = ok;
        BOOST_TEST(!check(req).ec, ok);
    }
    req.size = "1000x1000";
    BOOST_TEST(check(req).message ==
               "size: '1000x1000' is not supported by gpt-image-2: width and height must be "
               "multiples of 16");
    req.size = "768x2320";
    BOOST_TEST(check(req).message ==
               "size: '768x2320' is not supported by gpt-image-2: the aspect ratio must be from "
               "1:3 to 3:1");
    req.size = "3856x2160";
    BOOST_TEST(check(req).message ==
               "size: '3856x2160' is not supported by gpt-image-2: the largest supported "
               "resolution is 3840x2160");
    req.size = "3072x3072";
    BOOST_TEST(check(req).ec == oi::client_errc::invalid_size);
    req.model = "gpt-image-2-2026-04-21";
    req.size = "1536x864";
    BOOST_TEST(!check(req).ec);
}

BOOST_AUTO_TEST_CASE(parse_size_accepts_only_two_positive_integers) {
    BOOST_TEST((oi::parse_size("1536x864") == oi::image_dimensions{1536, 864}));
    for (const char* bad : {"", "x", "1024", "1024x", "x1024", "0x16", "16x0", "16X16", "16x16x16",
                            "-16x16", "16 x16", "16x16 ", "99999999999x1"}) {
        BOOST_TEST(!oi::parse_size(bad).has_value(), bad);
    }
}

BOOST_AUTO_TEST_CASE(quality_values_per_model) {
    auto req = gen("dall-e-3");
    req.quality = "hd";
    BOOST_TEST(!check(req).ec);
    req.model = "gpt-image-1";
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(r.message ==
               "quality: 'hd' is not supported by gpt-image-1; allowed: low, medium, high, auto");
    req.model = "dall-e-2";
    req.quality = "high";
    BOOST_TEST(check(req).message ==
               "quality: 'high' is not supported by dall-e-2; allowed: standard, auto");
}

BOOST_AUTO_TEST_CASE(parameters_only_some_models_accept) {
    auto req = gen("gpt-image-1");
    req.style = "vivid";
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::parameter_not_supported);
    BOOST_TEST(r.param == "style");
    BOOST_TEST(r.message == "style: not supported by gpt-image-1 (only dall-e-3 accepts it)");

    req = gen("gpt-image-1.5");
    req.response_format = "url";
    BOOST_TEST(
        check(req).message ==
        "response_format: not supported by gpt-image-1.5 (only dall-e-2 and dall-e-3 accept it)");

    for (auto field : {"background", "moderation", "output_format", "output_compression", "stream",
                       "partial_images"}) {
        req = gen("dall-e-3");
        const std::string f = field;
        if (f == "background")
            req.background = "opaque";
        if (f == "moderation")
            req.moderation = "low";
        if (f == "output_format")
            req.output_format = "png";
        if (f == "output_compression")
            req.output_compression = 50;
        if (f == "stream")
            req.stream = true;
        if (f == "partial_images")
            req.partial_images = 2;
        r = check(req);
        BOOST_TEST(r.ec == oi::client_errc::parameter_not_supported, f);
        BOOST_TEST(r.param == f);
        BOOST_TEST(r.message ==
                   f + ": not supported by dall-e-3 (only the GPT image models accept it)");
    }
    req = gen("dall-e-3");
    req.style = "cinematic";
    BOOST_TEST(check(req).message ==
               "style: 'cinematic' is not supported by dall-e-3; allowed: vivid, natural");
}

BOOST_AUTO_TEST_CASE(gpt_output_rules) {
    auto req = gen("gpt-image-1");
    req.background = "transparent";
    BOOST_TEST(!check(req).ec);  // png is the default format
    req.output_format = "jpeg";
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::incompatible_parameters);
    BOOST_TEST(r.message ==
               "output_format: 'jpeg' cannot carry a transparent background; use png or webp");
    req.output_format = "webp";
    req.output_compression = 70;
    BOOST_TEST(!check(req).ec);
    req.output_compression = 101;
    BOOST_TEST(check(req).message ==
               "output_compression: 101 is out of range; must be from 0 to 100 for gpt-image-1");
    req.output_compression = 50;
    req.output_format = "png";
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::incompatible_parameters);
    BOOST_TEST(r.message ==
               "output_compression: 50 applies only to output_format jpeg or webp, not 'png' "
               "(which takes only 100)");
    req.output_compression = 100;  // the default: no compression, any format
    BOOST_TEST(!check(req).ec);
    req.output_compression.reset();
    req.output_format = "gif";
    BOOST_TEST(check(req).message ==
               "output_format: 'gif' is not supported by gpt-image-1; allowed: png, jpeg, webp");
    req.output_format.reset();
    req.partial_images = 4;
    BOOST_TEST(check(req).message ==
               "partial_images: 4 is out of range; must be from 0 to 3 for gpt-image-1");
    req.partial_images = 3;
    req.stream = true;
    req.moderation = "strict";
    BOOST_TEST(check(req).message ==
               "moderation: 'strict' is not supported by gpt-image-1; allowed: low, auto");
}

BOOST_AUTO_TEST_CASE(unknown_models_get_only_model_independent_checks) {
    oi::CreateImageRequest req{.prompt = "p",
                               .model = "my-local-diffusion",
                               .n = 4,
                               .quality = "ultra",
                               .response_format = "url",
                               .output_format = "avif",
                               .size = "640x480",
                               .style = "anything"};
    BOOST_TEST(!check(req).ec);
    req.n = 11;
    BOOST_TEST(check(req).message == "n: 11 is out of range; must be from 1 to 10");
    req.n = 1;
    req.size = "huge";
    BOOST_TEST(check(req).ec == oi::client_errc::invalid_size);
    req.size.reset();
    req.output_compression = -1;
    BOOST_TEST(check(req).ec == oi::client_errc::value_out_of_range);
    req.output_compression.reset();
    req.prompt = std::string(32001, 'x');
    BOOST_TEST(check(req).message == "prompt: 32001 characters; any model allows at most 32000");
}

BOOST_AUTO_TEST_CASE(validation_can_be_switched_off) {
    auto req = gen("dall-e-3");
    req.n = 5;
    req.prompt.clear();
    oi::diagnostics diag;
    BOOST_TEST(oi::validate(req, diag).value() != 0);
    BOOST_TEST(!oi::validate(req, diag, {.enabled = false}));
    BOOST_TEST(diag.message().empty());
}

// ------------------------------------------------------------------ edits

BOOST_AUTO_TEST_CASE(edits_accept_png_jpeg_webp_for_gpt_models) {
    auto req = edit("gpt-image-1", {mem(ti::png(1024, 1024)), mem(ti::jpeg(800, 600), "a.jpg"),
                                    mem(ti::webp(640, 480), "b.webp")});
    auto r = check(req);
    BOOST_TEST(!r.ec, r.message);
    req.image.push_back(mem({'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0, 0, 0}, "c.gif"));
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::image_format_not_supported);
    BOOST_TEST(r.param == "image[3]");
    BOOST_TEST(r.message ==
               "image[3] <12 bytes in memory>: not a png, jpeg or webp image; gpt-image-1 takes "
               "those only");
}

BOOST_AUTO_TEST_CASE(edits_need_one_to_sixteen_images) {
    auto req = edit("gpt-image-1.5", {});
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.message == "image: required, give 1 to 16 images");
    for (int i = 0; i < 16; ++i)
        req.image.push_back(mem(ti::png(64, 64)));
    BOOST_TEST(!check(req).ec);
    req.image.push_back(mem(ti::png(64, 64)));
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::too_many_images);
    BOOST_TEST(r.message == "image: 17 images given; gpt-image-1.5 takes at most 16");
}

BOOST_AUTO_TEST_CASE(dall_e_2_edits_take_one_square_png_under_4_mb) {
    auto req = edit("dall-e-2", {mem(ti::png(512, 512))});
    BOOST_TEST(!check(req).ec);
    req.image.push_back(mem(ti::png(512, 512)));
    BOOST_TEST(check(req).message == "image: 2 images given; dall-e-2 takes at most 1");
    req.image = {mem(ti::png(512, 256))};
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::image_not_square);
    BOOST_TEST(r.message ==
               "image <64 bytes in memory>: 512x256; dall-e-2 takes only square images");
    req.image = {mem(ti::jpeg(512, 512))};
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::image_format_not_supported);
    BOOST_TEST(r.message == "image <64 bytes in memory>: jpeg given; dall-e-2 takes only png");
    req.image = {mem(ti::png(512, 512, 4 * 1024 * 1024))};
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::image_too_large);
    BOOST_TEST(r.message ==
               "image <4194304 bytes in memory>: 4194304 bytes; dall-e-2 takes less than 4 MB "
               "(4194304 bytes)");
    req.image = {mem(ti::png(512, 512, 4 * 1024 * 1024 - 1))};
    BOOST_TEST(!check(req).ec);
}

BOOST_AUTO_TEST_CASE(gpt_edit_images_must_be_under_50_mb) {
    auto req = edit("gpt-image-1", {mem(ti::webp(100, 100, 50 * 1024 * 1024))});
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::image_too_large);
    BOOST_TEST(r.message ==
               "image <52428800 bytes in memory>: 52428800 bytes; gpt-image-1 takes less "
               "than 50 MB (52428800 bytes) per image");
}

BOOST_AUTO_TEST_CASE(mask_must_be_a_png_with_the_first_images_dimensions) {
    auto req = edit("gpt-image-1", {mem(ti::jpeg(1024, 768)), mem(ti::png(10, 10))});
    req.mask = mem(ti::png(1024, 768), "mask.png");
    BOOST_TEST(!check(req).ec);
    req.mask = mem(ti::png(1024, 1024), "mask.png");
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::mask_size_mismatch);
    BOOST_TEST(r.param == "mask");
    BOOST_TEST(r.message ==
               "mask <64 bytes in memory>: 1024x1024; it must match the first image's 1024x768");
    req.mask = mem(ti::webp(1024, 768), "mask.webp");
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::image_format_not_supported);
    BOOST_TEST(r.message == "mask <64 bytes in memory>: webp given; the mask must be a png");
}

BOOST_AUTO_TEST_CASE(edit_parameters_per_model) {
    auto req = edit("dall-e-3", {mem(ti::png(64, 64))});
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::model_not_supported);
    BOOST_TEST(r.message ==
               "model: dall-e-3 cannot edit images; use dall-e-2 or a GPT image model");

    req = edit("gpt-image-1-mini", {mem(ti::png(64, 64))});
    req.input_fidelity = "high";
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::parameter_not_supported);
    BOOST_TEST(r.message ==
               "input_fidelity: not supported by gpt-image-1-mini (only gpt-image-1, "
               "gpt-image-1.5 and later GPT image models accept it)");
    req.model = "gpt-image-1";
    BOOST_TEST(!check(req).ec);
    req.input_fidelity = "max";
    BOOST_TEST(check(req).message ==
               "input_fidelity: 'max' is not supported by gpt-image-1; allowed: high, low");
    req.input_fidelity.reset();
    req.response_format = "b64_json";
    BOOST_TEST(check(req).message ==
               "response_format: not supported by gpt-image-1 (only dall-e-2 accepts it)");

    req = edit("dall-e-2", {mem(ti::png(256, 256))});
    req.response_format = "b64_json";
    req.size = "256x256";
    req.n = 3;
    BOOST_TEST(!check(req).ec);
    req.background = "transparent";
    BOOST_TEST(check(req).message ==
               "background: not supported by dall-e-2 (only the GPT image models accept it)");
}

BOOST_AUTO_TEST_CASE(edit_without_model_is_checked_as_gpt_image_1_5) {
    oi::CreateImageEditRequest req{.image = {mem(ti::png(64, 64))}, .prompt = "p"};
    BOOST_TEST(!check(req).ec);
    req.response_format = "url";
    BOOST_TEST(check(req).message ==
               "response_format: not supported by gpt-image-1.5 (only dall-e-2 accepts it)");
}

BOOST_AUTO_TEST_CASE(variation_without_model_is_checked_as_dall_e_2) {
    oi::CreateImageVariationRequest req{.image = mem(ti::jpeg(64, 64))};
    BOOST_TEST(check(req).message ==
               "image <64 bytes in memory>: jpeg given; dall-e-2 takes only png");
}

BOOST_AUTO_TEST_CASE(edit_images_on_disk_are_probed_by_their_headers) {
    auto dir = std::filesystem::temp_directory_path() / "openai-images-validate-test";
    std::filesystem::create_directories(dir);
    auto path = dir / "photo.jpg";
    {
        auto bytes = ti::jpeg(1536, 1024, 10000);
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
    }
    auto req = edit("gpt-image-1", {oi::file_source(path)});
    BOOST_TEST(!check(req).ec);
    req.mask = oi::file_source(dir / "missing-mask.png");
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::file_open_failed);
    BOOST_TEST(r.param == "mask");
    BOOST_TEST(r.message.find((dir / "missing-mask.png").string()) != std::string::npos);
    std::filesystem::remove_all(dir);
}

// -------------------------------------------------------------- variations

BOOST_AUTO_TEST_CASE(variations_take_a_square_png_and_only_dall_e_2) {
    oi::CreateImageVariationRequest req{
        .image = mem(ti::png(1024, 1024)), .n = 2, .size = "512x512"};
    BOOST_TEST(!check(req).ec);
    req.model = "gpt-image-1";
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::model_not_supported);
    BOOST_TEST(r.message == "model: 'gpt-image-1' cannot make variations; only dall-e-2 can");
    req.model = "dall-e-2";
    req.size = "1536x1024";
    BOOST_TEST(check(req).ec == oi::client_errc::value_not_allowed);
    req.size.reset();
    req.image = mem(ti::png(1024, 512));
    BOOST_TEST(check(req).ec == oi::client_errc::image_not_square);
    req.image = {};
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.message == "image: no file given");
    req.image = mem(ti::png(1024, 1024));
    req.response_format = "base64";
    BOOST_TEST(check(req).message ==
               "response_format: 'base64' is not supported by dall-e-2; allowed: url, b64_json");
}

BOOST_AUTO_TEST_CASE(corrupt_image_headers_are_invalid_image) {
    auto bytes = ti::png(64, 64);
    bytes.resize(12);  // signature, then the IHDR cut short
    auto r = check(edit("gpt-image-1", {mem(bytes)}));
    BOOST_TEST(r.ec == oi::client_errc::invalid_image);
    BOOST_TEST(r.param == "image");
}

BOOST_AUTO_TEST_SUITE_END()
