// The client against hostile and broken servers (huge headers, endless or
// oversized bodies, trickles, broken chunking, HTTP/1.0, connections closed
// mid-body with and without TLS close_notify, wrong certificates, old TLS):
// each gives its own clear error within its timeout, reads no more than its
// limits, and leaves the client usable. Also the security promises: no CR or
// LF from the caller reaches the wire, TLS 1.2 at least.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"
#include "hostile_server.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace oi = openai::images;
namespace t = openai::images::testing;
namespace h = hostile;
using boost::system::error_code;
using namespace std::chrono_literals;
using client_fixture::ca_file;
using client_fixture::key;
using client_fixture::run_one;
using client_fixture::small_generation;

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

std::string ok_head(const std::string& extra) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra + "\r\n";
}

// A complete 200 answer framed by its Content-Length.
std::string complete_ok() {
    return ok_head("Content-Length: " + std::to_string(h::images_json().size()) + "\r\n") +
           h::images_json();
}

// A server that answers completely but reads request bodies at 256 KiB per
// 5 ms: the client's socket buffers (at most about 10 MB on loopback) fill
// when it sends more.
h::script slow_reader() {
    return {.head = complete_ok(),
            .end = h::ending::keep_open,
            .body_pace = 256 * 1024,
            .body_interval = 5ms};
}

// One client of a hostile server, no retries unless the test asks.
struct hostile_case {
    explicit hostile_case(const h::server& s,
                          const std::function<void(oi::client_options&)>& tweak = {})
        : c(ioc.get_executor(), make_options(s, tweak)) {}

    static oi::client_options make_options(const h::server& s,
                                           const std::function<void(oi::client_options&)>& tweak) {
        oi::client_options o;
        o.base_url = s.base_url();
        o.api_key = key;
        o.tls.ca_file = ca_file();
        o.retry.max_retries = 0;
        o.retry.initial_backoff = 1ms;
        o.retry.max_backoff = 2ms;
        if (tweak)
            tweak(o);
        return o;
    }

    client_fixture::outcome generate() {
        diag = {};
        return run_one(ioc, [&](auto handler) {
            c.async_create_image(small_generation(), diag, std::move(handler));
        });
    }

    asio::io_context ioc;
    oi::client c;
    oi::diagnostics diag;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_servers)

BOOST_AUTO_TEST_CASE(a_megabyte_of_headers_is_refused_at_the_header_limit) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    while (head.size() < 1024 * 1024)
        head += "X-Padding-" + std::to_string(head.size()) + ": " + std::string(100, 'p') + "\r\n";
    head += "Content-Length: 2\r\n\r\n{}";
    h::server s({.head = head}, h::tls_mode::server);
    hostile_case f(s);
    const auto r = f.generate();
    BOOST_TEST(r.ec == oi::client_errc::response_too_large);
    BOOST_TEST(contains(f.diag.message(), "response header"), f.diag.message());
    // Reading stopped near the 64 KiB header limit, not at 1 MiB.
    BOOST_TEST(f.c.stats().bytes_received < 256u * 1024u);
    BOOST_TEST(f.c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_CASE(an_endless_chunked_body_stops_at_the_body_limit) {
    const std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
    h::server s({.head = ok_head("Transfer-Encoding: chunked\r\n"), .repeat = chunk},
                h::tls_mode::server);
    hostile_case f(s, [](auto& o) { o.limit.max_response_body = 1024 * 1024; });
    const auto r = f.generate();
    BOOST_TEST(r.ec == oi::client_errc::response_too_large);
    BOOST_TEST(contains(f.diag.message(), "response body"), f.diag.message());
    BOOST_TEST(f.c.stats().bytes_received < 1024u * 1024u + 256u * 1024u);
    BOOST_TEST(f.c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_CASE(an_endless_body_without_a_length_stops_at_the_body_limit) {
    h::server s({.head = ok_head(""), .repeat = std::string(0x4000, 'y')}, h::tls_mode::server);
    hostile_case f(s, [](auto& o) { o.limit.max_response_body = 1024 * 1024; });
    BOOST_TEST(f.generate().ec == oi::client_errc::response_too_large);
    BOOST_TEST(f.c.stats().bytes_received < 1024u * 1024u + 256u * 1024u);
}

BOOST_AUTO_TEST_CASE(a_content_length_over_the_limit_is_refused_before_the_body) {
    // 1 GB announced: over the default 512 MiB; refused from the header alone.
    h::server s(
        {.head = ok_head("Content-Length: 1000000000\r\n"), .repeat = std::string(0x4000, 'z')},
        h::tls_mode::server);
    hostile_case f(s);
    BOOST_TEST(f.generate().ec == oi::client_errc::response_too_large);
    BOOST_TEST(contains(f.diag.message(), "response header"), f.diag.message());
    BOOST_TEST(f.c.stats().bytes_received < 256u * 1024u);
}

BOOST_AUTO_TEST_CASE(a_header_trickled_at_one_byte_per_second_hits_the_header_timeout) {
    h::server s({.trickle = ok_head("Content-Length: 2\r\n") + "{}",
                 .interval = 1000ms,
                 .end = h::ending::keep_open},
                h::tls_mode::server);
    hostile_case f(s, [](auto& o) { o.timeout.response_header = 300ms; });
    BOOST_TEST(f.generate().ec == oi::client_errc::response_header_timeout);
    BOOST_TEST(contains(f.diag.message(), "response header"), f.diag.message());
}

BOOST_AUTO_TEST_CASE(a_body_trickled_at_one_byte_per_second_hits_the_idle_then_the_total_limit) {
    const auto body = h::images_json();
    h::server s({.head = ok_head("Content-Length: " + std::to_string(body.size()) + "\r\n"),
                 .trickle = body,
                 .interval = 1000ms,
                 .end = h::ending::keep_open},
                h::tls_mode::server);
    {
        // A byte a second is slower than the idle timeout allows.
        hostile_case f(s, [](auto& o) { o.timeout.body_idle = 300ms; });
        BOOST_TEST(f.generate().ec == oi::client_errc::body_idle_timeout);
        BOOST_TEST(contains(f.diag.message(), "response body"), f.diag.message());
    }
    {
        // Within the idle timeout, the overall deadline is what ends it.
        hostile_case f(s, [](auto& o) {
            o.timeout.body_idle = 5000ms;
            o.timeout.total = 1500ms;
        });
        BOOST_TEST(f.generate().ec == oi::client_errc::deadline_exceeded);
    }
}

BOOST_AUTO_TEST_CASE(broken_chunked_encoding_is_a_malformed_response) {
    // A chunk size that is not hexadecimal, and one that overflows 64 bits.
    for (const std::string& bad : {std::string("zz\r\nhello\r\n0\r\n\r\n"),
                                   std::string("1ffffffffffffffffff\r\nx\r\n0\r\n\r\n")}) {
        h::server s({.head = ok_head("Transfer-Encoding: chunked\r\n") + bad}, h::tls_mode::server);
        hostile_case f(s);
        const auto r = f.generate();
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(r.ec == oi::client_errc::malformed_response);
            // The parser's words, after the phase; the code says "malformed".
            BOOST_TEST(f.diag.message().starts_with("reading the response body: "),
                       f.diag.message());
            BOOST_TEST(!contains(f.diag.message(), r.ec.message()), f.diag.message());
            BOOST_TEST(!oi::is_retryable(r.ec));
        }
    }
    // A status line that is not HTTP.
    h::server s({.head = "SSH-2.0-OpenSSH_9.2\r\n\r\n"}, h::tls_mode::server);
    hostile_case f(s);
    BOOST_TEST(f.generate().ec == oi::client_errc::malformed_response);
    BOOST_TEST(contains(f.diag.message(), "response header"), f.diag.message());
}

BOOST_AUTO_TEST_CASE(http_1_0_responses_are_read_and_not_kept_alive) {
    // Read until close, then with a Content-Length.
    for (const auto& head :
         {std::string("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"),
          std::string("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: ") +
              std::to_string(h::images_json().size()) + "\r\n\r\n"}) {
        h::server s({.head = head + h::images_json()}, h::tls_mode::server);
        hostile_case f(s);
        for (int i = 0; i < 2; ++i) {
            const auto r = f.generate();
            BOOST_TEST_REQUIRE(!r.ec, f.diag.message());
            BOOST_TEST(r.response.data.at(0).url.value() == "https://127.0.0.1/files/a.png");
        }
        // HTTP/1.0 without keep-alive: a connection per request.
        BOOST_TEST(s.connections() == 2u);
        BOOST_TEST(f.c.stats().open_connections == 0u);
    }
}

BOOST_AUTO_TEST_CASE(interim_responses_are_skipped_and_bad_statuses_refused) {
    const std::string final_response = complete_ok();
    {
        h::server s({.head = "HTTP/1.1 100 Continue\r\n\r\n"
                             "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" +
                             final_response,
                     .end = h::ending::keep_open},
                    h::tls_mode::server);
        hostile_case f(s);
        const auto r = f.generate();
        BOOST_TEST_REQUIRE(!r.ec, f.diag.message());
        BOOST_TEST(r.response.data.at(0).url.value() == "https://127.0.0.1/files/a.png");
    }
    // Endless interim responses, a status under 100 and an unasked-for 101.
    std::string many;
    for (int i = 0; i < 17; ++i)
        many += "HTTP/1.1 100 Continue\r\n\r\n";
    for (const auto& [head, why] :
         {std::pair{many + final_response, std::string("status 100 after 16 interim responses")},
          std::pair{std::string("HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n"),
                    std::string("status 0")},
          std::pair{std::string("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
                    std::string("status 101")}}) {
        h::server s({.head = head}, h::tls_mode::server);
        hostile_case f(s);
        BOOST_TEST_CONTEXT(why) {
            BOOST_TEST(f.generate().ec == oi::client_errc::malformed_response);
            BOOST_TEST(f.diag.message() == "reading the response header: " + why);
        }
    }
}

BOOST_AUTO_TEST_CASE(bytes_after_a_response_stop_the_connection_being_reused) {
    // A second, unasked-for response right after the first: were the
    // connection kept, it would be read as the next request's answer.
    const std::string one = complete_ok();
    h::server s({.head = one + "HTTP/1.1 500 Injected\r\nContent-Length: 0\r\n\r\n",
                 .end = h::ending::keep_open},
                h::tls_mode::server);
    hostile_case f(s);
    for (int i = 0; i < 2; ++i) {
        const auto r = f.generate();
        BOOST_TEST(!r.ec, f.diag.message());
    }
    BOOST_TEST(s.connections() == 2u);
    BOOST_TEST(f.c.stats().connections_reused == 0u);
}

BOOST_AUTO_TEST_CASE(connection_closed_mid_body_is_a_truncated_response) {
    const std::string head = ok_head("Content-Length: 1000\r\n") + std::string(500, 'a');
    for (const auto end : {h::ending::close_notify, h::ending::no_close_notify}) {
        h::server s({.head = head, .end = end}, h::tls_mode::server);
        hostile_case f(s);
        BOOST_TEST(f.generate().ec == oi::client_errc::truncated_response);
        BOOST_TEST(contains(f.diag.message(), "response body"), f.diag.message());
        BOOST_TEST(f.c.stats().open_connections == 0u);
    }
    // Plain HTTP too; with retries, every attempt is made and reported.
    h::server s({.head = head}, h::tls_mode::none);
    hostile_case f(s, [](auto& o) { o.retry.max_retries = 2; });
    BOOST_TEST(f.generate().ec == oi::client_errc::truncated_response);
    BOOST_TEST(f.diag.failed_attempts().size() == 2u);
    BOOST_TEST(s.requests() == 3u);
}

BOOST_AUTO_TEST_CASE(tls_closed_without_close_notify) {
    // A body whose end is only the connection's end cannot be trusted when
    // the TLS stream ends without close_notify: it may have been cut.
    {
        h::server s(
            {.head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + h::images_json(),
             .end = h::ending::no_close_notify},
            h::tls_mode::server);
        hostile_case f(s);
        BOOST_TEST(f.generate().ec == oi::client_errc::truncated_response);
    }
    // The same with close_notify is a complete body.
    {
        h::server s(
            {.head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + h::images_json(),
             .end = h::ending::close_notify},
            h::tls_mode::server);
        hostile_case f(s);
        const auto r = f.generate();
        BOOST_TEST(!r.ec, f.diag.message());
    }
    // A body complete by its Content-Length is complete, however the
    // connection ends afterwards; the next request opens a new connection.
    {
        h::server s({.head = complete_ok(), .end = h::ending::no_close_notify},
                    h::tls_mode::server);
        hostile_case f(s);
        for (int i = 0; i < 2; ++i) {
            const auto r = f.generate();
            BOOST_TEST(!r.ec, f.diag.message());
        }
        BOOST_TEST(s.connections() == 2u);
    }
}

// A server that reads a 20 MiB upload at 256 KiB per 5 ms: the client's
// socket buffers (at most about 10 MB on loopback) fill, so the TLS stream's
// sends stop part-way and the rest of its records wait for the socket. Every
// byte still arrives in order, twice on one connection.
BOOST_AUTO_TEST_CASE(a_server_that_reads_slowly_gets_every_byte_of_a_large_upload) {
    h::server s(slow_reader(), h::tls_mode::server);
    hostile_case f(s);
    std::string big = t::make_png(64, 64);
    std::mt19937 gen(7);
    while (big.size() < (20u << 20))
        big.push_back(static_cast<char>(gen()));
    const oi::CreateImageEditRequest req{.image = {oi::file_source::from_memory(big, "big.png")},
                                         .prompt = "x",
                                         .model = oi::ImageModel::gpt_image_1};
    for (int i = 0; i < 2; ++i) {
        f.diag = {};
        const auto r = run_one(
            f.ioc, [&](auto handler) { f.c.async_create_image_edit(req, f.diag, handler); });
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
        const std::string body = s.last_body();
        const auto at = body.find(big.substr(0, 64));
        BOOST_REQUIRE(at != std::string::npos);
        BOOST_TEST((body.compare(at, big.size(), big) == 0));
        BOOST_TEST(body.ends_with("--\r\n"));
    }
    BOOST_TEST(s.connections() == 1u);
    BOOST_TEST(s.requests() == 2u);
}

// The same for a request in memory (JSON), written without an operation
// while the socket takes it: once it does not, the rest waits in the TLS
// stream and goes out in order, with what follows, under the timeouts.
BOOST_AUTO_TEST_CASE(a_server_that_reads_slowly_gets_every_byte_of_a_large_json_request) {
    h::server s(slow_reader(), h::tls_mode::server);
    hostile_case f(s, [](oi::client_options& o) { o.validation.enabled = false; });
    std::string prompt;
    std::mt19937 gen(11);
    while (prompt.size() < (12u << 20))
        prompt.push_back(static_cast<char>('a' + gen() % 26));
    const oi::CreateImageRequest req{.prompt = prompt, .model = oi::ImageModel::gpt_image_1};
    const std::string expected = oi::to_json(req);
    for (int i = 0; i < 2; ++i) {
        f.diag = {};
        const auto r =
            run_one(f.ioc, [&](auto handler) { f.c.async_create_image(req, f.diag, handler); });
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
        BOOST_TEST((s.last_body() == expected));
    }
    BOOST_TEST(s.connections() == 1u);
    BOOST_TEST(s.requests() == 2u);
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_host_is_refused) {
    h::server s({.head = ok_head("Content-Length: 2\r\n") + "{}"}, h::tls_mode::wrong_host);
    hostile_case f(s);
    const auto r = f.generate();
    BOOST_TEST(r.ec == oi::client_errc::tls_certificate_rejected);
    BOOST_TEST(!oi::is_retryable(r.ec));
    BOOST_TEST(f.diag.message() == "127.0.0.1:" + std::to_string(s.port()) +
                                       ": IP address mismatch (the certificate does not name "
                                       "127.0.0.1)");
    BOOST_TEST(s.requests() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(security)

// The positive control first: the TLS 1.1 server does speak TLS 1.1.
BOOST_AUTO_TEST_CASE(tls_older_than_1_2_is_refused_even_with_a_callers_context) {
    h::server s({.head = ok_head("Content-Length: 2\r\n") + "{}"}, h::tls_mode::tls1_1_only);
    {
        asio::io_context ioc;
        ssl::context old(ssl::context::tls_client);
        SSL_CTX_set_security_level(old.native_handle(), 0);
        SSL_CTX_set_cipher_list(old.native_handle(), "DEFAULT:@SECLEVEL=0");
        SSL_CTX_set_min_proto_version(old.native_handle(), TLS1_VERSION);
        old.set_verify_mode(ssl::verify_none);
        ssl::stream<asio::ip::tcp::socket> stream(ioc, old);
        stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), s.port()});
        error_code ec;
        stream.handshake(ssl::stream_base::client, ec);
        BOOST_TEST_REQUIRE(!ec, "control handshake: " << ec.message());
        BOOST_TEST(std::string(SSL_get_version(stream.native_handle())) == "TLSv1.1");
    }
    // The client's own context.
    {
        hostile_case f(s);
        const auto r = f.generate();
        BOOST_TEST((r.ec.category() == asio::error::get_ssl_category()), r.ec.message());
        BOOST_TEST(contains(f.diag.message(), "TLS handshake"), f.diag.message());
    }
    // A caller's context that would allow TLS 1.0: the minimum still holds.
    {
        auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
        SSL_CTX_set_security_level(ctx->native_handle(), 0);
        SSL_CTX_set_cipher_list(ctx->native_handle(), "DEFAULT:@SECLEVEL=0");
        SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_VERSION);
        ctx->set_verify_mode(ssl::verify_none);
        hostile_case f(s, [&](auto& o) { o.tls.context = ctx; });
        const auto r = f.generate();
        BOOST_TEST((r.ec.category() == asio::error::get_ssl_category()), r.ec.message());
    }
    BOOST_TEST(s.requests() == 0u);
}

BOOST_AUTO_TEST_CASE(header_values_with_cr_lf_or_controls_are_refused_at_construction) {
    asio::io_context ioc;
    const std::string secret = "sk-SECRET-value";
    for (const std::string field : {"api_key", "organization", "project"}) {
        for (const std::string& bad :
             {std::string("\r\nX-Injected: 1"), std::string("\nX: y"), std::string("a\0b", 3)}) {
            oi::client_options o;
            o.base_url = "http://127.0.0.1:9/v1";
            o.api_key = key;
            (field == "api_key"        ? o.api_key
             : field == "organization" ? o.organization
                                       : o.project) = secret + bad;
            BOOST_TEST_CONTEXT(field) {
                try {
                    oi::client c(ioc.get_executor(), o);
                    BOOST_ERROR("no exception");
                } catch (const oi::client_error& e) {
                    BOOST_TEST(e.code() == oi::client_errc::invalid_header_value);
                    BOOST_TEST(e.param() == field);
                    BOOST_TEST(contains(e.what(), field + ": control character"), e.what());
                    BOOST_TEST(!contains(e.what(), secret));
                }
            }
        }
    }
    // A tab is allowed in a field value.
    oi::client_options o;
    o.base_url = "http://127.0.0.1:9/v1";
    o.organization = "org\tname";
    BOOST_CHECK_NO_THROW(oi::client(ioc.get_executor(), o));
}

BOOST_AUTO_TEST_CASE(cr_lf_in_filenames_prompts_and_urls_never_reach_the_wire_raw) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), client_fixture::options_for(server));
    const auto png = t::make_png(16, 16);
    oi::CreateImageEditRequest req{
        .image = {oi::file_source::from_memory(png, "a\r\nX-Injected: 1\r\n\r\n.png")},
        .prompt = "line one\r\nX-Injected: 2\r\n\r\nline two",
        .model = oi::ImageModel::gpt_image_1_mini,
        .size = oi::ImageSize::s1024x1024};
    oi::diagnostics diag;
    const auto r =
        run_one(ioc, [&](auto handler) { c.async_create_image_edit(req, diag, handler); });
    BOOST_TEST_REQUIRE(!r.ec, diag.message());
    const auto rec = server.requests().at(0);
    BOOST_TEST(!rec.headers.contains("x-injected"));
    BOOST_TEST_REQUIRE(rec.files.size() == 1u);
    // The file name is percent-escaped inside its quoted-string (RFC 7578).
    BOOST_TEST(std::get<1>(rec.files[0]) == "a%0D%0AX-Injected: 1%0D%0A%0D%0A.png");
    // The prompt is content, not a header: it arrives as it was.
    bool prompt_seen = false;
    for (const auto& [name, value] : rec.fields) {
        BOOST_TEST(!contains(name, "X-Injected"));
        if (name == "prompt") {
            prompt_seen = true;
            BOOST_TEST(value == req.prompt);
        }
    }
    BOOST_TEST(prompt_seen);
    // A download URL with CR/LF is not a URL.
    client_fixture::outcome dl;
    std::string bytes;
    c.async_download(server.base_url() + "/files/x.png\r\nX-Injected: 3",
                     [&](error_code ec, std::string b) {
                         dl.ec = ec;
                         dl.done = true;
                         bytes = std::move(b);
                     });
    ioc.restart();
    ioc.run_for(10s);
    BOOST_TEST_REQUIRE(dl.done);
    BOOST_TEST(dl.ec == oi::client_errc::invalid_url);
    BOOST_TEST(server.requests().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
