#include <openai/images/encode.hpp>

namespace openai::images {
namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

void put(fields& f, const char* name, const std::optional<std::string>& v) {
    if (v)
        f.emplace_back(name, *v);
}
void put(fields& f, const char* name, const std::optional<std::int64_t>& v) {
    if (v)
        f.emplace_back(name, std::to_string(*v));
}
void put(fields& f, const char* name, const std::optional<bool>& v) {
    if (v)
        f.emplace_back(name, *v ? "true" : "false");
}
template <class D>
requires std::derived_from<D, open_enum<D>>
void put(fields& f, const char* name, const std::optional<D>& v) {
    if (v)
        f.emplace_back(name, v->value());
}

error_code add_fields(const fields& f, multipart_form& form, diagnostics& diag) {
    for (const auto& [name, value] : f) {
        if (auto ec = form.add_field(name, value, diag))
            return ec;
    }
    return {};
}

error_code add_file(multipart_form& form, const std::string& name, const std::string& param,
                    const file_source& file, diagnostics& diag) {
    diagnostics file_diag;
    if (auto ec = form.add_file(name, file, file_diag)) {
        diag.assign(param, param + ": " + std::string(file_diag.message()));
        return ec;
    }
    return {};
}

}  // namespace

fields form_fields(const CreateImageEditRequest& r) {
    fields f;
    f.emplace_back("prompt", r.prompt);
    put(f, "background", r.background);
    put(f, "model", r.model);
    put(f, "n", r.n);
    put(f, "size", r.size);
    put(f, "response_format", r.response_format);
    put(f, "output_format", r.output_format);
    put(f, "output_compression", r.output_compression);
    put(f, "user", r.user);
    put(f, "input_fidelity", r.input_fidelity);
    put(f, "stream", r.stream);
    put(f, "partial_images", r.partial_images);
    put(f, "quality", r.quality);
    return f;
}

fields form_fields(const CreateImageVariationRequest& r) {
    fields f;
    put(f, "model", r.model);
    put(f, "n", r.n);
    put(f, "response_format", r.response_format);
    put(f, "size", r.size);
    put(f, "user", r.user);
    return f;
}

// Text fields go first so that a server can reject a bad request before it
// has received the images.
error_code encode(const CreateImageEditRequest& req, multipart_form& form, diagnostics& diag) {
    if (auto ec = add_fields(form_fields(req), form, diag))
        return ec;
    const bool several = req.image.size() > 1;
    for (std::size_t i = 0; i < req.image.size(); ++i) {
        const std::string param = several ? "image[" + std::to_string(i) + "]" : "image";
        if (auto ec = add_file(form, several ? "image[]" : "image", param, req.image[i], diag)) {
            return ec;
        }
    }
    if (req.mask) {
        return add_file(form, "mask", "mask", *req.mask, diag);
    }
    return {};
}

error_code encode(const CreateImageVariationRequest& req, multipart_form& form, diagnostics& diag) {
    if (auto ec = add_fields(form_fields(req), form, diag))
        return ec;
    return add_file(form, "image", "image", req.image, diag);
}

}  // namespace openai::images
