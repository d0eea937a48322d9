// Fuzz target: the server-sent events of a streamed generation or edit
// (src/sse_reader.hpp, src/image_event_reader.hpp).
//
// Input: the first byte seeds the sizes of the pieces; the rest is the body.
//
// Invariants: the SSE reader gives the same events (type and data) and the
// same "cut inside an event" whether the body comes whole or in pieces; so
// does the image event reader, with its images kept as text and decoded
// (same error code, param and message, same events, same [DONE]); when the
// decoding run succeeds, the text run succeeds with the same events, and each
// event's bytes are its text decoded by the whole-text decoder.
#include <openai/images/base64.hpp>

#include <string>
#include <utility>
#include <vector>

#include "../../src/image_event_reader.hpp"
#include "../../src/sse_reader.hpp"
#include "fuzz_common.hpp"
#include "fuzz_models.hpp"

namespace oi = openai::images;
namespace detail = openai::images::detail;

namespace {

// The body in pieces whose sizes cycle through 1..16 from the seed.
std::vector<std::string_view> pieces(std::string_view body, std::uint8_t seed) {
    std::vector<std::string_view> out;
    std::uint32_t state = seed | 1u;
    while (!body.empty()) {
        state = state * 1103515245u + 12345u;
        const std::size_t n = std::min<std::size_t>(body.size(), 1 + (state >> 16) % 16);
        out.push_back(body.substr(0, n));
        body.remove_prefix(n);
    }
    return out;
}

struct sse_recorder final : detail::sse_handler {
    std::vector<std::pair<std::string, std::string>> events;
    std::string data;
    void on_data(std::string_view piece) override {
        FUZZ_CHECK(!piece.empty());
        data.append(piece);
    }
    void on_event(std::string_view type) override {
        events.emplace_back(std::string(type), std::exchange(data, {}));
    }
};

std::pair<std::vector<std::pair<std::string, std::string>>, bool> sse_events(
    const std::vector<std::string_view>& in) {
    sse_recorder r;
    detail::sse_reader reader(r);
    for (auto p : in)
        reader.write(p);
    return {std::move(r.events), reader.in_event()};
}

struct collector final : detail::image_event_handler {
    std::vector<oi::ImageStreamEvent> events;
    void on_image_event(oi::ImageStreamEvent&& e) override { events.push_back(std::move(e)); }
};

struct outcome {
    oi::error_code ec;
    std::string param, message, type, code;
    std::vector<oi::ImageStreamEvent> events;
    bool done = false;
};

outcome image_events(const std::vector<std::string_view>& in, bool decode) {
    collector c;
    detail::image_event_reader r(decode, c);
    for (auto p : in)
        r.write(p);
    outcome o;
    oi::diagnostics diag;
    o.ec = r.finish(diag);
    FUZZ_CHECK(r.events() == c.events.size());
    FUZZ_CHECK(r.failed() == static_cast<bool>(o.ec) ||
               o.ec == oi::client_errc::truncated_response);
    o.param = diag.param();
    o.message = diag.message();
    o.type = diag.error_type();
    o.code = diag.api_code();
    o.events = std::move(c.events);
    o.done = r.done();
    return o;
}

void check_same(const outcome& a, const outcome& b) {
    FUZZ_CHECK_MSG(a.ec == b.ec, a.ec.message() + " / " + b.ec.message());
    FUZZ_CHECK_MSG(a.message == b.message, a.message + " / " + b.message);
    FUZZ_CHECK(a.param == b.param && a.type == b.type && a.code == b.code);
    FUZZ_CHECK(a.done == b.done);
    FUZZ_CHECK(a.events.size() == b.events.size());
    for (std::size_t i = 0; i < a.events.size(); ++i)
        FUZZ_CHECK(fuzz::eq(a.events[i], b.events[i]));
}

bool is_base64_error(oi::error_code ec) {
    return ec == oi::client_errc::base64_truncated ||
           ec == oi::client_errc::base64_invalid_character ||
           ec == oi::client_errc::base64_bad_padding;
}

}  // namespace

int fuzz_self_test() {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto split = pieces(body, data[0]);
    const std::vector<std::string_view> whole{body};

    FUZZ_CHECK(sse_events(whole) == sse_events(split));

    const outcome text = image_events(whole, false), decoded = image_events(whole, true);
    check_same(text, image_events(split, false));
    check_same(decoded, image_events(split, true));

    if (!decoded.ec) {
        FUZZ_CHECK_MSG(!text.ec, text.ec.message());
        FUZZ_CHECK(text.events.size() == decoded.events.size());
        for (std::size_t i = 0; i < text.events.size(); ++i) {
            const auto& t = text.events[i];
            const auto& d = decoded.events[i];
            FUZZ_CHECK(d.b64_json.empty());
            if (!d.bytes) {
                FUZZ_CHECK(t.b64_json.empty());  // no b64_json member at all
                continue;
            }
            std::vector<unsigned char> bytes;
            oi::diagnostics diag;
            FUZZ_CHECK(!oi::base64_decode(t.b64_json, bytes, diag));
            FUZZ_CHECK(bytes == *d.bytes);
        }
    } else if (!is_base64_error(decoded.ec)) {
        // Failing for any reason but an image's base64, both fail alike.
        FUZZ_CHECK_MSG(decoded.ec == text.ec, decoded.ec.message() + " / " + text.ec.message());
        FUZZ_CHECK(decoded.events.size() == text.events.size());
    }
    return 0;
}
