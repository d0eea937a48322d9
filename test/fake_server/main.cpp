// fake-openai-server: the fake OpenAI Images server as a program, for the demo,
// benchmarks against other clients and manual tests. Serves until SIGINT or SIGTERM.
#include "fake_server.hpp"

#include <openai/images/base64.hpp>
#include <openai/images/image_info.hpp>
#include <openai/images/json.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string_view>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace oi = openai::images;
namespace fake = openai::images::testing;

constexpr std::string_view usage =
    "usage: fake-openai-server [--port N] [--tls | --plain] [--cert-dir DIR] [--api-key KEY]\n"
    "                          [--threads N] [--latency-ms N] [--max-side N] [--keep-records]\n"
    "                          [--noise-images] [--tls13-ciphersuites LIST] [--self-test]\n"
    "  --port N        listen on 127.0.0.1:N (default 0: any free port)\n"
    "  --tls, --plain  HTTPS with a test CA generated now (default), or plain HTTP\n"
    "  --cert-dir DIR  write the test CA's certificate to DIR/ca.pem\n"
    "  --api-key KEY   the key clients must send (default sk-test-key; empty: none)\n"
    "  --threads N     threads serving connections (default 1)\n"
    "  --latency-ms N  added to every request (default 0)\n"
    "  --max-side N    largest image side generated (default 4096)\n"
    "  --noise-images  generate incompressible images (random pixels, ~3 bytes/pixel)\n"
    "  --tls13-ciphersuites LIST  the TLS 1.3 suites accepted (OpenSSL syntax; default: "
    "OpenSSL's)\n"
    "  --keep-records  keep a record of every request (memory grows with each)\n"
    "  --self-test     start, send one generation to itself over TLS, check it, exit\n";

bool to_number(std::string_view s, std::size_t& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

// One generation over verified TLS to the server itself, checked down to the PNG's header.
int self_test(fake::server_options opts) {
    opts.tls = true;
    opts.port = 0;
    fake::fake_server server(opts);

    asio::io_context ioc;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(fake::test_pki().ca_cert_pem));
    ctx.set_verify_mode(asio::ssl::verify_peer);
    ctx.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    asio::ssl::stream<asio::ip::tcp::socket> stream(ioc, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.port()});
    stream.handshake(asio::ssl::stream_base::client);

    http::request<http::string_body> req{http::verb::post, "/v1/images/generations", 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
    if (!opts.api_key.empty())
        req.set(http::field::authorization, "Bearer " + opts.api_key);
    req.set(http::field::content_type, "application/json");
    req.body() =
        R"({"model":"dall-e-2","prompt":"self test","size":"256x256","response_format":"b64_json"})";
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);

    if (res.result_int() != 200) {
        std::cerr << "self-test: status " << res.result_int() << ": " << res.body() << '\n';
        return 1;
    }
    oi::ImagesResponse parsed;
    oi::diagnostics diag;
    std::vector<unsigned char> png;
    oi::image_info info;
    if (oi::parse_images_response(res.body(), parsed, diag) || parsed.data.size() != 1 ||
        oi::decode_image(parsed.data[0], png, diag) ||
        oi::probe_image(oi::file_source::from_memory(std::span<const unsigned char>(png)), info,
                        diag) ||
        info.format != oi::image_format::png || info.width != 256 || info.height != 256) {
        std::cerr << "self-test: unexpected answer: " << diag.message() << '\n';
        return 1;
    }
    boost::system::error_code ec;
    stream.shutdown(ec);  // the server's close_notify; a truncation is fine here
    std::cout << "self-test ok: " << server.base_url() << " answered a 256x256 PNG (" << png.size()
              << " bytes)\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    fake::server_options opts;
    opts.keep_records = false;  // a long benchmark must not grow
    std::string cert_dir;
    bool self = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        std::size_t number = 0;
        if (arg == "--tls") {
            opts.tls = true;
        } else if (arg == "--plain") {
            opts.tls = false;
        } else if (arg == "--keep-records") {
            opts.keep_records = true;
        } else if (arg == "--noise-images") {
            opts.fill = fake::image_fill::noise;
        } else if (arg == "--self-test") {
            self = true;
        } else if (arg == "--cert-dir" && has_value) {
            cert_dir = argv[++i];
        } else if (arg == "--tls13-ciphersuites" && has_value) {
            opts.tls13_ciphersuites = argv[++i];
        } else if (arg == "--api-key" && has_value) {
            opts.api_key = argv[++i];
        } else if (arg == "--port" && has_value && to_number(argv[++i], number) && number < 65536) {
            opts.port = static_cast<std::uint16_t>(number);
        } else if (arg == "--threads" && has_value && to_number(argv[++i], number) && number > 0) {
            opts.threads = number;
        } else if (arg == "--latency-ms" && has_value && to_number(argv[++i], number)) {
            opts.latency = std::chrono::milliseconds(number);
        } else if (arg == "--max-side" && has_value && to_number(argv[++i], number) && number > 0) {
            opts.max_image_side = number;
        } else if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        } else {
            std::cerr << "fake-openai-server: bad argument " << arg << "\n" << usage;
            return 2;
        }
    }
    try {
        if (!cert_dir.empty())
            std::cerr << "CA certificate: " << fake::write_ca_file(cert_dir).string() << '\n';
        if (self)
            return self_test(opts);

        asio::io_context signals_ctx;
        asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
        fake::fake_server server(opts);
        std::cout << "listening on " << server.base_url() << std::endl;
        signals.async_wait([](const boost::system::error_code&, int) {});
        signals_ctx.run();
        server.stop();
        std::cout << "stopped" << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "fake-openai-server: " << e.what() << '\n';
        return 1;
    }
}
