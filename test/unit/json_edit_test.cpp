// The JSON form of POST /images/edits (EditImageBodyJsonParam): its exact
// body, the spec's two examples read and written back, and validation of the
// references (one of image_url and file_id; a data: URL's image checked as a
// file would be; an http(s) URL or a file id taken as given).
#include <openai/images/base64.hpp>
#include <openai/images/json.hpp>
#include <openai/images/operations.hpp>
#include <openai/images/validate.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/test/unit_test.hpp>

#include <span>
#include <string>
#include <vector>

#include "test_common.hpp"

namespace oi = openai::images;
namespace ti = test_images;
namespace json = boost::json;

namespace {

using test_images::outcome;

outcome check(const oi::EditImageBodyJsonParam& req) {
    return test_images::checked([&](oi::diagnostics& diag) { return oi::validate(req, diag); });
}

std::string data_url(const std::vector<unsigned char>& bytes, std::string_view mime) {
    return "data:" + std::string(mime) + ";base64," +
           oi::base64_encode(std::span<const unsigned char>(bytes));
}

oi::ImageRefParam url(std::string u) {
    return {.image_url = std::move(u)};
}

oi::ImageRefParam file(std::string id) {
    return {.file_id = std::move(id)};
}

oi::EditImageBodyJsonParam edit(std::vector<oi::ImageRefParam> images) {
    return {.images = std::move(images), .prompt = "add a hat"};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_edit)

BOOST_AUTO_TEST_CASE(is_a_json_row_of_the_edits_endpoint_that_streams) {
    constexpr const auto& row = oi::operation_of<oi::EditImageBodyJsonParam>::row;
    BOOST_TEST(row.path == "/images/edits");
    BOOST_TEST(row.method == "POST");
    BOOST_TEST((row.encoding == oi::body_encoding::json));
    BOOST_TEST(row.can_stream);
}

BOOST_AUTO_TEST_CASE(writes_the_spec_url_example_in_spec_order) {
    const oi::EditImageBodyJsonParam req{
        .model = oi::ImageModel::gpt_image_1_5,
        .images = {url("https://example.com/source-image.png")},
        .prompt = "Add a watercolor effect to this image",
        .quality = oi::ImageQuality::high,
        .size = oi::ImageSize::s1024x1024,
    };
    BOOST_TEST(oi::to_json(req) ==
               R"({"model":"gpt-image-1.5","images":[{"image_url":"https://example.com/)"
               R"(source-image.png"}],"prompt":"Add a watercolor effect to this image",)"
               R"("quality":"high","size":"1024x1024"})");
    BOOST_TEST(!check(req).ec);
}

BOOST_AUTO_TEST_CASE(writes_the_spec_file_id_example_with_a_mask) {
    const oi::EditImageBodyJsonParam req{
        .model = oi::ImageModel::gpt_image_1_5,
        .images = {file("file-abc123")},
        .mask = file("file-mask123"),
        .prompt = "Replace the background with a snowy mountain scene",
        .output_format = oi::ImageOutputFormat::png,
        .output_compression = 100,
    };
    BOOST_TEST(oi::to_json(req) ==
               R"({"model":"gpt-image-1.5","images":[{"file_id":"file-abc123"}],)"
               R"("mask":{"file_id":"file-mask123"},"prompt":"Replace the background with a )"
               R"(snowy mountain scene","output_format":"png","output_compression":100})");
    BOOST_TEST(!check(req).ec);
}

BOOST_AUTO_TEST_CASE(every_field_is_written_as_its_document_serializes_and_read_back) {
    const oi::EditImageBodyJsonParam req{
        .model = oi::ImageModel("gpt-image-2"),
        .images = {url("https://example.com/a \"quoted\".png"), file("file-1")},
        .mask = url("data:image/png;base64,AAAA"),
        .prompt = "line one\nline two",
        .n = 2,
        .quality = oi::ImageQuality::low,
        .input_fidelity = oi::InputFidelity::high,
        .size = oi::ImageSize::s1536x1024,
        .user = "user-1234",
        .output_format = oi::ImageOutputFormat::webp,
        .output_compression = 80,
        .moderation = oi::ImageModeration::low,
        .background = oi::ImageBackground::opaque,
        .stream = true,
        .partial_images = 2,
    };
    const std::string body = oi::to_json(req);
    BOOST_TEST(body == json::serialize(json::value_from(req)));

    oi::EditImageBodyJsonParam back;
    oi::diagnostics diag;
    BOOST_TEST(!oi::parse_edit_image_json_request(body, back, diag));
    BOOST_TEST(oi::to_json(back) == body);
    BOOST_TEST(back.images.size() == 2u);
    BOOST_TEST(*back.images[1].file_id == "file-1");
    BOOST_TEST(*back.mask->image_url == "data:image/png;base64,AAAA");
}

BOOST_AUTO_TEST_CASE(reads_the_spec_examples) {
    const auto v = json::parse(R"({"model":"gpt-image-1.5","prompt":"Replace the background",
        "images":[{"file_id":"file-abc123"}],"mask":{"file_id":"file-mask123"},
        "output_format":"png","output_compression":100})");
    const auto req = json::value_to<oi::EditImageBodyJsonParam>(v);
    BOOST_TEST(req.model->value() == "gpt-image-1.5");
    BOOST_TEST(*req.images.at(0).file_id == "file-abc123");
    BOOST_TEST(!req.images.at(0).image_url);
    BOOST_TEST(*req.mask->file_id == "file-mask123");
    BOOST_TEST(*req.output_compression == 100);
}

BOOST_AUTO_TEST_CASE(a_reference_of_the_wrong_type_names_its_path) {
    oi::EditImageBodyJsonParam out;
    oi::diagnostics diag;
    const auto ec = oi::parse_edit_image_json_request(
        R"({"prompt":"p","images":[{"file_id":"f"},{"image_url":7}]})", out, diag);
    BOOST_TEST(ec == oi::client_errc::unexpected_json);
    BOOST_TEST(diag.param() == "images[1].image_url");
}

BOOST_AUTO_TEST_CASE(needs_one_to_sixteen_images_and_a_prompt) {
    auto r = check(edit({}));
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "images");

    r = check(edit(std::vector<oi::ImageRefParam>(17, file("file-1"))));
    BOOST_TEST(r.ec == oi::client_errc::too_many_images);
    BOOST_TEST(r.message == "images: 17 images given; gpt-image-1.5 takes at most 16");

    auto no_prompt = edit({file("file-1")});
    no_prompt.prompt.clear();
    r = check(no_prompt);
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "prompt");
}

BOOST_AUTO_TEST_CASE(each_reference_holds_exactly_one_of_url_and_file_id) {
    auto r = check(edit({file("file-1"), oi::ImageRefParam{}}));
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "images[1]");
    BOOST_TEST(r.message == "images[1]: give image_url (an http(s) or data: URL) or file_id");

    r = check(edit({{.image_url = "https://example.com/a.png", .file_id = "file-1"}}));
    BOOST_TEST(r.ec == oi::client_errc::incompatible_parameters);
    BOOST_TEST(r.param == "images[0]");

    r = check(edit({file("")}));
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "images[0].file_id");

    auto masked = edit({file("file-1")});
    masked.mask = oi::ImageRefParam{};
    r = check(masked);
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "mask");
}

BOOST_AUTO_TEST_CASE(urls_must_be_http_or_base64_data) {
    BOOST_TEST(!check(edit({url("HTTPS://example.com/a.png"), url("http://host/b")})).ec);

    auto r = check(edit({url("ftp://example.com/a.png")}));
    BOOST_TEST(r.ec == oi::client_errc::invalid_url);
    BOOST_TEST(r.param == "images[0].image_url");
    BOOST_TEST(r.message ==
               "images[0].image_url: 'ftp://example.com/a.png'; give an http:// or "
               "https:// URL, or a data: URL (data:image/png;base64,...)");

    r = check(edit({url("https:///a.png")}));
    BOOST_TEST(r.ec == oi::client_errc::invalid_url);

    r = check(edit({url("data:image/png,rawbytes")}));
    BOOST_TEST(r.ec == oi::client_errc::invalid_url);
    BOOST_TEST(r.param == "images[0].image_url");

    r = check(edit({url("data:image/png;base64,@@@@")}));
    BOOST_TEST(r.ec == oi::client_errc::base64_invalid_character);
    BOOST_TEST(r.param == "images[0].image_url");

    // A long URL is shown by its start only.
    r = check(edit({url("gopher://" + std::string(100, 'x'))}));
    BOOST_TEST(r.message.find(std::string(39, 'x') + "...'") != std::string::npos);
    BOOST_TEST(r.message.size() < 160u);

    r = check(edit({url("https://example.com/" + std::string(20 * 1024 * 1024, 'a'))}));
    BOOST_TEST(r.ec == oi::client_errc::image_too_large);
    BOOST_TEST(r.param == "images[0].image_url");
}

BOOST_AUTO_TEST_CASE(a_data_url_image_is_checked_as_a_file_would_be) {
    const auto png = data_url(ti::png(512, 512), "image/png");
    BOOST_TEST(!check(edit({url(png), url(data_url(ti::jpeg(64, 64), "image/jpeg"))})).ec);

    auto gif = edit({url(data_url({'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0}, "image/gif"))});
    auto r = check(gif);
    BOOST_TEST(r.ec == oi::client_errc::image_format_not_supported);
    BOOST_TEST(r.param == "images[0].image_url");

    // The mask: a png of the first image's dimensions.
    auto masked = edit({url(png)});
    masked.mask = url(data_url(ti::png(256, 256), "image/png"));
    r = check(masked);
    BOOST_TEST(r.ec == oi::client_errc::mask_size_mismatch);
    BOOST_TEST(r.param == "mask");
    masked.mask = url(data_url(ti::jpeg(512, 512), "image/jpeg"));
    BOOST_TEST(check(masked).ec == oi::client_errc::image_format_not_supported);
    masked.mask = url(data_url(ti::png(512, 512), "image/png"));
    BOOST_TEST(!check(masked).ec);
    // Against an image the API fetches, only the mask's own rules.
    masked.images = {url("https://example.com/a.png")};
    masked.mask = url(data_url(ti::png(256, 256), "image/png"));
    BOOST_TEST(!check(masked).ec);
}

BOOST_AUTO_TEST_CASE(gpt_image_models_only_and_their_rules) {
    auto req = edit({file("file-1")});
    req.model = oi::ImageModel::dall_e_2;
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::model_not_supported);
    BOOST_TEST(r.param == "model");
    BOOST_TEST(r.message.find("multipart") != std::string::npos);

    req.model = oi::ImageModel::gpt_image_1;
    req.n = 11;
    BOOST_TEST(check(req).ec == oi::client_errc::value_out_of_range);
    req.n = 2;
    req.moderation = oi::ImageModeration("strict");
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(r.param == "moderation");
    req.moderation = oi::ImageModeration::low;
    req.partial_images = 4;
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(r.param == "partial_images");
    req.partial_images = 3;
    req.background = oi::ImageBackground::transparent;
    req.output_format = oi::ImageOutputFormat::jpeg;
    BOOST_TEST(check(req).ec == oi::client_errc::incompatible_parameters);
    req.output_format = oi::ImageOutputFormat::png;
    BOOST_TEST(!check(req).ec);

    // A model nothing knows: only the rules every model keeps.
    req.model = oi::ImageModel("gpt-image-9");
    BOOST_TEST(!check(req).ec);
    oi::validate_options off;
    off.enabled = false;
    oi::diagnostics diag;
    BOOST_TEST(!oi::validate(edit({}), diag, off));
}

BOOST_AUTO_TEST_SUITE_END()
