// The three operations end to end against the fake server over TLS on
// loopback, each in both response formats: what comes back (decoded images or
// URLs) and what is sent (JSON for generations, multipart for edits and
// variations, and the headers of every request).
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>

#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <tuple>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using client_fixture::decoded_info;
using client_fixture::key;
using client_fixture::options_for;
using client_fixture::png_file;
using client_fixture::run_one;
using client_fixture::small_generation;

}  // namespace

BOOST_AUTO_TEST_SUITE(client_operations)

BOOST_AUTO_TEST_CASE(generation_b64_json_decodes_to_the_requested_size) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    oi::diagnostics diag;
    auto req = small_generation();
    req.n = 2;
    const auto before = std::chrono::steady_clock::now();
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(req, diag, h); });
    const auto after = std::chrono::steady_clock::now();
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    BOOST_REQUIRE_EQUAL(r.response.data.size(), 2u);
    // The header, then the body, were read within the operation.
    BOOST_TEST((diag.response().header_received > before));
    BOOST_TEST((diag.response().body_received >= diag.response().header_received));
    BOOST_TEST((diag.response().body_received < after));
    for (const auto& img : r.response.data) {
        BOOST_TEST(!img.url.has_value());
        const auto info = decoded_info(img);
        BOOST_TEST(info.format == oi::image_format::png);
        BOOST_TEST(info.width == 256u);
        BOOST_TEST(info.height == 256u);
    }
    BOOST_TEST(diag.response().status == 200u);
    BOOST_TEST(diag.response().request_id.starts_with("req_"));
    BOOST_TEST(diag.response().attempts == 1u);
    BOOST_TEST(diag.response().processing_ms.has_value());
    BOOST_TEST(!diag.response().rate_limit("x-ratelimit-remaining-requests").empty());

    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 1u);
    const auto& h = recs[0].headers;
    BOOST_TEST(recs[0].target == "/v1/images/generations");
    BOOST_TEST(h.at("authorization") == "Bearer " + key);
    BOOST_TEST(h.at("accept") == "application/json");
    BOOST_TEST(h.at("content-type") == "application/json");
    BOOST_TEST(h.at("user-agent").starts_with("openai-images-cpp/"));
    BOOST_TEST(h.count("openai-organization") == 0u);
    BOOST_TEST(h.count("openai-project") == 0u);
}

BOOST_AUTO_TEST_CASE(generation_url_then_organization_and_project_headers) {
    t::fake_server server;
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.organization = "org-123";
    opts.project = "proj_456";
    oi::client c(ioc.get_executor(), opts);
    oi::CreateImageRequest req{.prompt = "a lighthouse",
                               .model = oi::ImageModel::dall_e_3,
                               .response_format = oi::ImageResponseFormat::url,
                               .size = oi::ImageSize::s1024x1024};
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(req, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
    BOOST_REQUIRE_EQUAL(r.response.data.size(), 1u);
    BOOST_REQUIRE(r.response.data[0].url.has_value());
    BOOST_TEST(r.response.data[0].url->starts_with(server.base_url() + "/generated/"));
    BOOST_TEST(!r.response.data[0].b64_json.has_value());
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 1u);
    BOOST_TEST(recs[0].headers.at("openai-organization") == "org-123");
    BOOST_TEST(recs[0].headers.at("openai-project") == "proj_456");
}

BOOST_AUTO_TEST_CASE(edit_with_two_images_and_a_mask_in_both_formats) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    const auto first = png_file(64, 48);
    const std::string second_bytes = t::make_png(32, 32);
    const std::string mask_bytes = t::make_png(64, 48);
    for (const char* format : {"b64_json", "url"}) {
        oi::CreateImageEditRequest req{
            .image = {first, oi::file_source::from_memory(second_bytes, "second.png")},
            .prompt = "put them in a basket",
            .mask = oi::file_source::from_memory(mask_bytes, "mask.png"),
            .model = oi::ImageModel::dall_e_2,
            .size = oi::ImageSize::s512x512,
            .response_format = oi::ImageResponseFormat(format)};
        // dall-e-2 edits take one image: use gpt-image-1 for two, url needs dall-e.
        if (std::string_view(format) == "b64_json") {
            req.model = oi::ImageModel::gpt_image_1;
            req.response_format.reset();
            req.size = oi::ImageSize::s1024x1024;
        } else {
            req.image.pop_back();
            req.image[0] = png_file(64, 64);
            req.mask = oi::file_source::from_owned(t::make_png(64, 64), "mask.png");
        }
        oi::diagnostics diag;
        auto r = run_one(ioc, [&](auto h) { c.async_create_image_edit(req, diag, h); });
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
        BOOST_REQUIRE_EQUAL(r.response.data.size(), 1u);
        if (std::string_view(format) == "b64_json") {
            const auto info = decoded_info(r.response.data[0]);
            BOOST_TEST(info.width == 1024u);
            BOOST_TEST(info.height == 1024u);
        } else {
            BOOST_REQUIRE(r.response.data[0].url.has_value());
        }
    }
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 2u);
    // Two images go as image[], one as image; every part has its file name and type.
    BOOST_REQUIRE_EQUAL(recs[0].files.size(), 3u);
    BOOST_TEST(std::get<0>(recs[0].files[0]) == "image[]");
    BOOST_TEST(std::get<1>(recs[0].files[0]) == first.filename().string());
    BOOST_TEST(std::get<2>(recs[0].files[0]) == "image/png");
    BOOST_TEST(std::get<0>(recs[0].files[1]) == "image[]");
    BOOST_TEST(std::get<1>(recs[0].files[1]) == "second.png");
    BOOST_TEST(std::get<3>(recs[0].files[1]) == second_bytes.size());
    BOOST_TEST(std::get<0>(recs[0].files[2]) == "mask");
    BOOST_REQUIRE_EQUAL(recs[1].files.size(), 2u);
    BOOST_TEST(std::get<0>(recs[1].files[0]) == "image");
    BOOST_TEST(recs[0].target == "/v1/images/edits");
    BOOST_TEST(recs[0].content_type.starts_with("multipart/form-data; boundary="));
}

// A body far larger than the socket's buffers: the TLS stream sends what
// the socket takes at once and leaves the rest to an asynchronous write, and
// a file is read in chunks. Every byte must arrive, in order, from a file and
// from memory, on the same connection one after the other.
BOOST_AUTO_TEST_CASE(large_edit_arrives_byte_for_byte_from_a_file_and_from_memory) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    const std::string bytes = t::make_noise_png(1400, 1400);  // about 5.9 MB
    BOOST_REQUIRE_GT(bytes.size(), 5'000'000u);
    const auto path = client_fixture::scratch_dir() / "noise-1400.png";
    std::ofstream(path, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    const auto crc = static_cast<std::uint32_t>(
        ::crc32(::crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()),
                static_cast<uInt>(bytes.size())));
    for (const oi::file_source& image :
         {oi::file_source(path), oi::file_source::from_memory(bytes, "noise.png")}) {
        const oi::CreateImageEditRequest req{
            .image = {image}, .prompt = "a large upload", .model = oi::ImageModel::gpt_image_1};
        oi::diagnostics diag;
        auto r = run_one(ioc, [&](auto h) { c.async_create_image_edit(req, diag, h); });
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
        BOOST_TEST(r.response.data.size() == 1u);
    }
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 2u);
    for (const auto& rec : recs) {
        BOOST_REQUIRE_EQUAL(rec.files.size(), 1u);
        BOOST_TEST(std::get<3>(rec.files[0]) == bytes.size());
        BOOST_REQUIRE_EQUAL(rec.file_crc32.size(), 1u);
        BOOST_TEST(rec.file_crc32[0] == crc);
        BOOST_TEST(rec.status == 200u);
    }
    BOOST_TEST(recs[1].connection_id == recs[0].connection_id);
    BOOST_TEST(c.stats().connections_opened == 1u);
}

BOOST_AUTO_TEST_CASE(variation_in_both_formats) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    for (const char* format : {"b64_json", "url"}) {
        oi::CreateImageVariationRequest req{.image = png_file(40, 40),
                                            .model = oi::ImageModel::dall_e_2,
                                            .n = 3,
                                            .response_format = oi::ImageResponseFormat(format),
                                            .size = oi::ImageSize::s256x256};
        auto r = run_one(ioc, [&](auto h) { c.async_create_image_variation(req, h); });
        BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
        BOOST_REQUIRE_EQUAL(r.response.data.size(), 3u);
        if (std::string_view(format) == "b64_json") {
            BOOST_TEST(decoded_info(r.response.data[2]).width == 256u);
        } else {
            BOOST_TEST(r.response.data[2].url.has_value());
        }
    }
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 2u);
    BOOST_TEST(recs[0].target == "/v1/images/variations");
    BOOST_REQUIRE_EQUAL(recs[0].files.size(), 1u);
    BOOST_TEST(std::get<0>(recs[0].files[0]) == "image");
}

BOOST_AUTO_TEST_SUITE_END()
