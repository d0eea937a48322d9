// Shared by the integration tests of the client: printing of the library's
// enums in Boost.Test messages, a scratch directory, client options pointed at
// a fake server (its test CA trusted, back-off shortened), and the helpers
// that more than one of the client's test files needs. One executable links
// every test file, so everything here is inline.
#pragma once

#include <boost/test/unit_test.hpp>

#include <openai/images.hpp>
#include <openai/images/image_info.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

// Runs `ioc` until the operation `start(handler)` started completes (exactly
// once) with (error_code, Value); fails the test rather than hang.
template <class Value, class Start>
std::pair<boost::system::error_code, Value> run_for_value(
    boost::asio::io_context& ioc, Start&& start,
    std::chrono::seconds limit = std::chrono::seconds(60)) {
    std::optional<std::pair<boost::system::error_code, Value>> out;
    start([&out](boost::system::error_code ec, Value v) {
        BOOST_TEST(!out.has_value());  // exactly once
        out.emplace(ec, std::move(v));
    });
    ioc.restart();
    ioc.run_for(limit);
    BOOST_REQUIRE_MESSAGE(out.has_value(), "the operation did not complete");
    return std::move(*out);
}

// Runs `ioc` until `done()` holds, checking every 2 ms; false when `limit` passed.
inline bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::milliseconds(20'000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    boost::asio::steady_timer timer(ioc);
    ioc.restart();
    while (!done()) {
        if (std::chrono::steady_clock::now() >= end)
            return false;
        timer.expires_after(std::chrono::milliseconds(2));
        timer.async_wait([](boost::system::error_code) {});
        ioc.run_one();
    }
    return true;
}

inline openai::images::CreateImageRequest small_generation() {
    return {.prompt = "a red square",
            .model = openai::images::ImageModel::dall_e_2,
            .response_format = openai::images::ImageResponseFormat::b64_json,
            .size = openai::images::ImageSize::s256x256};
}

// Writes a PNG of the given size to the scratch directory once and returns its path.
inline std::filesystem::path png_file(std::uint32_t w, std::uint32_t h) {
    auto path = scratch_dir() / ("in-" + std::to_string(w) + "x" + std::to_string(h) + ".png");
    if (!std::filesystem::exists(path)) {
        std::ofstream(path, std::ios::binary) << openai::images::testing::make_png(w, h);
    }
    return path;
}

inline openai::images::image_info decoded_info(const openai::images::Image& img) {
    namespace oi = openai::images;
    std::vector<unsigned char> bytes;
    oi::diagnostics diag;
    const boost::system::error_code ec = oi::decode_image(img, bytes, diag);
    BOOST_REQUIRE_MESSAGE(!ec, "decode_image: " << diag.message());
    oi::image_info info;
    const boost::system::error_code pec =
        oi::probe_image(oi::file_source::from_memory(std::span(bytes)), info, diag);
    BOOST_REQUIRE_MESSAGE(!pec, "probe_image: " << diag.message());
    return info;
}

inline bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

/// A client of `s` with its own io_context and diagnostics, its options
/// changed by `tweak` before the client is made.
struct fault_case {
    openai::images::client_options opts;
    openai::images::testing::fake_server& server;
    boost::asio::io_context ioc;
    openai::images::client c;
    openai::images::diagnostics diag;

    fault_case(openai::images::testing::fake_server& s,
               const std::function<void(openai::images::client_options&)>& tweak = {})
        : opts(options_for(s)),
          server(s),
          c(ioc.get_executor(), (tweak ? tweak(opts) : void(), opts)) {}

    outcome generate(openai::images::CreateImageRequest req = small_generation()) {
        return run_one(ioc, [&](auto h) { c.async_create_image(req, diag, h); });
    }
};

}  // namespace client_fixture
