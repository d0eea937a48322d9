// The client without coroutines: a plain callback, then a std::future from
// main while another thread runs the io_context.
//
//   OPENAI_API_KEY=sk-... ./callbacks_and_futures
//
// Configuration (read by client_options::from_env()): OPENAI_API_KEY, OPENAI_BASE_URL,
// and OPENAI_IMAGES_CA_FILE, a PEM file of CAs to trust instead of the system's.
#include <openai/images.hpp>

#include <boost/asio.hpp>

#include <future>
#include <iostream>
#include <thread>

namespace oi = openai::images;
namespace asio = boost::asio;

namespace {}  // namespace

int main() {
    asio::io_context ioc;
    oi::client client(ioc.get_executor(), oi::client_options::from_env());
    const oi::CreateImageRequest req{
        .prompt = "A lighthouse at dusk",
        .model = oi::ImageModel::gpt_image_1_mini,  // answers in b64_json, as every GPT image model
        .quality = oi::ImageQuality::low,
        .size = oi::ImageSize::s1024x1024,
    };
    int failures = 0;

    // 1. A callback. It runs inside ioc.run(), which returns once nothing is
    // left to do. `diag` must stay alive until the callback has run.
    oi::diagnostics diag;
    client.async_create_image(req, diag, [&](oi::error_code ec, oi::ImagesResponse response) {
        if (ec) {
            std::cerr << "callback: " << ec.message() << ": " << diag.message() << "\n";
            ++failures;
            return;
        }
        std::cout << "callback: " << response.data.size() << " image, request "
                  << diag.response().request_id << "\n";
    });
    ioc.run();

    // 2. A future. The io_context runs on its own thread (kept busy by a work
    // guard) while main blocks in get(); an error comes out of get() as a
    // boost::system::system_error.
    ioc.restart();
    auto work = asio::make_work_guard(ioc);
    std::thread runner([&ioc] { ioc.run(); });
    std::future<oi::ImagesResponse> future = client.async_create_image(req, asio::use_future);
    try {
        oi::ImagesResponse response = future.get();
        std::cout << "future: " << response.data.size() << " image, "
                  << client.stats().connections_reused << " connection reused\n";
    } catch (const boost::system::system_error& e) {
        std::cerr << "future: " << e.what() << "\n";
        ++failures;
    }
    work.reset();
    runner.join();

    if (failures != 0)
        return 1;
    std::cout << "callbacks_and_futures ok\n";
}
