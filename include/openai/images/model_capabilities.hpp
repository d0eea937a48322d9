// What an image model accepts, as data: validate() checks a request against
// the row of its model. The models this library knows have built-in rows; a
// model released after it, or one only a compatible server serves, gets a row
// at run time, for the whole process or for one client (validate_options).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images {

/// A `WIDTHxHEIGHT` size (see parse_size in validate.hpp).
struct image_dimensions {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    friend bool operator==(const image_dimensions&, const image_dimensions&) = default;
};

/// The rules of sizes a model draws beyond the listed ones (gpt-image-2): any
/// `WIDTHxHEIGHT` that keeps all three. Refusals are client_errc::invalid_size.
struct custom_size_rules {
    /// Width and height must both be multiples of this.
    std::uint32_t multiple_of = 16;
    /// The long edge at most this many times the short one (3: from 1:3 to 3:1).
    std::uint32_t max_aspect_ratio = 3;
    /// The largest resolution: the long edge at most `largest.width`, and at
    /// most `largest.width * largest.height` pixels in all.
    image_dimensions largest{3840, 2160};
    friend bool operator==(const custom_size_rules&, const custom_size_rules&) = default;
};

/// One model's rules. A default-constructed row is that of the GPT image
/// models (gpt-image-1.5's exactly), so a new model of that family is a few
/// designated initializers away; or copy a built-in row (capabilities_of)
/// and change what differs.
///
/// Lists of values: a request's value must be one of them
/// (client_errc::value_not_allowed, the message listing them); an empty list
/// means the model refuses the parameter (client_errc::parameter_not_supported).
/// Which endpoint a field applies to is said field by field; the rules that
/// hold for every model (a prompt present, output_compression in 0..100, a
/// size `auto` or `WIDTHxHEIGHT`, 1 to 16 input images that can be read, a
/// PNG mask with the first image's dimensions, transparency only in png or
/// webp, output_compression under 100 only with jpeg or webp) are not in the row.
struct model_capabilities {
    // ---- Which endpoints serve the model (client_errc::model_not_supported).
    /// POST /images/generations.
    bool generations = true;
    /// POST /images/edits.
    bool edits = true;
    /// POST /images/variations (the legacy endpoint: dall-e-2's only).
    bool variations = false;

    // ---- Generations, edits and variations.
    /// `n`: from 1 to this.
    std::int64_t max_n = 10;
    /// `size`: these values, `auto` included when the model takes it.
    std::vector<std::string> sizes{"auto", "1024x1024", "1536x1024", "1024x1536"};
    /// `size`: besides the listed ones, any `WIDTHxHEIGHT` that keeps these
    /// rules. Unset: only the listed sizes.
    std::optional<custom_size_rules> custom_sizes{};
    /// `response_format` (url, b64_json).
    std::vector<std::string> response_formats{};

    // ---- Generations and edits.
    /// The prompt's length in characters (Unicode code points, not bytes).
    std::size_t max_prompt_characters = 32000;
    /// `quality`.
    std::vector<std::string> qualities{"low", "medium", "high", "auto"};
    /// `background`.
    std::vector<std::string> backgrounds{"transparent", "opaque", "auto"};
    /// `output_format`.
    std::vector<std::string> output_formats{"png", "jpeg", "webp"};
    /// `output_compression` is accepted (0 to 100; under 100 only with jpeg or webp).
    bool output_compression = true;
    /// `stream` is accepted.
    bool stream = true;
    /// `partial_images`: from 0 to this. Unset: the parameter is refused.
    std::optional<std::int64_t> max_partial_images = 3;

    // ---- Generations only.
    /// `moderation`.
    std::vector<std::string> moderations{"low", "auto"};
    /// `style`.
    std::vector<std::string> styles{};

    // ---- Edits only.
    /// How many input images one edit takes (`image`, or repeated `image[]`).
    std::size_t max_edit_images = 16;
    /// `input_fidelity`.
    std::vector<std::string> input_fidelities{"high", "low"};

    // ---- Input images, of edits and variations (read from their headers).
    /// The formats taken, as image_info.hpp's to_string names them ("png",
    /// "jpeg", "webp"). Empty: the format is not checked.
    std::vector<std::string> image_formats{"png", "jpeg", "webp"};
    /// Each image must be smaller than this many bytes.
    std::uint64_t image_bytes_limit = 50ull * 1024 * 1024;
    /// Each image must have its width equal to its height.
    bool square_images_only = false;

    friend bool operator==(const model_capabilities&, const model_capabilities&) = default;
};

// ---- The process-wide registry.
//
// It holds the built-in rows (gpt-image-2 and its snapshot
// gpt-image-2-2026-04-21, gpt-image-1.5, gpt-image-1, gpt-image-1-mini,
// chatgpt-image-latest, and dall-e-3 and dall-e-2, which OpenAI retired on
// 2026-05-12, for the compatible servers that still serve them) and the rows
// registered at run time, which come first. One client can also have rows of
// its own (validate_options::models), looked up before the registry.
//
// Why both: the official SDKs take any model string and leave the rules to
// the server, so a row that a program registers once, for every client it
// makes, is the least surprising way to teach validation a new model; a
// client talking to a compatible server with other rules for a known name
// keeps its rows to itself instead of changing everyone's.
//
// Every function below is thread-safe: rows may be registered while other
// threads validate requests. A request being validated uses the row that
// was current when its validation started.

/// Adds the row of `name`, or replaces the one it has (a built-in row is
/// overridden, not changed: unregister_model brings it back).
void register_model(std::string name, model_capabilities caps);

/// Removes the row registered for `name`. Returns false when there was none
/// (a built-in row is never removed).
bool unregister_model(std::string_view name);

/// The row of `name` in the registry (registered, else built-in); nullopt
/// for a model it does not know, which gets only the rules every model keeps.
std::optional<model_capabilities> capabilities_of(std::string_view name);

/// The built-in row of `name`, whatever was registered; nullopt when there is none.
std::optional<model_capabilities> builtin_capabilities_of(std::string_view name);

/// The names the registry has a row for: the built-in models, newest first,
/// then the others registered, in alphabetical order.
std::vector<std::string> known_models();

}  // namespace openai::images
