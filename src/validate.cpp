// validate() for each endpoint: which checks run, in which order, against
// which model's row (validate_checker.hpp, model_registry.hpp).
#include <openai/images/image_info.hpp>
#include <openai/images/validate.hpp>

#include <charconv>
#include <string>

#include "model_registry.hpp"
#include "validate_checker.hpp"

namespace openai::images {
namespace {

// The checker of the request's model, or of `fallback` (the API's default
// model for the endpoint) when the request names none.
detail::checker checker_for(const std::optional<ImageModel>& model, std::string_view fallback,
                            const validate_options& opts, diagnostics& diag) {
    std::string name = model ? model->value() : std::string(fallback);
    auto row = model || !fallback.empty() ? detail::find_model(name, opts) : nullptr;
    return detail::checker(std::move(name), std::move(row), diag);
}

// A data: URL, whose image is in the request (case as URL schemes are).
bool starts_with_data(std::string_view url) {
    return url.size() >= 5 && (url[0] | 0x20) == 'd' && (url[1] | 0x20) == 'a' &&
           (url[2] | 0x20) == 't' && (url[3] | 0x20) == 'a' && url[4] == ':';
}

}  // namespace

std::optional<image_dimensions> parse_size(std::string_view s) noexcept {
    const auto x = s.find('x');
    if (x == std::string_view::npos || x == 0 || x + 1 == s.size())
        return std::nullopt;
    image_dimensions d;
    const char* first = s.data();
    const char* mid = s.data() + x;
    const char* last = s.data() + s.size();
    auto r1 = std::from_chars(first, mid, d.width);
    auto r2 = std::from_chars(mid + 1, last, d.height);
    if (r1.ec != std::errc() || r1.ptr != mid || r2.ec != std::errc() || r2.ptr != last) {
        return std::nullopt;
    }
    if (d.width == 0 || d.height == 0)
        return std::nullopt;
    return d;
}

error_code validate(const CreateImageRequest& r, diagnostics& diag, const validate_options& opts) {
    diag.clear();
    if (!opts.enabled)
        return {};
    // Without a model the server picks one from the other fields: none is assumed.
    detail::checker c = checker_for(r.model, {}, opts, diag);
    if (c.known() && !c.row().generations) {
        return c.fail(client_errc::model_not_supported, "model",
                      "model: '" + c.name() + "' cannot generate images");
    }
    if (auto ec = c.json_strings(r))
        return ec;
    if (auto ec = c.prompt(r.prompt))
        return ec;
    if (auto ec = c.n(r.n))
        return ec;
    if (auto ec = c.size(r.size))
        return ec;
    if (auto ec = c.listed(r.quality, "quality", &model_capabilities::qualities, {}))
        return ec;
    if (auto ec = c.listed(r.response_format, "response_format",
                           &model_capabilities::response_formats, "dall-e-2 and dall-e-3")) {
        return ec;
    }
    if (auto ec = c.listed(r.style, "style", &model_capabilities::styles, "dall-e-3"))
        return ec;
    if (auto ec = c.listed(r.moderation, "moderation", &model_capabilities::moderations,
                           "the GPT image models")) {
        return ec;
    }
    return c.output(
        {r.background, r.output_format, r.output_compression, r.stream, r.partial_images});
}

error_code validate(const CreateImageEditRequest& r, diagnostics& diag,
                    const validate_options& opts) {
    diag.clear();
    if (!opts.enabled)
        return {};
    detail::checker c = checker_for(r.model, ImageModel::gpt_image_1_5, opts, diag);
    if (c.known() && !c.row().edits) {
        return c.fail(
            client_errc::model_not_supported, "model",
            "model: " + c.name() + " cannot edit images; use dall-e-2 or a GPT image model");
    }
    if (r.image.empty()) {
        return c.fail(client_errc::missing_required_field, "image",
                      "image: required, give 1 to 16 images");
    }
    const std::size_t max_images = c.known() ? c.row().max_edit_images : 16;
    if (r.image.size() > max_images) {
        return c.fail(client_errc::too_many_images, "image",
                      "image: " + std::to_string(r.image.size()) + " images given; " +
                          (c.known() ? c.name() : std::string("the API")) + " takes at most " +
                          std::to_string(max_images));
    }
    image_info first;
    for (std::size_t i = 0; i < r.image.size(); ++i) {
        const std::string param =
            r.image.size() == 1 ? "image" : "image[" + std::to_string(i) + "]";
        image_info info;
        if (auto ec = c.input_image(r.image[i], param, info, max_images > 1))
            return ec;
        if (i == 0)
            first = info;
    }
    if (auto ec = c.mask(r.mask, first))
        return ec;
    if (auto ec = c.prompt(r.prompt))
        return ec;
    if (auto ec = c.n(r.n))
        return ec;
    if (auto ec = c.size(r.size))
        return ec;
    if (auto ec = c.listed(r.quality, "quality", &model_capabilities::qualities, {}))
        return ec;
    if (auto ec = c.listed(r.response_format, "response_format",
                           &model_capabilities::response_formats, "dall-e-2")) {
        return ec;
    }
    if (auto ec =
            c.listed(r.input_fidelity, "input_fidelity", &model_capabilities::input_fidelities,
                     "gpt-image-1, gpt-image-1.5 and later GPT image models")) {
        return ec;
    }
    return c.output(
        {r.background, r.output_format, r.output_compression, r.stream, r.partial_images});
}

error_code validate(const EditImageBodyJsonParam& r, diagnostics& diag,
                    const validate_options& opts) {
    diag.clear();
    if (!opts.enabled)
        return {};
    detail::checker c = checker_for(r.model, ImageModel::gpt_image_1_5, opts, diag);
    if (c.known() && !c.row().edits) {
        return c.fail(client_errc::model_not_supported, "model",
                      "model: " + c.name() + " cannot edit images; use a GPT image model");
    }
    if (c.known() && !c.row().response_formats.empty()) {
        return c.fail(client_errc::model_not_supported, "model",
                      "model: " + c.name() +
                          " takes edits only as multipart uploads (CreateImageEditRequest); the "
                          "JSON form, with images by reference, is for the GPT image models");
    }
    if (auto ec = c.json_strings(r))
        return ec;
    if (r.images.empty()) {
        return c.fail(client_errc::missing_required_field, "images",
                      "images: required, give 1 to 16 image references");
    }
    const std::size_t max_images = c.known() ? c.row().max_edit_images : 16;
    if (r.images.size() > max_images) {
        return c.fail(client_errc::too_many_images, "images",
                      "images: " + std::to_string(r.images.size()) + " images given; " +
                          (c.known() ? c.name() : std::string("the API")) + " takes at most " +
                          std::to_string(max_images));
    }
    image_info first;
    std::vector<unsigned char> decoded;
    for (std::size_t i = 0; i < r.images.size(); ++i) {
        const std::string param = "images[" + std::to_string(i) + "]";
        if (auto ec = c.image_ref(r.images[i], param, decoded))
            return ec;
        if (!r.images[i].image_url || !starts_with_data(*r.images[i].image_url))
            continue;  // fetched by the API: nothing to check here
        image_info info;
        const auto image = file_source::from_memory(std::span<const unsigned char>(decoded));
        if (auto ec = c.input_image(image, param + ".image_url", info, max_images > 1))
            return ec;
        if (i == 0)
            first = info;
    }
    if (r.mask) {
        if (auto ec = c.image_ref(*r.mask, "mask", decoded))
            return ec;
        if (r.mask->image_url && starts_with_data(*r.mask->image_url)) {
            const std::optional<file_source> mask =
                file_source::from_memory(std::span<const unsigned char>(decoded));
            if (auto ec = c.mask(mask, first))
                return ec;
        }
    }
    if (auto ec = c.prompt(r.prompt))
        return ec;
    if (auto ec = c.n(r.n))
        return ec;
    if (auto ec = c.size(r.size))
        return ec;
    if (auto ec = c.listed(r.quality, "quality", &model_capabilities::qualities, {}))
        return ec;
    if (auto ec =
            c.listed(r.input_fidelity, "input_fidelity", &model_capabilities::input_fidelities,
                     "gpt-image-1, gpt-image-1.5 and later GPT image models")) {
        return ec;
    }
    if (auto ec = c.listed(r.moderation, "moderation", &model_capabilities::moderations,
                           "the GPT image models")) {
        return ec;
    }
    return c.output(
        {r.background, r.output_format, r.output_compression, r.stream, r.partial_images});
}

error_code validate(const CreateImageVariationRequest& r, diagnostics& diag,
                    const validate_options& opts) {
    diag.clear();
    if (!opts.enabled)
        return {};
    detail::checker c = checker_for(r.model, ImageModel::dall_e_2, opts, diag);
    if (c.known() && !c.row().variations) {
        return c.fail(client_errc::model_not_supported, "model",
                      "model: '" + c.name() + "' cannot make variations; only dall-e-2 can");
    }
    image_info info;
    if (auto ec = c.input_image(r.image, "image", info, false))
        return ec;
    if (auto ec = c.n(r.n))
        return ec;
    if (auto ec = c.size(r.size))
        return ec;
    return c.listed(r.response_format, "response_format", &model_capabilities::response_formats,
                    "dall-e-2");
}

}  // namespace openai::images
