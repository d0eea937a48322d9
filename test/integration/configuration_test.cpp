// Client options and requests that can never succeed: what from_env reads,
// the base URL (https, plain http, or refused), and the API key and request
// checks that fail before any connection is opened.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using client_fixture::options_for;
using client_fixture::run_one;
using client_fixture::scratch_dir;
using client_fixture::small_generation;

}  // namespace

BOOST_AUTO_TEST_SUITE(client_configuration)

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

// single_thread: no strand of the client's own; many operations at once on
// an io_context run by this thread all complete, each exactly once.
BOOST_AUTO_TEST_CASE(single_thread_runs_on_the_executor_itself) {
    t::fake_server server;
    asio::io_context ioc(1);
    auto o = options_for(server);
    o.single_thread = true;
    o.pool.max_connections = 3;  // some requests wait for a connection
    oi::client c(ioc.get_executor(), o);
    int done = 0, failed = 0;
    for (int i = 0; i < 8; ++i) {
        c.async_create_image(small_generation(),
                             [&](boost::system::error_code ec, oi::ImagesResponse r) {
                                 ++done;
                                 if (ec || r.data.size() != 1)
                                     ++failed;
                             });
    }
    ioc.run_for(std::chrono::seconds(30));
    BOOST_TEST(done == 8);
    BOOST_TEST(failed == 0);
    BOOST_TEST(c.stats().requests == 8u);
    BOOST_TEST(c.stats().connections_opened == 3u);
    BOOST_TEST(c.stats().pool_waits == 5u);
}

BOOST_AUTO_TEST_CASE(single_thread_and_strand_per_operation_exclude_each_other) {
    asio::io_context ioc;
    oi::client_options o;
    o.single_thread = true;
    o.strand_per_operation = true;
    try {
        oi::client c(ioc.get_executor(), o);
        BOOST_ERROR("no exception");
    } catch (const oi::client_error& e) {
        BOOST_TEST(e.code() == oi::client_errc::incompatible_parameters);
        BOOST_TEST(e.param() == "single_thread");
        BOOST_TEST(std::string(e.what()) ==
                   "single_thread and strand_per_operation are both set; choose one: "
                   "single_thread runs everything on the executor itself, "
                   "strand_per_operation spreads the work over strands");
    }
}

BOOST_AUTO_TEST_SUITE_END()
