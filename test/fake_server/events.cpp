// Streamed answers (stream=true): the events of an images answer as the API
// sends them, server-sent events of partial images, each a coarser version
// of its final image, then the final image with usage.
#include <openai/images/json.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include "state.hpp"

namespace openai::images::testing::detail {

namespace {

std::string event_text(const ImageStreamEvent& e) {
    return "event: " + e.type + "\ndata: " + boost::json::serialize(boost::json::value_from(e)) +
           "\n\n";
}

}  // namespace

http_response stream_answer(const ImagesResponse& r, std::string_view prefix,
                            std::size_t partial_images, std::uint32_t width, std::uint32_t height,
                            image_fill fill) {
    http_response res{boost::beast::http::status::ok, 11};
    res.set(boost::beast::http::field::content_type, "text/event-stream");
    res.set(boost::beast::http::field::cache_control, "no-cache");
    std::string& body = res.body();
    for (const Image& img : r.data) {
        ImageStreamEvent e;
        e.created_at = r.created;
        e.size = r.size;
        e.quality = r.quality;
        e.background = r.background;
        e.output_format = r.output_format;
        e.type = std::string(prefix) + ".partial_image";
        for (std::size_t k = 0; k < partial_images; ++k) {
            // Squares of 8, 4, 2 pixels for three partials: the last the finest.
            const auto block = std::uint32_t{1} << (partial_images - k);
            e.b64_json = cached_png(width, height, fill, block)->b64;
            e.partial_image_index = static_cast<std::int64_t>(k);
            body += event_text(e);
        }
        e.type = std::string(prefix) + ".completed";
        e.b64_json = img.b64_json.value_or(std::string());
        e.partial_image_index.reset();
        e.usage = r.usage;
        body += event_text(e);
    }
    return res;
}

}  // namespace openai::images::testing::detail
