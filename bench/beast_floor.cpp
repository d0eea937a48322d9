// The floor of overhead: a minimal hand-written Beast keep-alive client doing
// the same requests as bench_small (C connections, one single-threaded
// io_context, verified TLS), with none of the library's work: no validation,
// no pool, no timeouts, no retries, no JSON decoding. It only checks the
// status and that the body names a url.
//
//   beast_floor --url https://127.0.0.1:PORT/v1 --ca ca.pem --concurrency 64
//               --duration 5 --warmup 1
#include "bench_common.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace bench;
using tcp = asio::ip::tcp;

struct tally {
    steady::time_point measure_from, stop_at;
    std::vector<double> latency_ms;
    std::uint64_t ok = 0, errors = 0;
    std::string first_error;
};

struct target {
    tcp::endpoint endpoint;
    std::string host, path;
};

asio::awaitable<void> connection(asio::ssl::context& ctx, const target& tg, const std::string& key,
                                 tally& t) {
    auto ex = co_await asio::this_coro::executor;
    http::request<http::string_body> req{http::verb::post, tg.path + "/images/generations", 11};
    req.set(http::field::host, tg.host);
    req.set(http::field::authorization, "Bearer " + key);
    req.set(http::field::content_type, "application/json");
    req.body() = R"({"prompt":"a small red fox","model":"dall-e-2","n":1,"size":"256x256"})";
    req.prepare_payload();

    while (steady::now() < t.stop_at) {
        asio::ssl::stream<tcp::socket> stream(ex, ctx);
        SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
        stream.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
        auto [cec] = co_await stream.next_layer().async_connect(
            tg.endpoint, asio::as_tuple(asio::use_awaitable));
        boost::system::error_code ec = cec;
        if (!ec)
            std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::client,
                                                           asio::as_tuple(asio::use_awaitable));
        boost::beast::flat_buffer buffer;
        while (!ec && steady::now() < t.stop_at) {
            const auto start = steady::now();
            std::size_t n = 0;
            std::tie(ec, n) =
                co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
            http::response<http::string_body> res;
            if (!ec)
                std::tie(ec, n) = co_await http::async_read(stream, buffer, res,
                                                            asio::as_tuple(asio::use_awaitable));
            const auto end = steady::now();
            const bool good =
                !ec && res.result_int() == 200 && res.body().find("\"url\"") != std::string::npos;
            if (end >= t.measure_from && end < t.stop_at) {
                if (good) {
                    ++t.ok;
                    t.latency_ms.push_back(
                        std::chrono::duration<double, std::milli>(end - start).count());
                } else if (t.errors++ == 0) {
                    t.first_error =
                        ec ? ec.message() : "status " + std::to_string(res.result_int());
                }
            }
            if (!ec && !res.keep_alive())
                break;  // reconnect
        }
    }
}

}  // namespace

int main(int argc, char** argv) try {
    const flags f(argc, argv);
    const std::size_t concurrency = f.count("concurrency", 1);
    const double warmup = f.number("warmup", 1), duration = f.number("duration", 5);
    const std::string url_text = f.str("url");
    const auto url = boost::urls::parse_uri(url_text).value();
    target tg;
    tg.endpoint = tcp::endpoint(asio::ip::make_address(std::string(url.host())),
                                static_cast<unsigned short>(std::stoul(std::string(url.port()))));
    tg.host = std::string(url.host()) + ":" + std::string(url.port());
    tg.path = std::string(url.path());
    const std::string key = f.str("key", "sk-test-key");

    asio::io_context ioc(1);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.load_verify_file(f.str("ca"));
    ctx.set_verify_mode(asio::ssl::verify_peer);

    tally t;
    t.measure_from = steady::now() + std::chrono::duration_cast<steady::duration>(
                                         std::chrono::duration<double>(warmup));
    t.stop_at = t.measure_from + std::chrono::duration_cast<steady::duration>(
                                     std::chrono::duration<double>(duration));
    t.latency_ms.reserve(1 << 20);
    for (std::size_t i = 0; i < concurrency; ++i)
        asio::co_spawn(ioc, connection(ctx, tg, key, t), asio::detached);
    ioc.run();

    const double seconds = seconds_between(t.measure_from, t.stop_at);
    boost::json::object out{{"client", "beast-floor"},
                            {"concurrency", concurrency},
                            {"requests", t.ok},
                            {"errors", t.errors},
                            {"seconds", seconds},
                            {"rps", static_cast<double>(t.ok) / seconds},
                            {"p50_ms", quantile(t.latency_ms, 0.50)},
                            {"p99_ms", quantile(t.latency_ms, 0.99)}};
    if (t.errors)
        out["first_error"] = t.first_error;
    print(out);
    return t.errors == 0 && t.ok > 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "beast_floor: " << e.what() << '\n';
    return 2;
}
