// Shared by the integration tests of the client: printing of the library's
// enums in Boost.Test messages, a scratch directory, and client options
// pointed at a fake server (its test CA trusted, back-off shortened).
#pragma once

#include <boost/test/unit_test.hpp>

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>

namespace openai::images {
inline std::ostream& boost_test_print_type(std::ostream& os, client_errc e) {
    return os << make_error_code(e).message() << " (client " << static_cast<int>(e) << ")";
}
inline std::ostream& boost_test_print_type(std::ostream& os, api_errc e) {
    return os << make_error_code(e).message() << " (api " << static_cast<int>(e) << ")";
}
inline std::ostream& boost_test_print_type(std::ostream& os, image_format f) {
    return os << to_string(f);
}
}  // namespace openai::images

namespace client_fixture {

inline const std::string key = "sk-test-key";

/// A directory of its own per process, removed at exit.
inline const std::filesystem::path& scratch_dir() {
    static const struct dir {
        std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("openai-images-client-test-" + std::to_string(::getpid()));
        dir() { std::filesystem::create_directories(path); }
        ~dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    } d;
    return d.path;
}

/// The fake server's test CA, written once per process.
inline const std::string& ca_file() {
    static const std::string path = openai::images::testing::write_ca_file(scratch_dir()).string();
    return path;
}

/// Options for a client of `server`: its URL, the test key and CA, and
/// back-off of a few milliseconds so retries do not slow the tests.
inline openai::images::client_options options_for(
    const openai::images::testing::fake_server& server) {
    using namespace std::chrono_literals;
    openai::images::client_options o;
    o.base_url = server.base_url();
    o.api_key = key;
    o.tls.ca_file = ca_file();
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 5ms;
    return o;
}

/// What one callback operation completed with.
struct outcome {
    boost::system::error_code ec;
    openai::images::ImagesResponse response;
    bool done = false;
};

// Runs the io_context until the callback operation completes; fails the test
// rather than hang when it does not within `limit`.
template <class Start>
outcome run_one(boost::asio::io_context& ioc, Start&& start,
                std::chrono::seconds limit = std::chrono::seconds(30)) {
    outcome out;
    start([&out](boost::system::error_code ec, openai::images::ImagesResponse r) {
        BOOST_TEST(!out.done);  // exactly once
        out.ec = ec;
        out.response = std::move(r);
        out.done = true;
    });
    ioc.restart();
    ioc.run_for(limit);
    BOOST_REQUIRE_MESSAGE(out.done, "the operation did not complete");
    return out;
}

inline openai::images::CreateImageRequest small_generation() {
    return {.prompt = "a red square",
            .model = openai::images::ImageModel::dall_e_2,
            .response_format = openai::images::ImageResponseFormat::b64_json,
            .size = openai::images::ImageSize::s256x256};
}

}  // namespace client_fixture
