// Edit and variation requests to their exact multipart/form-data bodies.
#include <openai/images/encode.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "test_common.hpp"

namespace oi = openai::images;

namespace {

std::string body_of(const oi::multipart_form& form) {
    oi::error_code ec;
    oi::diagnostics diag;
    auto body = form.to_string(ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.message());
    BOOST_TEST(body.size() == form.content_length());
    return body;
}

std::string text_part(const std::string& name, const std::string& value) {
    return "--B\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
}

std::string file_part(const std::string& name, const std::string& filename, const std::string& type,
                      const std::vector<unsigned char>& bytes) {
    return "--B\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
           "\"\r\nContent-Type: " + type + "\r\n\r\n" + std::string(bytes.begin(), bytes.end()) +
           "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(encode)

BOOST_AUTO_TEST_CASE(edit_with_one_image_sends_image_and_every_set_field) {
    const auto img = test_images::png(256, 256, 40);
    oi::CreateImageEditRequest req{
        .image = {oi::file_source::from_memory(std::span(img), "cat.png")},
        .prompt = "add a hat",
        .background = "opaque",
        .model = "gpt-image-1",
        .n = 2,
        .size = "1024x1024",
        .output_format = "webp",
        .output_compression = 90,
        .user = "u-1",
        .input_fidelity = "high",
        .stream = false,
        .partial_images = 0,
        .quality = "low"};
    oi::multipart_form form("B");
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::encode(req, form, diag));
    const std::string expected =
        text_part("prompt", "add a hat") + text_part("background", "opaque") +
        text_part("model", "gpt-image-1") + text_part("n", "2") + text_part("size", "1024x1024") +
        text_part("output_format", "webp") + text_part("output_compression", "90") +
        text_part("user", "u-1") + text_part("input_fidelity", "high") +
        text_part("stream", "false") + text_part("partial_images", "0") +
        text_part("quality", "low") + file_part("image", "cat.png", "image/png", img) + "--B--\r\n";
    BOOST_TEST(body_of(form) == expected);
}

BOOST_AUTO_TEST_CASE(edit_with_several_images_sends_repeated_image_brackets_then_mask) {
    const auto a = test_images::png(64, 64, 30);
    const auto b = test_images::jpeg(64, 64, 40);
    const auto m = test_images::png(64, 64, 33);
    oi::CreateImageEditRequest req{.image = {oi::file_source::from_memory(std::span(a)),
                                             oi::file_source::from_memory(std::span(b))},
                                   .prompt = "basket",
                                   .mask = oi::file_source::from_memory(std::span(m), "mask.png")};
    oi::multipart_form form("B");
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::encode(req, form, diag));
    BOOST_TEST(form.part_count() == 4u);
    BOOST_TEST(body_of(form) == text_part("prompt", "basket") +
                                    file_part("image[]", "image.png", "image/png", a) +
                                    file_part("image[]", "image.jpg", "image/jpeg", b) +
                                    file_part("mask", "mask.png", "image/png", m) + "--B--\r\n");
}

BOOST_AUTO_TEST_CASE(variation_sends_its_fields_and_one_image) {
    const auto img = test_images::png(512, 512, 50);
    oi::CreateImageVariationRequest req{.image = oi::file_source::from_owned(img, "otter.png"),
                                        .model = "dall-e-2",
                                        .n = 3,
                                        .response_format = "b64_json",
                                        .size = "512x512",
                                        .user = "me"};
    oi::multipart_form form("B");
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::encode(req, form, diag));
    BOOST_TEST(body_of(form) == text_part("model", "dall-e-2") + text_part("n", "3") +
                                    text_part("response_format", "b64_json") +
                                    text_part("size", "512x512") + text_part("user", "me") +
                                    file_part("image", "otter.png", "image/png", img) +
                                    "--B--\r\n");
}

BOOST_AUTO_TEST_CASE(form_fields_leave_out_unset_fields) {
    oi::CreateImageVariationRequest v;
    BOOST_TEST(oi::form_fields(v).empty());
    oi::CreateImageEditRequest e{.prompt = "p", .stream = true};
    auto f = oi::form_fields(e);
    BOOST_TEST_REQUIRE(f.size() == 2u);
    BOOST_TEST(f[0].first == "prompt");
    BOOST_TEST(f[1].first == "stream");
    BOOST_TEST(f[1].second == "true");
}

BOOST_AUTO_TEST_CASE(missing_file_names_the_field_and_the_path) {
    const auto missing = std::filesystem::temp_directory_path() / "openai-images-no-such-file.png";
    oi::CreateImageEditRequest req{
        .image = {oi::file_source::from_memory(std::string_view("x")), oi::file_source(missing)},
        .prompt = "p"};
    oi::multipart_form form("B");
    oi::diagnostics diag;
    BOOST_TEST(oi::encode(req, form, diag) == oi::client_errc::file_open_failed);
    BOOST_TEST(diag.param() == "image[1]");
    BOOST_TEST(diag.message() ==
               "image[1]: cannot open '" + missing.string() + "': No such file or directory");
}

BOOST_AUTO_TEST_SUITE_END()
