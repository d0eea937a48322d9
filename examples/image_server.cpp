// An HTTP server that generates images on demand, for browsers and programs:
//   GET /                      a page that draws a prompt, showing each partial image
//                              as it arrives (the picture sharpens in place)
//   GET /stream?prompt=...     the same as server-sent events: "partial" for each
//        [&partial_images=0-3] partial image, then "final" (or "failure")
//   GET /image?prompt=...      the finished PNG
//   GET /stats                 the shared client's statistics, as JSON
// Every connection of every visitor shares ONE client, so all of them share
// its pool of keep-alive connections to the API, its limits and its
// statistics. The io_context runs on several threads; each HTTP connection
// runs on its own strand and the client is safe to call from any.
//
//   ./image_server [port]             serve on 127.0.0.1:port (default 0: any free port)
//   open 'http://127.0.0.1:PORT/?prompt=a+sea+otter'
//   curl -o otter.png 'http://127.0.0.1:PORT/image?prompt=a+sea+otter'
//   ./image_server --self-test N      serve, fetch N images from itself at once, check, exit
//
// Configuration (read by client_options::from_env()): OPENAI_API_KEY, OPENAI_BASE_URL,
// and OPENAI_IMAGES_CA_FILE, a PEM file of CAs to trust instead of the system's.
#include "image_server_page.hpp"

#include <openai/images.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/url/parse.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
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

// A GET's path and its query parameters (decoded, '+' as space).
struct target_t {
    std::string path;
    std::string prompt;
    std::string partial_images;
};

std::optional<target_t> parse_target(const request_t& req) {
    const auto target = boost::urls::parse_origin_form(req.target());
    if (req.method() != http::verb::get || !target)
        return std::nullopt;
    target_t out{target->path(), {}, {}};
    for (const auto& param : target->params()) {
        if (param.key == "prompt")
            out.prompt = param.value;
        else if (param.key == "partial_images")
            out.partial_images = param.value;
    }
    return out;
}

// The generation every route asks for: small and quick.
oi::CreateImageRequest generation_of(std::string prompt) {
    return {
        .prompt = std::move(prompt),
        .model = oi::ImageModel::gpt_image_1_mini,
        .quality = oi::ImageQuality::low,
        .output_format = oi::ImageOutputFormat::png,
        .size = oi::ImageSize::s1024x1024,
    };
}

// Writes a whole response. Returns whether the connection is kept.
asio::awaitable<bool> write_reply(beast::tcp_stream& stream, response_t& res) {
    stream.expires_after(30s);
    auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    co_return !ec && res.keep_alive();
}

// One visitor's request. `req` lives in the session, which awaits this at once.
asio::awaitable<response_t> answer(const request_t& req, oi::client& client) {
    const auto target = parse_target(req);
    if (target && target->path == "/")
        co_return reply(req, http::status::ok, "text/html; charset=utf-8",
                        std::string(image_server_page));
    if (target && target->path == "/stats") {
        const oi::client_stats stats = client.stats();
        co_return reply(req, http::status::ok, "application/json",
                        boost::json::serialize(
                            boost::json::object{{"requests", stats.requests},
                                                {"connections_opened", stats.connections_opened},
                                                {"connections_reused", stats.connections_reused},
                                                {"open_connections", stats.open_connections}}));
    }
    if (!target || target->path != "/image")
        co_return reply(req, http::status::not_found, "text/plain",
                        "try GET /, /stream?prompt=..., /image?prompt=... or /stats\n");
    if (target->prompt.empty())
        co_return reply(req, http::status::bad_request, "text/plain", "?prompt= is required\n");

    const oi::CreateImageRequest generation = generation_of(target->prompt);
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

// One server-sent event: `data` is one line of JSON.
std::string sse(std::string_view event, const boost::json::object& data) {
    return "event: " + std::string(event) + "\ndata: " + boost::json::serialize(data) + "\n\n";
}

// Writes `text` as one chunk of the event stream. Returns false when the
// visitor is gone.
asio::awaitable<bool> send_chunk(beast::tcp_stream& stream, const std::string& text) {
    stream.expires_after(30s);  // the write only: the image may take minutes between events
    // (Named: GCC 12 miscompiles a temporary with a destructor inside co_await.)
    const auto chunk = http::make_chunk(asio::buffer(text));
    auto [ec, n] = co_await asio::async_write(stream, chunk, asio::as_tuple(asio::use_awaitable));
    stream.expires_never();
    co_return !ec;
}

// GET /stream: relays the stream of one generation to the visitor as it
// comes, each image still base64 as the API sent it (the client was told not
// to decode). Returns false when the connection cannot be kept.
asio::awaitable<bool> relay(beast::tcp_stream& stream, const request_t& req, oi::client& client) {
    const auto target = parse_target(req);
    std::int64_t partials = 3;
    if (!target->partial_images.empty() &&
        (std::from_chars(target->partial_images.data(),
                         target->partial_images.data() + target->partial_images.size(), partials)
                 .ec != std::errc{} ||
         partials < 0 || partials > 3)) {
        response_t res = reply(req, http::status::bad_request, "text/plain",
                               "?partial_images=" + target->partial_images + ": expected 0 to 3\n");
        co_return co_await write_reply(stream, res);
    }
    if (target->prompt.empty()) {
        response_t res =
            reply(req, http::status::bad_request, "text/plain", "?prompt= is required\n");
        co_return co_await write_reply(stream, res);
    }

    http::response<http::empty_body> head{http::status::ok, req.version()};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    head.keep_alive(req.keep_alive());
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    stream.expires_after(30s);
    auto [ec, n] =
        co_await http::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
    if (ec)
        co_return false;

    oi::CreateImageRequest generation = generation_of(target->prompt);
    generation.partial_images = partials;
    // The operation starts now. A visitor who leaves is noticed at the next
    // write, which fails: returning destroys `events`, which cancels the
    // operation (while next() waits, nothing reads the visitor's socket).
    oi::image_stream events = client.stream(generation);
    std::string last;  // the final event, or the failure
    try {
        while (std::optional<oi::ImageStreamEvent> e = co_await events.next()) {
            const std::string format = e->output_format ? e->output_format->value() : "png";
            boost::json::object data{{"output_format", format}, {"b64_json", e->b64_json}};
            if (e->partial_image_index) {
                data["index"] = *e->partial_image_index;
                const std::string text = sse("partial", data);
                if (!co_await send_chunk(stream, text))
                    co_return false;
            } else {
                if (e->usage)
                    data["usage"] = boost::json::value_from(*e->usage);
                last = sse("final", data);
            }
        }
        if (last.empty())
            last = sse("failure", {{"message", "the stream ended without an image"}});
    } catch (const std::exception& failure) {
        // An API error (an error event among them) or a network one; the key
        // is never in it.
        last = sse("failure", {{"message", failure.what()}});
    }
    if (!co_await send_chunk(stream, last))
        co_return false;
    stream.expires_after(30s);
    const auto end = http::make_chunk_last();
    std::tie(ec, n) = co_await asio::async_write(stream, end, asio::as_tuple(asio::use_awaitable));
    co_return !ec && req.keep_alive();
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
        stream.expires_never();
        const auto target = parse_target(req);
        bool keep = false;
        if (target && target->path == "/stream") {
            keep = co_await relay(stream, req, client);
        } else {
            response_t res = co_await answer(req, client);
            keep = co_await write_reply(stream, res);
        }
        if (!keep)
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
        // Images go to browsers as base64 (data: URLs): keep them as the API sent them.
        options.decode_b64_json = false;
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
            std::cout << "serving http://127.0.0.1:" << bound
                      << "/ (the page; also /stream, /image and /stats)" << std::endl;
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
