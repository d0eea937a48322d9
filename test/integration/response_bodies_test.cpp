// Response bodies as they arrive: slowly, a few bytes at a time, several
// megabytes over TLS, decoded from base64 while they are read, and over the
// size limit.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <chrono>
#include <cstddef>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using namespace std::chrono_literals;
using client_fixture::contains;
using client_fixture::decoded_info;
using client_fixture::fault_case;
using client_fixture::small_generation;

}  // namespace

BOOST_AUTO_TEST_SUITE(client_response_bodies)

BOOST_AUTO_TEST_CASE(a_slow_body_within_the_idle_timeout_succeeds) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::trickle_body, .chunk = 4096, .interval = 1ms});
    auto r = f.generate();
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
    BOOST_TEST(decoded_info(r.response.data.at(0)).width == 256u);
}

// The body is parsed as it is read: an answer of several images arriving
// a few bytes at a time (one TLS record, so one read, per piece) gives the
// same images as the same answer read at once, and an answer in pieces that
// is not JSON keeps its excerpt and leaves the connection usable.
BOOST_AUTO_TEST_CASE(a_body_in_small_pieces_parses_as_the_whole) {
    t::fake_server server;
    fault_case f(server);
    auto req = small_generation();
    req.n = 3;
    const auto whole = f.generate(req);
    BOOST_REQUIRE_MESSAGE(!whole.ec, whole.ec.message() << ": " << f.diag.message());
    BOOST_REQUIRE_EQUAL(whole.response.data.size(), 3u);
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 1000u}) {
        server.push_fault({.what = t::fault::kind::trickle_body, .chunk = chunk});
        auto pieces = f.generate(req);
        BOOST_REQUIRE_MESSAGE(!pieces.ec, pieces.ec.message() << ": " << f.diag.message());
        // Everything but the time of creation, which may have moved on.
        BOOST_TEST(pieces.response.created >= whole.response.created);
        pieces.response.created = whole.response.created;
        BOOST_TEST(oi::to_json(pieces.response) == oi::to_json(whole.response), "chunk " << chunk);
        BOOST_TEST(pieces.response.data.at(2).b64_json.value().size() > 100u);
    }
    server.push_fault({.what = t::fault::kind::malformed_json,
                       .body = "{\"data\": [{\"b64_json\": \"QUJD\"}], tru"});
    BOOST_TEST(f.generate(req).ec == oi::client_errc::invalid_json);
    BOOST_TEST(contains(f.diag.message(), "{\"data\": [{\"b64_json\": \"QUJD\"}], tru"));
    BOOST_TEST(!f.generate(req).ec);
    BOOST_TEST(f.c.stats().tls_handshakes == 1u);
}

// A large answer over TLS: read by large reads of several records each,
// parsed as it arrives, the connection kept for the next request.
BOOST_AUTO_TEST_CASE(a_large_answer_over_tls_decodes_and_keeps_the_connection) {
    t::fake_server server(t::server_options{.fill = t::image_fill::noise});
    fault_case f(server);
    oi::CreateImageRequest req;
    req.prompt = "noise";
    req.model = oi::ImageModel::gpt_image_1;
    req.n = 2;
    req.size = oi::ImageSize::s1024x1024;
    for (int round = 0; round < 2; ++round) {
        const auto r = f.generate(req);
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
        BOOST_REQUIRE_EQUAL(r.response.data.size(), 2u);
        for (const auto& img : r.response.data) {
            // Random pixels do not compress: about 3 MB of PNG per image.
            BOOST_TEST(img.b64_json.value().size() > 4'000'000u);
            const auto info = decoded_info(img);
            BOOST_TEST(info.width == 1024u);
            BOOST_TEST(info.height == 1024u);
        }
    }
    BOOST_TEST(f.c.stats().tls_handshakes == 1u);
}

// client_options::decode_b64_json: the same images as decode_image gives
// after the answer, whole or trickled, and bad base64 fails the operation
// naming the entry while the connection stays usable.
BOOST_AUTO_TEST_CASE(images_decoded_as_the_answer_arrives_match_decoding_after) {
    t::fake_server server;
    fault_case kept(server);
    fault_case decoding(server, [](auto& o) { o.decode_b64_json = true; });
    auto req = small_generation();
    req.n = 3;
    const auto whole = kept.generate(req);
    BOOST_REQUIRE_MESSAGE(!whole.ec, whole.ec.message() << ": " << kept.diag.message());
    BOOST_REQUIRE_EQUAL(whole.response.data.size(), 3u);
    for (std::size_t chunk : {0u, 1u, 3u, 1000u}) {
        if (chunk > 0)
            server.push_fault({.what = t::fault::kind::trickle_body, .chunk = chunk});
        const auto r = decoding.generate(req);
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << decoding.diag.message());
        BOOST_REQUIRE_EQUAL(r.response.data.size(), 3u);
        for (std::size_t i = 0; i < 3; ++i) {
            const oi::Image& img = r.response.data[i];
            BOOST_TEST(!img.b64_json.has_value());
            std::vector<unsigned char> expected;
            oi::diagnostics d;
            BOOST_REQUIRE(!oi::decode_image(whole.response.data[i], expected, d));
            BOOST_TEST((img.bytes.value() == expected), "chunk " << chunk << " image " << i);
            BOOST_TEST(oi::detect_format(img.bytes.value()) == oi::image_format::png);
        }
    }
    server.push_fault(
        {.what = t::fault::kind::malformed_json,
         .body = R"({"created":1,"data":[{"b64_json":"QUJD"},{"b64_json":"QUJ*"}]})"});
    BOOST_TEST(decoding.generate(req).ec == oi::client_errc::base64_invalid_character);
    BOOST_TEST(decoding.diag.param() == "data[1].b64_json");
    BOOST_TEST(contains(decoding.diag.message(),
                        "data[1].b64_json: invalid base64 character 0x2A at offset 3"));
    BOOST_TEST(decoding.diag.response().attempts == 1u);
    BOOST_TEST(!decoding.generate(req).ec);
    BOOST_TEST(decoding.c.stats().tls_handshakes == 1u);
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_is_rejected) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.limit.max_response_body = 1000; });
    BOOST_TEST(f.generate().ec == oi::client_errc::response_too_large);
    BOOST_TEST(f.diag.response().attempts == 1u);
    // The connection was dropped, the next request opens a new one.
    BOOST_TEST(f.c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
