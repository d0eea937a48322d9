// Error codes for everything the client detects on its own side (bad requests,
// unreadable files, malformed payloads), and `diagnostics`, the human-readable
// detail that travels next to an error_code without allocating in the code itself.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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

    // Transport: detected by the client while talking to the server.
    missing_api_key,          ///< no API key for api.openai.com (checked before connecting)
    invalid_base_url,         ///< base_url is not an http:// or https:// URL
    connect_timeout,          ///< resolving and connecting took longer than timeouts.connect
    handshake_timeout,        ///< the TLS handshake took longer than timeouts.tls_handshake
    response_header_timeout,  ///< no complete response header within timeouts.response_header
    body_idle_timeout,        ///< no byte sent or received for timeouts.body_idle
    deadline_exceeded,        ///< the whole operation took longer than timeouts.total
    pool_wait_timeout,        ///< no connection became free within pool.wait_timeout
    response_too_large,       ///< a response body over limits.max_response_body
    truncated_response,       ///< the server closed the connection before the whole body
    streaming_not_supported,  ///< stream=true given to an operation that does not stream
                              ///< (async_stream and stream() do)

    // Saving and downloading images.
    file_write_failed,  ///< an image file cannot be written
    invalid_url,        ///< a download URL that is not http(s)://host/...

    // Client options.
    invalid_header_value,  ///< api_key, organization or project holds CR, LF or another control
                           ///< character

    // Transport, continued.
    malformed_response,  ///< the server's response breaks HTTP/1.1 (status line, header, chunking)

    // TLS.
    tls_certificate_rejected,  ///< the server's certificate chain or name did not verify
    invalid_ca_file,           ///< tls.ca_file holds no certificate OpenSSL can load
    // Streaming.
    stream_idle_timeout,  ///< no byte of a streamed answer for timeouts.stream_idle
    // Batch jobs (batch_job.hpp).
    invalid_batch_job,  ///< a job directory whose state file is missing, unreadable or not a
                        ///< job's, or requests that do not match it
};

/// How a tls_certificate_rejected message ends when the chain did not lead to
/// a trusted CA (an unknown issuer, a self-signed certificate): a program with
/// its own way of setting the CA file can put its own words in its place.
inline constexpr std::string_view private_ca_hint =
    "; to trust a private CA, set client_options::tls.ca_file or the OPENAI_IMAGES_CA_FILE "
    "environment variable to its PEM file";

/// Errors the API answered with (HTTP status >= 400), one per kind of
/// failure, as the official SDKs' exception classes.
enum class api_errc {
    bad_request = 1,       ///< 400
    authentication_error,  ///< 401
    permission_denied,     ///< 403
    not_found,             ///< 404
    request_timeout,       ///< 408
    conflict,              ///< 409
    unprocessable_entity,  ///< 422
    rate_limited,          ///< 429
    insufficient_quota,    ///< 429 with code insufficient_quota: never retried
    moderation_blocked,    ///< 400 with code moderation_blocked: never retried
    server_error,          ///< >= 500
    unexpected_status,     ///< any other status outside 2xx
    /// An error event inside a stream whose status was 200 (a code of
    /// insufficient_quota or moderation_blocked gives those instead).
    stream_error,
    /// A request of a Batch API batch that got no answer: a line of the
    /// batch's error file (its code, such as batch_expired, in
    /// diag.api_code()), or a request of a batch that failed, expired or was
    /// cancelled before it ran (api_code batch_failed, batch_expired or
    /// batch_cancelled).
    batch_request_failed,
};

/// The category of `client_errc`; its name is "openai.images.client".
const boost::system::error_category& client_category() noexcept;

/// The category of `api_errc`; its name is "openai.images.api".
const boost::system::error_category& api_category() noexcept;

inline error_code make_error_code(client_errc e) noexcept {
    return {static_cast<int>(e), client_category()};
}
inline error_code make_error_code(api_errc e) noexcept {
    return {static_cast<int>(e), api_category()};
}

/// The api_errc for an HTTP status and the API's error `code` string.
api_errc api_errc_from(unsigned status, std::string_view code) noexcept;

/// Metadata of the last HTTP response an operation received.
struct response_metadata {
    unsigned status = 0;                          ///< HTTP status; 0 when no response arrived
    std::string request_id{};                     ///< x-request-id
    std::optional<std::int64_t> processing_ms{};  ///< openai-processing-ms
    /// Every x-ratelimit-* header (limit/remaining/reset of requests and
    /// tokens), names in lower case, in the order received.
    std::vector<std::pair<std::string, std::string>> rate_limits{};
    std::size_t attempts = 0;  ///< HTTP attempts made, retries included
    /// When the last response's header, then its whole body, had been read
    /// (default-constructed when none came): the time to the first body byte
    /// and the transfer time of the body, as seen by the client.
    std::chrono::steady_clock::time_point header_received{}, body_received{};

    /// The value of one x-ratelimit-* header, empty when absent.
    std::string_view rate_limit(std::string_view name) const noexcept {
        for (const auto& [k, v] : rate_limits) {
            if (k == name)
                return v;
        }
        return {};
    }
};

/// One attempt of an operation that was retried.
struct attempt_record {
    error_code ec{};                       ///< why it failed
    unsigned status = 0;                   ///< HTTP status, 0 when none arrived
    std::string message{};                 ///< a short sentence (never the API key)
    std::chrono::milliseconds backoff{0};  ///< the wait before the next attempt
};

/// The detail behind an error_code: which field or file is at fault, a
/// sentence for a person, the API's own error detail, the metadata of the
/// last response and every failed attempt. Messages never contain the API key.
///
/// The message holds the specifics only, never the error_code's own message:
/// a complete report is `ec.message() + ": " + diag.message()`, for example
/// "Connection refused: connecting to 127.0.0.1:9" or "server certificate
/// rejected: api.example.com:443: unable to get local issuer certificate...".
class diagnostics {
  public:
    diagnostics() = default;

    /// A sentence naming the field, the value given and what was expected, or
    /// the phase and peer of a network failure; for an API error, the API's
    /// own message. Does not repeat the error_code's message (see above).
    std::string_view message() const noexcept { return message_; }

    /// The request field at fault (`size`, `image[1]`, `mask`…), empty when none.
    std::string_view param() const noexcept { return param_; }

    /// The API error's `type` (`invalid_request_error`…), empty when the
    /// failure was not an API error.
    std::string_view error_type() const noexcept { return type_; }

    /// The API error's `code` (`insufficient_quota`…), empty when none.
    std::string_view api_code() const noexcept { return code_; }

    /// Status, request id, rate limits and attempts of the last response.
    const response_metadata& response() const noexcept { return response_; }
    response_metadata& response() noexcept { return response_; }

    /// The attempts that failed and were retried, oldest first (the count of
    /// all attempts, the last one included, is response().attempts).
    const std::vector<attempt_record>& failed_attempts() const noexcept { return attempts_; }
    std::vector<attempt_record>& failed_attempts() noexcept { return attempts_; }

    void clear() noexcept {
        message_.clear();
        param_.clear();
        type_.clear();
        code_.clear();
        response_ = {};
        attempts_.clear();
    }

    /// Sets the field and sentence; clears any API error detail.
    void assign(std::string param, std::string message) {
        param_ = std::move(param);
        message_ = std::move(message);
        type_.clear();
        code_.clear();
    }

    /// Sets the detail of an API error body.
    void assign_api(std::string type, std::string code, std::string param, std::string message) {
        type_ = std::move(type);
        code_ = std::move(code);
        param_ = std::move(param);
        message_ = std::move(message);
    }

  private:
    std::string param_;
    std::string message_;
    std::string type_;
    std::string code_;
    response_metadata response_;
    std::vector<attempt_record> attempts_;
};

/// Thrown by the throwing convenience functions and by a client whose options
/// cannot be used (a bad base_url or tls.ca_file): the error_code, and the
/// diagnostics' message as what(), as it is (the error_code's message when the
/// diagnostics hold none). Unlike a plain boost::system::system_error, what()
/// has no " [category:value]" suffix: it is a sentence to show a person.
class client_error : public boost::system::system_error {
  public:
    client_error(error_code ec, const diagnostics& diag)
        : client_error(ec, std::string(diag.message()), diag) {}

    const char* what() const noexcept override { return what_.c_str(); }

    const std::string& param() const noexcept { return param_; }

  protected:
    client_error(error_code ec, std::string what, const diagnostics& diag)
        : boost::system::system_error(ec),
          what_(what.empty() ? ec.message() : std::move(what)),
          param_(diag.param()) {}

  private:
    std::string what_;
    std::string param_;
};

/// Thrown by the coroutine operations (client::create_image…): everything
/// the diagnostics held when the operation failed. code() is a client_errc,
/// an api_errc, or an Asio/SSL error.
class api_error : public client_error {
  public:
    api_error(error_code ec, const diagnostics& diag);

    unsigned status() const noexcept { return status_; }  ///< 0 when no response arrived
    const std::string& type() const noexcept { return type_; }
    const std::string& api_code() const noexcept { return api_code_; }
    const std::string& message() const noexcept { return message_; }
    const std::string& request_id() const noexcept { return request_id_; }
    std::size_t attempts() const noexcept { return attempts_; }

  private:
    unsigned status_;
    std::string type_;
    std::string api_code_;
    std::string message_;
    std::string request_id_;
    std::size_t attempts_;
};

/// Throws client_error when ec is set.
inline void throw_on_error(error_code ec, const diagnostics& diag) {
    if (ec)
        throw client_error(ec, diag);
}

/// Whether an operation that failed with `ec` may succeed when tried again:
/// network errors, timeouts of a phase, truncated responses, 408, 409, 429
/// (but not insufficient_quota) and 5xx, a temporary failure of name
/// resolution (host_not_found_try_again). Never cancellation, validation,
/// certificate failures, other 4xx, or an authoritative answer that the name
/// does not exist or has no address (host_not_found, no_data).
bool is_retryable(error_code ec) noexcept;

}  // namespace openai::images

template <>
struct boost::system::is_error_code_enum<openai::images::client_errc> : std::true_type {};
template <>
struct boost::system::is_error_code_enum<openai::images::api_errc> : std::true_type {};
