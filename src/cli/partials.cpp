#include "partials.hpp"

#include <openai/images/base64.hpp>

#include <span>
#include <vector>

namespace openai_images_cli {

namespace oi = openai::images;

partial_saver::partial_saver(std::filesystem::path dir, std::string stem, bool several)
    : dir_(std::move(dir)), stem_(std::move(stem)), several_(several) {}

std::string partial_saver::stem_for(std::int64_t index) {
    const std::size_t image = ++seen_[index];
    std::string out = stem_;
    if (several_)
        out += "-" + std::to_string(image);
    return out + ".partial-" + std::to_string(index);
}

oi::error_code partial_saver::save(const oi::ImageStreamEvent& e, oi::saved_image& out,
                                   oi::diagnostics& diag) {
    const std::string stem = stem_for(e.partial_image_index.value_or(0));
    const std::string format = e.output_format ? e.output_format->value() : std::string();
    if (e.bytes)
        return oi::save_image_bytes(*e.bytes, dir_, stem, out, diag, format);
    // The client was not asked to decode as the event arrived.
    std::vector<unsigned char> bytes;
    if (const auto ec = oi::base64_decode(e.b64_json, bytes, diag))
        return ec;
    return oi::save_image_bytes(bytes, dir_, stem, out, diag, format);
}

}  // namespace openai_images_cli
