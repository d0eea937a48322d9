// Turns the multipart operations' requests into their wire form: the text
// fields and file parts of /images/edits, /images/variations and /files, in the order
// the official SDKs send them. Files are not read here, only stat'ed and sniffed.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/files.hpp>
#include <openai/images/models.hpp>
#include <openai/images/multipart.hpp>

#include <string>
#include <utility>
#include <vector>

namespace openai::images {

/// The text fields of a request (the members of its description other than
/// its files), in wire order, as name/value pairs (integers in decimal,
/// booleans as true/false); unset fields are absent.
std::vector<std::pair<std::string, std::string>> form_fields(const CreateImageEditRequest& req);
std::vector<std::pair<std::string, std::string>> form_fields(
    const CreateImageVariationRequest& req);
/// purpose, then expires_after as expires_after[anchor] and
/// expires_after[seconds] (the form the API documents).
std::vector<std::pair<std::string, std::string>> form_fields(const CreateFileRequest& req);

/// Adds the request's fields and files to `form`: one input image goes as
/// `image`, several as repeated `image[]`, then `mask`. A missing or
/// unreadable file gives its error with diag.param() naming the field.
/// Text fields come first, so a server can refuse a bad request early.
error_code encode(const CreateImageEditRequest& req, multipart_form& form, diagnostics& diag);
error_code encode(const CreateImageVariationRequest& req, multipart_form& form, diagnostics& diag);
/// The fields, then the file as the part `file`.
error_code encode(const CreateFileRequest& req, multipart_form& form, diagnostics& diag);

}  // namespace openai::images
