// Uploads: an image edit whose image is a file of random pixels (an
// incompressible PNG of W x H, written once to --dir), R times after one
// warm-up, on one single-threaded io_context. The file is streamed from disk,
// so the RSS should grow by buffers only, not by the file's size.
//
//   bench_upload --url https://127.0.0.1:PORT/v1 --ca ca.pem --model gpt-image-1
//                --width 4176 --height 4176 --dir /tmp/bench-files --runs 3
#include "bench_common.hpp"

#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>

#include <filesystem>

namespace {

namespace asio = boost::asio;
using namespace bench;

struct run_result {
    double seconds = 0;
    std::uint64_t rss_growth = 0;  ///< the peak during the run minus the RSS before it
};

asio::awaitable<void> run_all(oi::client& client, const oi::CreateImageEditRequest& req,
                              std::size_t runs, std::vector<run_result>& out) {
    for (std::size_t i = 0; i <= runs; ++i) {  // run 0 is the warm-up
        const std::uint64_t before = rss_bytes();
        reset_peak_rss();
        oi::diagnostics diag;
        const auto start = steady::now();
        auto [ec, res] =
            co_await client.async_create_image_edit(req, diag, asio::as_tuple(asio::use_awaitable));
        const double seconds = seconds_between(start, steady::now());
        if (ec)
            throw std::runtime_error(std::string(diag.message()) + " (" + ec.message() + ")");
        if (res.data.size() != 1)
            throw std::runtime_error("expected one image");
        const std::uint64_t peak = peak_rss_bytes();
        if (i > 0)
            out.push_back({seconds, peak > before ? peak - before : 0});
    }
}

}  // namespace

int main(int argc, char** argv) try {
    const flags f(argc, argv);
    const std::size_t runs = f.count("runs", 3);
    const auto width = static_cast<std::uint32_t>(f.count("width", 1170));
    const auto height = static_cast<std::uint32_t>(f.count("height", 1170));
    const std::filesystem::path dir = f.str("dir", "/tmp/openai-images-bench");
    const std::filesystem::path file =
        dir / ("noise-" + std::to_string(width) + "x" + std::to_string(height) + ".png");
    if (!std::filesystem::exists(file)) {
        std::filesystem::create_directories(dir);
        const std::string png = openai::images::testing::make_noise_png(width, height);
        const std::filesystem::path tmp = file.string() + ".tmp";
        std::ofstream(tmp, std::ios::binary)
            .write(png.data(), static_cast<std::streamsize>(png.size()));
        std::filesystem::rename(tmp, file);
    }
    const std::uint64_t file_bytes = std::filesystem::file_size(file);

    oi::CreateImageEditRequest req;
    req.image.push_back(oi::file_source(file));
    req.prompt = "an upload benchmark";
    req.model = oi::ImageModel(f.str("model", "dall-e-2"));
    req.size = oi::ImageSize(f.str("size", "256x256"));
    req.n = 1;

    asio::io_context ioc(1);
    oi::client client(ioc.get_executor(), options_from(f));
    std::vector<run_result> results;
    run_to_end(ioc, run_all(client, req, runs, results));

    boost::json::array runs_out;
    for (const run_result& r : results)
        runs_out.push_back({{"seconds", r.seconds},
                            {"mb_s", static_cast<double>(file_bytes) / 1e6 / r.seconds},
                            {"rss_growth_bytes", r.rss_growth}});
    print({{"client", "openai-images"},
           {"model", f.str("model", "dall-e-2")},
           {"file_bytes", file_bytes},
           {"runs", runs_out}});
    return 0;
} catch (const std::exception& e) {
    std::cerr << "bench_upload: " << e.what() << '\n';
    return 2;
}
