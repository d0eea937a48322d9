// Client-side checks of a request against the API's rules for its model, run
// before any byte is sent, so a mistake costs no round trip and no quota.
// Input images are checked from their header bytes only (format, dimensions).
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace openai::images {

struct validate_options {
    /// false: every request is accepted as it is (an OpenAI-compatible server
    /// with other rules, or a rule of the API that changed before this library).
    bool enabled = true;
};

/// Checks a request. Returns the first rule broken, with diag.param() naming the
/// field and diag.message() the value given and what the model allows.
///
/// Which rules apply depends on the model: dall-e-2, dall-e-3 and the GPT image
/// models (gpt-image-1, gpt-image-1-mini, gpt-image-1.5, gpt-image-2 and its
/// snapshots, chatgpt-image-latest) each have their own. A model string this
/// library does not know gets only the model-independent checks: prompt present
/// and at most 32000 characters, n in 1..10, output_compression in 0..100,
/// partial_images in 0..3, size `auto` or `WIDTHxHEIGHT`, 1 to 16 input images
/// that can be read, a PNG mask with the first image's dimensions.
/// Every string of a generation request (prompt, model, size, user…) must be
/// well-formed UTF-8, as the request is sent as JSON: otherwise
/// client_errc::value_not_allowed naming the field and the offending byte.
/// When the model is unset: generations get the model-independent checks (the
/// API picks the model from the other fields), edits are checked as
/// gpt-image-1.5 and variations as dall-e-2, the API's defaults.
///
/// Reads image files' headers (a few bytes each); does no other I/O.
error_code validate(const CreateImageRequest& req, diagnostics& diag, validate_options opts = {});
error_code validate(const CreateImageEditRequest& req, diagnostics& diag,
                    validate_options opts = {});
error_code validate(const CreateImageVariationRequest& req, diagnostics& diag,
                    validate_options opts = {});

/// `WIDTHxHEIGHT` with two positive decimal integers; nullopt otherwise.
struct image_dimensions {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    friend bool operator==(const image_dimensions&, const image_dimensions&) = default;
};
std::optional<image_dimensions> parse_size(std::string_view size) noexcept;

}  // namespace openai::images
