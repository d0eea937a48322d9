// A variation of a square PNG, answered by URL, then downloaded.
//
//   ./variation [out-dir] [square.png]       (out-dir defaults to ".")
//
// POST /images/variations is a legacy endpoint: OpenAI's API no longer serves
// it (it took dall-e-2 only, retired on 2026-05-12), but OpenAI-compatible
// servers still do, so point OPENAI_BASE_URL at one. No model is given: the
// server chooses.
//
// With no image given it writes a 256x256 sample to out-dir first. The answer
// is asked for as URLs (response_format=url); async_save_images downloads them
// through the client, with its connection pool, timeouts and retries. The API
// key is only ever sent to OPENAI_BASE_URL's own origin, never to the image's
// host.
//
// Configuration (read by client_options::from_env()): OPENAI_API_KEY, OPENAI_BASE_URL,
// and OPENAI_IMAGES_CA_FILE, a PEM file of CAs to trust instead of the system's.
#include "sample_png.hpp"

#include <openai/images.hpp>
#include <openai/images/save.hpp>

#include <boost/asio.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <iostream>

namespace oi = openai::images;
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

asio::awaitable<void> vary(oi::client& client, fs::path image, fs::path dir) {
    const oi::CreateImageVariationRequest req{
        .image = image,  // a square PNG under 4 MB, as the endpoint took
        .n = 1,
        .response_format = oi::ImageResponseFormat::url,
        .size = oi::ImageSize::s256x256,
    };
    // (Named, not a temporary inside co_await: GCC 12, unlike GCC 13+ and Clang,
    // miscompiles that.)
    oi::ImagesResponse response = co_await client.create_image_variation(req);
    std::cout << "url: " << response.data.at(0).url.value_or("(none)") << "\n";

    oi::diagnostics diag;
    auto [ec, saved] = co_await oi::async_save_images(client, std::move(response), dir, "variation",
                                                      diag, asio::as_tuple(asio::use_awaitable));
    oi::throw_on_error(ec, diag);
    std::cout << "variation ok: " << saved.at(0).path.string() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const fs::path dir = argc > 1 ? argv[1] : ".";
        fs::path image = argc > 2 ? argv[2] : "";
        if (image.empty()) {
            // A sample: a diagonal gradient.
            image = examples::write_file(
                dir / "variation-input.png",
                examples::sample_png(256, 256, [](std::uint32_t x, std::uint32_t y) {
                    return std::array<unsigned char, 4>{static_cast<unsigned char>(x),
                                                        static_cast<unsigned char>(y), 128, 255};
                }));
        }
        asio::io_context ioc;
        oi::client client(ioc.get_executor(), oi::client_options::from_env());
        asio::co_spawn(ioc, vary(client, image, dir), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
        ioc.run();
    } catch (const std::exception& e) {
        std::cerr << "variation failed: " << e.what() << "\n";
        return 1;
    }
}
