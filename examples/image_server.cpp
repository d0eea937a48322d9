// An HTTP server that generates images on demand: GET /image?prompt=... answers
// with the PNG. Every connection of every visitor shares ONE client, so all of
// them share its pool of keep-alive connections to the API, its limits and
// its statistics. The io_context runs on several threads; each HTTP
// connection runs on its own strand and the client is safe to call from any.
//
//   ./image_server [port]             serve on 127.0.0.1:port (default 0: any free port)
//   curl -o otter.png 'http://127.0.0.1:PORT/image?prompt=a+sea+otter'
//   ./image_server --self-test N      serve, fetch N images from itself at once, check, exit
//
// Configuration (read by client_options::from_env()): OPENAI_API_KEY, OPENAI_BASE_URL,
// and OPENAI_IMAGES_CA_FILE, a PEM file of CAs to trust instead of the system's.
#include <openai/images.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace oi = openai::images;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

using request_t = http::request<http::string_body>;
using response_t = http::response<http::string_body>;

response_t reply(const request_t& req, http::status status, std::string_view type,
                 std::string body) {
    response_t res{status, req.version()};
    res.set(http::field::content_type, type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// One visitor's request. `req` lives in the session, which awaits this at once.
asio::awaitable<response_t> answer(const request_t& req, oi::client& client) {
    const auto target = boost::urls::parse_origin_form(req.target());
    if (req.method() != http::verb::get || !target || target->path() != "/image")
        co_return reply(req, http::status::not_found, "text/plain", "try GET /image?prompt=...\n");
    const auto params = target->params();  // decoded, '+' as space
    const auto prompt = params.find("prompt");
    if (prompt == params.end() || (*prompt).value.empty())
        co_return reply(req, http::status::bad_request, "text/plain", "?prompt= is required\n");

    const oi::CreateImageRequest generation{
        .prompt = (*prompt).value,
        .model = oi::ImageModel::gpt_image_1_mini,
        .quality = oi::ImageQuality::low,
        .output_format = oi::ImageOutputFormat::png,
        .size = oi::ImageSize::s1024x1024,
    };
    oi::diagnostics diag;
    // (The request is named: GCC 12, unlike GCC 13+ and Clang, miscompiles a
    // temporary inside co_await.)
    auto [ec, response] =
        co_await client.async_create_image(generation, diag, asio::as_tuple(asio::use_awaitable));
    std::vector<unsigned char> png;
    if (!ec)
        ec = oi::decode_image(response.data.at(0), png, diag);
    if (ec) {
        // The API refused, or could not be reached: say why, without the key.
        co_return reply(req, http::status::bad_gateway, "text/plain",
                        ec.message() + ": " + std::string(diag.message()) + "\n");
    }
    co_return reply(req, http::status::ok, "image/png", std::string(png.begin(), png.end()));
}

// One HTTP connection: requests answered one after another (keep-alive).
asio::awaitable<void> session(tcp::socket socket, oi::client& client) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        request_t req;
        stream.expires_after(30s);  // for the read only: generating may take minutes
        auto [ec, n] =
            co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
        if (ec)
            break;  // closed by the visitor, idle too long, or not HTTP
        response_t res = co_await answer(req, client);
        stream.expires_after(30s);
        std::tie(ec, n) =
            co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        if (ec || !res.keep_alive())
            break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Accepts connections until the acceptor is closed; each gets its own strand.
asio::awaitable<void> listen(tcp::acceptor& acceptor, asio::any_io_executor ex,
                             oi::client& client) {
    for (;;) {
        tcp::socket socket(asio::make_strand(ex));
        auto [ec] = co_await acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted)
            break;
        if (!ec)
            asio::co_spawn(socket.get_executor(), session(std::move(socket), client),
                           asio::detached);
    }
}

// Self-test: one visitor's GET, checked down to the PNG signature.
asio::awaitable<bool> fetch(std::uint16_t port, std::size_t i) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(120s);
    const tcp::endpoint server{asio::ip::make_address("127.0.0.1"), port};
    co_await stream.async_connect(server, asio::use_awaitable);
    http::request<http::empty_body> req{
        http::verb::get, "/image?prompt=a+sea+otter%2C+number+" + std::to_string(i), 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    const auto& res = parser.get();
    const bool ok = res.result() == http::status::ok &&
                    res[http::field::content_type] == "image/png" &&
                    res.body().starts_with("\x89PNG\r\n\x1a\n");
    if (!ok)
        std::cerr << "fetch " << i << ": " << res.result_int() << " " << res.body() << "\n";
    co_return ok;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view mode = argc > 1 ? argv[1] : "";
    const bool self_test = mode == "--self-test";
    std::size_t count = 16, port = 0;
    const std::string_view number = self_test ? (argc > 2 ? argv[2] : "16") : mode;
    if (!number.empty() &&
        std::from_chars(number.data(), number.data() + number.size(), self_test ? count : port)
                .ec != std::errc{}) {
        std::cerr << "usage: image_server [port] | image_server --self-test N\n";
        return 2;
    }
    try {
        asio::io_context ioc;
        auto options = oi::client_options::from_env();
        // The io_context runs on several threads: spread the client's work over them.
        options.strand_per_operation = true;
        oi::client client(ioc.get_executor(), options);  // the one shared client
        auto listen_strand = asio::make_strand(ioc);
        tcp::acceptor acceptor(
            listen_strand, {asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)});
        const std::uint16_t bound = acceptor.local_endpoint().port();
        asio::co_spawn(listen_strand, listen(acceptor, ioc.get_executor(), client), asio::detached);

        std::atomic<std::size_t> ok{0}, done{0};
        asio::signal_set signals(ioc, SIGINT, SIGTERM);
        if (self_test) {
            // N visitors at once, each on its own strand; the last one to
            // finish closes the acceptor, and run() returns when all is done.
            for (std::size_t i = 0; i < count; ++i) {
                asio::co_spawn(asio::make_strand(ioc), fetch(bound, i),
                               [&](std::exception_ptr e, bool good) {
                                   if (!e && good)
                                       ++ok;
                                   if (++done == count)
                                       asio::post(listen_strand, [&] { acceptor.close(); });
                               });
            }
        } else {
            std::cout << "serving http://127.0.0.1:" << bound << "/image?prompt=..." << std::endl;
            signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
        }

        std::vector<std::jthread> threads;
        for (int t = 0; t < 3; ++t)
            threads.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        threads.clear();  // joins

        if (self_test) {
            const oi::client_stats stats = client.stats();
            if (ok != count) {
                std::cerr << "image_server: " << ok << " of " << count << " images served\n";
                return 1;
            }
            std::cout << "image_server self-test: served " << count << " images over "
                      << stats.connections_opened << " connections to the API\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "image_server failed: " << e.what() << "\n";
        return 1;
    }
}
