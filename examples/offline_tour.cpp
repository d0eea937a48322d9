// A tour of what the library does before a request reaches the network:
// building requests, checking them against the model's rules, encoding them
// (JSON for generations, streamed multipart for edits) and decoding a response.
#include <openai/images.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace oi = openai::images;

namespace {

// A minimal valid PNG header (signature + IHDR) for a w x h image.
std::vector<unsigned char> png_header(std::uint32_t w, std::uint32_t h) {
    std::vector<unsigned char> v = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
                                    0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    for (std::uint32_t x : {w, h}) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            v.push_back(static_cast<unsigned char>(x >> shift));
        }
    }
    v.insert(v.end(), {8, 6, 0, 0, 0, 0, 0, 0, 0});
    return v;
}

void show(const char* what, oi::error_code ec, const oi::diagnostics& diag) {
    if (ec) {
        std::cout << "  " << what << ": rejected [" << ec.message() << "] " << diag.message()
                  << "\n";
    } else {
        std::cout << "  " << what << ": ok\n";
    }
}

}  // namespace

int main() {
    oi::diagnostics diag;

    std::cout << "1. Generations are JSON:\n";
    oi::CreateImageRequest req{.prompt = "A cute baby sea otter",
                               .model = oi::ImageModel::gpt_image_1_5,
                               .quality = oi::ImageQuality::high,
                               .size = oi::ImageSize::s1536x1024,
                               .background = oi::ImageBackground::transparent};
    show("gpt-image-1.5, 1536x1024, transparent", oi::validate(req, diag), diag);
    std::cout << "  body: " << oi::to_json(req) << "\n";

    std::cout << "2. Each model has its own rules, checked before any byte is sent:\n";
    auto bad = req;
    bad.output_format = "jpeg";
    show("transparent jpeg", oi::validate(bad, diag), diag);
    bad = oi::CreateImageRequest{
        .prompt = "otters", .model = "gpt-image-1-mini", .size = "1792x1024"};
    show("gpt-image-1-mini at 1792x1024", oi::validate(bad, diag), diag);
    bad = oi::CreateImageRequest{.prompt = "otters", .model = "gpt-image-2", .size = "1500x800"};
    show("gpt-image-2 at 1500x800", oi::validate(bad, diag), diag);
    bad.size = "1536x864";
    show("gpt-image-2 at 1536x864", oi::validate(bad, diag), diag);

    std::cout << "3. Edits are streamed multipart/form-data:\n";
    const auto square = png_header(1024, 1024);
    const auto wide = png_header(1536, 1024);
    oi::CreateImageEditRequest edit{
        .image = {oi::file_source::from_memory(std::span<const unsigned char>(square), "otter.png"),
                  oi::file_source::from_memory(std::span<const unsigned char>(wide), "hat.png")},
        .prompt = "Put the hat on the otter",
        .model = oi::ImageModel::gpt_image_1_5};
    show("gpt-image-1.5 edit with 2 images", oi::validate(edit, diag), diag);
    auto mini = edit;
    mini.model = oi::ImageModel::gpt_image_1_mini;
    mini.input_fidelity = oi::InputFidelity::high;
    show("gpt-image-1-mini edit with input_fidelity=high", oi::validate(mini, diag), diag);

    oi::multipart_form form;
    if (auto ec = oi::encode(edit, form, diag)) {
        std::cerr << "encode failed: " << diag.message() << "\n";
        return 1;
    }
    std::cout << "  Content-Type: " << form.content_type() << "\n"
              << "  Content-Length: " << form.content_length() << " (" << form.part_count()
              << " parts, known before the first byte)\n";

    std::cout << "4. Responses are decoded strictly:\n";
    oi::ImagesResponse resp;
    const std::string body =
        R"({"created":1713833628,"data":[{"b64_json":"iVBORw0KGgo="}],"output_format":"png",)"
        R"("usage":{"total_tokens":100,"input_tokens":50,"output_tokens":50,)"
        R"("input_tokens_details":{"text_tokens":10,"image_tokens":40}}})";
    if (auto ec = oi::parse_images_response(body, resp, diag)) {
        std::cerr << "parse failed: " << diag.message() << "\n";
        return 1;
    }
    std::vector<unsigned char> bytes;
    show("decode data[0].b64_json", oi::decode_image(resp.data[0], bytes, diag), diag);
    std::cout << "  " << bytes.size() << " bytes, "
              << oi::to_string(oi::detect_format(std::span<const unsigned char>(bytes)))
              << " signature; usage: " << resp.usage->total_tokens << " tokens\n";
    show("decode a corrupted copy",
         oi::decode_image(oi::Image{.b64_json = "iVBORw0K*go="}, bytes, diag), diag);

    std::cout << "tour complete\n";
    return 0;
}
