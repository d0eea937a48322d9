// Client-side checks of a request against the API's rules for its model, run
// before any byte is sent, so a mistake costs no round trip and no quota.
// Input images are checked from their header bytes only (format, dimensions).
#pragma once

#include <openai/images/batch_api.hpp>
#include <openai/images/error.hpp>
#include <openai/images/files.hpp>
#include <openai/images/model_capabilities.hpp>
#include <openai/images/models.hpp>
#include <openai/images/validate_options.hpp>

#include <optional>
#include <string_view>

namespace openai::images {

/// Checks a request. Returns the first rule broken, with diag.param() naming the
/// field and diag.message() the value given and what the model allows.
///
/// Which rules apply depends on the model: its row (model_capabilities.hpp),
/// from opts.models, else from the process-wide registry, which holds the
/// built-in rows of dall-e-2, dall-e-3 and the GPT image models (gpt-image-1,
/// gpt-image-1-mini, gpt-image-1.5, gpt-image-2 and its snapshot,
/// chatgpt-image-latest) and those registered at run time. A model string
/// without a row gets only the model-independent checks: prompt present
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
/// Thread-safe: rows may be registered meanwhile (the row current when the
/// call starts is used).
error_code validate(const CreateImageRequest& req, diagnostics& diag,
                    const validate_options& opts = {});
error_code validate(const CreateImageEditRequest& req, diagnostics& diag,
                    const validate_options& opts = {});
error_code validate(const CreateImageVariationRequest& req, diagnostics& diag,
                    const validate_options& opts = {});
/// The JSON form of an edit: as the multipart form, for models that answer
/// in b64_json (the GPT image models: a model with response formats, such as
/// dall-e-2, is refused). Each reference holds exactly one of image_url (an
/// http(s) URL, or a base64 data: URL of at most 20,971,520 characters) and
/// file_id. The image of a data: URL is decoded and checked as a file would
/// be (format, bytes, shape; a mask against the first image); an http(s)
/// URL or a file id is not fetched.
error_code validate(const EditImageBodyJsonParam& req, diagnostics& diag,
                    const validate_options& opts = {});

/// An upload to the Files API: a file that can be read, of at most
/// 536,870,912 bytes (512 MiB; 209,715,200, 200 MiB, for purpose batch); a
/// purpose uploads take (assistants, batch, fine-tune, vision, user_data,
/// evals); expires_after with anchor created_at and seconds in
/// 3600..2592000. Reads the file's size only.
error_code validate(const CreateFileRequest& req, diagnostics& diag);

/// A file id as it goes into a path (/files/{file_id}): 1 to 256 letters,
/// digits, '-', '_' or '.', so that it cannot change the path or the query.
/// Errors: missing_required_field (empty), value_not_allowed naming the
/// character, each with diag.param() "file_id".
error_code validate_file_id(std::string_view file_id, diagnostics& diag);

/// The same for a batch id (/batches/{batch_id}), with diag.param() "batch_id".
error_code validate_batch_id(std::string_view batch_id, diagnostics& diag);

/// A batch: input_file_id a valid file id; an endpoint of the API's list
/// (the images endpoints among them); completion_window 24h; at most 16
/// metadata pairs, keys of 1 to 64 characters, values of at most 512;
/// output_expires_after as an upload's expires_after.
error_code validate(const CreateBatchRequest& req, diagnostics& diag);

/// `WIDTHxHEIGHT` with two positive decimal integers; nullopt otherwise.
std::optional<image_dimensions> parse_size(std::string_view size) noexcept;

}  // namespace openai::images
