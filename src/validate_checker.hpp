// One request's checks against its model's row (validate_checks.cpp); the
// order in which each endpoint runs them is in validate.cpp.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/image_info.hpp>
#include <openai/images/model_capabilities.hpp>
#include <openai/images/models.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace openai::images::detail {

/// The output parameters that generations and edits share.
struct output_fields {
    const std::optional<ImageBackground>& background;
    const std::optional<ImageOutputFormat>& output_format;
    const std::optional<std::int64_t>& output_compression;
    const std::optional<bool>& stream;
    const std::optional<std::int64_t>& partial_images;
};

/// Each check returns the first rule broken, with diag filled. Without a row
/// (a model nothing knows) only the rules every model keeps are checked.
class checker {
  public:
    checker(std::string model, std::shared_ptr<const model_capabilities> row, diagnostics& diag)
        : name_(std::move(model)), row_(std::move(row)), diag_(diag) {}

    bool known() const { return row_ != nullptr; }
    /// Only when known().
    const model_capabilities& row() const { return *row_; }
    const std::string& name() const { return name_; }

    error_code fail(error_code e, std::string param, std::string message);

    /// A string sent in a JSON body, whose strings must be UTF-8.
    error_code utf8(std::string_view value, std::string_view name);
    template <class E>
    error_code utf8(const std::optional<E>& v, std::string_view name) {
        if (!v)
            return {};
        if constexpr (std::is_same_v<E, std::string>)
            return utf8(std::string_view(*v), name);
        else
            return utf8(std::string_view(v->value()), name);
    }
    error_code json_strings(const CreateImageRequest& r);
    error_code json_strings(const EditImageBodyJsonParam& r);

    error_code prompt(const std::string& p);
    error_code range(const std::optional<std::int64_t>& v, std::string_view name, std::int64_t lo,
                     std::int64_t hi);
    error_code n(const std::optional<std::int64_t>& v);
    error_code size(const std::optional<ImageSize>& v);

    /// A parameter the row may refuse: `who` names the built-in models that
    /// take it, for the message (empty: not named).
    error_code only(bool present, std::string_view name, bool accepted, std::string_view who);
    template <class T>
    error_code only(const std::optional<T>& v, std::string_view name, bool accepted,
                    std::string_view who) {
        return only(v.has_value(), name, accepted, who);
    }

    /// One of the row's values.
    error_code one_of(const std::string* value, std::string_view name,
                      const std::vector<std::string>& allowed);
    template <class E>
    error_code one_of(const std::optional<E>& v, std::string_view name,
                      const std::vector<std::string>& allowed) {
        return one_of(v ? &v->value() : nullptr, name, allowed);
    }

    /// A parameter whose values are a list of the row: refused when the list
    /// is empty, else one of them.
    using values_of = std::vector<std::string> model_capabilities::*;
    template <class E>
    error_code listed(const std::optional<E>& v, std::string_view name, values_of list,
                      std::string_view who) {
        if (!v || !known())
            return {};
        const std::vector<std::string>& allowed = row().*list;
        if (auto ec = only(true, name, !allowed.empty(), who))
            return ec;
        return one_of(v, name, allowed);
    }

    /// background, output_format, output_compression, stream, partial_images.
    error_code output(const output_fields& f);

    /// An input image: readable, and of a format, byte size and shape the
    /// row takes. `several`: the request may carry more than one.
    error_code input_image(const file_source& f, const std::string& param, image_info& info,
                           bool several);
    error_code mask(const std::optional<file_source>& mask, const image_info& first);
    /// An image of a JSON edit by reference (`param`: "images[0]", "mask"):
    /// one of image_url and file_id; a data: URL's image decoded into
    /// `decoded` (left empty otherwise) for input_image() or mask().
    error_code image_ref(const ImageRefParam& ref, const std::string& param,
                         std::vector<unsigned char>& decoded);

  private:
    error_code custom_size(const std::string& s, image_dimensions d, const custom_size_rules& r);
    error_code transparency(const std::optional<ImageBackground>& bg,
                            const std::optional<ImageOutputFormat>& fmt);
    error_code compression(const std::optional<std::int64_t>& c,
                           const std::optional<ImageOutputFormat>& fmt);

    std::string name_;
    std::shared_ptr<const model_capabilities> row_;
    diagnostics& diag_;
};

}  // namespace openai::images::detail
