// The events of a streamed generation or edit (src/image_event_reader.hpp):
// server-sent events whose JSON data is parsed as it arrives, images kept as
// text or decoded into bytes, error events as the API's errors, [DONE], and
// streams cut short; the same outcome whatever the body's split.
#include <openai/images/base64.hpp>
#include <openai/images/json.hpp>

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "../../src/image_event_reader.hpp"
#include "test_common.hpp"

namespace oi = openai::images;
namespace detail = openai::images::detail;

namespace {

struct collector final : detail::image_event_handler {
    std::vector<oi::ImageStreamEvent> events;
    void on_image_event(oi::ImageStreamEvent&& e) override { events.push_back(std::move(e)); }
};

struct outcome {
    std::vector<oi::ImageStreamEvent> events;
    oi::error_code ec;
    oi::diagnostics diag;
    bool done = false;
};

outcome read(const std::vector<std::string_view>& pieces, bool decode) {
    collector c;
    detail::image_event_reader r(decode, c);
    for (auto p : pieces)
        r.write(p);
    outcome o;
    o.ec = r.finish(o.diag);
    o.done = r.done();
    o.events = std::move(c.events);
    BOOST_TEST(r.events() == o.events.size());
    return o;
}

outcome read_whole(std::string_view body, bool decode = true) {
    return read({body}, decode);
}

std::vector<unsigned char> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

// An image's bytes of a recognisable pattern.
std::vector<unsigned char> image(std::size_t size, unsigned char seed) {
    std::vector<unsigned char> v(size);
    for (std::size_t i = 0; i < size; ++i)
        v[i] = static_cast<unsigned char>(seed + i * 7);
    return v;
}

std::string partial_event(const std::vector<unsigned char>& img, int index,
                          std::string_view line_end = "\n") {
    const std::string le(line_end);
    return "event: image_generation.partial_image" + le +
           R"(data: {"type":"image_generation.partial_image","b64_json":")" +
           oi::base64_encode(std::span<const unsigned char>(img)) +
           R"(","created_at":1700000000,"size":"1024x1024","quality":"low",)" +
           R"("background":"opaque","output_format":"png","partial_image_index":)" +
           std::to_string(index) + "}" + le + le;
}

std::string completed_event(const std::vector<unsigned char>& img) {
    return "event: image_generation.completed\n"
           R"(data: {"type":"image_generation.completed","b64_json":")" +
           oi::base64_encode(std::span<const unsigned char>(img)) +
           R"(","created_at":1700000001,"size":"1024x1024","quality":"low",)"
           R"("background":"opaque","output_format":"png","usage":{"total_tokens":100,)"
           R"("input_tokens":50,"output_tokens":50,"input_tokens_details":{"text_tokens":10,)"
           R"("image_tokens":40}}})"
           "\n\n";
}

void check_generation(const outcome& o, const std::vector<unsigned char>& p0,
                      const std::vector<unsigned char>& p1, const std::vector<unsigned char>& fin,
                      bool decode) {
    BOOST_TEST_REQUIRE(!o.ec, o.ec.message() << ": " << o.diag.message());
    BOOST_TEST_REQUIRE(o.events.size() == 3u);
    const std::vector<unsigned char>* images[] = {&p0, &p1, &fin};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& e = o.events[i];
        if (decode) {
            BOOST_TEST_REQUIRE(e.bytes.has_value());
            BOOST_TEST(*e.bytes == *images[i]);
            BOOST_TEST(e.b64_json.empty());
        } else {
            BOOST_TEST(!e.bytes.has_value());
            BOOST_TEST(e.b64_json == oi::base64_encode(std::span<const unsigned char>(*images[i])));
        }
        BOOST_TEST(e.size.value() == "1024x1024");
        BOOST_TEST(e.output_format.value() == oi::ImageOutputFormat::png);
    }
    BOOST_TEST(o.events[0].type == "image_generation.partial_image");
    BOOST_TEST(o.events[0].partial_image_index.value() == 0);
    BOOST_TEST(o.events[1].partial_image_index.value() == 1);
    BOOST_TEST(o.events[0].created_at == 1700000000);
    BOOST_TEST(o.events[2].type == "image_generation.completed");
    BOOST_TEST(!o.events[2].partial_image_index.has_value());
    BOOST_TEST_REQUIRE(o.events[2].usage.has_value());
    BOOST_TEST(o.events[2].usage->total_tokens == 100);
    BOOST_TEST(o.events[2].usage->input_tokens_details.image_tokens == 40);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_events)

BOOST_AUTO_TEST_CASE(every_split_of_a_generation_stream_gives_its_images) {
    const auto p0 = image(100, 1), p1 = image(101, 2), fin = image(102, 3);
    const std::string body =
        ": ping\n" + partial_event(p0, 0) + partial_event(p1, 1, "\r\n") + completed_event(fin);
    for (const bool decode : {true, false}) {
        for (std::size_t i = 0; i <= body.size(); ++i) {
            const std::string_view b = body;
            const auto o = read({b.substr(0, i), b.substr(i)}, decode);
            BOOST_TEST_CONTEXT("decode " << decode << ", split at " << i) {
                check_generation(o, p0, p1, fin, decode);
            }
        }
        // And one byte at a time.
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < body.size(); ++i)
            bytes.push_back(std::string_view(body).substr(i, 1));
        check_generation(read(bytes, decode), p0, p1, fin, decode);
    }
}

BOOST_AUTO_TEST_CASE(an_event_over_8_mib_is_decoded) {
    const auto big = image(9u << 20, 5);
    const auto o = read_whole(completed_event(big));
    BOOST_TEST_REQUIRE(!o.ec, o.diag.message());
    BOOST_TEST_REQUIRE(o.events.size() == 1u);
    BOOST_TEST((*o.events[0].bytes == big));
}

BOOST_AUTO_TEST_CASE(the_spec_examples_are_read) {
    for (const std::string_view type :
         {"image_generation.partial_image", "image_generation.completed",
          "image_edit.partial_image", "image_edit.completed"}) {
        // The spec's examples carry "..." as b64_json: kept as text.
        const std::string body = "event: " + std::string(type) + "\ndata: {\"type\":\"" +
                                 std::string(type) +
                                 "\",\"b64_json\":\"...\",\"created_at\":1620000000,"
                                 "\"size\":\"1024x1024\",\"quality\":\"high\","
                                 "\"background\":\"transparent\",\"output_format\":\"png\"}\n\n";
        const auto o = read_whole(body, false);
        BOOST_TEST_REQUIRE(!o.ec);
        BOOST_TEST_REQUIRE(o.events.size() == 1u);
        BOOST_TEST(o.events[0].type == type);
        BOOST_TEST(o.events[0].b64_json == "...");
        BOOST_TEST(o.events[0].quality.value() == oi::ImageQuality::high);
    }
}

BOOST_AUTO_TEST_CASE(done_ends_the_stream_and_later_events_are_ignored) {
    const auto img = image(30, 9);
    const auto o = read_whole(completed_event(img) + "data: [DONE]\n\n" + completed_event(img));
    BOOST_TEST(!o.ec);
    BOOST_TEST(o.done);
    BOOST_TEST(o.events.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_error_event_is_the_apis_error) {
    const std::string error_object =
        R"({"error":{"message":"Something went wrong","type":"server_error",)"
        R"("code":"internal","param":null}})";
    const auto img = image(30, 9);
    // Named `error`, or any event whose data has an error member.
    for (const std::string& body :
         {partial_event(img, 0) + "event: error\ndata: " + error_object + "\n\n",
          partial_event(img, 0) + "data: " + error_object + "\n\n"}) {
        const auto o = read_whole(body + completed_event(img));
        BOOST_TEST(o.ec == oi::api_errc::stream_error);
        BOOST_TEST(o.diag.message() == "Something went wrong");
        BOOST_TEST(o.diag.error_type() == "server_error");
        BOOST_TEST(o.diag.api_code() == "internal");
        BOOST_TEST(o.diag.param() == "");
        // The partial before it was delivered; nothing after it.
        BOOST_TEST(o.events.size() == 1u);
    }
    // An `error` event whose data is the error object itself.
    auto o = read_whole(
        "event: error\ndata: {\"type\":\"invalid_request_error\",\"message\":\"bad\"}\n\n");
    BOOST_TEST(o.ec == oi::api_errc::stream_error);
    BOOST_TEST(o.diag.message() == "bad");
    BOOST_TEST(o.diag.error_type() == "invalid_request_error");
    // Moderation keeps its own code (never retried).
    o = read_whole(R"(data: {"error":{"code":"moderation_blocked","message":"no"}})"
                   "\n\n");
    BOOST_TEST(o.ec == oi::api_errc::moderation_blocked);
    // An error event whose data is a bare message.
    o = read_whole("event: error\ndata: the server is overloaded\n\n");
    BOOST_TEST(o.ec == oi::api_errc::stream_error);
    BOOST_TEST(o.diag.message() == "the server is overloaded");
    // An error event without data.
    o = read_whole("event: error\ndata:\n\n");
    BOOST_TEST(o.ec == oi::api_errc::stream_error);
    BOOST_TEST(o.diag.message() == "event 1: an error event without data");
}

BOOST_AUTO_TEST_CASE(a_stream_cut_inside_an_event_is_truncated) {
    const auto img = image(300, 4);
    const std::string whole = partial_event(img, 0) + completed_event(img);
    // Cut anywhere after the second event's "data:" (before its blank line). A
    // cut before its first data field leaves no event begun: the operation
    // finds the image missing.
    const std::size_t data =
        partial_event(img, 0).size() +
        whole.substr(whole.find("event: image_generation.completed")).find("data:");
    for (std::size_t cut = data + 5; cut < whole.size() - 1; cut += 37) {
        const auto o = read_whole(std::string_view(whole).substr(0, cut));
        BOOST_TEST_REQUIRE(o.ec == oi::client_errc::truncated_response, "cut at " << cut);
        BOOST_TEST(o.diag.message() == "the stream ended inside event 2");
        BOOST_TEST(o.events.size() == 1u);
    }
    const auto o = read_whole(std::string_view(whole).substr(0, data));
    BOOST_TEST(!o.ec);
    BOOST_TEST(o.events.size() == 1u);
}

BOOST_AUTO_TEST_CASE(data_that_is_not_json_or_an_image_that_is_not_base64_fails) {
    auto o = read_whole("data: hello\n\n");
    BOOST_TEST(o.ec == oi::client_errc::invalid_json);
    BOOST_TEST(o.diag.message() == "event 1: data is neither a JSON object nor [DONE]: hello");
    o = read_whole("data: {\"type\":\n\n");
    BOOST_TEST(o.ec == oi::client_errc::invalid_json);
    BOOST_TEST(o.diag.message().starts_with("event 1: data is not valid JSON ("));
    o = read_whole("data: {\"b64_json\":\"QUJD\"} x\n\n");
    BOOST_TEST(o.ec == oi::client_errc::invalid_json);
    o = read_whole("data: {\"type\":\"image_generation.completed\",\"b64_json\":\"QU*D\"}\n\n");
    BOOST_TEST(o.ec == oi::client_errc::base64_invalid_character);
    BOOST_TEST(o.diag.param() == "b64_json");
    o = read_whole(
        "data: {\"type\":\"image_generation.partial_image\",\"partial_image_index\":\"0\"}\n\n");
    BOOST_TEST(o.ec == oi::client_errc::unexpected_json);
    BOOST_TEST(o.diag.param() == "partial_image_index");
    BOOST_TEST(o.diag.message() == "event 1: partial_image_index: expected an integer");
}

BOOST_AUTO_TEST_CASE(the_event_name_stands_in_for_a_missing_type) {
    auto o = read_whole("event: image_edit.completed\ndata: {\"b64_json\":\"QUJD\"}\n\n");
    BOOST_TEST_REQUIRE(!o.ec);
    BOOST_TEST(o.events.at(0).type == "image_edit.completed");
    BOOST_TEST((*o.events.at(0).bytes == bytes_of("ABC")));
    // Events with only white space as data are skipped (keep-alives).
    o = read_whole("data: \n\ndata: {\"b64_json\":\"QUJD\"}\n\n");
    BOOST_TEST_REQUIRE(!o.ec);
    BOOST_TEST(o.events.size() == 1u);
    BOOST_TEST(o.events.at(0).type == "");
}

BOOST_AUTO_TEST_CASE(an_event_round_trips_through_to_json_with_its_bytes) {
    const auto img = image(64, 3);
    auto o = read_whole(completed_event(img));
    BOOST_TEST_REQUIRE(!o.ec);
    const auto& decoded = o.events.at(0);
    // The bytes go back as b64_json, so that both forms serialize alike.
    const auto text = read_whole(completed_event(img), false);
    BOOST_TEST(boost::json::serialize(boost::json::value_from(decoded)) ==
               boost::json::serialize(boost::json::value_from(text.events.at(0))));
}

BOOST_AUTO_TEST_SUITE_END()
