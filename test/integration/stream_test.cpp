// Streamed generations (client::async_stream, client::stream) against a
// scripted server that answers server-sent events: partial images then the
// final one, error events, streams cut before and after their first event,
// a silent stream, cancellation mid-stream, and a server that answers JSON.
// What must hold: every event in order with its bytes, the final response,
// and a request never sent again once an event reached the caller.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"
#include "hostile_server.hpp"
#include "stream_fixture.hpp"

#include <openai/images.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace h = hostile;
using namespace std::chrono_literals;
using client_fixture::ca_file;
using client_fixture::contains;
using client_fixture::key;
using client_fixture::run_one;

std::vector<unsigned char> image(std::size_t size, unsigned char seed) {
    std::vector<unsigned char> v(size);
    for (std::size_t i = 0; i < size; ++i)
        v[i] = static_cast<unsigned char>(seed + i * 13);
    return v;
}

std::string b64(const std::vector<unsigned char>& v) {
    return oi::base64_encode(std::span<const unsigned char>(v));
}

std::string partial_event(const std::vector<unsigned char>& img, int index) {
    return "event: image_generation.partial_image\ndata: "
           R"({"type":"image_generation.partial_image","b64_json":")" +
           b64(img) +
           R"(","created_at":1700000000,"size":"1024x1024","quality":"low",)"
           R"("background":"opaque","output_format":"png","partial_image_index":)" +
           std::to_string(index) + "}\n\n";
}

std::string completed_event(const std::vector<unsigned char>& img) {
    return "event: image_generation.completed\ndata: "
           R"({"type":"image_generation.completed","b64_json":")" +
           b64(img) +
           R"(","created_at":1700000001,"size":"1024x1024","quality":"low",)"
           R"("background":"opaque","output_format":"png","usage":{"total_tokens":100,)"
           R"("input_tokens":50,"output_tokens":50,"input_tokens_details":{"text_tokens":10,)"
           R"("image_tokens":40}}})"
           "\n\n";
}

const std::string sse_head =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nx-request-id: req_stream\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

const std::string last_chunk = "0\r\n\r\n";

const auto p0 = image(300, 1), p1 = image(301, 2), final_image = image(302, 3);

// A whole stream: two partial images and the final one.
std::string whole_stream() {
    return sse_head + chunk(partial_event(p0, 0)) + chunk(partial_event(p1, 1)) +
           chunk(completed_event(final_image)) + last_chunk;
}

oi::CreateImageRequest streamed_generation() {
    return {.prompt = "a red square",
            .model = oi::ImageModel::gpt_image_1,
            .quality = oi::ImageQuality::low,
            .partial_images = 2};
}

struct stream_case {
    explicit stream_case(const h::server& s, std::size_t retries = 2,
                         const std::function<void(oi::client_options&)>& tweak = {})
        : c(ioc.get_executor(), make_options(s, retries, tweak)) {}

    static oi::client_options make_options(const h::server& s, std::size_t retries,
                                           const std::function<void(oi::client_options&)>& tweak) {
        oi::client_options o;
        o.base_url = s.base_url();
        o.api_key = key;
        o.tls.ca_file = ca_file();
        o.retry.max_retries = retries;
        o.retry.initial_backoff = 1ms;
        o.retry.max_backoff = 2ms;
        o.decode_b64_json = true;
        if (tweak)
            tweak(o);
        return o;
    }

    client_fixture::outcome stream(oi::CreateImageRequest req = streamed_generation()) {
        events.clear();
        diag = {};
        return stream_fixture::run_stream(ioc, c, std::move(req), diag,
                                          stream_fixture::collect(events));
    }

    // The stream with an event function that counts the events and cancels
    // the operation at the first.
    client_fixture::outcome cancelled_at_first_event(std::size_t& seen) {
        asio::cancellation_signal cancel;
        return stream_fixture::run_stream(
            ioc, c, streamed_generation(), diag,
            [&](oi::ImageStreamEvent&) {
                ++seen;
                cancel.emit(asio::cancellation_type::terminal);
            },
            [&](auto handler) {
                return asio::bind_cancellation_slot(cancel.slot(), std::move(handler));
            });
    }

    asio::io_context ioc;
    oi::client c;
    oi::diagnostics diag;
    std::vector<oi::ImageStreamEvent> events;
};

void check_partials(const std::vector<oi::ImageStreamEvent>& events, std::size_t count) {
    BOOST_TEST_REQUIRE(events.size() >= count);
    const std::vector<unsigned char>* partials[] = {&p0, &p1};
    for (std::size_t i = 0; i < count; ++i) {
        BOOST_TEST(events[i].type == "image_generation.partial_image");
        BOOST_TEST(events[i].partial_image_index.value() == static_cast<std::int64_t>(i));
        BOOST_TEST_REQUIRE(events[i].bytes.has_value());
        BOOST_TEST((*events[i].bytes == *partials[i]));
    }
}

void check_final(const oi::ImagesResponse& r) {
    BOOST_TEST_REQUIRE(r.data.size() == 1u);
    BOOST_TEST_REQUIRE(r.data[0].bytes.has_value());
    BOOST_TEST((*r.data[0].bytes == final_image));
    BOOST_TEST(!r.data[0].b64_json.has_value());
    BOOST_TEST(r.created == 1700000001);
    BOOST_TEST(r.size.value() == "1024x1024");
    BOOST_TEST(r.quality.value() == oi::ImageQuality::low);
    BOOST_TEST(r.output_format.value() == oi::ImageOutputFormat::png);
    BOOST_TEST_REQUIRE(r.usage.has_value());
    BOOST_TEST(r.usage->total_tokens == 100);
    BOOST_TEST(r.usage->input_tokens_details.image_tokens == 40);
}

// The pull form, in a coroutine: every event, then the final response.
asio::awaitable<void> pull_all(oi::client& c, std::vector<oi::ImageStreamEvent>& events,
                               oi::ImagesResponse& final_response, std::string& request_id,
                               bool& finished) {
    auto s = c.stream(streamed_generation());
    while (auto e = co_await s.next())
        events.push_back(std::move(*e));
    final_response = std::move(s.response());
    request_id = s.diag().response().request_id;
    finished = true;
}

// The pull form until it throws: the error and message it threw.
asio::awaitable<void> pull_until_failure(oi::client& c, std::vector<oi::ImageStreamEvent>& events,
                                         oi::error_code& ec, std::string& what) {
    auto s = c.stream(streamed_generation());
    try {
        while (auto e = co_await s.next())
            events.push_back(std::move(*e));
    } catch (const oi::client_error& err) {
        ec = err.code();
        what = err.what();
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_streaming)

BOOST_AUTO_TEST_CASE(the_push_form_delivers_each_partial_then_completes_with_the_final_image) {
    h::server s({.head = whole_stream(), .end = h::ending::keep_open}, h::tls_mode::server);
    stream_case f(s);
    const auto r = f.stream();
    BOOST_REQUIRE_MESSAGE(!r.ec, r.ec.message() << ": " << f.diag.message());
    BOOST_TEST_REQUIRE(f.events.size() == 3u);
    check_partials(f.events, 2);
    BOOST_TEST(f.events[2].type == "image_generation.completed");
    BOOST_TEST((*f.events[2].bytes == final_image));
    check_final(r.response);
    // stream=true and the request's partial_images went on the wire.
    BOOST_TEST(contains(s.last_body(), "\"stream\":true"), s.last_body());
    BOOST_TEST(contains(s.last_body(), "\"partial_images\":2"), s.last_body());
    BOOST_TEST(f.diag.response().request_id == "req_stream");
    BOOST_TEST(f.diag.response().attempts == 1u);
    // The connection, read to its end, goes back to the pool.
    BOOST_TEST(f.c.stats().idle_connections == 1u);
}

BOOST_AUTO_TEST_CASE(the_pull_form_gives_each_event_then_the_final_response) {
    h::server s({.head = whole_stream(), .end = h::ending::keep_open}, h::tls_mode::server);
    stream_case f(s);
    std::vector<oi::ImageStreamEvent> events;
    oi::ImagesResponse final_response;
    std::string request_id;
    bool finished = false;
    asio::co_spawn(f.ioc, pull_all(f.c, events, final_response, request_id, finished),
                   [](std::exception_ptr e) {
                       if (e)
                           std::rethrow_exception(e);
                   });
    f.ioc.run_for(30s);
    BOOST_TEST_REQUIRE(finished);
    BOOST_TEST_REQUIRE(events.size() == 3u);
    check_partials(events, 2);
    BOOST_TEST((*events[2].bytes == final_image));
    check_final(final_response);
    BOOST_TEST(request_id == "req_stream");
}

BOOST_AUTO_TEST_CASE(an_error_event_is_the_apis_error_and_is_not_sent_again) {
    const std::string error_event =
        "event: error\ndata: {\"error\":{\"message\":\"The image could not be finished\","
        "\"type\":\"server_error\",\"code\":\"image_generation_failed\",\"param\":null}}\n\n";
    h::server s({.head = sse_head + chunk(partial_event(p0, 0)) + chunk(error_event) + last_chunk,
                 .end = h::ending::keep_open},
                h::tls_mode::server);
    stream_case f(s);
    const auto r = f.stream();
    BOOST_TEST(r.ec == oi::api_errc::stream_error);
    BOOST_TEST(f.diag.message() == "The image could not be finished");
    BOOST_TEST(f.diag.error_type() == "server_error");
    BOOST_TEST(f.diag.api_code() == "image_generation_failed");
    BOOST_TEST(f.diag.response().request_id == "req_stream");
    check_partials(f.events, 1);
    BOOST_TEST(f.events.size() == 1u);
    BOOST_TEST(s.requests() == 1u);
    BOOST_TEST(f.c.stats().retries == 0u);
}

BOOST_AUTO_TEST_CASE(a_stream_cut_after_its_first_event_is_not_sent_again) {
    // The chunked body stops inside the second event; the server then closes.
    const std::string second = completed_event(final_image);
    h::server s({.head = sse_head + chunk(partial_event(p0, 0)) +
                         chunk(second.substr(0, second.size() / 2)),
                 .end = h::ending::no_close_notify},
                h::tls_mode::server);
    stream_case f(s);
    const auto r = f.stream();
    BOOST_TEST(r.ec == oi::client_errc::truncated_response);
    check_partials(f.events, 1);
    BOOST_TEST(f.events.size() == 1u);
    // Retryable as a failure, but part of the answer reached the caller.
    BOOST_TEST(s.requests() == 1u);
    BOOST_TEST(f.diag.response().attempts == 1u);
    BOOST_TEST(f.c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_CASE(a_stream_cut_before_any_event_is_retried) {
    h::server s({.head = sse_head + chunk(": the first event is coming\n"),
                 .end = h::ending::no_close_notify},
                h::tls_mode::server);
    stream_case f(s);
    const auto r = f.stream();
    BOOST_TEST(r.ec == oi::client_errc::truncated_response);
    BOOST_TEST(f.events.empty());
    BOOST_TEST(s.requests() == 3u);
    BOOST_TEST(f.diag.response().attempts == 3u);
    BOOST_TEST(f.diag.failed_attempts().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_stream_ended_without_its_final_image_fails) {
    h::server s(
        {.head = sse_head + chunk(partial_event(p0, 0)) + last_chunk, .end = h::ending::keep_open},
        h::tls_mode::server);
    stream_case f(s);
    const auto r = f.stream();
    BOOST_TEST(r.ec == oi::client_errc::truncated_response);
    BOOST_TEST(f.diag.message() == "the stream ended after 0 of 1 final images");
    BOOST_TEST(f.events.size() == 1u);
    BOOST_TEST(s.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(pauses_longer_than_body_idle_are_allowed_up_to_stream_idle) {
    // After the first event, a keep-alive comment trickled one byte every
    // 150 ms (longer than body_idle), then silence until stream_idle.
    h::server s({.head = sse_head + chunk(partial_event(p0, 0)),
                 .trickle = chunk(":\n"),
                 .interval = 150ms,
                 .end = h::ending::keep_open},
                h::tls_mode::server);
    stream_case f(s, 2, [](oi::client_options& o) {
        o.timeout.body_idle = 100ms;
        o.timeout.stream_idle = 400ms;
    });
    const auto start = std::chrono::steady_clock::now();
    const auto r = f.stream();
    BOOST_TEST(r.ec == oi::client_errc::stream_idle_timeout);
    BOOST_TEST(contains(f.diag.message(), "response body"), f.diag.message());
    // The trickle (6 pauses of 150 ms) was read through before the timeout.
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 900ms));
    BOOST_TEST(f.events.size() == 1u);
    BOOST_TEST(s.requests() == 1u);  // an event had been delivered: not sent again
}

BOOST_AUTO_TEST_CASE(cancelling_mid_stream_closes_the_connection_at_once) {
    h::server s({.head = sse_head + chunk(partial_event(p0, 0)), .end = h::ending::keep_open},
                h::tls_mode::server);
    stream_case f(s);
    std::size_t seen = 0;
    const auto r = f.cancelled_at_first_event(seen);
    BOOST_TEST(r.ec == asio::error::operation_aborted);
    BOOST_TEST(seen == 1u);
    const auto stats = f.c.stats();
    BOOST_TEST(stats.open_connections == 0u);
    BOOST_TEST(stats.idle_connections == 0u);
    BOOST_TEST(s.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(the_pull_form_throws_after_the_events_before_a_failure) {
    const std::string error_event =
        "data: {\"error\":{\"message\":\"no\",\"code\":\"moderation_blocked\"}}\n\n";
    h::server s({.head = sse_head + chunk(partial_event(p0, 0)) + chunk(error_event) + last_chunk,
                 .end = h::ending::keep_open},
                h::tls_mode::server);
    stream_case f(s);
    std::vector<oi::ImageStreamEvent> events;
    oi::error_code ec;
    std::string what;
    asio::co_spawn(f.ioc, pull_until_failure(f.c, events, ec, what), asio::detached);
    f.ioc.run_for(30s);
    BOOST_TEST(ec == oi::api_errc::moderation_blocked);
    BOOST_TEST(what == "no [HTTP 200, code moderation_blocked, request id req_stream]");
    check_partials(events, 1);
    BOOST_TEST(events.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_server_that_answers_json_instead_says_so) {
    const auto body = h::images_json();
    h::server s({.head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body,
                 .end = h::ending::keep_open},
                h::tls_mode::server);
    stream_case f(s);
    const auto r = f.stream();
    BOOST_TEST(r.ec == oi::client_errc::truncated_response);
    BOOST_TEST(f.diag.message() ==
               "the stream ended after 0 of 1 final images (the answer's Content-Type is "
               "'application/json', not text/event-stream)");
    // A whole answer came: the server did the work, so it is not asked again.
    BOOST_TEST(s.requests() == 1u);
    BOOST_TEST(f.diag.response().attempts == 1u);
}

BOOST_AUTO_TEST_CASE(no_event_is_delivered_after_a_cancellation_from_the_event_function) {
    // Every event in one piece: the ones after the first are already read
    // when the function cancels.
    h::server s({.head = whole_stream(), .end = h::ending::keep_open}, h::tls_mode::server);
    stream_case f(s);
    std::size_t seen = 0;
    const auto r = f.cancelled_at_first_event(seen);
    BOOST_TEST(r.ec == asio::error::operation_aborted);
    BOOST_TEST(seen == 1u);
    BOOST_TEST(f.c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_CASE(an_event_function_that_throws_ends_the_stream_with_its_error) {
    // After the first event the server goes silent: the operation must not
    // wait for the rest of the stream to report the function's failure.
    h::server s({.head = sse_head + chunk(partial_event(p0, 0)), .end = h::ending::keep_open},
                h::tls_mode::server);
    stream_case f(s);
    std::size_t seen = 0;
    const auto r = stream_fixture::run_stream(f.ioc, f.c, streamed_generation(), f.diag,
                                              [&](oi::ImageStreamEvent&) {
                                                  ++seen;
                                                  throw std::runtime_error("disk full");
                                              });
    BOOST_TEST(r.ec == boost::system::errc::io_error);
    BOOST_TEST(f.diag.message() == "disk full");
    BOOST_TEST(seen == 1u);
    BOOST_TEST(s.requests() == 1u);
    BOOST_TEST(f.c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_CASE(a_model_that_cannot_stream_is_refused_before_sending) {
    h::server s({.head = whole_stream()}, h::tls_mode::server);
    stream_case f(s);
    const auto r = f.stream(client_fixture::small_generation());  // dall-e-2
    BOOST_TEST(r.ec == oi::client_errc::parameter_not_supported);
    BOOST_TEST(f.diag.param() == "stream");
    BOOST_TEST(s.connections() == 0u);
    auto req = streamed_generation();
    req.partial_images = 4;
    BOOST_TEST(f.stream(req).ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(f.diag.param() == "partial_images");
    BOOST_TEST(s.connections() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
