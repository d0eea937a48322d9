// Small requests through the client: C workers on one single-threaded
// io_context each generate a 256x256 dall-e-2 image answered by url, one
// request after another, for a warm-up and then a measured period.
//
//   bench_small --url https://127.0.0.1:PORT/v1 --ca ca.pem --concurrency 64
//               --duration 5 --warmup 1
//
// Prints one JSON line: requests completed in the measured period, errors,
// requests per second and the p50/p99 latency in milliseconds.
#include "bench_common.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace {

namespace asio = boost::asio;
using namespace bench;

struct tally {
    steady::time_point measure_from, stop_at;
    std::vector<double> latency_ms;
    std::uint64_t ok = 0, errors = 0;
    std::string first_error;
};

asio::awaitable<void> worker(oi::client& client, tally& t) {
    oi::CreateImageRequest req;
    req.prompt = "a small red fox";
    req.model = oi::ImageModel::dall_e_2;
    req.n = 1;
    req.size = oi::ImageSize::s256x256;
    for (;;) {
        const auto start = steady::now();
        if (start >= t.stop_at)
            co_return;
        oi::diagnostics diag;
        auto [ec, res] =
            co_await client.async_create_image(req, diag, asio::as_tuple(asio::use_awaitable));
        const auto end = steady::now();
        if (end < t.measure_from || end >= t.stop_at)
            continue;
        if (ec || res.data.size() != 1 || !res.data[0].url ||
            !res.data[0].url->starts_with("https://")) {
            if (t.errors++ == 0)
                t.first_error = ec ? std::string(diag.message()) + " (" + ec.message() + ")"
                                   : "unexpected answer";
            continue;
        }
        ++t.ok;
        t.latency_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
}

}  // namespace

int main(int argc, char** argv) try {
    const flags f(argc, argv);
    const std::size_t concurrency = f.count("concurrency", 1);
    const double warmup = f.number("warmup", 1), duration = f.number("duration", 5);

    asio::io_context ioc(1);
    oi::client_options opts = options_from(f);
    opts.pool.max_connections = std::max<std::size_t>(concurrency, 1);  // no worker waits
    oi::client client(ioc.get_executor(), opts);

    tally t;
    t.measure_from = steady::now() + std::chrono::duration_cast<steady::duration>(
                                         std::chrono::duration<double>(warmup));
    t.stop_at = t.measure_from + std::chrono::duration_cast<steady::duration>(
                                     std::chrono::duration<double>(duration));
    t.latency_ms.reserve(1 << 20);
    for (std::size_t i = 0; i < concurrency; ++i)
        asio::co_spawn(ioc, worker(client, t), asio::detached);
    ioc.run();

    const double seconds = seconds_between(t.measure_from, t.stop_at);
    boost::json::object out{{"client", "openai-images"},
                            {"concurrency", concurrency},
                            {"requests", t.ok},
                            {"errors", t.errors},
                            {"seconds", seconds},
                            {"rps", static_cast<double>(t.ok) / seconds},
                            {"p50_ms", quantile(t.latency_ms, 0.50)},
                            {"p99_ms", quantile(t.latency_ms, 0.99)},
                            {"connections_opened", client.stats().connections_opened}};
    if (t.errors)
        out["first_error"] = t.first_error;
    print(out);
    return t.errors == 0 && t.ok > 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "bench_small: " << e.what() << '\n';
    return 2;
}
