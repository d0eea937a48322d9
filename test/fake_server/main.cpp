// fake-openai-server: the fake OpenAI Images server as a program, for the demo,
// benchmarks against other clients, other programs' tests (faults scripted on
// the command line, every request logged to a file) and manual tests. Serves
// until SIGINT or SIGTERM.
#include "request_log.hpp"

#include <openai/images/testing/fake_server.hpp>
#include <openai/images/testing/fault_script.hpp>

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
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace oi = openai::images;
namespace fake = openai::images::testing;

constexpr std::string_view usage =
    "usage: fake-openai-server [--port N] [--tls | --plain] [--cert-dir DIR] [--api-key KEY]\n"
    "                          [--threads N] [--latency-ms N] [--stream-interval-ms N]\n"
    "                          [--max-side N] [--keep-records]\n"
    "                          [--noise-images] [--tls13-ciphersuites LIST]\n"
    "                          [--fault SPEC]... [--log-requests FILE] [--self-test]\n"
    "  --port N        listen on 127.0.0.1:N (default 0: any free port)\n"
    "  --tls, --plain  HTTPS with a test CA generated now (default), or plain HTTP\n"
    "  --cert-dir DIR  write the test CA's certificate to DIR/ca.pem\n"
    "  --api-key KEY   the key clients must send (default sk-test-key; empty: none)\n"
    "  --threads N     threads serving connections (default 1)\n"
    "  --latency-ms N  added to every request (default 0)\n"
    "  --stream-interval-ms N  the pause before each event of a streamed answer\n"
    "                  (stream=true; default 20)\n"
    "  --max-side N    largest image side generated (default 4096)\n"
    "  --noise-images  generate incompressible images (random pixels, ~3 bytes/pixel)\n"
    "  --tls13-ciphersuites LIST  the TLS 1.3 suites accepted (OpenSSL syntax; default: "
    "OpenSSL's)\n"
    "  --keep-records  keep a record of every request (memory grows with each)\n"
    "  --fault SPEC    script a fault (repeatable; a request gets the first spec that\n"
    "                  selects it, else the normal answer); see FAULT SPECS below\n"
    "  --log-requests FILE  append one JSON line per request to FILE, written when the\n"
    "                  request has been read whole (before it is answered):\n"
    "                  {\"n\":1,\"method\":\"POST\",\"target\":\"/v1/images/generations\",\n"
    "                   \"fields\":{\"prompt\":\"an otter\",\"n\":2}}\n"
    "                  (n: arrival number from 1; fields: the JSON body's members, or\n"
    "                  the multipart text fields as strings)\n"
    "  --self-test     start, send one generation to itself over TLS, check it, exit\n"
    "                  (--fault and --log-requests do not apply to it)\n"
    "\n"
    "FAULT SPECS: comma-separated key=value (\\, is a comma inside a value)\n"
    "  kind=K          none (default: the normal answer), status (an OpenAI error),\n"
    "                  raw-body (status N with body S verbatim), reset-before-headers\n"
    "                  (TCP reset, no reply), reset-after-headers (the normal header,\n"
    "                  then a reset), truncated-body (the normal answer cut at half its\n"
    "                  body, then a clean close), malformed-json (200, a body that is not\n"
    "                  JSON), trickle-body (the normal answer, chunk bytes every interval);\n"
    "                  for a streamed answer (stream=true), after `events` events:\n"
    "                  stream-error (an error event, then the end), stream-reset (a TCP\n"
    "                  reset), stream-truncated (half of the next event, then a clean\n"
    "                  close), stream-stall (nothing more; the connection stays open)\n"
    "  status=N        kind=status: the HTTP status (default 500); raw-body: (default 502)\n"
    "  type=S code=S param=S message=S   kind=status or stream-error: the error's\n"
    "                  fields (type\n"
    "                  default: requests for 429, server_error for >= 500,\n"
    "                  invalid_request_error otherwise; code and param default to null)\n"
    "  header=Name:Value  add a response header (repeatable; not with\n"
    "                  reset-before-headers), e.g. retry-after-ms:150, Retry-After:2,\n"
    "                  x-should-retry:false\n"
    "  body=S          raw-body: the body; malformed-json: the body (default: a cut JSON)\n"
    "  content-type=S  raw-body: the Content-Type (default text/html)\n"
    "  latency-ms=N    wait N ms before answering (any kind)\n"
    "  chunk=N interval-ms=N  trickle-body: N bytes per write (default 1), N ms between\n"
    "  events=N        the stream-* kinds: events sent whole before the fault (default 0)\n"
    "  which requests (one of; default: every request):\n"
    "    first=K       the first K requests      after=K    the (K+1)th and later\n"
    "    every=N       the Nth, 2Nth, ...        probability=P,seed=S  each request with\n"
    "                  probability P (0..1), chosen from S and its number: the same\n"
    "                  requests every run with the same seed (default seed 0)\n"
    "  path=P          only requests to P (/images/generations, /images/edits,\n"
    "                  /images/variations; with or without /v1); requests are counted\n"
    "                  per spec, among the requests to its path\n"
    "  A bad spec exits with status 2 and a message naming the key and the value.\n"
    "\n"
    "EXAMPLES\n"
    "  # two 429s with retry-after-ms, then normal answers\n"
    "  fake-openai-server --plain --fault "
    "kind=status,status=429,header=retry-after-ms:150,first=2\n"
    "  # the 6th and later requests wait 60 s before their normal answer\n"
    "  fake-openai-server --fault kind=none,latency-ms=60000,after=5\n"
    "  # a 400 with an OpenAI error for every edit; every 3rd generation reset\n"
    "  fake-openai-server --fault kind=status,status=400,code=invalid_value,param=size,"
    "path=/images/edits \\\n"
    "                     --fault kind=reset-before-headers,every=3,path=/images/generations\n"
    "  # a 503 that must not be retried on 10 % of requests, the same ones every run\n"
    "  fake-openai-server --fault kind=status,status=503,header=x-should-retry:false,"
    "probability=0.1,seed=7 \\\n"
    "                     --log-requests requests.jsonl\n";

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

// Logs each request, then decides its fault, under one lock: the log's
// numbers and the specs' counts follow the same order of arrival.
fake::fault_rule make_rule(fake::request_log* log, std::vector<fake::scripted_fault> script) {
    auto mu = std::make_shared<std::mutex>();
    fake::fault_rule play =
        script.empty() ? fake::fault_rule{} : fake::make_fault_rule(std::move(script));
    return [mu, log, play](const fake::request_record& rec) {
        std::lock_guard lock(*mu);
        if (log)
            log->write(rec);
        return play ? play(rec) : fake::fault{};
    };
}

}  // namespace

int main(int argc, char** argv) {
    fake::server_options opts;
    opts.keep_records = false;  // a long benchmark must not grow
    std::string cert_dir;
    std::string log_path;
    std::vector<fake::scripted_fault> script;
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
        } else if (arg == "--fault" && has_value) {
            const std::string_view spec = argv[++i];
            try {
                script.push_back(fake::parse_fault_spec(spec));
            } catch (const std::invalid_argument& e) {
                std::cerr << "fake-openai-server: --fault " << spec << ": " << e.what()
                          << "\n(fake-openai-server --help describes the specs)\n";
                return 2;
            }
        } else if (arg == "--log-requests" && has_value) {
            log_path = argv[++i];
        } else if (arg == "--api-key" && has_value) {
            opts.api_key = argv[++i];
        } else if (arg == "--port" && has_value && to_number(argv[++i], number) && number < 65536) {
            opts.port = static_cast<std::uint16_t>(number);
        } else if (arg == "--threads" && has_value && to_number(argv[++i], number) && number > 0) {
            opts.threads = number;
        } else if (arg == "--latency-ms" && has_value && to_number(argv[++i], number)) {
            opts.latency = std::chrono::milliseconds(number);
        } else if (arg == "--stream-interval-ms" && has_value && to_number(argv[++i], number)) {
            opts.stream_interval = std::chrono::milliseconds(number);
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
        std::unique_ptr<fake::request_log> log;
        if (!log_path.empty())
            log = std::make_unique<fake::request_log>(log_path);
        fake::fake_server server(opts);
        if (log || !script.empty())
            server.set_fault_rule(make_rule(log.get(), std::move(script)));
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
