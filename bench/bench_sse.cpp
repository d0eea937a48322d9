// A streamed generation's events decoded from memory against the same images
// as one JSON answer: the SSE reader and its per-event JSON parser
// (image_event_reader) beside the images response parser
// (images_response_stream), both decoding b64_json into bytes as the body
// arrives, fed in pieces of one TLS record (16 KiB). Best of R runs, as MB/s
// of body. Also the peak of resident memory while the stream is read, over
// what was resident before (the bodies; the events handed on are dropped at
// once, as a caller that saves each would), against the largest event: a
// stream must not hold more than about one event.
//
//   bench_sse --mb 8 --partials 3 --runs 5
#include <malloc.h>

#include <random>

#include "bench_common.hpp"
#include "image_event_reader.hpp"
#include "images_stream.hpp"

namespace {

using namespace bench;
namespace detail = openai::images::detail;

// Counts the events and their bytes, then drops them.
struct dropping_handler final : detail::image_event_handler {
    std::size_t events = 0, bytes = 0;
    void on_image_event(oi::ImageStreamEvent&& e) override {
        ++events;
        bytes += e.bytes ? e.bytes->size() : 0;
    }
};

std::string event_text(std::string_view type, const std::string& b64, std::string_view extra) {
    return "event: " + std::string(type) + "\ndata: {\"type\":\"" + std::string(type) +
           "\",\"b64_json\":\"" + b64 +
           "\",\"created_at\":1700000000,\"size\":\"1024x1024\",\"quality\":\"high\","
           "\"background\":\"opaque\",\"output_format\":\"png\"" +
           std::string(extra) + "}\n\n";
}

void feed(std::string_view body, std::size_t piece, auto&& write) {
    for (std::size_t at = 0; at < body.size(); at += piece)
        write(body.substr(at, piece));
}

}  // namespace

int main(int argc, char** argv) try {
    // Large blocks always from fresh mappings, given back when freed (no
    // dynamic threshold): the peak of resident memory then counts the pages
    // a run touched, not pages that an earlier block left behind.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    const flags f(argc, argv);
    const std::size_t runs = std::max<std::size_t>(1, f.count("runs", 5));
    const std::size_t partials = f.count("partials", 3);
    const std::size_t piece = std::max<std::size_t>(1, f.count("piece", 16384));
    const std::size_t raw_bytes = f.count("mb", 8) * 1000 * 1000 / 4 * 3;

    // Each image its own random bytes (incompressible, as a PNG's data).
    std::mt19937_64 rng(42);
    std::vector<std::string> images;
    std::size_t decoded_total = 0;
    for (std::size_t i = 0; i <= partials; ++i) {
        std::vector<unsigned char> raw(raw_bytes);
        for (auto& b : raw)
            b = static_cast<unsigned char>(rng());
        images.push_back(oi::base64_encode(std::span<const unsigned char>(raw)));
        decoded_total += raw.size();
    }

    std::string sse, largest_event;
    for (std::size_t i = 0; i < partials; ++i) {
        sse += event_text("image_generation.partial_image", images[i],
                          ",\"partial_image_index\":" + std::to_string(i));
    }
    largest_event =
        event_text("image_generation.completed", images[partials],
                   ",\"usage\":{\"total_tokens\":100,\"input_tokens\":50,\"output_tokens\":50,"
                   "\"input_tokens_details\":{\"text_tokens\":10,\"image_tokens\":40}}");
    sse += largest_event;

    std::string json = "{\"created\":1700000000,\"data\":[";
    for (std::size_t i = 0; i < images.size(); ++i)
        json += (i ? ",{\"b64_json\":\"" : "{\"b64_json\":\"") + images[i] + "\"}";
    json += "],\"size\":\"1024x1024\",\"quality\":\"high\",\"output_format\":\"png\"}";

    std::size_t sse_events = 0, sse_bytes = 0;
    std::int64_t sse_peak = 0;
    // Resident memory gained over the run's start, at its peak.
    auto peak_gain = [](auto&& run) {
        const auto base = static_cast<std::int64_t>(rss_bytes());
        if (!reset_peak_rss())
            throw std::runtime_error("cannot reset the peak RSS (/proc/self/clear_refs)");
        run();
        return static_cast<std::int64_t>(peak_rss_bytes()) - base;
    };
    auto sse_run = [&] {
        dropping_handler h;
        detail::image_event_reader r(true, h);
        feed(sse, piece, [&](std::string_view p) { r.write(p); });
        oi::diagnostics diag;
        if (const auto ec = r.finish(diag))
            throw std::runtime_error("sse: " + ec.message() + ": " + std::string(diag.message()));
        sse_events = h.events;
        sse_bytes = h.bytes;
    };
    std::size_t json_bytes = 0;
    std::int64_t json_peak = 0;
    auto json_run = [&] {
        detail::images_response_stream s(json.size(), true);
        feed(json, piece, [&](std::string_view p) { s.write(p); });
        oi::ImagesResponse out;
        oi::diagnostics diag;
        if (const auto ec = s.finish(out, diag))
            throw std::runtime_error("json: " + ec.message() + ": " + std::string(diag.message()));
        json_bytes = 0;
        for (const auto& img : out.data)
            json_bytes += img.bytes ? img.bytes->size() : 0;
    };
    // Memory first, each path once on its own (a timed run could reuse the
    // pages the one before gave back), then the timings.
    sse_peak = peak_gain(sse_run);
    json_peak = peak_gain(json_run);
    const double sse_s = best_of(runs, sse_run);
    const double json_s = best_of(runs, json_run);
    if (sse_events != images.size() || sse_bytes != decoded_total || json_bytes != decoded_total)
        throw std::runtime_error("wrong events or bytes");

    print({{"client", "openai-images"},
           {"events", sse_events},
           {"piece_bytes", piece},
           {"sse_body_bytes", sse.size()},
           {"json_body_bytes", json.size()},
           {"largest_event_bytes", largest_event.size()},
           {"runs", runs},
           {"sse_mb_s", mb_per_s(sse.size(), sse_s)},
           {"json_mb_s", mb_per_s(json.size(), json_s)},
           {"sse_peak_rss_gain_bytes", sse_peak},
           {"json_peak_rss_gain_bytes", json_peak},
           {"sse_peak_per_largest_event",
            static_cast<double>(sse_peak) / static_cast<double>(largest_event.size())}});
    return 0;
} catch (const std::exception& e) {
    std::cerr << "bench_sse: " << e.what() << '\n';
    return 2;
}
