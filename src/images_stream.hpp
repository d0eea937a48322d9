// An images response parsed while its body arrives: the HTTP reader hands
// each piece of the body to write() as it is read, so a large b64_json answer
// is never held whole as text; each data[i].b64_json goes straight into a
// std::string of its own, or is decoded straight into bytes. finish() then gives what
// parse_images_response gives for the same bytes (it is built on this class).
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace openai::images::detail {

class images_response_stream {
  public:
    /// `body_size`, when known (Content-Length), sizes the first image's
    /// string from what is left of the body instead of growing it by steps.
    /// `decode_b64_json`: each data[i].b64_json is decoded as it arrives into
    /// data[i].bytes (b64_json left unset), as parse_images_response does.
    images_response_stream(std::optional<std::uint64_t> body_size, bool decode_b64_json);
    ~images_response_stream();
    images_response_stream(const images_response_stream&) = delete;
    images_response_stream& operator=(const images_response_stream&) = delete;

    /// The next piece of the body. After a JSON error the rest is ignored
    /// (and the error reported by finish()).
    void write(std::string_view piece);

    /// The end of the body: the document must be complete. Errors as
    /// parse_images_response's.
    error_code finish(ImagesResponse& out, diagnostics& diag);

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace openai::images::detail
