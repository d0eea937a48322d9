// Many requests in flight at once: R requests started together on one
// single-threaded io_context through a pool of P connections, against a server
// that holds every answer for L ms. The ideal time is ceil(R / P) * L.
//
//   bench_scale --url https://127.0.0.1:PORT/v1 --ca ca.pem --requests 10000
//               --pool 100 --latency-ms 1000
//
// Prints one JSON line: total seconds, the ideal, their ratio, errors, TLS
// handshakes, the RSS before the requests and the peak RSS while they ran.
#include "bench_common.hpp"

#include <boost/asio/io_context.hpp>

#include <cmath>

namespace {

namespace asio = boost::asio;
using namespace bench;

struct tally {
    std::uint64_t ok = 0, errors = 0;
    std::string first_error;
    steady::time_point last_end{};
};

void start(oi::client& client, const oi::CreateImageRequest& req, tally& t) {
    client.async_create_image(req, [&t](oi::error_code ec, oi::ImagesResponse res) {
        t.last_end = steady::now();
        if (!ec && res.data.size() == 1 && res.data[0].url) {
            ++t.ok;
        } else if (t.errors++ == 0) {
            t.first_error = ec ? ec.message() : "unexpected answer";
        }
    });
}

}  // namespace

int main(int argc, char** argv) try {
    const flags f(argc, argv);
    const std::size_t requests = f.count("requests", 10'000), pool = f.count("pool", 100);
    const double latency_s = f.number("latency-ms", 1000) / 1000.0;

    asio::io_context ioc(1);
    oi::client_options opts = options_from(f);
    opts.pool.max_connections = pool;
    // The last request waits ceil(R / P) - 1 server latencies for a connection.
    opts.pool.wait_timeout = std::chrono::hours(1);
    oi::client client(ioc.get_executor(), opts);

    const oi::CreateImageRequest req = small_request();

    const std::uint64_t base_rss = rss_bytes();
    reset_peak_rss();
    tally t;
    const auto begin = steady::now();
    for (std::size_t i = 0; i < requests; ++i)
        start(client, req, t);
    ioc.run();
    const double seconds = seconds_between(begin, t.last_end);
    const std::uint64_t peak = peak_rss_bytes();
    const double ideal =
        std::ceil(static_cast<double>(requests) / static_cast<double>(pool)) * latency_s;
    const auto s = client.stats();

    boost::json::object out{{"client", "openai-images"},
                            {"requests", requests},
                            {"pool", pool},
                            {"ok", t.ok},
                            {"errors", t.errors},
                            {"seconds", seconds},
                            {"ideal_seconds", ideal},
                            {"ratio", seconds / ideal},
                            {"tls_handshakes", s.tls_handshakes},
                            {"connections_opened", s.connections_opened},
                            {"pool_waits", s.pool_waits},
                            {"base_rss_bytes", base_rss},
                            {"peak_rss_bytes", peak},
                            {"rss_growth_bytes", peak > base_rss ? peak - base_rss : 0}};
    if (t.errors)
        out["first_error"] = t.first_error;
    print(out);
    return t.errors == 0 && t.ok == requests ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "bench_scale: " << e.what() << '\n';
    return 2;
}
