// Error codes for everything the client detects on its own side (bad requests,
// unreadable files, malformed payloads), and `diagnostics`, the human-readable
// detail that travels next to an error_code without allocating in the code itself.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace openai::images {

using boost::system::error_code;

/// Errors raised by the client before or while encoding a request, or while
/// decoding a response body. Values are stable; 0 is never used.
enum class client_errc {
    // Validation: the request breaks a rule of the API for the chosen model.
    missing_required_field = 1,  ///< a required field (prompt, image) is absent or empty
    value_not_allowed,           ///< an enumerated value the model does not accept
    parameter_not_supported,     ///< the model does not accept this parameter at all
    value_out_of_range,          ///< a number outside the allowed range
    prompt_too_long,             ///< more characters than the model allows
    invalid_size,             ///< size is not `auto` or `WIDTHxHEIGHT`, or breaks the model's rules
    incompatible_parameters,  ///< two fields that cannot be combined
    model_not_supported,      ///< the operation does not support this model
    too_many_images,          ///< more input images than the model allows
    image_format_not_supported,  ///< an input image in a format the model does not read
    image_too_large,             ///< an input image over the model's byte limit
    image_not_square,            ///< the model needs a square input image
    mask_size_mismatch,          ///< the mask's dimensions differ from the first image's
    invalid_image,               ///< an input image whose header cannot be parsed

    // Files and request bodies.
    file_open_failed,    ///< a file part's path cannot be opened
    file_read_failed,    ///< reading a file part failed midway
    file_size_changed,   ///< a file part changed size between encoding and sending
    invalid_field_name,  ///< an empty multipart field name
    invalid_boundary,    ///< a caller-chosen multipart boundary breaks RFC 2046
    body_too_large,      ///< an encoded body over what can be described

    // Decoding responses.
    base64_invalid_character,  ///< a character outside the base64 alphabet
    base64_bad_padding,        ///< '=' in the wrong place or in the wrong amount
    base64_truncated,          ///< input length that cannot be a complete base64 text
    invalid_json,              ///< the body is not JSON
    unexpected_json,           ///< JSON whose shape does not match the expected schema
};

/// The category of `client_errc`; its name is "openai.images.client".
const boost::system::error_category& client_category() noexcept;

inline error_code make_error_code(client_errc e) noexcept {
    return {static_cast<int>(e), client_category()};
}

/// The detail behind an error_code: which field or file is at fault and a
/// sentence for a person. Messages never contain the API key.
class diagnostics {
  public:
    diagnostics() = default;

    /// A sentence naming the field, the value given and what was expected.
    std::string_view message() const noexcept { return message_; }

    /// The request field at fault (`size`, `image[1]`, `mask`…), empty when none.
    std::string_view param() const noexcept { return param_; }

    void clear() noexcept {
        message_.clear();
        param_.clear();
    }

    void assign(std::string param, std::string message) {
        param_ = std::move(param);
        message_ = std::move(message);
    }

  private:
    std::string param_;
    std::string message_;
};

/// Thrown by the throwing convenience functions: the error_code plus the
/// diagnostics' message as what().
class client_error : public boost::system::system_error {
  public:
    client_error(error_code ec, const diagnostics& diag)
        : boost::system::system_error(ec, std::string(diag.message())), param_(diag.param()) {}

    const std::string& param() const noexcept { return param_; }

  private:
    std::string param_;
};

/// Throws client_error when ec is set.
inline void throw_on_error(error_code ec, const diagnostics& diag) {
    if (ec)
        throw client_error(ec, diag);
}

}  // namespace openai::images

template <>
struct boost::system::is_error_code_enum<openai::images::client_errc> : std::true_type {};
