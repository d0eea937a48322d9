// Quickstart: generate one image with a coroutine and save it to a directory.
//
//   OPENAI_API_KEY=sk-... ./quickstart [out-dir]      (out-dir defaults to ".")
//
// Configuration comes from the environment, read by client_options::from_env():
// OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_IMAGES_CA_FILE, a PEM file of CAs to
// trust instead of the system's (a private CA, or the fake server's test CA).
#include <openai/images.hpp>
#include <openai/images/save.hpp>

#include <boost/asio.hpp>

#include <filesystem>
#include <iostream>

namespace oi = openai::images;
namespace asio = boost::asio;

namespace {

asio::awaitable<void> quickstart(oi::client& client, std::filesystem::path dir) {
    const oi::CreateImageRequest req{
        .prompt = "A cute baby sea otter floating on its back",
        .model = oi::ImageModel::gpt_image_1_5,
        .quality = oi::ImageQuality::low,
        .size = oi::ImageSize::s1024x1024,
    };
    // The coroutine form throws oi::api_error on failure (caught in main).
    // The request is a named variable on purpose: GCC 12 (not GCC 13+ or
    // Clang) miscompiles a temporary built inside a co_await expression,
    // co_await client.create_image({...}), and the program crashes.
    oi::ImagesResponse response = co_await client.create_image(req);

    // GPT image models answer with b64_json: decoded and written atomically as
    // dir/otter.png (the extension comes from the image's bytes). as_tuple
    // gives the error_code instead of an exception, so that the diagnostics'
    // sentence (which file, why) can go with it.
    oi::diagnostics diag;
    auto [ec, saved] = co_await oi::async_save_images(client, std::move(response), dir, "otter",
                                                      diag, asio::as_tuple(asio::use_awaitable));
    oi::throw_on_error(ec, diag);  // oi::client_error, what() is diag.message()
    for (const oi::saved_image& s : saved)
        std::cout << "saved " << s.width << "x" << s.height << " (" << s.bytes << " bytes)\n";
    std::cout << "quickstart ok: " << saved.at(0).path.string() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path dir = argc > 1 ? argv[1] : ".";
    try {
        asio::io_context ioc;
        oi::client client(ioc.get_executor(), oi::client_options::from_env());
        // A coroutine's exception comes out of ioc.run() through this handler.
        asio::co_spawn(ioc, quickstart(client, dir), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
        ioc.run();
    } catch (const oi::api_error& e) {
        // Everything the diagnostics held: status, the API's message, request id.
        std::cerr << "quickstart failed: " << e.what() << " [" << e.code().message() << ", status "
                  << e.status() << ", request " << e.request_id() << "]\n";
        return 1;
    } catch (const std::exception& e) {  // oi::client_error, std::filesystem errors...
        std::cerr << "quickstart failed: " << e.what() << "\n";
        return 1;
    }
}
