// Field-by-field equality of the models, for the round-trip checks of the
// fuzz targets (the models are plain aggregates without operator==).
#pragma once

#include <openai/images/models.hpp>

#include <optional>

namespace fuzz {

namespace oi = openai::images;

template <class T>
bool eq_opt(const std::optional<T>& a, const std::optional<T>& b) {
    return a.has_value() == b.has_value() && (!a || *a == *b);
}

inline bool eq(const oi::ImageGenOutputTokensDetails& a, const oi::ImageGenOutputTokensDetails& b) {
    return a.image_tokens == b.image_tokens && a.text_tokens == b.text_tokens;
}

inline bool eq(const oi::ImageGenUsage& a, const oi::ImageGenUsage& b) {
    return a.input_tokens == b.input_tokens && a.total_tokens == b.total_tokens &&
           a.output_tokens == b.output_tokens &&
           a.output_tokens_details.has_value() == b.output_tokens_details.has_value() &&
           (!a.output_tokens_details || eq(*a.output_tokens_details, *b.output_tokens_details)) &&
           a.input_tokens_details.text_tokens == b.input_tokens_details.text_tokens &&
           a.input_tokens_details.image_tokens == b.input_tokens_details.image_tokens;
}

inline bool eq(const std::optional<oi::ImageGenUsage>& a,
               const std::optional<oi::ImageGenUsage>& b) {
    return a.has_value() == b.has_value() && (!a || eq(*a, *b));
}

inline bool eq(const oi::Image& a, const oi::Image& b) {
    return eq_opt(a.b64_json, b.b64_json) && eq_opt(a.url, b.url) &&
           eq_opt(a.revised_prompt, b.revised_prompt) && eq_opt(a.bytes, b.bytes);
}

inline bool eq(const oi::ImagesResponse& a, const oi::ImagesResponse& b) {
    if (a.created != b.created || a.data.size() != b.data.size())
        return false;
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        if (!eq(a.data[i], b.data[i]))
            return false;
    }
    return eq_opt(a.background, b.background) && eq_opt(a.output_format, b.output_format) &&
           eq_opt(a.size, b.size) && eq_opt(a.quality, b.quality) && eq(a.usage, b.usage);
}

inline bool eq(const oi::ImageStreamEvent& a, const oi::ImageStreamEvent& b) {
    return a.type == b.type && a.b64_json == b.b64_json && a.created_at == b.created_at &&
           eq_opt(a.size, b.size) && eq_opt(a.quality, b.quality) &&
           eq_opt(a.background, b.background) && eq_opt(a.output_format, b.output_format) &&
           eq_opt(a.partial_image_index, b.partial_image_index) && eq(a.usage, b.usage) &&
           eq_opt(a.bytes, b.bytes);
}

inline bool eq(const oi::CreateImageRequest& a, const oi::CreateImageRequest& b) {
    return a.prompt == b.prompt && eq_opt(a.model, b.model) && eq_opt(a.n, b.n) &&
           eq_opt(a.quality, b.quality) && eq_opt(a.response_format, b.response_format) &&
           eq_opt(a.output_format, b.output_format) &&
           eq_opt(a.output_compression, b.output_compression) && eq_opt(a.stream, b.stream) &&
           eq_opt(a.partial_images, b.partial_images) && eq_opt(a.size, b.size) &&
           eq_opt(a.moderation, b.moderation) && eq_opt(a.background, b.background) &&
           eq_opt(a.style, b.style) && eq_opt(a.user, b.user);
}

}  // namespace fuzz
