// Streamed generations and edits against the fake server, which streams real
// partial PNGs (each a coarser version of the final image) with pacing, and
// its scripted mid-stream faults (an error event, a reset after the k-th
// event, an event cut in half, a stall), also as --fault specs.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"
#include "stream_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>
#include <openai/images/testing/fault_script.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using namespace std::chrono_literals;
using client_fixture::options_for;

t::server_options small_images() {
    t::server_options o;
    o.max_image_side = 64;  // every image 64x64: quick to encode and send
    o.stream_interval = 1ms;
    return o;
}

struct streaming {
    explicit streaming(t::fake_server& s, std::size_t retries = 2,
                       std::chrono::milliseconds stream_idle = 300'000ms)
        : c(ioc.get_executor(), options(s, retries, stream_idle)) {}

    static oi::client_options options(t::fake_server& s, std::size_t retries,
                                      std::chrono::milliseconds stream_idle) {
        auto o = options_for(s);
        o.decode_b64_json = true;
        o.retry.max_retries = retries;
        o.retry.initial_backoff = 1ms;
        o.retry.max_backoff = 2ms;
        o.timeout.stream_idle = stream_idle;
        return o;
    }

    template <class Request>
    client_fixture::outcome run(Request req) {
        events.clear();
        diag = {};
        return stream_fixture::run_stream(ioc, c, std::move(req), diag,
                                          stream_fixture::collect(events));
    }

    asio::io_context ioc;
    oi::client c;
    oi::diagnostics diag;
    std::vector<oi::ImageStreamEvent> events;
};

oi::CreateImageRequest generation(std::int64_t partials, std::int64_t n = 1) {
    return {.prompt = "a lighthouse",
            .model = oi::ImageModel::gpt_image_1,
            .n = n,
            .quality = oi::ImageQuality::low,
            .partial_images = partials};
}

// A server whose first request gets a stream fault after `events` events.
t::fault stream_fault(t::fault::kind what, std::size_t events) {
    t::fault f;
    f.what = what;
    f.events = events;
    return f;
}

oi::image_info info_of(const oi::ImageStreamEvent& e) {
    oi::Image img;
    img.bytes = e.bytes;
    return client_fixture::decoded_info(img);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fake_server_streaming)

BOOST_AUTO_TEST_CASE(partial_images_are_coarser_pngs_of_the_final_one) {
    t::fake_server server(small_images());
    streaming f(server);
    const auto r = f.run(generation(3));
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
    BOOST_TEST_REQUIRE(f.events.size() == 4u);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(f.events[i].type == "image_generation.partial_image");
        BOOST_TEST(f.events[i].partial_image_index.value() == static_cast<std::int64_t>(i));
        const auto info = info_of(f.events[i]);
        BOOST_TEST((info.format == oi::image_format::png));
        BOOST_TEST(info.width == 64u);
        BOOST_TEST(info.height == 64u);
        // Coarser than the final image, and each finer than the one before.
        BOOST_TEST((*f.events[i].bytes != *f.events[3].bytes));
        if (i > 0)
            BOOST_TEST((*f.events[i].bytes != *f.events[i - 1].bytes));
    }
    BOOST_TEST(f.events[3].type == "image_generation.completed");
    BOOST_TEST(f.events[3].size.value() == "64x64");
    // The final image is the one a non-streamed answer carries.
    const std::string png = t::make_png(64, 64);
    BOOST_TEST((*f.events[3].bytes == std::vector<unsigned char>(png.begin(), png.end())));
    BOOST_TEST_REQUIRE(r.response.data.size() == 1u);
    BOOST_TEST((*r.response.data[0].bytes == *f.events[3].bytes));
    BOOST_TEST_REQUIRE(r.response.usage.has_value());
    BOOST_TEST(r.response.usage->output_tokens > 0);
    // The request the server saw asked for a stream.
    const auto records = server.requests();
    BOOST_TEST_REQUIRE(records.size() == 1u);
    BOOST_TEST(records[0].status == 200u);
}

BOOST_AUTO_TEST_CASE(no_partial_images_and_several_images) {
    t::fake_server server(small_images());
    streaming f(server);
    const auto r = f.run(generation(0, 2));
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
    BOOST_TEST_REQUIRE(f.events.size() == 2u);
    BOOST_TEST(f.events[0].type == "image_generation.completed");
    BOOST_TEST(f.events[1].type == "image_generation.completed");
    BOOST_TEST(r.response.data.size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_edit_streams_image_edit_events) {
    t::fake_server server(small_images());
    streaming f(server);
    oi::CreateImageEditRequest edit{.image = {client_fixture::png_file(64, 64)},
                                    .prompt = "add a moon",
                                    .model = oi::ImageModel::gpt_image_1,
                                    .partial_images = 1};
    const auto r = f.run(std::move(edit));
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
    BOOST_TEST_REQUIRE(f.events.size() == 2u);
    BOOST_TEST(f.events[0].type == "image_edit.partial_image");
    BOOST_TEST(f.events[1].type == "image_edit.completed");
    const auto records = server.requests();
    BOOST_TEST_REQUIRE(records.size() == 1u);
    bool stream_field = false;
    for (const auto& [name, value] : records[0].fields)
        stream_field = stream_field || (name == "stream" && value == "true");
    BOOST_TEST(stream_field);
}

BOOST_AUTO_TEST_CASE(an_error_event_after_two_events_fails_with_its_message) {
    t::fake_server server(small_images());
    server.push_fault(
        t::parse_fault_spec("kind=stream-error,events=2,code=image_generation_failed,message=boom")
            .what);
    streaming f(server);
    const auto r = f.run(generation(3));
    BOOST_TEST(r.ec == oi::api_errc::stream_error);
    BOOST_TEST(f.diag.message() == "boom");
    BOOST_TEST(f.diag.api_code() == "image_generation_failed");
    BOOST_TEST(f.events.size() == 2u);
    BOOST_TEST(server.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_reset_after_the_first_event_is_not_sent_again) {
    t::fake_server server(small_images());
    server.push_fault(stream_fault(t::fault::kind::stream_reset, 1));
    streaming f(server);
    const auto r = f.run(generation(2));
    BOOST_TEST(r.ec.failed());
    BOOST_TEST(f.events.size() == 1u);
    BOOST_TEST(server.requests().size() == 1u);
    BOOST_TEST(f.c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_CASE(an_event_cut_before_any_event_arrived_is_retried) {
    t::fake_server server(small_images());
    server.push_fault(stream_fault(t::fault::kind::stream_truncated, 0));
    streaming f(server);
    const auto r = f.run(generation(1));
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
    BOOST_TEST(f.events.size() == 2u);
    BOOST_TEST(server.requests().size() == 2u);
    BOOST_TEST_REQUIRE(f.diag.failed_attempts().size() == 1u);
    BOOST_TEST(f.diag.failed_attempts()[0].ec == oi::client_errc::truncated_response);
}

BOOST_AUTO_TEST_CASE(a_stall_after_an_event_hits_the_stream_idle_timeout) {
    t::fake_server server(small_images());
    server.push_fault(stream_fault(t::fault::kind::stream_stall, 1));
    streaming f(server, 2, 300ms);
    const auto r = f.run(generation(2));
    BOOST_TEST(r.ec == oi::client_errc::stream_idle_timeout);
    BOOST_TEST(f.events.size() == 1u);
    BOOST_TEST(server.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(stream_fault_specs_are_checked) {
    const auto s = t::parse_fault_spec("kind=stream-truncated,events=3,first=1");
    BOOST_TEST((s.what.what == t::fault::kind::stream_truncated));
    BOOST_TEST(s.what.events == 3u);
    try {
        (void)t::parse_fault_spec("kind=status,events=1");
        BOOST_FAIL("events with kind=status was accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "events=1 does nothing with kind=status: it is for the stream-* kinds");
    }
}

BOOST_AUTO_TEST_SUITE_END()
