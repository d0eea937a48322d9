// Uploads: an image edit whose image is a file of random pixels (an
// incompressible PNG of W x H, written once to --dir), R times after one
// warm-up, on one single-threaded io_context. The file is streamed from disk,
// so the RSS should grow by buffers only, not by the file's size.
//
//   bench_upload --url https://127.0.0.1:PORT/v1 --ca ca.pem --model gpt-image-1
//                --width 4176 --height 4176 --dir /tmp/bench-files --runs 3
//
// With --concurrency C it measures a rate instead: C workers each uploading
// the same file one edit after another, for --warmup seconds then --duration
// seconds; it prints bench_small's JSON line with the request body's size.
// With --source memory the image is the file's bytes read once into memory
// (file_source::from_owned): the same body as a client posting a buffer, for
// comparing the upload path itself without the reads from disk.
// With --save-body PATH it only writes the multipart body the library sends
// (its own encoding of the request) to PATH, for other clients to post, and
// prints its size and Content-Type.
#include "bench_common.hpp"

#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
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

// The multipart form of `req`, as the library encodes it.
oi::multipart_form form_of(const oi::CreateImageEditRequest& req) {
    oi::multipart_form form;
    oi::diagnostics diag;
    if (oi::encode(req, form, diag))
        throw std::runtime_error("encode: " + std::string(diag.message()));
    return form;
}

int save_body(const oi::CreateImageEditRequest& req, const std::string& path) {
    const oi::multipart_form form = form_of(req);
    oi::error_code ec;
    oi::diagnostics diag;
    const std::string body = form.to_string(ec, diag);
    if (ec)
        throw std::runtime_error("multipart body: " + std::string(diag.message()));
    std::ofstream(path, std::ios::binary)
        .write(body.data(), static_cast<std::streamsize>(body.size()));
    print({{"body_bytes", body.size()}, {"content_type", form.content_type()}});
    return 0;
}

int rate_mode(const flags& f, const oi::CreateImageEditRequest& req, std::uint64_t file_bytes) {
    const std::size_t concurrency = f.count("concurrency", 1);
    asio::io_context ioc(1);
    oi::client_options opts = options_from(f);
    opts.pool.max_connections = std::max<std::size_t>(concurrency, 1);  // no worker waits
    oi::client client(ioc.get_executor(), opts);

    rate_tally t(f.number("warmup", 1), f.number("duration", 5));
    t.sample_cpu(ioc.get_executor());
    for (std::size_t i = 0; i < concurrency; ++i)
        asio::co_spawn(
            ioc,
            rate_worker(client, req, t,
                        [](const oi::ImagesResponse& res) {
                            return std::string(res.data.size() == 1 ? "" : "unexpected answer");
                        }),
            asio::detached);
    ioc.run();

    boost::json::object out = t.summary("openai-images", concurrency);
    out["file_bytes"] = file_bytes;
    out["request_body_bytes"] = form_of(req).content_length();
    out["connections_opened"] = client.stats().connections_opened;
    print(out);
    return t.errors == 0 && t.ok > 0 ? 0 : 1;
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
    const std::string source = f.str("source", "file");
    if (source == "memory") {
        std::ifstream in(file, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        req.image.push_back(
            oi::file_source::from_owned(std::move(bytes), file.filename().string()));
    } else if (source == "file") {
        req.image.push_back(oi::file_source(file));
    } else {
        throw std::runtime_error("--source: '" + source + "' is not file or memory");
    }
    req.prompt = "an upload benchmark";
    req.model = oi::ImageModel(f.str("model", "dall-e-2"));
    req.size = oi::ImageSize(f.str("size", "256x256"));
    req.n = 1;
    if (const std::string path = f.str("save-body", ""); !path.empty())
        return save_body(req, path);
    if (f.count("concurrency", 0) > 0)
        return rate_mode(f, req, file_bytes);

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
