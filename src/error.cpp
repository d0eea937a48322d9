#include <openai/images/error.hpp>

namespace openai::images {
namespace {

class client_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "openai.images.client"; }

    std::string message(int ev) const override {
        switch (static_cast<client_errc>(ev)) {
            case client_errc::missing_required_field:
                return "a required field is missing";
            case client_errc::value_not_allowed:
                return "value not allowed for this model";
            case client_errc::parameter_not_supported:
                return "parameter not supported by this model";
            case client_errc::value_out_of_range:
                return "value out of range";
            case client_errc::prompt_too_long:
                return "prompt too long for this model";
            case client_errc::invalid_size:
                return "invalid image size";
            case client_errc::incompatible_parameters:
                return "incompatible parameters";
            case client_errc::model_not_supported:
                return "model not supported by this operation";
            case client_errc::too_many_images:
                return "too many input images";
            case client_errc::image_format_not_supported:
                return "input image format not supported by this model";
            case client_errc::image_too_large:
                return "input image too large";
            case client_errc::image_not_square:
                return "input image must be square";
            case client_errc::mask_size_mismatch:
                return "mask dimensions differ from the image's";
            case client_errc::invalid_image:
                return "input image header cannot be read";
            case client_errc::file_open_failed:
                return "cannot open file";
            case client_errc::file_read_failed:
                return "cannot read file";
            case client_errc::file_size_changed:
                return "file changed size while being sent";
            case client_errc::invalid_field_name:
                return "invalid multipart field name";
            case client_errc::invalid_boundary:
                return "invalid multipart boundary";
            case client_errc::body_too_large:
                return "request body too large";
            case client_errc::base64_invalid_character:
                return "invalid character in base64 data";
            case client_errc::base64_bad_padding:
                return "bad padding in base64 data";
            case client_errc::base64_truncated:
                return "truncated base64 data";
            case client_errc::invalid_json:
                return "response body is not valid JSON";
            case client_errc::unexpected_json:
                return "response JSON does not match the expected schema";
        }
        return "unknown openai.images.client error";
    }
};

}  // namespace

const boost::system::error_category& client_category() noexcept {
    static const client_category_impl instance;
    return instance;
}

}  // namespace openai::images
