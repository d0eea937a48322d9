// The client end to end against the fake OpenAI Images server over TLS on
// loopback: the three operations with both response formats, every completion
// token kind, the pool under 1,000 concurrent requests, scripted faults and
// retries, timeouts, cancellation, certificate checks and key redaction.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/image_info.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>
#include <zlib.h>

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace oi = openai::images;
namespace t = openai::images::testing;
using boost::system::error_code;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using client_fixture::ca_file;
using client_fixture::key;
using client_fixture::options_for;
using client_fixture::outcome;
using client_fixture::run_one;
using client_fixture::scratch_dir;
using client_fixture::small_generation;

// Writes a PNG of the given size to the scratch directory once and returns its path.
std::filesystem::path png_file(std::uint32_t w, std::uint32_t h) {
    auto path = scratch_dir() / ("in-" + std::to_string(w) + "x" + std::to_string(h) + ".png");
    if (!std::filesystem::exists(path)) {
        std::ofstream(path, std::ios::binary) << t::make_png(w, h);
    }
    return path;
}

oi::image_info decoded_info(const oi::Image& img) {
    std::vector<unsigned char> bytes;
    oi::diagnostics diag;
    const error_code ec = oi::decode_image(img, bytes, diag);
    BOOST_REQUIRE_MESSAGE(!ec, "decode_image: " << diag.message());
    oi::image_info info;
    const error_code pec =
        oi::probe_image(oi::file_source::from_memory(std::span(bytes)), info, diag);
    BOOST_REQUIRE_MESSAGE(!pec, "probe_image: " << diag.message());
    return info;
}

// Named coroutine functions, not coroutine lambdas: a lambda's captures live in
// its closure, which must outlive the coroutine (a temporary closure does not).
asio::awaitable<void> throwing_sequence(oi::client& cl, std::optional<oi::api_error>& err,
                                        std::size_t& count) {
    try {
        co_await cl.create_image(small_generation());
    } catch (const oi::api_error& e) {
        err = e;
    }
    auto r = co_await cl.create_image(small_generation());
    oi::CreateImageVariationRequest v{.image = png_file(16, 16),
                                      .response_format = oi::ImageResponseFormat::b64_json,
                                      .size = oi::ImageSize::s256x256};
    auto r2 = co_await cl.create_image_variation(v);
    oi::CreateImageEditRequest e{.image = {png_file(16, 16)},
                                 .prompt = "x",
                                 .model = oi::ImageModel::gpt_image_1_mini,
                                 .size = oi::ImageSize::s1024x1024};
    auto r3 = co_await cl.create_image_edit(e);
    count = r.data.size() + r2.data.size() + r3.data.size();
}

asio::awaitable<void> token_sequence(oi::client& cl, std::size_t& n, error_code& ec2) {
    // The 401 comes first: as_tuple reports it without throwing.
    auto [ec, r] =
        co_await cl.async_create_image(small_generation(), asio::as_tuple(asio::use_awaitable));
    ec2 = ec;
    oi::ImagesResponse ok = co_await cl.async_create_image(small_generation(), asio::use_awaitable);
    n = ok.data.size() + r.data.size();
}

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
    BOOST_TEST(r.response.data[0].url->starts_with(server.base_url() + "/files/"));
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

BOOST_AUTO_TEST_CASE(coroutine_forms_return_and_throw_api_error) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault({.what = t::fault::kind::status,
                       .status = 400,
                       .headers = {{"x-should-retry", "false"}},
                       .error_type = "invalid_request_error",
                       .error_code = "invalid_value",
                       .error_param = "size",
                       .error_message = "Invalid size."});
    std::optional<oi::api_error> caught;
    std::size_t images = 0;
    asio::co_spawn(ioc, throwing_sequence(c, caught, images), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    ioc.run_for(30s);
    BOOST_TEST(images == 3u);
    BOOST_REQUIRE(caught.has_value());
    BOOST_TEST(caught->code() == oi::api_errc::bad_request);
    BOOST_TEST(caught->status() == 400u);
    BOOST_TEST(caught->type() == "invalid_request_error");
    BOOST_TEST(caught->api_code() == "invalid_value");
    BOOST_TEST(caught->param() == "size");
    BOOST_TEST(caught->message() == "Invalid size.");
    BOOST_TEST(caught->request_id().starts_with("req_"));
    BOOST_TEST(caught->attempts() == 1u);
    BOOST_TEST(std::string(caught->what()).find("Invalid size.") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(validation_fails_before_connecting) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    oi::diagnostics diag;
    oi::CreateImageRequest req{.prompt = "x", .model = oi::ImageModel::dall_e_3, .n = 2};
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(req, diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(diag.param() == "n");
    BOOST_TEST(server.connections_accepted() == 0u);
    BOOST_TEST(c.stats().connections_opened == 0u);

    oi::CreateImageEditRequest edit{.image = {scratch_dir() / "missing.png"}, .prompt = "x"};
    r = run_one(ioc, [&](auto h) { c.async_create_image_edit(edit, diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::file_open_failed);
    BOOST_TEST(std::string(diag.message()).find("missing.png") != std::string::npos);

    oi::CreateImageRequest streaming{
        .prompt = "x", .model = oi::ImageModel::gpt_image_1, .stream = true};
    r = run_one(ioc, [&](auto h) { c.async_create_image(streaming, diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::streaming_not_supported);
    BOOST_TEST(server.connections_accepted() == 0u);
}

BOOST_AUTO_TEST_CASE(missing_api_key_for_the_real_api_fails_before_connecting) {
    asio::io_context ioc;
    oi::client_options o;  // https://api.openai.com/v1, no key
    oi::client c(ioc.get_executor(), o);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::missing_api_key);
    BOOST_TEST(diag.param() == "api_key");
    BOOST_TEST(c.stats().connections_opened == 0u);
}

BOOST_AUTO_TEST_CASE(from_env_reads_the_four_variables) {
    ::setenv("OPENAI_API_KEY", "sk-env", 1);
    ::setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", 1);
    ::setenv("OPENAI_ORG_ID", "org-env", 1);
    ::setenv("OPENAI_PROJECT_ID", "proj-env", 1);
    const auto o = oi::client_options::from_env();
    ::unsetenv("OPENAI_API_KEY");
    ::unsetenv("OPENAI_BASE_URL");
    ::unsetenv("OPENAI_ORG_ID");
    ::unsetenv("OPENAI_PROJECT_ID");
    BOOST_TEST(o.api_key == "sk-env");
    BOOST_TEST(o.base_url == "http://127.0.0.1:9/v1");
    BOOST_TEST(o.organization == "org-env");
    BOOST_TEST(o.project == "proj-env");
    const auto d = oi::client_options::from_env();
    BOOST_TEST(d.base_url == "https://api.openai.com/v1");
    BOOST_TEST(d.api_key.empty());
}

BOOST_AUTO_TEST_CASE(invalid_base_url_is_rejected_by_the_constructor) {
    asio::io_context ioc;
    oi::client_options o;
    o.base_url = "ftp://example.com/v1";
    try {
        oi::client c(ioc.get_executor(), o);
        BOOST_FAIL("no exception");
    } catch (const oi::client_error& e) {
        BOOST_TEST(e.code() == oi::client_errc::invalid_base_url);
        BOOST_TEST(e.param() == "base_url");
        BOOST_TEST(std::string(e.what()) ==
                   "base_url: 'ftp://example.com/v1' must start with http:// or https://");
    }
}

BOOST_AUTO_TEST_CASE(plain_http_base_url_works) {
    t::fake_server server({.tls = false});
    asio::io_context ioc;
    auto opts = options_for(server);
    BOOST_TEST(opts.base_url.starts_with("http://"));
    oi::client c(ioc.get_executor(), opts);
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
    BOOST_TEST(c.stats().tls_handshakes == 0u);
    BOOST_TEST(c.stats().connections_opened == 1u);
    BOOST_TEST(server.requests().at(0).tls_cipher == "");
}

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
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->add_certificate_authority(asio::buffer(t::test_pki().ca_cert_pem));
    ctx->set_verify_mode(ssl::verify_peer);
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

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_tokens)

BOOST_AUTO_TEST_CASE(plain_callback_runs_on_its_associated_executor) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    auto strand = asio::make_strand(ioc);
    bool on_strand = false;
    auto r = run_one(ioc, [&](auto h) {
        c.async_create_image(
            small_generation(),
            asio::bind_executor(strand, [&, h](error_code ec, oi::ImagesResponse resp) mutable {
                on_strand = strand.running_in_this_thread();
                h(ec, std::move(resp));
            }));
    });
    BOOST_TEST(!r.ec);
    BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_CASE(use_future_from_another_thread) {
    t::fake_server server;
    asio::io_context ioc;
    auto guard = asio::make_work_guard(ioc);
    std::thread runner([&] { ioc.run(); });
    oi::client c(ioc.get_executor(), options_for(server));
    std::future<oi::ImagesResponse> ok = c.async_create_image(small_generation(), asio::use_future);
    BOOST_REQUIRE(ok.wait_for(30s) == std::future_status::ready);
    BOOST_TEST(ok.get().data.size() == 1u);
    server.push_fault({.what = t::fault::kind::status, .status = 404});
    auto bad = c.async_create_image(small_generation(), asio::use_future);
    BOOST_REQUIRE(bad.wait_for(30s) == std::future_status::ready);
    try {
        bad.get();
        BOOST_FAIL("no exception");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(e.code() == oi::api_errc::not_found);
    }
    guard.reset();
    runner.join();
}

BOOST_AUTO_TEST_CASE(deferred_starts_only_when_invoked) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    auto op = c.async_create_image(small_generation(), asio::deferred);
    ioc.run_for(50ms);
    BOOST_TEST(server.requests().empty());
    auto r = run_one(ioc, [&](auto h) { std::move(op)(h); });
    BOOST_TEST(!r.ec);
    BOOST_TEST(server.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(use_awaitable_and_as_tuple) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault({.what = t::fault::kind::status, .status = 401});
    std::size_t first = 0;
    error_code second;
    asio::co_spawn(ioc, token_sequence(c, first, second), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    ioc.run_for(30s);
    BOOST_TEST(second == oi::api_errc::authentication_error);
    BOOST_TEST(first == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Runs `ioc` until `done()` holds, checking every 2 ms; false when `limit` passed.
bool run_until(asio::io_context& ioc, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 20'000ms) {
    const auto end = steady::now() + limit;
    asio::steady_timer timer(ioc);
    ioc.restart();
    while (!done()) {
        if (steady::now() >= end)
            return false;
        timer.expires_after(2ms);
        timer.async_wait([](error_code) {});
        ioc.run_one();
    }
    return true;
}

// Starts `count` generations at once and runs `threads` threads until all
// completed; returns how many succeeded and checks each completed once.
std::size_t concurrent_generations(oi::client& c, asio::io_context& ioc, std::size_t count,
                                   std::size_t threads) {
    std::atomic<std::size_t> ok{0}, completed{0}, duplicates{0};
    std::vector<std::atomic<int>> seen(count);
    oi::CreateImageRequest req{.prompt = "many",
                               .model = oi::ImageModel::dall_e_2,
                               .response_format = oi::ImageResponseFormat::url,
                               .size = oi::ImageSize::s256x256};
    for (std::size_t i = 0; i < count; ++i) {
        c.async_create_image(req, [&, i](error_code ec, oi::ImagesResponse r) {
            if (seen[i].fetch_add(1) != 0)
                duplicates.fetch_add(1);
            if (!ec && r.data.size() == 1 && r.data[0].url)
                ok.fetch_add(1);
            completed.fetch_add(1);
        });
    }
    std::vector<std::thread> runners;
    for (std::size_t i = 1; i < threads; ++i)
        runners.emplace_back([&] { ioc.run_for(120s); });
    ioc.run_for(120s);
    for (auto& th : runners)
        th.join();
    BOOST_TEST(completed.load() == count);
    BOOST_TEST(duplicates.load() == 0u);
    return ok.load();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_pool)

BOOST_AUTO_TEST_CASE(thousand_concurrent_on_one_thread_through_32_connections) {
    t::fake_server server({.keep_records = false});
    asio::io_context ioc(1);
    auto opts = options_for(server);
    opts.pool.max_connections = 32;
    oi::client c(ioc.get_executor(), opts);
    BOOST_TEST(concurrent_generations(c, ioc, 1000, 1) == 1000u);
    const auto s = c.stats();
    BOOST_TEST(s.tls_handshakes <= 32u);
    BOOST_TEST(s.connections_opened <= 32u);
    BOOST_TEST(server.tls_handshakes() <= 32u);
    BOOST_TEST(s.requests == 1000u);
    BOOST_TEST(s.pool_waits > 0u);
    BOOST_TEST(s.connections_reused >= 1000u - 32u);
    BOOST_TEST(s.open_connections == s.idle_connections);
    BOOST_TEST(s.retries == 0u);
    BOOST_TEST(s.bytes_sent > 0u);
    BOOST_TEST(s.bytes_received > 0u);
}

BOOST_AUTO_TEST_CASE(thousand_concurrent_on_four_threads_through_32_connections) {
    t::fake_server server({.threads = 2, .keep_records = false});
    asio::io_context ioc(4);
    auto opts = options_for(server);
    opts.pool.max_connections = 32;
    oi::client c(ioc.get_executor(), opts);
    BOOST_TEST(concurrent_generations(c, ioc, 1000, 4) == 1000u);
    const auto s = c.stats();
    BOOST_TEST(s.tls_handshakes <= 32u);
    BOOST_TEST(server.tls_handshakes() <= 32u);
    BOOST_TEST(s.requests == 1000u);
    BOOST_TEST(s.open_connections == s.idle_connections);
}

BOOST_AUTO_TEST_CASE(sequential_requests_reuse_one_connection) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    for (int i = 0; i < 5; ++i) {
        auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); });
        BOOST_REQUIRE(!r.ec);
    }
    const auto s = c.stats();
    BOOST_TEST(s.connections_opened == 1u);
    BOOST_TEST(s.connections_reused == 4u);
    BOOST_TEST(s.tls_handshakes == 1u);
    BOOST_TEST(server.connections_accepted() == 1u);
    const auto recs = server.requests();
    for (const auto& r : recs)
        BOOST_TEST(r.connection_id == recs[0].connection_id);
}

BOOST_AUTO_TEST_CASE(idle_connections_expire) {
    t::fake_server server;
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.pool.idle_timeout = 0ms;  // any idle time is too long
    oi::client c(ioc.get_executor(), opts);
    for (int i = 0; i < 3; ++i) {
        BOOST_REQUIRE(
            !run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    }
    BOOST_TEST(c.stats().connections_opened == 3u);
    BOOST_TEST(c.stats().connections_reused == 0u);
    BOOST_TEST(c.stats().open_connections == 1u);
}

BOOST_AUTO_TEST_CASE(a_connection_serves_at_most_max_requests) {
    t::fake_server server;
    asio::io_context ioc;
    auto opts = options_for(server);
    opts.pool.max_requests_per_connection = 2;
    oi::client c(ioc.get_executor(), opts);
    for (int i = 0; i < 5; ++i) {
        BOOST_REQUIRE(
            !run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    }
    BOOST_TEST(c.stats().connections_opened == 3u);
    BOOST_TEST(server.connections_accepted() == 3u);
}

BOOST_AUTO_TEST_CASE(connection_close_from_the_server_is_honoured) {
    t::fake_server server({.close_after_requests = 2});
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    for (int i = 0; i < 5; ++i) {
        BOOST_REQUIRE(
            !run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    }
    BOOST_TEST(c.stats().connections_opened == 3u);
    BOOST_TEST(c.stats().stale_resends == 0u);
    BOOST_TEST(c.stats().retries == 0u);
}

BOOST_AUTO_TEST_CASE(a_kept_alive_connection_closed_by_the_server_is_replaced_without_a_retry) {
    t::fake_server server({.idle_close = 20ms});
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    BOOST_REQUIRE(!run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    // The server closes the idle connection; the client learns it on reuse.
    BOOST_REQUIRE(run_until(ioc, [&] { return server.open_connections() == 0; }));
    BOOST_TEST(c.stats().idle_connections == 1u);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << diag.message());
    const auto s = c.stats();
    BOOST_TEST(s.stale_resends == 1u);
    BOOST_TEST(s.retries == 0u);
    BOOST_TEST(s.connections_opened == 2u);
    BOOST_TEST(diag.response().attempts == 1u);
    BOOST_TEST(diag.attempts().empty());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct fault_case {
    oi::client_options opts;
    t::fake_server& server;
    asio::io_context ioc;
    oi::client c;
    oi::diagnostics diag;

    fault_case(t::fake_server& s, const std::function<void(oi::client_options&)>& tweak = {})
        : opts(options_for(s)),
          server(s),
          c(ioc.get_executor(), (tweak ? tweak(opts) : void(), opts)) {}

    outcome generate(oi::CreateImageRequest req = small_generation()) {
        return run_one(ioc, [&](auto h) { c.async_create_image(req, diag, h); });
    }
};

std::chrono::milliseconds gap(const std::vector<t::request_record>& recs, std::size_t i) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(recs.at(i).received -
                                                                 recs.at(i - 1).received);
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_faults)

BOOST_AUTO_TEST_CASE(server_error_is_retried_then_succeeds) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::status, .status = 500});
    auto r = f.generate();
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message());
    BOOST_TEST(f.diag.response().attempts == 2u);
    BOOST_REQUIRE_EQUAL(f.diag.attempts().size(), 1u);
    BOOST_TEST(f.diag.attempts()[0].ec == oi::api_errc::server_error);
    BOOST_TEST(f.diag.attempts()[0].status == 500u);
    BOOST_TEST(f.c.stats().retries == 1u);
}

BOOST_AUTO_TEST_CASE(an_upload_is_replayed_byte_for_byte_on_a_retry) {
    t::fake_server server;
    fault_case f(server);
    const auto path = png_file(96, 96);
    const std::string second = t::make_png(50, 70);
    oi::CreateImageEditRequest req{
        .image = {path, oi::file_source::from_memory(second, "second.png")},
        .prompt = "replay",
        .model = oi::ImageModel::gpt_image_1};
    server.push_fault({.what = t::fault::kind::status, .status = 500});
    server.push_fault({.what = t::fault::kind::reset_before_headers});
    auto r = run_one(f.ioc, [&](auto h) { f.c.async_create_image_edit(req, f.diag, h); });
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
    // The reset came on the connection kept alive after the 500: re-sent
    // at once, without counting as an attempt.
    BOOST_TEST(f.diag.response().attempts == 2u);
    BOOST_TEST(f.c.stats().stale_resends == 1u);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 3u);
    const std::string first = t::make_png(96, 96);
    const auto crc = [](std::string_view bytes) {
        return static_cast<std::uint32_t>(::crc32(::crc32(0L, Z_NULL, 0),
                                                  reinterpret_cast<const Bytef*>(bytes.data()),
                                                  static_cast<uInt>(bytes.size())));
    };
    for (const auto& rec : recs) {
        BOOST_TEST(rec.body_size == recs[0].body_size);
        BOOST_REQUIRE_EQUAL(rec.file_crc32.size(), 2u);
        BOOST_TEST(rec.file_crc32[0] == crc(first));
        BOOST_TEST(rec.file_crc32[1] == crc(second));
        BOOST_TEST(rec.fields == recs[0].fields);
    }
}

BOOST_AUTO_TEST_CASE(persistent_503_gives_up_after_max_retries) {
    t::fake_server server;
    fault_case f(server);
    server.push_faults(3, {.what = t::fault::kind::status, .status = 503});
    auto r = f.generate();
    BOOST_TEST(r.ec == oi::api_errc::server_error);
    BOOST_TEST(f.diag.response().attempts == 3u);
    BOOST_TEST(f.diag.response().status == 503u);
    BOOST_TEST(f.diag.attempts().size() == 2u);
    BOOST_TEST(server.requests().size() == 3u);
}

BOOST_AUTO_TEST_CASE(html_502_from_a_proxy_gives_status_and_excerpt) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.retry.max_retries = 0; });
    server.push_fault({.what = t::fault::kind::raw_body,
                       .status = 502,
                       .body = "<html><body><h1>502 Bad Gateway</h1></body></html>"});
    auto r = f.generate();
    BOOST_TEST(r.ec == oi::api_errc::server_error);
    BOOST_TEST(contains(f.diag.message(), "HTTP 502"));
    BOOST_TEST(contains(f.diag.message(), "<h1>502 Bad Gateway</h1>"));
}

BOOST_AUTO_TEST_CASE(retry_after_ms_is_honoured) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault(
        {.what = t::fault::kind::status, .status = 429, .headers = {{"retry-after-ms", "300"}}});
    auto r = f.generate();
    BOOST_REQUIRE(!r.ec);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 2u);
    BOOST_TEST(gap(recs, 1) >= 300ms);
    BOOST_TEST(f.diag.attempts().at(0).backoff == 300ms);
    BOOST_TEST(f.diag.attempts().at(0).ec == oi::api_errc::rate_limited);
}

BOOST_AUTO_TEST_CASE(retry_after_seconds_is_honoured) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault(
        {.what = t::fault::kind::status, .status = 429, .headers = {{"retry-after", "1"}}});
    BOOST_REQUIRE(!f.generate().ec);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 2u);
    BOOST_TEST(gap(recs, 1) >= 1000ms);
}

BOOST_AUTO_TEST_CASE(retry_after_over_the_cap_falls_back_to_the_computed_backoff) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.retry.max_retry_after = 100ms; });
    server.push_fault(
        {.what = t::fault::kind::status, .status = 429, .headers = {{"retry-after", "3600"}}});
    BOOST_REQUIRE(!f.generate().ec);
    BOOST_TEST(f.diag.attempts().at(0).backoff <= 5ms);  // max_backoff of the test options
}

BOOST_AUTO_TEST_CASE(x_should_retry_decides) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault(
        {.what = t::fault::kind::status, .status = 500, .headers = {{"x-should-retry", "false"}}});
    BOOST_TEST(f.generate().ec == oi::api_errc::server_error);
    BOOST_TEST(f.diag.response().attempts == 1u);
    server.push_fault(
        {.what = t::fault::kind::status, .status = 400, .headers = {{"x-should-retry", "true"}}});
    BOOST_TEST(!f.generate().ec);
    BOOST_TEST(f.diag.response().attempts == 2u);
}

BOOST_AUTO_TEST_CASE(quota_and_moderation_are_never_retried) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::status,
                       .status = 429,
                       .headers = {{"x-should-retry", "true"}, {"retry-after-ms", "1"}},
                       .error_type = "insufficient_quota",
                       .error_code = "insufficient_quota",
                       .error_message = "You exceeded your current quota."});
    BOOST_TEST(f.generate().ec == oi::api_errc::insufficient_quota);
    BOOST_TEST(f.diag.response().attempts == 1u);
    BOOST_TEST(f.diag.api_code() == "insufficient_quota");
    BOOST_TEST(f.diag.message() == "You exceeded your current quota.");
    server.push_fault({.what = t::fault::kind::status,
                       .status = 400,
                       .error_code = "moderation_blocked",
                       .error_message = "Your request was rejected by the safety system."});
    BOOST_TEST(f.generate().ec == oi::api_errc::moderation_blocked);
    BOOST_TEST(f.diag.response().attempts == 1u);
    BOOST_TEST(f.diag.error_type() == "invalid_request_error");
    BOOST_TEST(server.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(client_errors_carry_type_code_param_and_request_id) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::status,
                       .status = 400,
                       .error_code = "invalid_value",
                       .error_param = "quality",
                       .error_message = "Invalid value: 'ultra'."});
    BOOST_TEST(f.generate().ec == oi::api_errc::bad_request);
    BOOST_TEST(f.diag.param() == "quality");
    BOOST_TEST(f.diag.api_code() == "invalid_value");
    BOOST_TEST(f.diag.error_type() == "invalid_request_error");
    BOOST_TEST(f.diag.response().request_id.starts_with("req_"));
}

BOOST_AUTO_TEST_CASE(resets_and_truncation_are_retried) {
    using k = t::fault::kind;
    for (auto what : {k::reset_before_headers, k::reset_after_headers, k::truncated_body}) {
        t::fake_server server;
        fault_case f(server);
        server.push_fault({.what = what});
        auto r = f.generate();
        BOOST_TEST_CONTEXT("fault " << static_cast<int>(what)) {
            BOOST_TEST(!r.ec, r.ec.message());
            BOOST_TEST(f.diag.response().attempts == 2u);
            BOOST_TEST(f.diag.attempts().size() == 1u);
            BOOST_TEST(server.requests().size() == 2u);
        }
    }
}

BOOST_AUTO_TEST_CASE(resets_and_truncation_without_retries_give_their_errors) {
    using k = t::fault::kind;
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.retry.max_retries = 0; });
    server.push_fault({.what = k::truncated_body});
    BOOST_TEST(f.generate().ec == oi::client_errc::truncated_response);
    BOOST_TEST(contains(f.diag.message(), "response body"));
    server.push_fault({.what = k::reset_after_headers});
    BOOST_TEST(f.generate().ec == oi::client_errc::truncated_response);
    server.push_fault({.what = k::reset_before_headers});
    const auto r = f.generate();
    BOOST_TEST(r.ec == asio::error::connection_reset);
    BOOST_TEST(contains(f.diag.message(), "response header"));
    // No response came: no timestamps either.
    BOOST_TEST((f.diag.response().header_received == std::chrono::steady_clock::time_point{}));
    BOOST_TEST((f.diag.response().body_received == std::chrono::steady_clock::time_point{}));
    // The pool is healthy afterwards.
    BOOST_TEST(!f.generate().ec);
    BOOST_TEST(f.c.stats().open_connections == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_json_is_not_retried) {
    t::fake_server server;
    fault_case f(server);
    server.push_fault({.what = t::fault::kind::malformed_json, .body = "{\"data\": [tru"});
    BOOST_TEST(f.generate().ec == oi::client_errc::invalid_json);
    BOOST_TEST(contains(f.diag.message(), "HTTP 200"));
    BOOST_TEST(contains(f.diag.message(), "{\"data\": [tru"));
    BOOST_TEST(f.diag.response().attempts == 1u);
}

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

namespace {

// A TCP listener on 127.0.0.1 that accepts and then says nothing.
struct silent_listener {
    asio::io_context ioc;
    asio::ip::tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    std::vector<asio::ip::tcp::socket> accepted;
    std::thread runner;

    silent_listener() {
        accept();
        runner = std::thread([this] { ioc.run(); });
    }
    ~silent_listener() {
        asio::post(ioc, [this] {
            acceptor.close();
            for (auto& s : accepted)
                s.close();
        });
        runner.join();
    }
    void accept() {
        acceptor.async_accept([this](error_code ec, asio::ip::tcp::socket s) {
            if (ec)
                return;
            accepted.push_back(std::move(s));
            accept();
        });
    }
    std::string base_url(bool tls) const {
        return std::string(tls ? "https" : "http") +
               "://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/v1";
    }
};

// A listener whose accept queue is full and never drained: connecting to it
// stays in SYN-SENT until the client gives up.
struct full_backlog {
    asio::io_context ioc;
    asio::ip::tcp::acceptor acceptor{ioc};
    std::vector<asio::ip::tcp::socket> fillers;

    full_backlog() {
        const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor.open(ep.protocol());
        acceptor.bind(ep);
        acceptor.listen(0);
        // Fill the queue: connects that complete are queued, later ones hang.
        for (int i = 0; i < 8; ++i) {
            fillers.emplace_back(ioc);
            fillers.back().async_connect(acceptor.local_endpoint(), [](error_code) {});
        }
        ioc.run_for(200ms);
    }
    std::string base_url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/v1";
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(client_timeouts)

BOOST_AUTO_TEST_CASE(connect_timeout) {
    full_backlog backlog;
    asio::io_context ioc;
    oi::client_options o;
    o.base_url = backlog.base_url();
    o.api_key = key;
    o.retry.max_retries = 0;
    o.timeout.connect = 300ms;
    oi::client c(ioc.get_executor(), o);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::connect_timeout, r.ec.message() << ": " << diag.message());
    BOOST_TEST(diag.message() == "connecting to 127.0.0.1:" +
                                     std::to_string(backlog.acceptor.local_endpoint().port()));
}

// The diagnostics name the phase and the peer; the error's own message
// ("Connection refused") is the code's, not repeated.
BOOST_AUTO_TEST_CASE(a_refused_connection_names_the_peer_once) {
    std::uint16_t port = 0;
    {
        asio::io_context probe;
        asio::ip::tcp::acceptor a(probe, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }  // closed: nothing listens there now
    asio::io_context ioc;
    oi::client_options o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    o.api_key = key;
    o.retry.max_retries = 0;
    oi::client c(ioc.get_executor(), o);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == asio::error::connection_refused, r.ec.message());
    BOOST_TEST(diag.message() == "connecting to 127.0.0.1:" + std::to_string(port));
}

BOOST_AUTO_TEST_CASE(handshake_timeout) {
    silent_listener silent;
    asio::io_context ioc;
    oi::client_options o;
    o.base_url = silent.base_url(true);
    o.api_key = key;
    o.tls.ca_file = ca_file();
    o.retry.max_retries = 0;
    o.timeout.tls_handshake = 200ms;
    oi::client c(ioc.get_executor(), o);
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == oi::client_errc::handshake_timeout, r.ec.message());
    BOOST_TEST(c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_CASE(response_header_timeout) {
    t::fake_server server;
    fault_case f(server, [](auto& o) {
        o.retry.max_retries = 0;
        o.timeout.response_header = 200ms;
    });
    server.push_fault({.latency = 10'000ms});
    BOOST_TEST(f.generate().ec == oi::client_errc::response_header_timeout);
    BOOST_TEST(contains(f.diag.message(), "response header"));
    BOOST_TEST(!f.generate().ec);  // a fresh connection works
    BOOST_TEST(f.c.stats().connections_opened == 2u);
}

BOOST_AUTO_TEST_CASE(response_header_timeout_is_retried) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.timeout.response_header = 200ms; });
    server.push_fault({.latency = 10'000ms});
    BOOST_TEST(!f.generate().ec);
    BOOST_TEST(f.diag.attempts().at(0).ec == oi::client_errc::response_header_timeout);
}

BOOST_AUTO_TEST_CASE(body_idle_timeout) {
    t::fake_server server;
    fault_case f(server, [](auto& o) {
        o.retry.max_retries = 0;
        o.timeout.body_idle = 200ms;
    });
    server.push_fault({.what = t::fault::kind::trickle_body, .chunk = 100, .interval = 10'000ms});
    BOOST_TEST(f.generate().ec == oi::client_errc::body_idle_timeout);
    BOOST_TEST(contains(f.diag.message(), "response body"));
}

BOOST_AUTO_TEST_CASE(overall_deadline) {
    t::fake_server server;
    fault_case f(server, [](auto& o) { o.timeout.total = 300ms; });
    server.push_fault({.latency = 10'000ms});
    const auto start = steady::now();
    BOOST_TEST(f.generate().ec == oi::client_errc::deadline_exceeded);
    BOOST_TEST(f.diag.response().attempts == 1u);
    BOOST_TEST((steady::now() - start < 5s));
}

BOOST_AUTO_TEST_CASE(pool_wait_timeout) {
    t::fake_server server;
    asio::io_context ioc;
    auto o = options_for(server);
    o.pool.max_connections = 1;
    o.pool.wait_timeout = 100ms;
    o.retry.max_retries = 0;
    oi::client c(ioc.get_executor(), o);
    server.push_fault({.latency = 1'000ms});
    outcome first, second;
    c.async_create_image(small_generation(), [&](error_code ec, oi::ImagesResponse) {
        first.ec = ec;
        first.done = true;
    });
    oi::diagnostics diag;
    c.async_create_image(small_generation(), diag, [&](error_code ec, oi::ImagesResponse) {
        second.ec = ec;
        second.done = true;
    });
    BOOST_REQUIRE(run_until(ioc, [&] { return first.done && second.done; }));
    BOOST_TEST(!first.ec);
    BOOST_TEST(second.ec == oi::client_errc::pool_wait_timeout);
    BOOST_TEST(c.stats().pool_waits == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_cancel)

BOOST_AUTO_TEST_CASE(cancel_mid_upload_closes_the_connection_and_the_pool_recovers) {
    t::fake_server server;
    asio::io_context ioc;
    auto o = options_for(server);
    o.validation.enabled = false;
    oi::client c(ioc.get_executor(), o);
    // 48 MiB behind a PNG header: long enough to be cancelled mid-way.
    std::string big = t::make_png(64, 64);
    big.resize(48u << 20, 'x');
    oi::CreateImageEditRequest req{.image = {oi::file_source::from_memory(big, "big.png")},
                                   .prompt = "x",
                                   .model = oi::ImageModel::gpt_image_1};
    asio::cancellation_signal signal;
    outcome out;
    c.async_create_image_edit(
        req, asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, oi::ImagesResponse) {
            out.ec = ec;
            out.done = true;
        }));
    BOOST_REQUIRE(run_until(ioc, [&] { return c.stats().bytes_sent > (1u << 20) || out.done; }));
    BOOST_REQUIRE(!out.done);
    signal.emit(asio::cancellation_type::terminal);
    BOOST_REQUIRE(run_until(ioc, [&] { return out.done; }));
    BOOST_TEST(out.ec == asio::error::operation_aborted);
    BOOST_TEST(c.stats().bytes_sent < big.size());
    BOOST_TEST(c.stats().open_connections == 0u);
    // Later requests succeed on a new connection.
    BOOST_TEST(!run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    BOOST_TEST(c.stats().connections_opened == 2u);
}

BOOST_AUTO_TEST_CASE(cancel_mid_download_closes_the_connection_and_the_pool_recovers) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault({.what = t::fault::kind::trickle_body, .chunk = 256, .interval = 20ms});
    asio::cancellation_signal signal;
    outcome out;
    c.async_create_image(
        small_generation(),
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, oi::ImagesResponse) {
            out.ec = ec;
            out.done = true;
        }));
    // Wait for the header and some of the body.
    BOOST_REQUIRE(run_until(ioc, [&] { return c.stats().bytes_received > 1024 || out.done; }));
    BOOST_REQUIRE(!out.done);
    signal.emit(asio::cancellation_type::partial);
    BOOST_REQUIRE(run_until(
        ioc, [&] { return out.done; }, 2'000ms));
    BOOST_TEST(out.ec == asio::error::operation_aborted);
    BOOST_TEST(c.stats().open_connections == 0u);
    BOOST_TEST(c.stats().retries == 0u);
    BOOST_TEST(!run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
}

BOOST_AUTO_TEST_CASE(cancel_while_waiting_for_a_connection) {
    t::fake_server server;
    asio::io_context ioc;
    auto o = options_for(server);
    o.pool.max_connections = 1;
    oi::client c(ioc.get_executor(), o);
    server.push_fault({.latency = 300ms});
    outcome first, second;
    asio::cancellation_signal signal;
    c.async_create_image(small_generation(), [&](error_code ec, oi::ImagesResponse) {
        first.ec = ec;
        first.done = true;
    });
    c.async_create_image(
        small_generation(),
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, oi::ImagesResponse) {
            second.ec = ec;
            second.done = true;
        }));
    BOOST_REQUIRE(run_until(ioc, [&] { return c.stats().pool_waits == 1; }));
    signal.emit(asio::cancellation_type::total);
    BOOST_REQUIRE(run_until(ioc, [&] { return second.done; }));
    BOOST_TEST(!first.done);
    BOOST_TEST(second.ec == asio::error::operation_aborted);
    BOOST_REQUIRE(run_until(ioc, [&] { return first.done; }));
    BOOST_TEST(!first.ec);
    BOOST_TEST(server.requests().size() == 1u);
    BOOST_TEST(!run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), h); }).ec);
    BOOST_TEST(c.stats().connections_opened == 1u);
}

BOOST_AUTO_TEST_CASE(cancel_during_the_retry_back_off) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault(
        {.what = t::fault::kind::status, .status = 429, .headers = {{"retry-after", "30"}}});
    asio::cancellation_signal signal;
    outcome out;
    c.async_create_image(
        small_generation(),
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, oi::ImagesResponse) {
            out.ec = ec;
            out.done = true;
        }));
    BOOST_REQUIRE(run_until(ioc, [&] { return c.stats().retries == 1; }));
    signal.emit(asio::cancellation_type::terminal);
    BOOST_REQUIRE(run_until(
        ioc, [&] { return out.done; }, 2'000ms));
    BOOST_TEST(out.ec == asio::error::operation_aborted);
    BOOST_TEST(server.requests().size() == 1u);
    // The connection of the 429 was fine: it stays in the pool.
    BOOST_TEST(c.stats().idle_connections == 1u);
}

BOOST_AUTO_TEST_CASE(destroying_the_client_with_operations_in_flight) {
    t::fake_server server;
    asio::io_context ioc;
    outcome out;
    {
        oi::client c(ioc.get_executor(), options_for(server));
        c.async_create_image(small_generation(), [&](error_code ec, oi::ImagesResponse r) {
            out.ec = ec;
            out.response = std::move(r);
            out.done = true;
        });
    }
    BOOST_REQUIRE(run_until(ioc, [&] { return out.done; }));
    BOOST_TEST(!out.ec);
    BOOST_TEST(out.response.data.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_tls)

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

BOOST_AUTO_TEST_CASE(the_api_key_appears_in_no_message) {
    const std::string secret = "sk-proj-SECRET-0123456789abcdef";
    t::fake_server server({.api_key = secret});
    asio::io_context ioc;
    auto o = options_for(server);
    o.api_key = secret;
    oi::client c(ioc.get_executor(), o);
    std::vector<std::string> texts;
    auto collect = [&](const oi::diagnostics& d, error_code ec) {
        texts.emplace_back(d.message());
        texts.emplace_back(d.param());
        texts.emplace_back(ec.message());
        for (const auto& a : d.attempts())
            texts.push_back(a.message);
        texts.push_back(oi::api_error(ec, d).what());
    };
    // An error body that echoes the key, as some proxies and servers do.
    server.push_faults(3, {.what = t::fault::kind::status,
                           .status = 401,
                           .headers = {{"x-should-retry", "true"}},
                           .error_message = "Incorrect API key provided: " + secret + "."});
    oi::diagnostics diag;
    auto r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    BOOST_TEST(r.ec == oi::api_errc::authentication_error);
    BOOST_TEST(contains(diag.message(), "[redacted]"));
    collect(diag, r.ec);
    server.push_fault(
        {.what = t::fault::kind::raw_body, .status = 502, .body = "upstream said " + secret});
    r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    collect(diag, r.ec);
    server.push_fault({.what = t::fault::kind::malformed_json, .body = "not json " + secret});
    r = run_one(ioc, [&](auto h) { c.async_create_image(small_generation(), diag, h); });
    collect(diag, r.ec);
    // The coroutine form's exception text.
    server.push_fault(
        {.what = t::fault::kind::status, .status = 400, .error_message = "bad key " + secret});
    asio::co_spawn(ioc, c.create_image(small_generation()),
                   [&](std::exception_ptr e, oi::ImagesResponse) {
                       try {
                           if (e)
                               std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                           texts.emplace_back(ex.what());
                       }
                   });
    ioc.restart();
    ioc.run_for(20s);
    BOOST_TEST(texts.size() >= 16u);
    for (const auto& text : texts)
        BOOST_TEST(!contains(text, secret), text);
    // The key itself did go to the server.
    BOOST_TEST(server.requests().back().headers.at("authorization") == "Bearer " + secret);
}

BOOST_AUTO_TEST_SUITE_END()
