// The fake OpenAI Images server itself, checked with a minimal synchronous
// Beast client: what it answers (real PNGs, the API's errors), what it records,
// every fault kind, TLS verification, plain HTTP and keep-alive.
#include <boost/test/unit_test.hpp>

#include <openai/images/base64.hpp>
#include <openai/images/encode.hpp>
#include <openai/images/image_info.hpp>
#include <openai/images/json.hpp>
#include <openai/images/multipart.hpp>
#include <openai/images/testing/fake_server.hpp>
#include <openai/images/validate.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <zlib.h>

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
namespace oi = openai::images;
namespace t = openai::images::testing;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

using response = http::response<http::string_body>;
using request = http::request<http::string_body>;
using response_parser = http::response_parser<http::string_body>;

constexpr auto op_timeout = 20s;
const std::string key = "sk-test-key";
// A generation whose answer is small: one 256x256 PNG, as b64_json.
const std::string small_b64 =
    R"({"model":"dall-e-2","prompt":"p","size":"256x256","response_format":"b64_json"})";

// A synchronous HTTP/1.1 client over verified TLS (CA from test_pki(), SNI,
// host-name verification) or plain TCP. Each call runs the async operation
// with a deadline, so a misbehaving server fails the test instead of hanging it.
struct client_config {
    bool tls = true;
    std::string verify_name = "127.0.0.1";  ///< the name the certificate must carry
    std::string sni = "localhost";
};

class test_client {
  public:
    explicit test_client(std::uint16_t port, client_config cfg = {})
        : port_(port), cfg_(std::move(cfg)) {
        ctx_->add_certificate_authority(asio::buffer(t::test_pki().ca_cert_pem));
        ctx_->set_verify_mode(ssl::verify_peer);
        ctx_->set_verify_callback(ssl::host_name_verification(cfg_.verify_name));
    }

    error_code connect() {
        tls_.reset();
        plain_.reset();
        buf_.clear();
        const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
        if (cfg_.tls) {
            tls_.emplace(*ioc_, *ctx_);
            SSL_set_tlsext_host_name(tls_->native_handle(), cfg_.sni.c_str());
            if (auto ec = run([&](auto h) { beast::get_lowest_layer(*tls_).async_connect(ep, h); }))
                return ec;
            return run([&](auto h) { tls_->async_handshake(ssl::stream_base::client, h); });
        }
        plain_.emplace(*ioc_);
        return run([&](auto h) { plain_->async_connect(ep, h); });
    }

    request make(http::verb verb, std::string target, std::string body = {},
                 std::string content_type = {}, const std::string& api_key = key) {
        request req{verb, std::move(target), 11};
        req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
        if (!api_key.empty())
            req.set(http::field::authorization, "Bearer " + api_key);
        if (!content_type.empty())
            req.set(http::field::content_type, content_type);
        req.body() = std::move(body);
        req.prepare_payload();
        return req;
    }

    request generation(std::string json_body, const std::string& api_key = key) {
        return make(http::verb::post, "/v1/images/generations", std::move(json_body),
                    "application/json", api_key);
    }

    error_code write(request& req) {
        return run([&](auto h) { on_stream([&](auto& s) { http::async_write(s, req, h); }); });
    }
    error_code read_header(response_parser& p) {
        return run(
            [&](auto h) { on_stream([&](auto& s) { http::async_read_header(s, buf_, p, h); }); });
    }
    error_code read(response_parser& p) {
        return run([&](auto h) { on_stream([&](auto& s) { http::async_read(s, buf_, p, h); }); });
    }

    // Reads one more response; for checking that the server closed the connection.
    error_code read_next() {
        response_parser p;
        return read(p);
    }

    // Writes `req`, reads the whole response; any transport error fails the test.
    response exchange(request req) {
        const error_code wec = write(req);
        BOOST_REQUIRE_MESSAGE(!wec, "write: " << wec.message());
        response_parser p;
        p.body_limit(512 * 1024 * 1024);
        const error_code rec = read(p);
        BOOST_REQUIRE_MESSAGE(!rec, "read: " << rec.message());
        return p.release();
    }

  private:
    template <class F>
    void on_stream(F&& f) {
        if (tls_)
            f(*tls_);
        else
            f(*plain_);
    }

    beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

    template <class Start>
    error_code run(Start&& start) {
        std::optional<error_code> result;
        start([&result](error_code ec, auto&&...) { result = ec; });
        ioc_->restart();
        ioc_->run_for(op_timeout);
        if (!result) {
            lowest().close();
            ioc_->restart();
            ioc_->run();
            return asio::error::timed_out;
        }
        return *result;
    }

    std::uint16_t port_;
    client_config cfg_;
    // On the heap: the client moves, the streams keep pointing at them.
    std::unique_ptr<asio::io_context> ioc_ = std::make_unique<asio::io_context>();
    std::unique_ptr<ssl::context> ctx_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    std::optional<ssl::stream<beast::tcp_stream>> tls_;
    std::optional<beast::tcp_stream> plain_;
    beast::flat_buffer buf_;
};

test_client connected(const t::fake_server& server, client_config cfg = {}) {
    cfg.tls = server.options().tls;
    test_client c(server.port(), cfg);
    const error_code ec = c.connect();
    BOOST_REQUIRE_MESSAGE(!ec, "connect: " << ec.message());
    return c;
}

json::object error_of(const response& res) {
    error_code ec;
    const json::value jv = json::parse(res.body(), ec);
    BOOST_REQUIRE_MESSAGE(!ec && jv.is_object() && jv.as_object().contains("error"),
                          "not an OpenAI error body: " << res.body());
    return jv.at("error").as_object();
}

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : "";
}

oi::ImagesResponse images_of(const response& res) {
    oi::ImagesResponse r;
    oi::diagnostics diag;
    const error_code ec = oi::parse_images_response(res.body(), r, diag);
    BOOST_REQUIRE_MESSAGE(!ec, "not an ImagesResponse: " << diag.message());
    return r;
}

std::uint32_t be32(const unsigned char* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

// Decodes a PNG completely: chunk CRCs, IHDR (8-bit RGB), the zlib stream of
// all IDATs, every row's filter. Returns the pixels (RGB, row by row); fails
// the test on any defect.
struct decoded_png {
    std::uint32_t width = 0, height = 0;
    std::vector<unsigned char> rgb;
    std::array<unsigned char, 3> pixel(std::uint32_t x, std::uint32_t y) const {
        const std::size_t i = (std::size_t{y} * width + x) * 3;
        return {rgb[i], rgb[i + 1], rgb[i + 2]};
    }
};

decoded_png decode_png(std::span<const unsigned char> png) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    BOOST_REQUIRE(png.size() > 8 && std::equal(signature, signature + 8, png.begin()));
    decoded_png out;
    std::vector<unsigned char> idat;
    std::size_t pos = 8;
    bool ended = false;
    while (!ended) {
        BOOST_REQUIRE(pos + 12 <= png.size());
        const std::uint32_t len = be32(&png[pos]);
        BOOST_REQUIRE(pos + 12 + len <= png.size());
        const std::string type(reinterpret_cast<const char*>(&png[pos + 4]), 4);
        const uLong crc = ::crc32(0L, &png[pos + 4], static_cast<uInt>(len + 4));
        BOOST_TEST(be32(&png[pos + 8 + len]) == static_cast<std::uint32_t>(crc), "CRC of " << type);
        const unsigned char* data = &png[pos + 8];
        if (type == "IHDR") {
            BOOST_REQUIRE(len == 13);
            out.width = be32(data);
            out.height = be32(data + 4);
            BOOST_TEST(int{data[8]} == 8);  // bit depth
            BOOST_TEST(int{data[9]} == 2);  // RGB
            BOOST_TEST(int{data[12]} == 0);
        } else if (type == "IDAT") {
            idat.insert(idat.end(), data, data + len);
        } else if (type == "IEND") {
            ended = true;
        }
        pos += 12 + len;
    }
    BOOST_TEST(pos == png.size());
    const std::size_t stride = std::size_t{out.width} * 3;
    const std::size_t raw_size = std::size_t{out.height} * (stride + 1);
    std::vector<unsigned char> raw(raw_size + 1);
    uLongf got = static_cast<uLongf>(raw.size());
    BOOST_REQUIRE(::uncompress(raw.data(), &got, idat.data(), static_cast<uLong>(idat.size())) ==
                  Z_OK);
    BOOST_REQUIRE(got == raw_size);

    out.rgb.assign(std::size_t{out.height} * stride, 0);
    for (std::size_t y = 0; y < out.height; ++y) {
        const unsigned char filter = raw[y * (stride + 1)];
        BOOST_REQUIRE(filter <= 4);
        const unsigned char* in = &raw[y * (stride + 1) + 1];
        unsigned char* row = &out.rgb[y * stride];
        const unsigned char* up = y ? row - stride : nullptr;
        for (std::size_t i = 0; i < stride; ++i) {
            const int a = i >= 3 ? row[i - 3] : 0, b = up ? up[i] : 0,
                      c = (up && i >= 3) ? up[i - 3] : 0;
            int pred = 0;
            if (filter == 1)
                pred = a;
            else if (filter == 2)
                pred = b;
            else if (filter == 3)
                pred = (a + b) / 2;
            else if (filter == 4) {
                const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b),
                          pc = std::abs(p - c);
                pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            }
            row[i] = static_cast<unsigned char>(in[i] + pred);
        }
    }
    return out;
}

// The bytes of b64_json, decoded and checked as a whole PNG of w x h.
void check_image(const oi::Image& img, std::uint32_t w, std::uint32_t h) {
    std::vector<unsigned char> bytes;
    oi::diagnostics diag;
    BOOST_REQUIRE_MESSAGE(!oi::decode_image(img, bytes, diag), diag.message());
    oi::image_info info;
    BOOST_REQUIRE(!oi::probe_image(
        oi::file_source::from_memory(std::span<const unsigned char>(bytes)), info, diag));
    BOOST_TEST(oi::to_string(info.format) == "png");
    BOOST_TEST(info.width == w);
    BOOST_TEST(info.height == h);
    const decoded_png png = decode_png(bytes);
    BOOST_TEST(png.width == w);
    BOOST_TEST(png.height == h);
    const auto first = png.pixel(0, 0), last = png.pixel(w - 1, h - 1);
    BOOST_TEST(int{first[2]} == 160);  // the gradient's constant blue
    BOOST_TEST(int{last[2]} == 160);
    if (w > 1 && h > 1) {
        BOOST_TEST(int{first[0]} == 0);
        BOOST_TEST(int{last[0]} == 255);
        BOOST_TEST(int{last[1]} == 255);
    }
}

std::span<const unsigned char> bytes_of(const std::string& s) {
    return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// A multipart body built by the library's own encoder.
struct form_body {
    std::string content_type;
    std::string body;
};

template <class Request>
form_body encode_form(const Request& req) {
    oi::multipart_form form("fake-server-test-boundary");
    oi::diagnostics diag;
    BOOST_REQUIRE_MESSAGE(!oi::encode(req, form, diag), diag.message());
    error_code ec;
    form_body out{form.content_type(), form.to_string(ec, diag)};
    BOOST_REQUIRE_MESSAGE(!ec, diag.message());
    return out;
}

std::string field(const t::request_record& r, std::string_view name) {
    for (const auto& [k, v] : r.fields) {
        if (k == name)
            return v;
    }
    return "<absent>";
}

// A raw multipart body with one text part per field and the given file parts.
struct raw_part {
    std::string name;
    std::optional<std::string> filename;
    std::optional<std::string> content_type;
    std::string data;
};

std::string raw_multipart(const std::vector<raw_part>& parts) {
    std::string body;
    for (const auto& p : parts) {
        body += "--b0undary\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
        if (p.filename)
            body += "; filename=\"" + *p.filename + "\"";
        body += "\r\n";
        if (p.content_type)
            body += "Content-Type: " + *p.content_type + "\r\n";
        body += "\r\n" + p.data + "\r\n";
    }
    return body + "--b0undary--\r\n";
}

// One client of the concurrency test: connect, then `count` generations on
// the same connection, each checked for a 200. A named coroutine (no lambda).
asio::awaitable<void> concurrent_client(std::uint16_t port, ssl::context& ctx, std::size_t count,
                                        std::size_t& ok) {
    constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
    auto ex = co_await asio::this_coro::executor;
    ssl::stream<beast::tcp_stream> stream(ex, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    beast::get_lowest_layer(stream).expires_after(op_timeout);
    auto [cec] = co_await beast::get_lowest_layer(stream).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), nothrow);
    if (cec)
        co_return;
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, nothrow);
    if (hec)
        co_return;
    beast::flat_buffer buf;
    for (std::size_t i = 0; i < count; ++i) {
        request req{http::verb::post, "/v1/images/generations", 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::authorization, "Bearer " + key);
        req.set(http::field::content_type, "application/json");
        req.body() =
            R"({"model":"dall-e-2","prompt":"many","size":"256x256","response_format":"b64_json"})";
        req.prepare_payload();
        auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
        if (wec)
            co_return;
        response res;
        auto [rec, rn] = co_await http::async_read(stream, buf, res, nothrow);
        if (rec || res.result_int() != 200)
            co_return;
        ++ok;
    }
    beast::get_lowest_layer(stream).close();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fake_server)

BOOST_AUTO_TEST_CASE(generation_returns_decodable_png_of_requested_size) {
    t::fake_server server;
    auto c = connected(server);
    const auto res = c.exchange(c.generation(
        R"({"model":"gpt-image-1","prompt":"a red fox","size":"1536x1024","quality":"high"})"));
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(res[http::field::content_type] == "application/json");
    BOOST_TEST(res["x-request-id"] == "req_1");
    BOOST_TEST(!res["openai-processing-ms"].empty());
    BOOST_TEST(res["x-ratelimit-limit-requests"] == "10000");
    BOOST_TEST(res["x-ratelimit-remaining-requests"] == "9999");
    BOOST_TEST(res["x-ratelimit-reset-requests"] == "1s");

    const auto r = images_of(res);
    BOOST_TEST(r.created > 0);
    BOOST_REQUIRE(r.data.size() == 1u);
    BOOST_TEST(!r.data[0].url.has_value());
    check_image(r.data[0], 1536, 1024);
    BOOST_TEST(r.output_format.value_or("") == "png");
    BOOST_TEST(r.size.value_or("") == "1536x1024");
    BOOST_TEST(r.quality.value_or("") == "high");
    BOOST_TEST(r.background.value_or("") == "opaque");
    BOOST_REQUIRE(r.usage.has_value());
    BOOST_TEST(r.usage->input_tokens == 2);  // "a red fox": 9 characters / 4
    BOOST_TEST(r.usage->output_tokens == 4160 * 3 / 2);
    BOOST_TEST(r.usage->total_tokens == r.usage->input_tokens + r.usage->output_tokens);
}

BOOST_AUTO_TEST_CASE(generation_defaults_to_1024_square_and_honours_n_and_cap) {
    t::server_options opts;
    opts.max_image_side = 512;
    t::fake_server server(opts);
    auto c = connected(server);
    const auto r =
        images_of(c.exchange(c.generation(R"({"model":"gpt-image-1.5","prompt":"three","n":3})")));
    BOOST_REQUIRE(r.data.size() == 3u);
    for (const auto& img : r.data)
        check_image(img, 512, 512);  // 1024x1024 capped at max_image_side
    BOOST_TEST(r.size.value_or("") == "512x512");
    BOOST_TEST(r.quality.value_or("") == "medium");
}

BOOST_AUTO_TEST_CASE(output_format_jpeg_is_answered_as_png_and_says_so) {
    t::fake_server server;
    auto c = connected(server);
    const auto r = images_of(c.exchange(c.generation(
        R"({"model":"gpt-image-1","prompt":"p","size":"1024x1024","output_format":"jpeg"})")));
    BOOST_REQUIRE(r.data.size() == 1u);
    check_image(r.data[0], 1024, 1024);
    BOOST_TEST(r.output_format.value_or("") == "png");
}

BOOST_AUTO_TEST_CASE(wrong_or_missing_api_key_gets_401_invalid_api_key) {
    t::fake_server server;
    auto c = connected(server);
    const auto wrong = c.exchange(c.generation(R"({"prompt":"p"})", "sk-wrong-secret"));
    BOOST_TEST(wrong.result_int() == 401u);
    const auto err = error_of(wrong);
    BOOST_TEST(str(err.at("code")) == "invalid_api_key");
    BOOST_TEST(str(err.at("type")) == "invalid_request_error");
    BOOST_TEST(err.at("param").is_null());
    BOOST_TEST(str(err.at("message")).find("sk-wrong-secret") == std::string::npos);
    BOOST_TEST(!wrong["x-request-id"].empty());

    const auto missing = c.exchange(c.generation(R"({"prompt":"p"})", ""));
    BOOST_TEST(missing.result_int() == 401u);
    BOOST_TEST(str(error_of(missing).at("code")) == "invalid_api_key");
    BOOST_TEST(server.requests().at(1).status == 401u);
}

BOOST_AUTO_TEST_CASE(invalid_generation_requests_get_400_naming_the_param) {
    t::fake_server server;
    auto c = connected(server);

    const auto not_json = c.exchange(c.generation("{\"prompt\": "));
    BOOST_TEST(not_json.result_int() == 400u);
    BOOST_TEST(str(error_of(not_json).at("type")) == "invalid_request_error");

    const auto unknown = c.exchange(c.generation(R"({"prompt":"p","colour":"red"})"));
    BOOST_TEST(unknown.result_int() == 400u);
    BOOST_TEST(str(error_of(unknown).at("code")) == "unknown_parameter");
    BOOST_TEST(str(error_of(unknown).at("param")) == "colour");

    const auto wrong_type = c.exchange(c.generation(R"({"prompt":"p","n":"two"})"));
    BOOST_TEST(wrong_type.result_int() == 400u);
    BOOST_TEST(str(error_of(wrong_type).at("code")) == "invalid_type");
    BOOST_TEST(str(error_of(wrong_type).at("param")) == "n");

    // The same rules as the library's validate(): same param and message.
    oi::CreateImageRequest bad{.prompt = "p", .model = "dall-e-3", .size = "256x256"};
    oi::diagnostics diag;
    BOOST_REQUIRE(oi::validate(bad, diag));
    const auto invalid = c.exchange(c.generation(oi::to_json(bad)));
    BOOST_TEST(invalid.result_int() == 400u);
    const auto err = error_of(invalid);
    BOOST_TEST(str(err.at("param")) == diag.param());
    BOOST_TEST(str(err.at("message")) == diag.message());
    BOOST_TEST(str(err.at("code")) == "invalid_value");

    const auto not_found = c.exchange(c.make(http::verb::get, "/v1/images/generations"));
    BOOST_TEST(not_found.result_int() == 404u);
    BOOST_TEST(str(error_of(not_found).at("message")) ==
               "Invalid URL (GET /v1/images/generations)");
}

BOOST_AUTO_TEST_CASE(multipart_edit_is_parsed_recorded_and_answered) {
    t::fake_server server;
    auto c = connected(server);
    const std::string a = t::make_png(64, 64), b = t::make_png(64, 64);
    oi::CreateImageEditRequest edit{
        .image = {oi::file_source::from_memory(a, "a.png"),
                  oi::file_source::from_memory(b, "b.png")},
        .prompt = "put them together",
        .model = "gpt-image-1",
        .n = 2,
        .size = "1024x1536",
    };
    const form_body form = encode_form(edit);
    const auto res =
        c.exchange(c.make(http::verb::post, "/v1/images/edits", form.body, form.content_type));
    BOOST_TEST(res.result_int() == 200u, res.body());
    const auto r = images_of(res);
    BOOST_REQUIRE(r.data.size() == 2u);
    check_image(r.data[1], 1024, 1536);
    BOOST_REQUIRE(r.usage.has_value());
    BOOST_TEST(r.usage->input_tokens_details.image_tokens == 2 * 323);

    const auto recs = server.requests();
    BOOST_REQUIRE(recs.size() == 1u);
    const auto& rec = recs[0];
    BOOST_TEST(rec.method == "POST");
    BOOST_TEST(rec.target == "/v1/images/edits");
    BOOST_TEST(rec.content_type == form.content_type);
    BOOST_TEST(rec.body_size == form.body.size());
    BOOST_TEST(rec.headers.at("authorization") == "Bearer " + key);
    BOOST_TEST(rec.headers.at("content-length") == std::to_string(form.body.size()));
    BOOST_TEST(field(rec, "prompt") == "put them together");
    BOOST_TEST(field(rec, "model") == "gpt-image-1");
    BOOST_TEST(field(rec, "n") == "2");
    BOOST_TEST(field(rec, "size") == "1024x1536");
    BOOST_REQUIRE(rec.files.size() == 2u);
    BOOST_TEST(std::get<0>(rec.files[0]) == "image[]");
    BOOST_TEST(std::get<1>(rec.files[0]) == "a.png");
    BOOST_TEST(std::get<2>(rec.files[0]) == "image/png");
    BOOST_TEST(std::get<3>(rec.files[0]) == a.size());
    BOOST_TEST(std::get<1>(rec.files[1]) == "b.png");
    BOOST_TEST(rec.status == 200u);
    BOOST_TEST(rec.connection_id == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_multipart_edits_get_400_naming_the_param) {
    t::fake_server server;
    auto c = connected(server);
    const std::string png = t::make_png(32, 32);
    const std::string ct = "multipart/form-data; boundary=b0undary";
    const auto send = [&](const std::vector<raw_part>& parts) {
        return c.exchange(c.make(http::verb::post, "/v1/images/edits", raw_multipart(parts), ct));
    };

    const auto no_prompt = send({{"image", "a.png", "image/png", png}});
    BOOST_TEST(no_prompt.result_int() == 400u);
    BOOST_TEST(str(error_of(no_prompt).at("param")) == "prompt");
    BOOST_TEST(str(error_of(no_prompt).at("code")) == "missing_required_parameter");

    const auto no_image = send({{"prompt", {}, {}, "p"}});
    BOOST_TEST(str(error_of(no_image).at("param")) == "image");

    const auto no_filename = send({{"prompt", {}, {}, "p"}, {"image", {}, "image/png", png}});
    BOOST_TEST(no_filename.result_int() == 400u);
    BOOST_TEST(str(error_of(no_filename).at("param")) == "image");

    const auto no_type = send({{"prompt", {}, {}, "p"}, {"image", "a.png", {}, png}});
    BOOST_TEST(str(error_of(no_type).at("param")) == "image");

    const auto lying_type = send({{"prompt", {}, {}, "p"}, {"image", "a.jpg", "image/jpeg", png}});
    BOOST_TEST(str(error_of(lying_type).at("code")) == "invalid_image_format");

    const auto not_image =
        send({{"prompt", {}, {}, "p"}, {"image", "a.png", "image/png", "hello"}});
    BOOST_TEST(str(error_of(not_image).at("code")) == "invalid_image");

    const auto unknown = send(
        {{"prompt", {}, {}, "p"}, {"image", "a.png", "image/png", png}, {"colour", {}, {}, "red"}});
    BOOST_TEST(str(error_of(unknown).at("code")) == "unknown_parameter");

    const auto truncated = c.exchange(c.make(http::verb::post, "/v1/images/edits",
                                             "--b0undary\r\nContent-Disposition: form-data; "
                                             "name=\"prompt\"\r\n\r\np",
                                             ct));
    BOOST_TEST(truncated.result_int() == 400u);

    const auto good = send({{"prompt", {}, {}, "p"}, {"image", "a.png", "image/png", png}});
    BOOST_TEST(good.result_int() == 200u, good.body());
    BOOST_TEST(server.requests().back().fields.size() == 1u);
}

BOOST_AUTO_TEST_CASE(url_answer_then_get_of_the_url_serves_the_png) {
    t::fake_server server;
    auto c = connected(server);
    const std::string square = t::make_png(256, 256);
    const form_body form = encode_form(oi::CreateImageVariationRequest{
        .image = oi::file_source::from_memory(square, "in.png"), .size = "512x512"});
    const auto r = images_of(c.exchange(
        c.make(http::verb::post, "/v1/images/variations", form.body, form.content_type)));
    BOOST_REQUIRE(r.data.size() == 1u);
    BOOST_REQUIRE(r.data[0].url.has_value());
    BOOST_TEST(!r.data[0].b64_json.has_value());
    BOOST_TEST(!r.usage.has_value());  // dall-e-2
    const std::string prefix = server.base_url() + "/generated/";
    BOOST_REQUIRE(r.data[0].url->starts_with(prefix));
    BOOST_TEST(r.data[0].url->ends_with(".png"));

    // No API key needed, as the API's image URLs.
    const auto file = c.exchange(c.make(
        http::verb::get, "/v1/generated/" + r.data[0].url->substr(prefix.size()), {}, {}, ""));
    BOOST_TEST(file.result_int() == 200u);
    BOOST_TEST(file[http::field::content_type] == "image/png");
    BOOST_TEST(decode_png(bytes_of(file.body())).width == 512u);

    const auto missing = c.exchange(c.make(http::verb::get, "/v1/generated/img_999.png"));
    BOOST_TEST(missing.result_int() == 404u);

    const auto dalle3 = images_of(c.exchange(
        c.generation(R"({"model":"dall-e-3","prompt":"a lighthouse","size":"1024x1792"})")));
    BOOST_REQUIRE(dalle3.data.size() == 1u);
    BOOST_TEST(dalle3.data[0].url.has_value());
    BOOST_TEST(dalle3.data[0].revised_prompt.value_or("") == "a lighthouse");

    const auto b64 = images_of(c.exchange(c.generation(
        R"({"model":"dall-e-2","prompt":"p","size":"256x256","response_format":"b64_json"})")));
    BOOST_REQUIRE(b64.data.size() == 1u);
    check_image(b64.data[0], 256, 256);
}

BOOST_AUTO_TEST_CASE(fault_status_429_carries_headers_and_error_body_then_fifo_moves_on) {
    t::fake_server server;
    t::fault f;
    f.what = t::fault::kind::status;
    f.status = 429;
    f.error_code = "rate_limit_exceeded";
    f.headers = {{"retry-after-ms", "150"}, {"x-should-retry", "true"}};
    server.push_fault(f);
    server.push_faults(2, t::fault{.what = t::fault::kind::status, .status = 503});
    BOOST_TEST(server.pending_faults() == 3u);

    auto c = connected(server);
    const std::string& body = small_b64;
    const auto limited = c.exchange(c.generation(body));
    BOOST_TEST(limited.result_int() == 429u);
    BOOST_TEST(limited["retry-after-ms"] == "150");
    BOOST_TEST(limited["x-should-retry"] == "true");
    const auto err = error_of(limited);
    BOOST_TEST(str(err.at("type")) == "requests");
    BOOST_TEST(str(err.at("code")) == "rate_limit_exceeded");

    BOOST_TEST(c.exchange(c.generation(body)).result_int() == 503u);
    const auto unavailable = c.exchange(c.generation(body));
    BOOST_TEST(unavailable.result_int() == 503u);
    BOOST_TEST(str(error_of(unavailable).at("type")) == "server_error");
    BOOST_TEST(c.exchange(c.generation(body)).result_int() == 200u);
    BOOST_TEST(server.pending_faults() == 0u);

    const auto recs = server.requests();
    BOOST_REQUIRE(recs.size() == 4u);
    BOOST_TEST(recs[0].status == 429u);
    BOOST_TEST(field(recs[0], "prompt") == "p");  // recorded even when a fault answers
    BOOST_TEST(recs[3].status == 200u);
}

BOOST_AUTO_TEST_CASE(fault_raw_body_sends_a_proxy_html_page) {
    t::fake_server server;
    server.push_fault(
        {.what = t::fault::kind::raw_body, .body = "<html><body>502 Bad Gateway</body></html>"});
    auto c = connected(server);
    const auto res = c.exchange(c.generation(R"({"prompt":"p"})"));
    BOOST_TEST(res.result_int() == 502u);
    BOOST_TEST(res[http::field::content_type] == "text/html");
    BOOST_TEST(res.body() == "<html><body>502 Bad Gateway</body></html>");
}

BOOST_AUTO_TEST_CASE(fault_reset_before_headers_fails_the_client_read) {
    t::fake_server server;
    server.push_fault({.what = t::fault::kind::reset_before_headers});
    auto c = connected(server);
    auto req = c.generation(R"({"prompt":"p"})");
    BOOST_REQUIRE(!c.write(req));
    response_parser p;
    const error_code ec = c.read(p);
    BOOST_TEST(ec.failed());
    BOOST_TEST(!p.is_header_done());
    BOOST_TEST(server.wait_for_requests(1, op_timeout));
    BOOST_TEST(server.requests().at(0).status == 0u);
}

BOOST_AUTO_TEST_CASE(fault_reset_after_headers_sends_the_header_only) {
    t::fake_server server;
    server.push_fault({.what = t::fault::kind::reset_after_headers});
    auto c = connected(server);
    auto req = c.generation(small_b64);
    BOOST_REQUIRE(!c.write(req));
    response_parser p;
    BOOST_REQUIRE(!c.read_header(p));
    BOOST_TEST(p.get().result_int() == 200u);
    BOOST_TEST(p.content_length().value_or(0) > 0u);
    BOOST_TEST(c.read(p).failed());
    BOOST_TEST(p.get().body().empty());
}

BOOST_AUTO_TEST_CASE(fault_truncated_body_sends_half_then_closes) {
    t::fake_server server;
    server.push_fault({.what = t::fault::kind::truncated_body});
    auto c = connected(server);
    auto req = c.generation(small_b64);
    BOOST_REQUIRE(!c.write(req));
    response_parser p;
    BOOST_REQUIRE(!c.read_header(p));
    const std::uint64_t length = p.content_length().value_or(0);
    BOOST_TEST(length > 100u);
    const error_code ec = c.read(p);
    BOOST_TEST(ec == error_code(http::error::partial_message), ec.message());
    BOOST_TEST(p.get().body().size() == length / 2);
}

BOOST_AUTO_TEST_CASE(fault_malformed_json_is_a_200_that_does_not_parse) {
    t::fake_server server;
    server.push_fault({.what = t::fault::kind::malformed_json});
    auto c = connected(server);
    const auto res = c.exchange(c.generation(R"({"prompt":"p"})"));
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(res[http::field::content_type] == "application/json");
    oi::ImagesResponse r;
    oi::diagnostics diag;
    BOOST_TEST(oi::parse_images_response(res.body(), r, diag) ==
               error_code(oi::client_errc::invalid_json));
}

BOOST_AUTO_TEST_CASE(fault_trickle_body_delivers_the_whole_body_slowly) {
    t::fake_server server;
    server.push_fault({.what = t::fault::kind::trickle_body, .chunk = 128, .interval = 5ms});
    auto c = connected(server);
    const auto start = steady::now();
    const auto res = c.exchange(c.generation(small_b64));
    const auto elapsed = steady::now() - start;
    BOOST_TEST(res.result_int() == 200u);
    const auto r = images_of(res);
    BOOST_REQUIRE(r.data.size() == 1u);
    check_image(r.data[0], 256, 256);
    const std::size_t pauses = (res.body().size() + 127) / 128 - 1;
    BOOST_TEST_MESSAGE("trickled " << res.body().size() << " bytes with " << pauses << " pauses");
    BOOST_TEST(pauses >= 1u);
    BOOST_TEST((elapsed >= pauses * 5ms));
    // The connection is still usable afterwards.
    BOOST_TEST(c.exchange(c.generation(R"({"prompt":"p"})")).result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(fault_and_server_latency_delay_the_answer) {
    t::server_options opts;
    opts.latency = 20ms;
    t::fake_server server(opts);
    server.push_fault({.latency = 60ms});
    auto c = connected(server);
    auto start = steady::now();
    BOOST_TEST(c.exchange(c.generation(R"({"prompt":"p"})")).result_int() == 200u);
    BOOST_TEST((steady::now() - start >= 80ms));
    start = steady::now();
    BOOST_TEST(c.exchange(c.generation(R"({"prompt":"p"})")).result_int() == 200u);
    BOOST_TEST((steady::now() - start >= 20ms));
}

BOOST_AUTO_TEST_CASE(fault_rule_decides_by_the_request_when_the_fifo_is_empty) {
    std::mutex mu;
    std::vector<std::string> asked;  // what the rule saw, in order
    t::fake_server server({.keep_records = false});
    server.set_fault_rule([&](const t::request_record& r) {
        const std::string prompt = field(r, "prompt");
        {
            std::lock_guard lock(mu);
            asked.push_back(r.method + " " + r.target + " " + prompt);
        }
        if (prompt == "fail")
            return t::fault{.what = t::fault::kind::status, .status = 503};
        if (prompt == "reset")
            return t::fault{.what = t::fault::kind::reset_before_headers};
        return t::fault{};
    });
    server.push_fault({.what = t::fault::kind::status, .status = 429});

    const auto prompt = [](const std::string& p) { return R"({"prompt":")" + p + R"("})"; };
    auto c = connected(server);
    BOOST_TEST(c.exchange(c.generation(prompt("fail"))).result_int() == 429u);  // the FIFO's
    BOOST_TEST(c.exchange(c.generation(prompt("fail"))).result_int() == 503u);
    BOOST_TEST(c.exchange(c.generation(prompt("ok"))).result_int() == 200u);
    BOOST_TEST(c.exchange(c.generation(prompt("fail"))).result_int() == 503u);  // every time
    auto reset = c.generation(prompt("reset"));
    BOOST_REQUIRE(!c.write(reset));
    response_parser p;
    BOOST_TEST(c.read(p).failed());
    BOOST_TEST(!p.is_header_done());

    server.set_fault_rule({});
    auto d = connected(server);
    BOOST_TEST(d.exchange(d.generation(prompt("fail"))).result_int() == 200u);
    BOOST_TEST(server.requests().empty());
    std::lock_guard lock(mu);
    const std::string gen = "POST /v1/images/generations ";
    BOOST_TEST(
        asked == (std::vector<std::string>{gen + "fail", gen + "ok", gen + "fail", gen + "reset"}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(close_after_requests_closes_after_the_second_response) {
    t::server_options opts;
    opts.close_after_requests = 2;
    t::fake_server server(opts);
    auto c = connected(server);
    const auto first = c.exchange(c.generation(R"({"prompt":"p"})"));
    BOOST_TEST(first.keep_alive());
    const auto second = c.exchange(c.generation(R"({"prompt":"p"})"));
    BOOST_TEST(!second.keep_alive());
    BOOST_TEST(second[http::field::connection] == "close");
    BOOST_TEST(c.read_next().failed());  // the server closed it

    auto d = connected(server);
    BOOST_TEST(d.exchange(d.generation(R"({"prompt":"p"})")).result_int() == 200u);
    const auto recs = server.requests();
    BOOST_REQUIRE(recs.size() == 3u);
    BOOST_TEST(recs[0].connection_id == recs[1].connection_id);
    BOOST_TEST(recs[2].connection_id != recs[1].connection_id);
    BOOST_TEST(server.connections_accepted() == 2u);
}

BOOST_AUTO_TEST_CASE(client_connection_close_is_honoured) {
    t::fake_server server;
    auto c = connected(server);
    auto req = c.generation(R"({"prompt":"p"})");
    req.keep_alive(false);
    const auto res = c.exchange(req);
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(!res.keep_alive());
    BOOST_TEST(c.read_next().failed());
}

BOOST_AUTO_TEST_CASE(idle_keep_alive_connection_is_closed_after_idle_close) {
    t::server_options opts;
    opts.idle_close = 100ms;
    t::fake_server server(opts);
    auto c = connected(server);
    BOOST_TEST(c.exchange(c.generation(R"({"prompt":"p"})")).result_int() == 200u);
    const auto start = steady::now();
    BOOST_TEST(c.read_next().failed());  // waits for the server's close
    BOOST_TEST((steady::now() - start >= 90ms));
}

BOOST_AUTO_TEST_CASE(untrusted_certificate_fails_verification) {
    t::fake_server server({.cert = t::cert_choice::untrusted});
    test_client c(server.port());
    const error_code ec = c.connect();
    BOOST_TEST((ec.category() == asio::error::get_ssl_category()), ec.message());
    BOOST_TEST(ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
               SSL_R_CERTIFICATE_VERIFY_FAILED);
    BOOST_TEST(server.tls_handshakes() == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_host_certificate_fails_host_name_verification) {
    t::fake_server server({.cert = t::cert_choice::wrong_host});
    test_client by_ip(server.port());
    const error_code ec = by_ip.connect();
    BOOST_TEST(
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED,
        ec.message());
    test_client by_name(server.port(), {.verify_name = "localhost"});
    BOOST_TEST(by_name.connect().failed());
    test_client as_other(server.port(), {.verify_name = "other.example", .sni = "other.example"});
    BOOST_TEST(!as_other.connect().failed());  // the chain itself is fine
}

BOOST_AUTO_TEST_CASE(server_certificate_verifies_for_ip_and_localhost) {
    t::fake_server server;
    test_client by_name(server.port(), {.verify_name = "localhost"});
    BOOST_TEST(!by_name.connect().failed());
    test_client by_ip(server.port(), {.verify_name = "127.0.0.1"});
    BOOST_TEST(!by_ip.connect().failed());
    BOOST_TEST(server.base_url() == "https://127.0.0.1:" + std::to_string(server.port()) + "/v1");
}

BOOST_AUTO_TEST_CASE(plain_http_mode_serves_requests) {
    t::fake_server server({.tls = false});
    BOOST_TEST(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()) + "/v1");
    auto c = connected(server);
    const auto r = images_of(c.exchange(c.generation(R"({"prompt":"p","size":"256x256"})")));
    BOOST_REQUIRE(r.data.size() == 1u);
    BOOST_TEST(r.data[0].url.value_or("").starts_with("http://127.0.0.1:"));
    BOOST_TEST(server.tls_handshakes() == 0u);
}

BOOST_AUTO_TEST_CASE(keep_alive_requests_share_one_connection) {
    t::fake_server server;
    auto c = connected(server);
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(c.exchange(c.generation(R"({"prompt":"p"})")).result_int() == 200u);
    const auto recs = server.requests();
    BOOST_REQUIRE(recs.size() == 3u);
    BOOST_TEST(recs[0].connection_id == recs[1].connection_id);
    BOOST_TEST(recs[1].connection_id == recs[2].connection_id);
    BOOST_TEST((recs[0].received <= recs[1].received));
    BOOST_TEST((recs[1].received <= recs[2].received));
    BOOST_TEST(server.connections_accepted() == 1u);
    BOOST_TEST(server.tls_handshakes() == 1u);
    BOOST_TEST(server.open_connections() == 1u);
}

BOOST_AUTO_TEST_CASE(uploads_over_beast_default_body_limit_are_read) {
    t::fake_server server;
    auto c = connected(server);
    std::string big = t::make_png(64, 64);
    big.resize(12 * 1024 * 1024, '\0');  // the header is what is probed
    const form_body form = encode_form(oi::CreateImageEditRequest{
        .image = {oi::file_source::from_memory(big, "big.png")}, .prompt = "p"});
    const auto res =
        c.exchange(c.make(http::verb::post, "/v1/images/edits", form.body, form.content_type));
    BOOST_TEST(res.result_int() == 200u, res.body());
    BOOST_TEST(std::get<3>(server.requests().at(0).files.at(0)) == big.size());
}

BOOST_AUTO_TEST_CASE(stop_closes_open_connections_and_joins) {
    t::fake_server server({.latency = 10s});
    auto idle = connected(server);
    auto waiting = connected(server);
    auto req = waiting.generation(R"({"prompt":"p"})");
    BOOST_REQUIRE(!waiting.write(req));
    BOOST_REQUIRE(server.wait_for_requests(1, op_timeout));  // now in its latency wait
    const auto start = steady::now();
    server.stop();
    BOOST_TEST((steady::now() - start < 5s));  // the 10 s latency wait was cancelled
    BOOST_TEST(server.open_connections() == 0u);
    BOOST_TEST(idle.read_next().failed());
    BOOST_TEST(waiting.read_next().failed());
    server.stop();  // idempotent
}

BOOST_AUTO_TEST_CASE(serves_many_concurrent_keep_alive_connections) {
    t::fake_server server({.threads = 2});
    constexpr std::size_t connections = 200, per_connection = 5;
    asio::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(t::test_pki().ca_cert_pem));
    ctx.set_verify_mode(ssl::verify_peer);
    ctx.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    std::size_t ok = 0;
    const auto start = steady::now();
    for (std::size_t i = 0; i < connections; ++i)
        asio::co_spawn(ioc, concurrent_client(server.port(), ctx, per_connection, ok),
                       asio::detached);
    ioc.run();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
    BOOST_TEST_MESSAGE(connections << " TLS connections x " << per_connection << " requests in "
                                   << ms.count() << " ms");
    BOOST_TEST(ok == connections * per_connection);
    BOOST_TEST(server.wait_for_requests(connections * per_connection, op_timeout));
    BOOST_TEST(server.connections_accepted() == connections);
    BOOST_TEST(server.tls_handshakes() == connections);
    std::map<std::uint64_t, std::size_t> per_id;
    for (const auto& r : server.requests())
        ++per_id[r.connection_id];
    BOOST_TEST(per_id.size() == connections);
    for (const auto& [id, n] : per_id)
        BOOST_TEST(n == per_connection);
}

BOOST_AUTO_TEST_CASE(without_keep_records_requests_are_counted_not_kept) {
    t::fake_server server({.keep_records = false});
    auto c = connected(server);
    BOOST_TEST(c.exchange(c.generation(R"({"prompt":"p"})")).result_int() == 200u);
    BOOST_TEST(c.exchange(c.generation(R"({"prompt":"p"})")).result_int() == 200u);
    BOOST_TEST(server.wait_for_requests(2, op_timeout));
    BOOST_TEST(server.requests().empty());
}

BOOST_AUTO_TEST_CASE(test_pki_is_generated_once_and_written_as_ca_file) {
    const t::pki& p = t::test_pki();
    BOOST_TEST(&p == &t::test_pki());
    BOOST_TEST(p.ca_cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    BOOST_TEST(p.server_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    BOOST_TEST(p.server_cert_pem != p.untrusted_cert_pem);
    const auto dir =
        std::filesystem::temp_directory_path() / ("fake-server-test-" + std::to_string(::getpid()));
    const auto path = t::write_ca_file(dir);
    BOOST_TEST(path == dir / "ca.pem");
    BOOST_TEST(std::filesystem::file_size(path) == p.ca_cert_pem.size());
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
