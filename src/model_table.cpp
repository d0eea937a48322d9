// The built-in rows: one per model the library knows, from the OpenAPI spec
// and the models' documentation. A default row is a GPT image model's.
#include <algorithm>

#include "model_registry.hpp"

namespace openai::images::detail {
namespace {

// dall-e-2 and dall-e-3 were retired from OpenAI's API on 2026-05-12; their
// rows stay for the OpenAI-compatible servers that still serve them.
model_capabilities dall_e_2() {
    return {
        .variations = true,
        .sizes = {"256x256", "512x512", "1024x1024"},
        .response_formats = {"url", "b64_json"},
        .max_prompt_characters = 1000,
        .qualities = {"standard", "auto"},
        .backgrounds = {},
        .output_formats = {},
        .output_compression = false,
        .stream = false,
        .max_partial_images = std::nullopt,
        .moderations = {},
        .max_edit_images = 1,
        .input_fidelities = {},
        .image_formats = {"png"},
        .image_bytes_limit = 4ull * 1024 * 1024,
        .square_images_only = true,
    };
}

model_capabilities dall_e_3() {
    return {
        .edits = false,
        .max_n = 1,
        .sizes = {"1024x1024", "1792x1024", "1024x1792"},
        .response_formats = {"url", "b64_json"},
        .max_prompt_characters = 4000,
        .qualities = {"standard", "hd", "auto"},
        .backgrounds = {},
        .output_formats = {},
        .output_compression = false,
        .stream = false,
        .max_partial_images = std::nullopt,
        .moderations = {},
        .styles = {"vivid", "natural"},
        .input_fidelities = {},
    };
}

// gpt-image-2 draws custom sizes too (custom_size_rules' defaults are its).
model_capabilities gpt_image_2() {
    return {.custom_sizes = custom_size_rules{}};
}

// gpt-image-1-mini does not take input_fidelity.
model_capabilities gpt_image_1_mini() {
    return {.input_fidelities = {}};
}

}  // namespace

std::span<const builtin_model> builtin_models() {
    // Built on first use: a program may register a model from a static
    // initializer of its own, before this file's would have run.
    static const builtin_model table[] = {
        {"gpt-image-2", gpt_image_2()},
        {"gpt-image-2-2026-04-21", gpt_image_2()},
        {"gpt-image-1.5", {}},
        {"gpt-image-1", {}},
        {"gpt-image-1-mini", gpt_image_1_mini()},
        {"chatgpt-image-latest", {}},
        {"dall-e-3", dall_e_3()},
        {"dall-e-2", dall_e_2()},
    };
    return table;
}

const model_capabilities* find_builtin(std::string_view name) {
    const auto rows = builtin_models();
    const auto it = std::find_if(rows.begin(), rows.end(),
                                 [&](const builtin_model& m) { return m.name == name; });
    return it == rows.end() ? nullptr : &it->caps;
}

}  // namespace openai::images::detail
