// What the streaming images parser (images_parser.cpp) shares with the JSON
// conversions of the models (json_convert.cpp): once the parser has built the
// document, the conversions check its shape and fill the model.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>

#include <boost/json/value.hpp>

namespace openai::images::detail {

/// Reads a parsed images response into `out`, left unchanged on error: a
/// field of the wrong type gives client_errc::unexpected_json with
/// diag.param() naming its JSON path.
error_code read_images_response(const boost::json::value& v, ImagesResponse& out,
                                diagnostics& diag);
/// The same for one event of a stream.
error_code read_stream_event(const boost::json::value& v, ImageStreamEvent& out, diagnostics& diag);

}  // namespace openai::images::detail
