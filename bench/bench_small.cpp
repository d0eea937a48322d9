// Small requests through the client: C workers on one io_context each
// generate a 256x256 dall-e-2 image answered by url, one request after
// another, for a warm-up and then a measured period. The io_context is run
// by one thread, or by N with --threads N.
//
//   bench_small --url https://127.0.0.1:PORT/v1 --ca ca.pem --concurrency 64
//               --duration 5 --warmup 1 [--threads 1]
//
// Prints one JSON line: requests completed in the measured period, errors,
// requests per second, the p50/p99 latency in milliseconds, the process's CPU
// time over the measured period (per request too), its peak RSS and the
// client's connection counters.
#include "bench_common.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace {

namespace asio = boost::asio;
using namespace bench;

// A good answer: one image, by url.
std::string check_small(const oi::ImagesResponse& res) {
    const bool good =
        res.data.size() == 1 && res.data[0].url && res.data[0].url->starts_with("https://");
    return good ? std::string() : std::string("unexpected answer");
}

}  // namespace

int main(int argc, char** argv) try {
    const flags f(argc, argv);
    const std::size_t concurrency = f.count("concurrency", 1);
    const double warmup = f.number("warmup", 1), duration = f.number("duration", 5);
    const std::size_t threads = std::max<std::size_t>(f.count("threads", 1), 1);

    asio::io_context ioc(static_cast<int>(threads));
    oi::client_options opts = options_from(f);
    opts.pool.max_connections = std::max<std::size_t>(concurrency, 1);  // no worker waits
    oi::client client(ioc.get_executor(), opts);

    const oi::CreateImageRequest req = small_request();  // outlives the workers
    rate_tally t(warmup, duration);
    t.sample_cpu(ioc.get_executor());
    for (std::size_t i = 0; i < concurrency; ++i)
        asio::co_spawn(ioc, rate_worker(client, req, t, check_small), asio::detached);
    run_threads(ioc, threads);

    boost::json::object out = t.summary("openai-images", concurrency);
    const oi::client_stats stats = client.stats();
    out["threads"] = threads;
    out["strand_per_operation"] = opts.strand_per_operation;
    out["requests_written"] = stats.requests;
    out["connections_opened"] = stats.connections_opened;
    out["tls_handshakes"] = stats.tls_handshakes;
    out["tls_resumed"] = stats.tls_resumed;
    out["stale_resends"] = stats.stale_resends;
    out["idle_closed_by_server"] = stats.idle_closed_by_server;
    print(out);
    return t.errors == 0 && t.ok > 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "bench_small: " << e.what() << '\n';
    return 2;
}
