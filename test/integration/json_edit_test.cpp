// The JSON form of edits end to end against the fake server: what is sent
// (application/json, the references as JSON) and what comes back, answered
// and streamed; and the server's refusal of a data: URL that holds no image
// naming the field, when the client's own validation is off.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"
#include "stream_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using namespace std::chrono_literals;
using client_fixture::decoded_info;
using client_fixture::options_for;
using client_fixture::run_one;

std::string png_data_url(std::uint32_t w, std::uint32_t h) {
    return "data:image/png;base64," + oi::base64_encode(t::make_png(w, h));
}

oi::EditImageBodyJsonParam two_references() {
    return {.model = oi::ImageModel::gpt_image_1,
            .images = {{.image_url = png_data_url(32, 32)}, {.image_url = "https://example.com/b"}},
            .mask = oi::ImageRefParam{.image_url = png_data_url(32, 32)},
            .prompt = "put them in a basket",
            .quality = oi::ImageQuality::low,
            .size = oi::ImageSize::s1024x1024};
}

t::server_options small_images() {
    t::server_options o;
    o.max_image_side = 64;
    o.stream_interval = 1ms;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_json_edit)

BOOST_AUTO_TEST_CASE(is_sent_as_json_and_answers_images) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    oi::diagnostics diag;
    auto req = two_references();
    req.n = 2;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image_edit(req, diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    BOOST_REQUIRE_EQUAL(r.response.data.size(), 2u);
    BOOST_TEST(decoded_info(r.response.data[1]).width == 1024u);

    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 1u);
    BOOST_TEST(recs[0].target == "/v1/images/edits");
    BOOST_TEST(recs[0].content_type == "application/json");
    BOOST_TEST(recs[0].files.empty());
    BOOST_TEST(recs[0].body_size == oi::to_json(req).size());
    std::vector<std::string> names;
    for (const auto& [name, value] : recs[0].fields)
        names.push_back(name);
    const std::vector<std::string> expected{"model", "images",  "mask", "prompt",
                                            "n",     "quality", "size"};
    BOOST_TEST(names == expected, boost::test_tools::per_element());
    BOOST_TEST(recs[0].fields[3].second == "put them in a basket");
    BOOST_TEST(recs[0].fields[1].second.ends_with(R"(},{"image_url":"https://example.com/b"}])"));
}

BOOST_AUTO_TEST_CASE(the_servers_refusal_names_the_reference) {
    t::fake_server server;
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.validation.enabled = false;  // the server's own check answers
    oi::client c(ioc.get_executor(), opts);
    auto req = two_references();
    req.images[0].image_url = "data:image/png;base64,bm90IGFuIGltYWdl";  // "not an image"
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image_edit(req, diag, h); });
    BOOST_TEST(r.ec == oi::api_errc::bad_request);
    BOOST_TEST(diag.param() == "images[0].image_url");
    BOOST_TEST(diag.error_type() == "invalid_request_error");
    BOOST_TEST(diag.message().starts_with("images[0].image_url <"));
}

BOOST_AUTO_TEST_CASE(client_validation_names_the_reference) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    auto req = two_references();
    req.images[1].file_id = "file-1";  // beside its image_url
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image_edit(req, diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::incompatible_parameters);
    BOOST_TEST(diag.param() == "images[1]");
    BOOST_TEST(server.requests().empty());
}

BOOST_AUTO_TEST_CASE(streams_partial_images_then_the_final_one) {
    t::fake_server server(small_images());
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.decode_b64_json = true;
    oi::client c(ioc.get_executor(), opts);
    auto req = two_references();
    req.partial_images = 2;
    std::vector<oi::ImageStreamEvent> events;
    oi::diagnostics diag;
    auto r = stream_fixture::run_stream(ioc, c, req, diag, stream_fixture::collect(events));
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    BOOST_REQUIRE_EQUAL(events.size(), 3u);
    BOOST_TEST(events[0].type == "image_edit.partial_image");
    BOOST_TEST(events[2].type == "image_edit.completed");
    BOOST_REQUIRE_EQUAL(r.response.data.size(), 1u);
    BOOST_TEST(*r.response.data[0].bytes == *events[2].bytes);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 1u);
    BOOST_TEST(recs[0].content_type == "application/json");
}

BOOST_AUTO_TEST_SUITE_END()
