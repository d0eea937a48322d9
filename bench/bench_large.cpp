// Large b64_json answers: a gpt-image generation of n images of a size, from
// the first body byte (the end of the response header) to every image decoded
// to bytes, repeated R times after one warm-up. With --decode 0 the answer
// keeps b64_json and each image is then decoded with decode_image; with
// --decode 1 the client decodes while the body arrives
// (client_options::decode_b64_json). The same process then times what the
// library does with the body alone (parse + decode, from memory, the same
// way) and a plain memcpy of the same number of bytes, after the peak RSS has
// been read.
//
//   bench_large --url https://127.0.0.1:PORT/v1 --ca ca.pem --model gpt-image-1
//               --n 4 --size 1024x1024 --runs 3 --decode 1
//
// With --concurrency C it measures a rate instead: C workers on one
// io_context, run by --threads N threads (default 1), each making the request
// and decoding every image, one request after another, for --warmup seconds
// then --duration seconds; it prints bench_small's JSON line (requests per
// second, latency, CPU time over the measured period, peak RSS).
//
//   bench_large --url http://127.0.0.1:PORT/v1 --n 4 --size 1024x1024 --decode 1
//               --concurrency 4 --threads 2 --duration 5 --warmup 1
#include "bench_common.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>

namespace {

namespace asio = boost::asio;
using namespace bench;

struct run_result {
    double seconds = 0;             ///< from the response header's end to the last image decoded
    double total_seconds = 0;       ///< from the request's start
    double body_seconds = 0;        ///< reading the body (from the header's end to the body's)
    double cpu_seconds = 0;         ///< this process's CPU time over the whole request
    std::uint64_t page_faults = 0;  ///< and its page faults
    std::uint64_t b64_bytes = 0, decoded_bytes = 0;
};

// Decodes every image not decoded yet; throws unless each is a PNG.
run_result decode_all(const oi::ImagesResponse& res, std::size_t n) {
    if (res.data.size() != n)
        throw std::runtime_error("expected " + std::to_string(n) + " images, got " +
                                 std::to_string(res.data.size()));
    run_result r;
    std::vector<unsigned char> decoded;
    for (const oi::Image& img : res.data) {
        if (!img.bytes) {
            oi::diagnostics diag;
            if (auto ec = oi::decode_image(img, decoded, diag))
                throw std::runtime_error("decode: " + std::string(diag.message()));
        }
        const std::vector<unsigned char>& bytes = img.bytes ? *img.bytes : decoded;
        if (oi::detect_format(bytes) != oi::image_format::png)
            throw std::runtime_error("an image is not a PNG");
        r.b64_bytes += img.b64_json ? img.b64_json->size() : 0;
        r.decoded_bytes += bytes.size();
    }
    return r;
}

// `sample` gets the last answer's first image (moved out once it is decoded).
asio::awaitable<void> run_all(oi::client& client, const oi::CreateImageRequest& req,
                              std::size_t runs, std::vector<run_result>& out, std::string& sample) {
    for (std::size_t i = 0; i <= runs; ++i) {  // run 0 is the warm-up
        oi::diagnostics diag;
        const auto start = steady::now();
        const cpu_use cpu_start = cpu_use::now();
        auto [ec, res] =
            co_await client.async_create_image(req, diag, asio::as_tuple(asio::use_awaitable));
        if (ec)
            throw std::runtime_error(std::string(diag.message()) + " (" + ec.message() + ")");
        run_result r = decode_all(res, static_cast<std::size_t>(*req.n));
        const auto end = steady::now();
        r.seconds = seconds_between(diag.response().header_received, end);
        r.total_seconds = seconds_between(start, end);
        const cpu_use cpu_end = cpu_use::now();
        r.cpu_seconds = cpu_end.seconds - cpu_start.seconds;
        r.page_faults = cpu_end.page_faults - cpu_start.page_faults;
        r.body_seconds =
            seconds_between(diag.response().header_received, diag.response().body_received);
        if (i > 0)
            out.push_back(r);
        if (i == runs) {
            const oi::Image& first = res.data.at(0);
            sample = first.b64_json
                         ? std::move(*first.b64_json)
                         : oi::base64_encode(std::span<const unsigned char>(*first.bytes));
        }
    }
}

int rate_mode(const flags& f, const oi::CreateImageRequest& req) {
    const std::size_t concurrency = f.count("concurrency", 1);
    const std::size_t threads = std::max<std::size_t>(f.count("threads", 1), 1);
    asio::io_context ioc(static_cast<int>(threads));
    oi::client_options opts = options_from(f);
    opts.decode_b64_json = f.count("decode", 0) != 0;
    opts.pool.max_connections = std::max<std::size_t>(concurrency, 1);  // no worker waits
    oi::client client(ioc.get_executor(), opts);

    rate_tally t(f.number("warmup", 1), f.number("duration", 5));
    t.sample_cpu(ioc.get_executor());
    for (std::size_t i = 0; i < concurrency; ++i)
        asio::co_spawn(ioc,
                       rate_worker(client, req, t,
                                   [n = static_cast<std::size_t>(*req.n)](
                                       const oi::ImagesResponse& res) -> std::string {
                                       try {
                                           decode_all(res, n);
                                       } catch (const std::exception& e) {
                                           return e.what();
                                       }
                                       return {};
                                   }),
                       asio::detached);
    run_threads(ioc, threads);

    boost::json::object out = t.summary("openai-images", concurrency);
    const oi::client_stats stats = client.stats();
    out["threads"] = threads;
    out["strand_per_operation"] = opts.strand_per_operation;
    out["decode_b64_json"] = opts.decode_b64_json;
    out["connections_opened"] = stats.connections_opened;
    out["bytes_received_per_request"] = stats.requests ? stats.bytes_received / stats.requests : 0;
    print(out);
    return t.errors == 0 && t.ok > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) try {
    const flags f(argc, argv);
    const std::size_t runs = f.count("runs", 3);
    oi::CreateImageRequest req;
    req.prompt = "a large benchmark image";
    req.model = oi::ImageModel(f.str("model", "gpt-image-1"));
    req.n = static_cast<std::int64_t>(f.count("n", 4));
    req.size = oi::ImageSize(f.str("size", "1024x1024"));
    if (f.count("concurrency", 0) > 0)
        return rate_mode(f, req);

    asio::io_context ioc(1);
    oi::client_options opts = options_from(f);
    opts.decode_b64_json = f.count("decode", 0) != 0;
    oi::client client(ioc.get_executor(), opts);
    std::vector<run_result> results;
    const std::uint64_t base_rss = rss_bytes();
    reset_peak_rss();
    std::string sample;
    run_to_end(ioc, run_all(client, req, runs, results, sample));
    const std::uint64_t peak = peak_rss_bytes();
    const std::uint64_t body_bytes = client.stats().bytes_received / (runs + 1);

    // The library's own work on the same body, from memory: parse, then decode.
    // And a memcpy of as many bytes. Both after the peak was read.
    // A body of the same size and shape: n copies of a real image.
    oi::ImagesResponse same_shape{.created = 1};
    for (std::int64_t i = 0; i < *req.n; ++i)
        same_shape.data.push_back(oi::Image{.b64_json = sample});
    const std::string body = oi::to_json(same_shape);
    const double parse_decode_s = best_of(3, [&] {
        oi::ImagesResponse res;
        oi::diagnostics diag;
        if (oi::parse_images_response(body, res, diag, opts.decode_b64_json))
            throw std::runtime_error("parse: " + std::string(diag.message()));
        decode_all(res, static_cast<std::size_t>(*req.n));
    });
    const double memcpy_s = memcpy_seconds(body, 3);

    boost::json::array runs_out;
    for (const run_result& r : results)
        runs_out.push_back({{"seconds", r.seconds},
                            {"total_seconds", r.total_seconds},
                            {"body_seconds", r.body_seconds},
                            {"cpu_seconds", r.cpu_seconds},
                            {"page_faults", r.page_faults},
                            {"b64_bytes", r.b64_bytes},
                            {"decoded_bytes", r.decoded_bytes},
                            {"mb_s", mb_per_s(body_bytes, r.seconds)}});
    const std::uint64_t growth = peak > base_rss ? peak - base_rss : 0;
    print({{"client", "openai-images"},
           {"decode_b64_json", opts.decode_b64_json},
           {"model", f.str("model", "gpt-image-1")},
           {"n", *req.n},
           {"size", f.str("size", "1024x1024")},
           {"body_bytes", body_bytes},
           {"runs", runs_out},
           {"base_rss_bytes", base_rss},
           {"peak_rss_bytes", peak},
           {"peak_rss_growth_bytes", growth},
           {"peak_rss_per_payload", static_cast<double>(growth) / static_cast<double>(body_bytes)},
           {"parse_decode_mb_s", mb_per_s(body.size(), parse_decode_s)},
           {"memcpy_mb_s", mb_per_s(body.size(), memcpy_s)}});
    return 0;
} catch (const std::exception& e) {
    std::cerr << "bench_large: " << e.what() << '\n';
    return 2;
}
