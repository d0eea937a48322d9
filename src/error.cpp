#include <openai/images/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

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
            case client_errc::missing_api_key:
                return "no API key: set OPENAI_API_KEY or client_options::api_key";
            case client_errc::invalid_base_url:
                return "invalid base URL";
            case client_errc::connect_timeout:
                return "timed out connecting";
            case client_errc::handshake_timeout:
                return "timed out in the TLS handshake";
            case client_errc::response_header_timeout:
                return "timed out waiting for the response header";
            case client_errc::body_idle_timeout:
                return "timed out: no data sent or received";
            case client_errc::deadline_exceeded:
                return "the operation's deadline was exceeded";
            case client_errc::pool_wait_timeout:
                return "timed out waiting for a free connection";
            case client_errc::response_too_large:
                return "response body over the configured limit";
            case client_errc::truncated_response:
                return "connection closed before the whole response";
            case client_errc::streaming_not_supported:
                return "stream=true needs a streaming operation";
            case client_errc::file_write_failed:
                return "cannot write file";
            case client_errc::invalid_url:
                return "invalid URL";
            case client_errc::invalid_header_value:
                return "invalid header value";
            case client_errc::malformed_response:
                return "malformed HTTP response";
            case client_errc::tls_certificate_rejected:
                return "server certificate rejected";
            case client_errc::invalid_ca_file:
                return "unusable CA file";
            case client_errc::stream_idle_timeout:
                return "timed out waiting for the stream's next event";
            case client_errc::invalid_batch_job:
                return "not a usable batch job";
        }
        return "unknown openai.images.client error";
    }
};

class api_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "openai.images.api"; }

    std::string message(int ev) const override {
        switch (static_cast<api_errc>(ev)) {
            case api_errc::bad_request:
                return "bad request (400)";
            case api_errc::authentication_error:
                return "authentication error (401)";
            case api_errc::permission_denied:
                return "permission denied (403)";
            case api_errc::not_found:
                return "not found (404)";
            case api_errc::request_timeout:
                return "request timeout (408)";
            case api_errc::conflict:
                return "conflict (409)";
            case api_errc::unprocessable_entity:
                return "unprocessable entity (422)";
            case api_errc::rate_limited:
                return "rate limited (429)";
            case api_errc::insufficient_quota:
                return "insufficient quota";
            case api_errc::moderation_blocked:
                return "blocked by moderation";
            case api_errc::server_error:
                return "server error (5xx)";
            case api_errc::unexpected_status:
                return "unexpected HTTP status";
            case api_errc::stream_error:
                return "error event in the stream";
            case api_errc::batch_request_failed:
                return "the batch gave this request no answer";
        }
        return "unknown openai.images.api error";
    }
};

}  // namespace

const boost::system::error_category& client_category() noexcept {
    static const client_category_impl instance;
    return instance;
}

const boost::system::error_category& api_category() noexcept {
    static const api_category_impl instance;
    return instance;
}

api_errc api_errc_from(unsigned status, std::string_view code) noexcept {
    if (code == "insufficient_quota")
        return api_errc::insufficient_quota;
    if (code == "moderation_blocked")
        return api_errc::moderation_blocked;
    switch (status) {
        case 400:
            return api_errc::bad_request;
        case 401:
            return api_errc::authentication_error;
        case 403:
            return api_errc::permission_denied;
        case 404:
            return api_errc::not_found;
        case 408:
            return api_errc::request_timeout;
        case 409:
            return api_errc::conflict;
        case 422:
            return api_errc::unprocessable_entity;
        case 429:
            return api_errc::rate_limited;
        default:
            return status >= 500 ? api_errc::server_error : api_errc::unexpected_status;
    }
}

namespace {
std::string api_error_what(error_code ec, const diagnostics& diag) {
    std::string what(diag.message());
    const auto& r = diag.response();
    std::string detail;
    auto add = [&](std::string_view k, std::string_view v) {
        if (v.empty())
            return;
        if (!detail.empty())
            detail += ", ";
        detail += k;
        detail += v;
    };
    if (r.status != 0)
        add("HTTP ", std::to_string(r.status));
    add("type ", diag.error_type());
    add("code ", diag.api_code());
    add("request id ", r.request_id);
    if (r.attempts > 1)
        add("attempts ", std::to_string(r.attempts));
    if (!detail.empty())
        what += (what.empty() ? "[" : " [") + detail + "]";
    (void)ec;
    return what;
}
}  // namespace

api_error::api_error(error_code ec, const diagnostics& diag)
    : client_error(ec, api_error_what(ec, diag), diag),
      status_(diag.response().status),
      type_(diag.error_type()),
      api_code_(diag.api_code()),
      message_(diag.message()),
      request_id_(diag.response().request_id),
      attempts_(diag.response().attempts) {}

bool is_retryable(error_code ec) noexcept {
    if (!ec)
        return false;
    if (ec.category() == api_category()) {
        switch (static_cast<api_errc>(ec.value())) {
            case api_errc::request_timeout:
            case api_errc::conflict:
            case api_errc::rate_limited:
            case api_errc::server_error:
                return true;
            default:
                return false;
        }
    }
    if (ec.category() == client_category()) {
        switch (static_cast<client_errc>(ec.value())) {
            case client_errc::connect_timeout:
            case client_errc::handshake_timeout:
            case client_errc::response_header_timeout:
            case client_errc::body_idle_timeout:
            case client_errc::stream_idle_timeout:
            case client_errc::truncated_response:
                return true;
            default:
                return false;
        }
    }
    // Network errors (system, asio misc, ssl stream) are retryable; a failed
    // certificate verification or a cancelled operation is not, nor an
    // authoritative answer that the name has no address (EAI_NONAME, or a
    // name without records of the family): asking again gets the same answer.
    // EAI_AGAIN (host_not_found_try_again) is a resolver that did not answer.
    if (ec == boost::asio::error::operation_aborted)
        return false;
    if (ec == boost::asio::error::host_not_found || ec == boost::asio::error::no_data)
        return false;
    if (ec.category() == boost::asio::error::get_ssl_category())
        return false;
    return true;
}

}  // namespace openai::images
