// An edit of several input images with a mask (gpt-image-1.5).
//
//   ./edit_with_mask [image.png... mask.png]
//
// With no arguments it first writes two sample images and a mask to a
// temporary directory. The mask is a PNG with an alpha channel and the first
// image's dimensions; its fully transparent pixels mark where to edit.
// Files are sent as streamed multipart/form-data: read in chunks while the
// request is written, never whole in memory.
//
// Configuration (read by client_options::from_env()): OPENAI_API_KEY, OPENAI_BASE_URL,
// and OPENAI_IMAGES_CA_FILE, a PEM file of CAs to trust instead of the system's.
#include "sample_png.hpp"

#include <openai/images.hpp>

#include <boost/asio.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <vector>

namespace oi = openai::images;
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// Two 64x64 images (a red and a blue square) and a mask, transparent in its
// middle: "edit here".
std::vector<fs::path> write_samples() {
    const fs::path dir = fs::temp_directory_path() / "openai-images-edit-sample";
    auto solid = [](unsigned char r, unsigned char g, unsigned char b) {
        return [=](std::uint32_t, std::uint32_t) {
            return std::array<unsigned char, 4>{r, g, b, 255};
        };
    };
    auto hole = [](std::uint32_t x, std::uint32_t y) {
        const bool inside = x >= 16 && x < 48 && y >= 16 && y < 48;
        return std::array<unsigned char, 4>{0, 0, 0, static_cast<unsigned char>(inside ? 0 : 255)};
    };
    return {
        examples::write_file(dir / "red.png", examples::sample_png(64, 64, solid(200, 30, 30))),
        examples::write_file(dir / "blue.png", examples::sample_png(64, 64, solid(30, 30, 200))),
        examples::write_file(dir / "mask.png", examples::sample_png(64, 64, hole))};
}

asio::awaitable<void> edit(oi::client& client, std::vector<fs::path> files) {
    oi::CreateImageEditRequest req{
        .prompt = "Put both squares side by side in a gift box",
        .mask = files.back(),  // a path: streamed from disk
        .model = oi::ImageModel::gpt_image_1_5,
        .n = 2,
    };
    files.pop_back();
    for (const fs::path& f : files)
        req.image.emplace_back(f);  // several images are sent as image[]

    // Before sending, validate() checks each input's format and size and the
    // mask's dimensions against the first image, from their headers.
    oi::ImagesResponse response = co_await client.create_image_edit(std::move(req));
    std::cout << "edit_with_mask ok: " << response.data.size() << " images\n";
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::vector<fs::path> files(argv + 1, argv + argc);
        if (files.empty())
            files = write_samples();
        if (files.size() < 2) {
            std::cerr << "usage: edit_with_mask [image.png... mask.png]\n";
            return 2;
        }
        asio::io_context ioc;
        oi::client client(ioc.get_executor(), oi::client_options::from_env());
        asio::co_spawn(ioc, edit(client, std::move(files)), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
        ioc.run();
    } catch (const std::exception& e) {  // oi::api_error names the field at fault
        std::cerr << "edit_with_mask failed: " << e.what() << "\n";
        return 1;
    }
}
