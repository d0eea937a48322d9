// TLS session resumption against nginx (Debian's package, OpenSSL's server):
// a server that closes every connection after one answer, so that each
// request opens a new connection, resumes the session of the one before, for
// TLS 1.3 (tickets) and TLS 1.2 (nginx's session cache and tickets).
#define BOOST_TEST_MODULE openai_images_peer
#include <boost/test/unit_test.hpp>

#include "nginx_server.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>

namespace {

namespace oi = openai::images;

// A canned ImagesResponse for every generation; one answer per connection.
const std::string site_directives =
    "keepalive_requests 1; ssl_session_cache shared:SSL:1m; "
    "location /v1/images/generations { default_type application/json; "
    "return 200 '{\"created\":1700000000,\"data\":[{\"url\":\"https://127.0.0.1/a.png\"}]}'; }";

oi::client_stats generate_three(const peer::nginx_server& nginx, std::size_t site) {
    boost::asio::io_context ioc;
    oi::client_options o;
    o.base_url = nginx.base_url(site);
    o.api_key = "sk-test-key";
    o.tls.ca_file = nginx.ca_file();
    oi::client c(ioc.get_executor(), o);
    oi::CreateImageRequest req{.prompt = "a red square",
                               .model = oi::ImageModel::dall_e_2,
                               .size = oi::ImageSize::s256x256};
    for (int i = 0; i < 3; ++i) {
        bool done = false;
        oi::diagnostics diag;
        c.async_create_image(req, diag, [&](boost::system::error_code ec, oi::ImagesResponse r) {
            BOOST_TEST(!ec, ec.message()
                                << ": " << diag.message() << "\nnginx: " << nginx.error_log());
            BOOST_TEST(r.data.size() == 1u);
            done = true;
        });
        ioc.restart();
        ioc.run_for(std::chrono::seconds(30));
        BOOST_REQUIRE(done);
    }
    return c.stats();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nginx_tls_resumption)

BOOST_AUTO_TEST_CASE(sessions_are_resumed_with_tls13_and_tls12) {
    peer::nginx_server nginx({{"ssl_protocols TLSv1.3; " + site_directives},
                              {"ssl_protocols TLSv1.2; " + site_directives}});
    for (std::size_t site : {0u, 1u}) {
        BOOST_TEST_CONTEXT((site == 0 ? "TLS 1.3" : "TLS 1.2")) {
            const auto s = generate_three(nginx, site);
            BOOST_TEST(s.connections_opened == 3u);
            BOOST_TEST(s.tls_handshakes == 3u);
            BOOST_TEST(s.tls_resumed == 2u);  // all but the first
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
