// An images batch job's collection of a large output file: the job is run
// against a server whose batch is already completed (bench/run serves it
// with nginx), so the time is the output file's download, line by line, with
// each image decoded to bytes as it arrives and handed over. Prints one JSON
// line: lines, decoded image bytes, seconds, MB/s of decoded bytes, and the
// peak RSS, which must not grow with the file.
//
//   bench_batch_output --url https://127.0.0.1:PORT/batch/v1 --ca ca.pem
//                      --requests N --dir WORK
#include "bench_common.hpp"

#include <openai/images/batch_job.hpp>

#include <filesystem>

int main(int argc, char** argv) {
    namespace asio = boost::asio;
    namespace oi = openai::images;
    try {
        const bench::flags f(argc, argv);
        const auto n = static_cast<std::size_t>(f.count("requests", 0));
        const std::filesystem::path dir = f.str("dir");
        if (n == 0)
            throw std::invalid_argument("--requests must be at least 1");

        std::vector<oi::batch_job_request> requests;
        requests.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            requests.emplace_back(oi::CreateImageRequest{.prompt = "a large benchmark image",
                                                         .model = "gpt-image-1"});
        std::filesystem::remove_all(dir / "job");

        asio::io_context ioc;
        oi::client c(ioc.get_executor(), bench::options_from(f));
        oi::batch_job_options opts;
        opts.directory = dir / "job";
        opts.poll_initial = std::chrono::milliseconds(1);
        std::size_t lines = 0, failed = 0, not_png = 0;
        std::uint64_t decoded = 0;
        opts.on_result = [&](std::size_t, oi::batch_result& r) {
            ++lines;
            if (r.ec) {
                ++failed;
                return;
            }
            for (const auto& img : r.response.data) {
                const auto& bytes = img.bytes.value();
                decoded += bytes.size();
                if (bytes.size() < 8 || bytes[0] != 0x89 || bytes[1] != 'P')
                    ++not_png;
            }
        };
        bench::reset_peak_rss();
        const auto rss_before = bench::rss_bytes();
        oi::diagnostics diag;
        oi::error_code result;
        oi::batch_job_status st;
        const auto start = bench::steady::now();
        oi::async_run_batch_job(c, std::move(requests), std::move(opts), diag,
                                [&](oi::error_code ec, oi::batch_job_status s) {
                                    result = ec;
                                    st = std::move(s);
                                });
        ioc.run();
        const double seconds = bench::seconds_between(start, bench::steady::now());
        if (result)
            throw std::runtime_error("the job failed: " + result.message() + ": " +
                                     std::string(diag.message()));
        if (lines != n || failed != 0 || not_png != 0 || !st.complete())
            throw std::runtime_error("expected " + std::to_string(n) + " images, got " +
                                     std::to_string(lines) + " results, " + std::to_string(failed) +
                                     " failed, " + std::to_string(not_png) + " not PNG");
        boost::json::object out;
        out["client"] = "openai-images";
        out["lines"] = lines;
        out["decoded_bytes"] = decoded;
        out["seconds"] = seconds;
        out["decoded_mb_s"] = bench::mb_per_s(decoded, seconds);
        out["rss_before_bytes"] = rss_before;
        out["peak_rss_bytes"] = bench::peak_rss_bytes();
        std::cout << boost::json::serialize(out) << std::endl;
        std::filesystem::remove_all(dir / "job");
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_batch_output: " << e.what() << '\n';
        return 1;
    }
}
