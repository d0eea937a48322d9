// TLS: the TLS 1.3 suites the client offers, a caller's own SSL context,
// certificates refused (untrusted, wrong host, not in the system roots) unless
// verification is turned off explicitly, and CA files that are missing, are
// not certificates, or have text around the certificate.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <openssl/ssl.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace oi = openai::images;
namespace t = openai::images::testing;
using client_fixture::fault_case;
using client_fixture::options_for;
using client_fixture::run_one;
using client_fixture::scratch_dir;
using client_fixture::small_generation;

// A caller's own SSL context that trusts the test CA.
std::shared_ptr<ssl::context> context_trusting_test_ca() {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->add_certificate_authority(asio::buffer(t::test_pki().ca_cert_pem));
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_tls)

// AES-128-GCM is offered first (the fastest suite to decrypt a large answer);
// a server that takes only another suite still gets a connection.
BOOST_AUTO_TEST_CASE(tls13_suite_order_prefers_aes_128_gcm) {
    {
        t::fake_server server;
        asio::io_context ioc;
        oi::client c(ioc.get_executor(), options_for(server));
        auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); });
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
        BOOST_TEST(server.requests().at(0).tls_cipher == "TLS_AES_128_GCM_SHA256");
    }
    for (const std::string suite : {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}) {
        t::fake_server server({.tls13_ciphersuites = suite});
        asio::io_context ioc;
        oi::client c(ioc.get_executor(), options_for(server));
        auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); });
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
        BOOST_TEST(server.requests().at(0).tls_cipher == suite);
    }
}

BOOST_AUTO_TEST_CASE(caller_supplied_ssl_context) {
    t::fake_server server;
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.tls.ca_file.clear();
    auto ctx = context_trusting_test_ca();
    // The caller's suites are used as they are, not replaced by the library's.
    BOOST_REQUIRE(SSL_CTX_set_ciphersuites(ctx->native_handle(), "TLS_CHACHA20_POLY1305_SHA256") ==
                  1);
    opts.tls.context = ctx;
    oi::client c(ioc.get_executor(), opts);
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
    BOOST_TEST(c.stats().tls_handshakes == 1u);
    BOOST_TEST(server.requests().at(0).tls_cipher == "TLS_CHACHA20_POLY1305_SHA256");
}

BOOST_AUTO_TEST_CASE(untrusted_and_wrong_host_certificates_are_rejected) {
    for (auto cert : {t::cert_choice::untrusted, t::cert_choice::wrong_host}) {
        t::fake_server server({.cert = cert});
        fault_case f(server);
        auto r = f.generate();
        BOOST_TEST_CONTEXT("cert " << static_cast<int>(cert)) {
            BOOST_TEST(r.ec == oi::client_errc::tls_certificate_rejected, r.ec.message());
            // OpenSSL's reason, once, with the peer; the CA hint only where a
            // CA file would help.
            const std::string peer = "127.0.0.1:" + std::to_string(server.port()) + ": ";
            BOOST_TEST(f.diag.message() ==
                       (cert == t::cert_choice::untrusted
                            ? peer + "self-signed certificate" + std::string(oi::private_ca_hint)
                            : peer + "IP address mismatch (the certificate does not name "
                                     "127.0.0.1)"));
            BOOST_TEST(f.diag.response().attempts == 1u);  // not retried
            BOOST_TEST(server.tls_handshakes() == 0u);
            BOOST_TEST(server.requests().empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(the_system_roots_do_not_trust_the_test_ca) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.tls.ca_file.clear(); });
    BOOST_TEST(f.generate().ec == oi::client_errc::tls_certificate_rejected);
    BOOST_TEST(f.diag.message() == "127.0.0.1:" + std::to_string(server.port()) +
                                       ": unable to get local issuer certificate" +
                                       std::string(oi::private_ca_hint));
    BOOST_TEST(server.requests().empty());
}

BOOST_AUTO_TEST_CASE(verification_can_be_turned_off_explicitly) {
    t::fake_server server({.cert = t::cert_choice::untrusted});
    fault_case f(server, [](auto& o) {
        o.tls.ca_file.clear();
        o.tls.insecure_skip_verify = true;
    });
    BOOST_TEST(!f.generate().ec);
}

BOOST_AUTO_TEST_CASE(a_missing_ca_file_is_a_clear_error) {
    asio::io_context ioc;
    oi::client_options o;
    o.tls.ca_file = (scratch_dir() / "nope.pem").string();
    try {
        oi::client c(ioc.get_executor(), o);
        BOOST_FAIL("no exception");
    } catch (const oi::client_error& e) {
        BOOST_TEST(e.code() == oi::client_errc::file_open_failed);
        BOOST_TEST(e.param() == "tls.ca_file");
        BOOST_TEST(std::string(e.what()) == "tls.ca_file '" + o.tls.ca_file +
                                                "' cannot be opened: No such file or directory");
    }
}

BOOST_AUTO_TEST_CASE(a_ca_file_that_is_a_directory_or_holds_no_pem_certificate_says_so) {
    asio::io_context ioc;
    const auto dir = scratch_dir() / "ca-file-cases";
    std::filesystem::create_directories(dir);
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    };
    struct bad_case {
        std::string path;
        oi::client_errc code;
        std::string what;
    };
    const std::string empty = write("empty.pem", "");
    const std::string text = write("text.pem", "not a certificate\n");
    // A certificate request: a PEM block, but not a certificate.
    const std::string csr =
        write("csr.pem",
              "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
    const std::string broken =
        write("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    const std::string folder = dir.string();
    const bad_case cases[] = {
        {empty, oi::client_errc::invalid_ca_file,
         "tls.ca_file '" + empty + "': no PEM certificate found"},
        {text, oi::client_errc::invalid_ca_file,
         "tls.ca_file '" + text + "': no PEM certificate found"},
        {csr, oi::client_errc::invalid_ca_file,
         "tls.ca_file '" + csr + "': no PEM certificate found"},
        {broken, oi::client_errc::invalid_ca_file,
         "tls.ca_file '" + broken + "': a PEM block cannot be read: "},
        {folder, oi::client_errc::file_open_failed,
         "tls.ca_file '" + folder + "' cannot be read: Is a directory"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.path) {
            oi::client_options o;
            o.tls.ca_file = c.path;
            try {
                oi::client cl(ioc.get_executor(), o);
                BOOST_ERROR("no exception");
            } catch (const oi::client_error& e) {
                BOOST_TEST(e.code() == c.code);
                BOOST_TEST(e.param() == "tls.ca_file");
                // OpenSSL's words for a broken block vary with its version.
                if (c.path == broken)
                    BOOST_TEST(std::string_view(e.what()).starts_with(c.what), e.what());
                else
                    BOOST_TEST(std::string(e.what()) == c.what);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_ca_file_with_text_around_the_certificate_is_trusted) {
    t::fake_server server;
    const auto path = scratch_dir() / "ca-with-comments.pem";
    std::ofstream(path, std::ios::binary) << "Test CA, issued for the integration tests\n"
                                          << t::test_pki().ca_cert_pem << "trailing words\n";
    fault_case f(server, [&](auto& o) { o.tls.ca_file = path.string(); });
    const auto r = f.generate();
    BOOST_TEST(!r.ec, f.diag.message());
}

// A new connection to an origin resumes the session of an earlier one: TLS
// 1.3 tickets (each used once) and TLS 1.2 sessions. The server closes every
// connection after one answer, so each request makes a new connection.
BOOST_AUTO_TEST_CASE(sessions_are_resumed_on_new_connections) {
    for (const bool tls12 : {false, true}) {
        BOOST_TEST_CONTEXT((tls12 ? "TLS 1.2" : "TLS 1.3")) {
            t::fake_server server({.tls12_only = tls12, .close_after_requests = 1});
            fault_case f(server);
            for (int i = 0; i < 3; ++i) {
                const auto r = f.generate();
                BOOST_REQUIRE_MESSAGE(!r.ec, f.diag.message());
            }
            const auto s = f.c.stats();
            BOOST_TEST(s.tls_handshakes == 3u);
            BOOST_TEST(s.tls_resumed == 2u);  // all but the first
            BOOST_TEST(server.tls_handshakes() == 3u);
            BOOST_TEST(server.tls_resumed() == 2u);
        }
    }
}

// A session is offered only to the origin it came from: the same server
// (the same ticket keys) reached by another host name gets a full
// handshake, and a client of its own (other TLS settings) starts afresh.
BOOST_AUTO_TEST_CASE(sessions_never_cross_hosts_or_clients) {
    t::fake_server server({.close_after_requests = 1});
    fault_case f(server);
    auto req = small_generation();
    req.response_format = oi::ImageResponseFormat::url;
    const auto first = f.generate(req);
    BOOST_REQUIRE_MESSAGE(!first.ec, f.diag.message());
    const std::string url = first.response.data.at(0).url.value();
    const std::string ip = "https://127.0.0.1:";
    BOOST_REQUIRE(url.starts_with(ip));

    // The image from https://localhost:PORT, the server's other name.
    std::string body;
    f.c.async_download("https://localhost:" + url.substr(ip.size()), f.diag,
                       [&](boost::system::error_code ec, std::string b) {
                           BOOST_TEST(!ec, ec.message() << ": " << f.diag.message());
                           body = std::move(b);
                       });
    f.ioc.restart();
    f.ioc.run_for(std::chrono::seconds(30));
    BOOST_TEST(body.starts_with("\x89PNG"));
    BOOST_TEST(server.tls_handshakes() == 2u);
    BOOST_TEST(server.tls_resumed() == 0u);

    // Back to 127.0.0.1: its session is still there.
    BOOST_REQUIRE(!f.generate().ec);
    BOOST_TEST(server.tls_resumed() == 1u);
    BOOST_TEST(f.c.stats().tls_resumed == 1u);

    // Another client (here with its CA from memory) has sessions of its own.
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.tls.ca_file.clear();
    opts.tls.context = context_trusting_test_ca();
    oi::client other(ioc.get_executor(), opts);
    auto r = run_one(ioc, [&](auto h) { other.async_create_image(small_generation(), h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
    BOOST_TEST(other.stats().tls_handshakes == 1u);
    BOOST_TEST(other.stats().tls_resumed == 0u);
    BOOST_TEST(server.tls_resumed() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
