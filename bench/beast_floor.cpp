// The floor of overhead: a minimal hand-written Beast keep-alive client doing
// the same requests as bench_small (C connections, one single-threaded
// io_context, verified TLS), with none of the library's work: no validation,
// no pool, no timeouts, no retries, no JSON decoding. It only checks the
// status and that the body names a url (or, with --request large, that it
// holds b64_json images). When the server ends a connection (Connection:
// close), it connects again with a full handshake (no session resumption).
//
//   beast_floor --url https://127.0.0.1:PORT/v1 --ca ca.pem --concurrency 64
//               --duration 5 --warmup 1
//   beast_floor --url http://127.0.0.1:PORT/v1 --request large --n 4 --size 1024x1024
//
// Prints one JSON line like bench_small's, with the connections opened.
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
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <limits>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace bench;
using tcp = asio::ip::tcp;

struct target {
    tcp::endpoint endpoint;
    bool tls = true;
    http::request<http::string_body> request;
    std::string_view expect;  ///< what a good answer's body holds
    std::uint64_t connections = 0;
};

// Requests on one open connection until the window closes, an error, or the
// server ends the connection.
template <class Stream>
asio::awaitable<void> exchange(Stream& stream, target& tg, rate_tally& t) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (!ec && steady::now() < t.stop_at) {
        const auto start = steady::now();
        std::size_t n = 0;
        std::tie(ec, n) =
            co_await http::async_write(stream, tg.request, asio::as_tuple(asio::use_awaitable));
        http::response_parser<http::string_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        if (!ec)
            std::tie(ec, n) = co_await http::async_read(stream, buffer, parser,
                                                        asio::as_tuple(asio::use_awaitable));
        const auto& res = parser.get();
        const bool good =
            !ec && res.result_int() == 200 && res.body().find(tg.expect) != std::string::npos;
        t.record(start, steady::now(), good,
                 [&] { return ec ? ec.message() : "status " + std::to_string(res.result_int()); });
        if (!ec && !res.keep_alive())
            break;  // reconnect
    }
}

asio::awaitable<void> connection(asio::ssl::context& ctx, target& tg, rate_tally& t) {
    auto ex = co_await asio::this_coro::executor;
    while (steady::now() < t.stop_at) {
        const auto start = steady::now();
        boost::system::error_code ec;
        if (tg.tls) {
            asio::ssl::stream<tcp::socket> stream(ex, ctx);
            SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
            stream.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
            std::tie(ec) = co_await stream.next_layer().async_connect(
                tg.endpoint, asio::as_tuple(asio::use_awaitable));
            if (!ec)
                std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::client,
                                                               asio::as_tuple(asio::use_awaitable));
            if (!ec) {
                ++tg.connections;
                co_await exchange(stream, tg, t);
                continue;
            }
        } else {
            tcp::socket socket(ex);
            std::tie(ec) =
                co_await socket.async_connect(tg.endpoint, asio::as_tuple(asio::use_awaitable));
            if (!ec) {
                ++tg.connections;
                co_await exchange(socket, tg, t);
                continue;
            }
        }
        t.record(start, steady::now(), false, [&] { return "connect: " + ec.message(); });
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
    tg.tls = url.scheme() == "https";
    tg.endpoint = tcp::endpoint(asio::ip::make_address(std::string(url.host())),
                                static_cast<unsigned short>(std::stoul(std::string(url.port()))));
    const std::string key = f.str("key", "sk-test-key");

    // The request: bench_small's, or with --request large bench_large's.
    oi::CreateImageRequest body = small_request();
    tg.expect = "\"url\"";
    if (f.str("request", "small") == "large") {
        body = oi::CreateImageRequest{};
        body.prompt = "a large benchmark image";
        body.model = oi::ImageModel(f.str("model", "gpt-image-1"));
        body.n = static_cast<std::int64_t>(f.count("n", 4));
        body.size = oi::ImageSize(f.str("size", "1024x1024"));
        tg.expect = "\"b64_json\"";
    }
    tg.request = {http::verb::post, std::string(url.path()) + "/images/generations", 11};
    tg.request.set(http::field::host, std::string(url.host()) + ":" + std::string(url.port()));
    tg.request.set(http::field::authorization, "Bearer " + key);
    tg.request.set(http::field::content_type, "application/json");
    tg.request.body() = oi::to_json(body);
    tg.request.prepare_payload();

    asio::io_context ioc(1);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    if (tg.tls) {
        ctx.load_verify_file(f.str("ca"));
        ctx.set_verify_mode(asio::ssl::verify_peer);
    }

    rate_tally t(warmup, duration);
    t.sample_cpu(ioc.get_executor());
    for (std::size_t i = 0; i < concurrency; ++i)
        asio::co_spawn(ioc, connection(ctx, tg, t), asio::detached);
    ioc.run();

    boost::json::object out = t.summary("beast-floor", concurrency);
    out["connections_opened"] = tg.connections;
    print(out);
    return t.errors == 0 && t.ok > 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "beast_floor: " << e.what() << '\n';
    return 2;
}
