// The server-sent events reader (src/sse_reader.hpp) against the WHATWG
// event-stream rules: line ends, multi-line data, comments and ignored
// fields, the byte order mark, and the same events whatever the input's
// split into pieces.
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

#include "../../src/sse_reader.hpp"

namespace detail = openai::images::detail;

namespace {

struct event {
    std::string type, data;
    bool operator==(const event&) const = default;
};

// Records the events; data pieces are joined, and counted, to show that
// data is handed on as it arrives.
struct recorder final : detail::sse_handler {
    std::vector<event> events;
    std::string data;
    std::size_t pieces = 0;
    void on_data(std::string_view piece) override {
        BOOST_TEST(!piece.empty());
        data.append(piece);
        ++pieces;
    }
    void on_event(std::string_view type) override {
        events.push_back({std::string(type), std::exchange(data, {})});
    }
};

struct result {
    std::vector<event> events;
    bool cut = false;  // ended inside an event
};

result read(const std::vector<std::string_view>& pieces) {
    recorder r;
    detail::sse_reader reader(r);
    for (auto p : pieces)
        reader.write(p);
    return {r.events, reader.in_event()};
}

result read_whole(std::string_view s) {
    return read({s});
}

// Every way of cutting `s` into two pieces, then into three (every pair of
// cut points), then one byte at a time: each must give `expected`.
void every_split_gives(std::string_view s, const std::vector<event>& expected, bool cut = false) {
    for (std::size_t i = 0; i <= s.size(); ++i) {
        const auto r = read({s.substr(0, i), s.substr(i)});
        BOOST_TEST_REQUIRE(r.events == expected, "split at " << i);
        BOOST_TEST_REQUIRE(r.cut == cut, "split at " << i);
    }
    for (std::size_t i = 0; i <= s.size(); ++i) {
        for (std::size_t j = i; j <= s.size(); ++j) {
            const auto r = read({s.substr(0, i), s.substr(i, j - i), s.substr(j)});
            BOOST_TEST_REQUIRE(r.events == expected, "splits at " << i << ", " << j);
        }
    }
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < s.size(); ++i)
        bytes.push_back(s.substr(i, 1));
    BOOST_TEST(read(bytes).events == expected);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sse_reader)

BOOST_AUTO_TEST_CASE(every_split_of_a_stream_with_every_rule_gives_the_same_events) {
    const std::string s =
        "\xEF\xBB\xBF"  // a byte order mark, skipped
        ": a comment\r\n"
        "event: image_generation.partial_image\n"
        "id: 7\n"
        "retry: 1000\n"
        "data: {\"a\":\r\n"
        "data:1}\r\n"
        "\r\n"
        "data\n"        // a field without a colon: an empty data line
        "data:  two\r"  // only the first space goes
        "unknown: field\r"
        "\r"
        "event: skipped\n"  // no data: no event, and the type is forgotten
        "\n"
        "data: last\n"
        "\n";
    every_split_gives(s, {
                             {"image_generation.partial_image", "{\"a\":\n1}"},
                             {"message", "\n two"},
                             {"message", "last"},
                         });
}

BOOST_AUTO_TEST_CASE(each_line_end_ends_a_line) {
    for (std::string_view end : {"\n", "\r\n", "\r"}) {
        const std::string s = "data: a" + std::string(end) + "data: b" + std::string(end) +
                              std::string(end) + "data: c" + std::string(end) + std::string(end);
        every_split_gives(s, {{"message", "a\nb"}, {"message", "c"}});
    }
}

BOOST_AUTO_TEST_CASE(a_cr_then_an_lf_in_the_next_piece_is_one_line_end) {
    // CR ending one piece and LF starting the next: one line end, not a
    // line end then a blank line (which would end the event early).
    const auto r = read({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
    BOOST_TEST((r.events == std::vector<event>{{"message", "a\nb"}}));
}

BOOST_AUTO_TEST_CASE(data_is_handed_on_as_it_arrives) {
    recorder r;
    detail::sse_reader reader(r);
    reader.write("data: abc");
    BOOST_TEST(r.data == "abc");
    reader.write("def");
    BOOST_TEST(r.data == "abcdef");
    BOOST_TEST(r.pieces == 2u);
    BOOST_TEST(r.events.empty());
    BOOST_TEST(reader.in_event());
    reader.write("\n\n");
    BOOST_TEST((r.events == std::vector<event>{{"message", "abcdef"}}));
    BOOST_TEST(!reader.in_event());
}

BOOST_AUTO_TEST_CASE(a_stream_cut_inside_an_event_says_so) {
    every_split_gives("data: a\n\ndata: b\n", {{"message", "a"}}, true);
    every_split_gives("data: a\n\ndata: b", {{"message", "a"}}, true);
    // A cut comment or an unknown field leaves no event begun.
    every_split_gives("data: a\n\n: keep-alive", {{"message", "a"}}, false);
    every_split_gives("data: a\n\nevent: x\n", {{"message", "a"}}, false);
}

BOOST_AUTO_TEST_CASE(a_mark_only_at_the_start_is_skipped) {
    every_split_gives(
        "\xEF\xBB\xBF"
        "data: a\n\n",
        {{"message", "a"}});
    // The first bytes of a mark and then something else: they are the start
    // of a field name (here an unknown field), not dropped.
    BOOST_TEST(read_whole("\xEF\xBB"
                          "data: a\n\ndata: b\n\n")
                   .events == (std::vector<event>{{"message", "b"}}));
    // A mark later in the stream is text like any other.
    BOOST_TEST(read_whole("data: a\n\n\xEF\xBB\xBF"
                          "data: b\n\n")
                   .events == (std::vector<event>{{"message", "a"}}));
}

BOOST_AUTO_TEST_CASE(the_last_event_field_names_the_type_and_a_long_one_is_cut) {
    BOOST_TEST(read_whole("event: one\nevent: two\ndata: x\n\n").events ==
               (std::vector<event>{{"two", "x"}}));
    BOOST_TEST(read_whole("event:\ndata: x\n\n").events == (std::vector<event>{{"message", "x"}}));
    const std::string long_type(300, 't');
    const auto r = read_whole("event: " + long_type + "\ndata: x\n\n");
    BOOST_TEST_REQUIRE(r.events.size() == 1u);
    BOOST_TEST(r.events[0].type == std::string(128, 't'));
}

BOOST_AUTO_TEST_CASE(field_names_are_exact) {
    // "Data", "datax" and "dat" are other fields; "data" alone is one.
    BOOST_TEST(read_whole("Data: a\ndatax: b\ndat: c\n\ndata\n\n").events ==
               (std::vector<event>{{"message", ""}}));
}

BOOST_AUTO_TEST_SUITE_END()
