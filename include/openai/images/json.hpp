// Boost.JSON conversions of the models, in both directions (the client encodes
// requests and decodes responses; the fake server does the opposite). They
// follow the models' descriptions: each member is the field of its name, in
// declaration order. Unset optionals are left out, unknown fields are
// ignored, null counts as absent.
#pragma once

#include <openai/images/batch_api.hpp>
#include <openai/images/error.hpp>
#include <openai/images/files.hpp>
#include <openai/images/models.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <string>
#include <string_view>

namespace openai::images {

// value_from: model -> JSON.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const CreateImageRequest& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const EditImageBodyJsonParam& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const Image& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const ImageGenUsage& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const ImagesResponse& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const ImageStreamEvent& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const OpenAIFile& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const Batch& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const CreateBatchRequest& r);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const DeleteFileResponse& r);

// value_to: JSON -> model. Throws client_error (client_errc::unexpected_json)
// naming the JSON path when a field has the wrong type.
CreateImageRequest tag_invoke(const boost::json::value_to_tag<CreateImageRequest>&,
                              const boost::json::value& jv);
EditImageBodyJsonParam tag_invoke(const boost::json::value_to_tag<EditImageBodyJsonParam>&,
                                  const boost::json::value& jv);
Image tag_invoke(const boost::json::value_to_tag<Image>&, const boost::json::value& jv);
ImageGenUsage tag_invoke(const boost::json::value_to_tag<ImageGenUsage>&,
                         const boost::json::value& jv);
ImagesResponse tag_invoke(const boost::json::value_to_tag<ImagesResponse>&,
                          const boost::json::value& jv);
ImageStreamEvent tag_invoke(const boost::json::value_to_tag<ImageStreamEvent>&,
                            const boost::json::value& jv);
OpenAIFile tag_invoke(const boost::json::value_to_tag<OpenAIFile>&, const boost::json::value& jv);
Batch tag_invoke(const boost::json::value_to_tag<Batch>&, const boost::json::value& jv);
CreateBatchRequest tag_invoke(const boost::json::value_to_tag<CreateBatchRequest>&,
                              const boost::json::value& jv);
DeleteFileResponse tag_invoke(const boost::json::value_to_tag<DeleteFileResponse>&,
                              const boost::json::value& jv);

/// The request body of POST /images/generations.
std::string to_json(const CreateImageRequest& req);
/// The request body of POST /images/edits in its JSON form.
std::string to_json(const EditImageBodyJsonParam& req);
std::string to_json(const ImagesResponse& resp);
std::string to_json(const OpenAIFile& file);
std::string to_json(const DeleteFileResponse& resp);
/// The request body of POST /batches.
std::string to_json(const CreateBatchRequest& req);
std::string to_json(const Batch& batch);
std::string to_json(const ListBatchesResponse& list);

/// Parses a response body without throwing. Errors: client_errc::invalid_json
/// (not JSON at all) or client_errc::unexpected_json (a field of the wrong
/// type); diag.param() holds the JSON path, e.g. `data[0].url`.
/// `decode_b64_json`: each data[i].b64_json is decoded while it is parsed
/// into data[i].bytes, and b64_json is left unset (as
/// client_options::decode_b64_json does); invalid base64 gives the
/// base64_decode error, with param `data[i].b64_json`.
error_code parse_images_response(std::string_view body, ImagesResponse& out, diagnostics& diag,
                                 bool decode_b64_json = false);
error_code parse_stream_event(std::string_view body, ImageStreamEvent& out, diagnostics& diag);
error_code parse_create_image_request(std::string_view body, CreateImageRequest& out,
                                      diagnostics& diag);
error_code parse_edit_image_json_request(std::string_view body, EditImageBodyJsonParam& out,
                                         diagnostics& diag);
/// The Files API's answers, as parse_images_response reads an images answer.
error_code parse_response(std::string_view body, OpenAIFile& out, diagnostics& diag);
error_code parse_response(std::string_view body, DeleteFileResponse& out, diagnostics& diag);
error_code parse_response(std::string_view body, Batch& out, diagnostics& diag);
error_code parse_response(std::string_view body, ListBatchesResponse& out, diagnostics& diag);
error_code parse_create_batch_request(std::string_view body, CreateBatchRequest& out,
                                      diagnostics& diag);

}  // namespace openai::images
