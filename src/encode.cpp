// The text fields of a request come from its description (models.hpp), in
// declaration order; its file parts (by type: file_source members) are
// written by hand after them.
#include <openai/images/encode.hpp>

#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/mp11/algorithm.hpp>

#include <concepts>

namespace openai::images {
namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

void put(fields& f, const char* name, const std::string& v) {
    f.emplace_back(name, v);
}
void put(fields& f, const char* name, std::int64_t v) {
    f.emplace_back(name, std::to_string(v));
}
void put(fields& f, const char* name, bool v) {
    f.emplace_back(name, v ? "true" : "false");
}
template <class D>
requires std::derived_from<D, open_enum<D>>
void put(fields& f, const char* name, const D& v) {
    f.emplace_back(name, v.value());
}
// A nested object goes as bracketed fields, as the API documents for
// expires_after.
void put(fields& f, const char* name, const FileExpirationAfter& v) {
    f.emplace_back(std::string(name) + "[anchor]", v.anchor);
    f.emplace_back(std::string(name) + "[seconds]", std::to_string(v.seconds));
}
template <class T>
void put(fields& f, const char* name, const std::optional<T>& v) {
    if (v)
        put(f, name, *v);
}
// Files are parts of their own, sent after every text field.
void put(fields&, const char*, const file_source&) {}
void put(fields&, const char*, const std::optional<file_source>&) {}
void put(fields&, const char*, const std::vector<file_source>&) {}

template <class Request>
fields text_fields(const Request& r) {
    fields f;
    using members = boost::describe::describe_members<Request, boost::describe::mod_public>;
    boost::mp11::mp_for_each<members>([&](auto d) { put(f, d.name, r.*d.pointer); });
    return f;
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
    return text_fields(r);
}

fields form_fields(const CreateImageVariationRequest& r) {
    return text_fields(r);
}

fields form_fields(const CreateFileRequest& r) {
    return text_fields(r);
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

error_code encode(const CreateFileRequest& req, multipart_form& form, diagnostics& diag) {
    if (auto ec = add_fields(form_fields(req), form, diag))
        return ec;
    return add_file(form, "file", "file", req.file, diag);
}

}  // namespace openai::images
