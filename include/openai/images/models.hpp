// The request and response types of the OpenAI Images API, named after the
// schemas of the official OpenAPI spec, with the JSON field names kept. Plain
// aggregates: designated-initializer friendly, unset optionals are not sent.
// Each type is described (Boost.Describe) right after its definition: the JSON
// conversions, the multipart form fields and the command-line tool iterate the
// descriptions, so a member must be added to its description too (a unit test
// fails otherwise) and in the order of the wire format, which is the
// declaration order.
#pragma once

#include <openai/images/file.hpp>

#include <boost/describe/class.hpp>

#include <compare>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images {

/// An open enumeration: the API's known values are named constants of the
/// derived type, yet any string is accepted and kept, so a value the API adds
/// later round-trips unchanged. The derived type's description lists those
/// constants (static members), in the order a user is offered them.
template <class Derived>
class open_enum {
  public:
    open_enum() = default;
    open_enum(std::string value) : value_(std::move(value)) {}
    open_enum(std::string_view value) : value_(value) {}
    open_enum(const char* value) : value_(value) {}

    const std::string& value() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }

    friend bool operator==(const open_enum& a, const open_enum& b) noexcept {
        return a.value_ == b.value_;
    }
    friend bool operator==(const open_enum& a, std::string_view b) noexcept {
        return a.value_ == b;
    }
    friend bool operator==(const open_enum& a, const std::string& b) noexcept {
        return a.value_ == b;
    }
    friend bool operator==(const open_enum& a, const char* b) noexcept { return a.value_ == b; }
    friend std::ostream& operator<<(std::ostream& os, const open_enum& e) { return os << e.value_; }

  private:
    std::string value_{};
};

/// The model to use. The GPT image family, dall-e-2 and dall-e-3.
struct ImageModel : open_enum<ImageModel> {
    using open_enum::open_enum;
    static constexpr std::string_view dall_e_2 = "dall-e-2";
    static constexpr std::string_view dall_e_3 = "dall-e-3";
    static constexpr std::string_view gpt_image_1 = "gpt-image-1";
    static constexpr std::string_view gpt_image_1_mini = "gpt-image-1-mini";
    static constexpr std::string_view gpt_image_1_5 = "gpt-image-1.5";
    static constexpr std::string_view gpt_image_2 = "gpt-image-2";
    static constexpr std::string_view gpt_image_2_2026_04_21 = "gpt-image-2-2026-04-21";
    static constexpr std::string_view chatgpt_image_latest = "chatgpt-image-latest";
};
BOOST_DESCRIBE_STRUCT(ImageModel, (),
                      (dall_e_2, dall_e_3, gpt_image_1, gpt_image_1_mini, gpt_image_1_5,
                       gpt_image_2, gpt_image_2_2026_04_21, chatgpt_image_latest))

/// `auto`, a standard `WIDTHxHEIGHT`, or (gpt-image-2) any `WIDTHxHEIGHT`.
struct ImageSize : open_enum<ImageSize> {
    using open_enum::open_enum;
    static constexpr std::string_view auto_ = "auto";
    static constexpr std::string_view s256x256 = "256x256";
    static constexpr std::string_view s512x512 = "512x512";
    static constexpr std::string_view s1024x1024 = "1024x1024";
    static constexpr std::string_view s1536x1024 = "1536x1024";
    static constexpr std::string_view s1024x1536 = "1024x1536";
    static constexpr std::string_view s1792x1024 = "1792x1024";
    static constexpr std::string_view s1024x1792 = "1024x1792";
};
BOOST_DESCRIBE_STRUCT(ImageSize, (),
                      (auto_, s256x256, s512x512, s1024x1024, s1536x1024, s1024x1536, s1792x1024,
                       s1024x1792))

struct ImageQuality : open_enum<ImageQuality> {
    using open_enum::open_enum;
    static constexpr std::string_view standard = "standard";
    static constexpr std::string_view hd = "hd";
    static constexpr std::string_view low = "low";
    static constexpr std::string_view medium = "medium";
    static constexpr std::string_view high = "high";
    static constexpr std::string_view auto_ = "auto";
};
BOOST_DESCRIBE_STRUCT(ImageQuality, (), (standard, hd, low, medium, high, auto_))

struct ImageResponseFormat : open_enum<ImageResponseFormat> {
    using open_enum::open_enum;
    static constexpr std::string_view url = "url";
    static constexpr std::string_view b64_json = "b64_json";
};
BOOST_DESCRIBE_STRUCT(ImageResponseFormat, (), (url, b64_json))

struct ImageOutputFormat : open_enum<ImageOutputFormat> {
    using open_enum::open_enum;
    static constexpr std::string_view png = "png";
    static constexpr std::string_view jpeg = "jpeg";
    static constexpr std::string_view webp = "webp";
};
BOOST_DESCRIBE_STRUCT(ImageOutputFormat, (), (png, jpeg, webp))

struct ImageBackground : open_enum<ImageBackground> {
    using open_enum::open_enum;
    static constexpr std::string_view transparent = "transparent";
    static constexpr std::string_view opaque = "opaque";
    static constexpr std::string_view auto_ = "auto";
};
BOOST_DESCRIBE_STRUCT(ImageBackground, (), (transparent, opaque, auto_))

struct ImageModeration : open_enum<ImageModeration> {
    using open_enum::open_enum;
    static constexpr std::string_view low = "low";
    static constexpr std::string_view auto_ = "auto";
};
BOOST_DESCRIBE_STRUCT(ImageModeration, (), (low, auto_))

struct ImageStyle : open_enum<ImageStyle> {
    using open_enum::open_enum;
    static constexpr std::string_view vivid = "vivid";
    static constexpr std::string_view natural = "natural";
};
BOOST_DESCRIBE_STRUCT(ImageStyle, (), (vivid, natural))

struct InputFidelity : open_enum<InputFidelity> {
    using open_enum::open_enum;
    static constexpr std::string_view high = "high";
    static constexpr std::string_view low = "low";
};
BOOST_DESCRIBE_STRUCT(InputFidelity, (), (high, low))

/// POST /images/generations (JSON).
struct CreateImageRequest {
    std::string prompt{};  ///< required
    std::optional<ImageModel> model{};
    std::optional<std::int64_t> n{};
    std::optional<ImageQuality> quality{};
    std::optional<ImageResponseFormat> response_format{};
    std::optional<ImageOutputFormat> output_format{};
    std::optional<std::int64_t> output_compression{};
    std::optional<bool> stream{};
    std::optional<std::int64_t> partial_images{};
    std::optional<ImageSize> size{};
    std::optional<ImageModeration> moderation{};
    std::optional<ImageBackground> background{};
    std::optional<ImageStyle> style{};
    std::optional<std::string> user{};
};
BOOST_DESCRIBE_STRUCT(CreateImageRequest, (),
                      (prompt, model, n, quality, response_format, output_format,
                       output_compression, stream, partial_images, size, moderation, background,
                       style, user))

/// POST /images/edits (multipart/form-data). One image is sent as `image`,
/// several as repeated `image[]`.
struct CreateImageEditRequest {
    std::vector<file_source> image{};  ///< required, 1 to 16
    std::string prompt{};              ///< required
    std::optional<file_source> mask{};
    std::optional<ImageBackground> background{};
    std::optional<ImageModel> model{};
    std::optional<std::int64_t> n{};
    std::optional<ImageSize> size{};
    std::optional<ImageResponseFormat> response_format{};
    std::optional<ImageOutputFormat> output_format{};
    std::optional<std::int64_t> output_compression{};
    std::optional<std::string> user{};
    std::optional<InputFidelity> input_fidelity{};
    std::optional<bool> stream{};
    std::optional<std::int64_t> partial_images{};
    std::optional<ImageQuality> quality{};
};
BOOST_DESCRIBE_STRUCT(CreateImageEditRequest, (),
                      (image, prompt, mask, background, model, n, size, response_format,
                       output_format, output_compression, user, input_fidelity, stream,
                       partial_images, quality))

/// An input image of a JSON edit, by reference: exactly one of `image_url`
/// (an http(s) URL the API fetches, or a `data:image/...;base64,` URL) and
/// `file_id` (a file uploaded through the Files API).
struct ImageRefParam {
    std::optional<std::string> image_url{};
    std::optional<std::string> file_id{};
};
BOOST_DESCRIBE_STRUCT(ImageRefParam, (), (image_url, file_id))

/// POST /images/edits as application/json: the images and mask are
/// references (ImageRefParam) instead of uploads, so the request fits in a
/// JSON body, and in a line of a Batch API input file. GPT image models
/// only; it has `moderation`, and no `response_format` (the answer is always
/// b64_json).
struct EditImageBodyJsonParam {
    std::optional<ImageModel> model{};
    std::vector<ImageRefParam> images{};  ///< required, 1 to 16
    std::optional<ImageRefParam> mask{};
    std::string prompt{};  ///< required
    std::optional<std::int64_t> n{};
    std::optional<ImageQuality> quality{};
    std::optional<InputFidelity> input_fidelity{};
    std::optional<ImageSize> size{};
    std::optional<std::string> user{};
    std::optional<ImageOutputFormat> output_format{};
    std::optional<std::int64_t> output_compression{};
    std::optional<ImageModeration> moderation{};
    std::optional<ImageBackground> background{};
    std::optional<bool> stream{};
    std::optional<std::int64_t> partial_images{};
};
BOOST_DESCRIBE_STRUCT(EditImageBodyJsonParam, (),
                      (model, images, mask, prompt, n, quality, input_fidelity, size, user,
                       output_format, output_compression, moderation, background, stream,
                       partial_images))

/// POST /images/variations (multipart/form-data); dall-e-2 only.
struct CreateImageVariationRequest {
    file_source image{};  ///< required
    std::optional<ImageModel> model{};
    std::optional<std::int64_t> n{};
    std::optional<ImageResponseFormat> response_format{};
    std::optional<ImageSize> size{};
    std::optional<std::string> user{};
};
BOOST_DESCRIBE_STRUCT(CreateImageVariationRequest, (),
                      (image, model, n, response_format, size, user))

/// One generated image: base64 data (GPT image models, or response_format
/// b64_json) or a URL valid for 60 minutes (dall-e models).
struct Image {
    std::optional<std::string> b64_json{};
    std::optional<std::string> url{};
    std::optional<std::string> revised_prompt{};  ///< dall-e-3 only
    /// Not an API field: the image's bytes when the client decoded b64_json
    /// as the answer arrived (client_options::decode_b64_json), in which case
    /// b64_json is unset. decode_image and save_image take either form;
    /// to_json writes these bytes back as b64_json. Described like the
    /// others (so that no member goes undescribed); the JSON conversions
    /// make it their one exception.
    std::optional<std::vector<unsigned char>> bytes{};
};
BOOST_DESCRIBE_STRUCT(Image, (), (b64_json, url, revised_prompt, bytes))

struct ImageGenInputUsageDetails {
    std::int64_t text_tokens = 0;
    std::int64_t image_tokens = 0;
};
BOOST_DESCRIBE_STRUCT(ImageGenInputUsageDetails, (), (text_tokens, image_tokens))

struct ImageGenOutputTokensDetails {
    std::int64_t image_tokens = 0;
    std::int64_t text_tokens = 0;
};
BOOST_DESCRIBE_STRUCT(ImageGenOutputTokensDetails, (), (image_tokens, text_tokens))

/// Token usage of the GPT image models.
struct ImageGenUsage {
    std::int64_t input_tokens = 0;
    std::int64_t total_tokens = 0;
    std::int64_t output_tokens = 0;
    std::optional<ImageGenOutputTokensDetails> output_tokens_details{};
    ImageGenInputUsageDetails input_tokens_details;
};
BOOST_DESCRIBE_STRUCT(ImageGenUsage, (),
                      (input_tokens, total_tokens, output_tokens, output_tokens_details,
                       input_tokens_details))

/// The spec's `ImagesUsage` schema has the same shape.
using ImagesUsage = ImageGenUsage;

/// The response of all three operations.
struct ImagesResponse {
    std::int64_t created = 0;
    std::vector<Image> data{};
    std::optional<ImageBackground> background{};
    std::optional<ImageOutputFormat> output_format{};
    std::optional<ImageSize> size{};
    std::optional<ImageQuality> quality{};
    std::optional<ImageGenUsage> usage{};
};
BOOST_DESCRIBE_STRUCT(ImagesResponse, (),
                      (created, data, background, output_format, size, quality, usage))

/// One server-sent event of a streamed generation or edit
/// (`image_generation.partial_image`, `image_generation.completed`,
/// `image_edit.partial_image`, `image_edit.completed`).
struct ImageStreamEvent {
    std::string type{};
    std::string b64_json{};
    std::int64_t created_at = 0;
    std::optional<ImageSize> size{};
    std::optional<ImageQuality> quality{};
    std::optional<ImageBackground> background{};
    std::optional<ImageOutputFormat> output_format{};
    std::optional<std::int64_t> partial_image_index{};  ///< partial_image events
    std::optional<ImageGenUsage> usage{};               ///< completed events
    /// Not an API field, as Image::bytes: the image's bytes when the client
    /// decoded b64_json as the event arrived, in which case b64_json is
    /// empty; to_json writes them back as b64_json.
    std::optional<std::vector<unsigned char>> bytes{};
};
BOOST_DESCRIBE_STRUCT(ImageStreamEvent, (),
                      (type, b64_json, created_at, size, quality, background, output_format,
                       partial_image_index, usage, bytes))

}  // namespace openai::images
