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

struct target {
    tcp::endpoint endpoint;
    std::string host, path;
};

asio::awaitable<void> connection(asio::ssl::context& ctx, const target& tg, const std::string& key,
                                 rate_tally& t) {
    auto ex = co_await asio::this_coro::executor;
    http::request<http::string_body> req{http::verb::post, tg.path + "/images/generations", 11};
    req.set(http::field::host, tg.host);
    req.set(http::field::authorization, "Bearer " + key);
    req.set(http::field::content_type, "application/json");
    req.body() = oi::to_json(small_request());
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
            const bool good =
                !ec && res.result_int() == 200 && res.body().find("\"url\"") != std::string::npos;
            t.record(start, steady::now(), good, [&] {
                return ec ? ec.message() : "status " + std::to_string(res.result_int());
            });
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

    rate_tally t(warmup, duration);
    for (std::size_t i = 0; i < concurrency; ++i)
        asio::co_spawn(ioc, connection(ctx, tg, key, t), asio::detached);
    ioc.run();

    print(t.summary("beast-floor", concurrency));
    return t.errors == 0 && t.ok > 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "beast_floor: " << e.what() << '\n';
    return 2;
}
