// The checks of one field each, against the row of the request's model (see
// validate_checker.hpp); the messages name the field, the value given and
// what the model allows.
#include <openai/images/base64.hpp>
#include <openai/images/validate.hpp>

#include <algorithm>
#include <cctype>
#include <string>

#include "validate_checker.hpp"

namespace openai::images::detail {
namespace {

constexpr std::uint64_t mib = 1024 * 1024;

std::string join(const std::vector<std::string>& values, std::string_view last_sep = ", ") {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            out += i + 1 == values.size() ? last_sep : std::string_view(", ");
        out += values[i];
    }
    return out;
}

bool contains(const std::vector<std::string>& values, std::string_view v) {
    return std::find(values.begin(), values.end(), v) != values.end();
}

std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The offset of the first byte that does not start a well-formed UTF-8
// sequence (Unicode, table 3-7: no overlong forms, no surrogates, nothing
// above U+10FFFF), or npos when the whole string is well-formed.
std::size_t invalid_utf8_at(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t more = 0;                // continuation bytes
        unsigned char lo = 0x80, hi = 0xBF;  // range of the first continuation byte
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return i;
        }
        if (s.size() - i - 1 < more)
            return i;
        for (std::size_t k = 1; k <= more; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
                return i;
        }
        i += more + 1;
    }
    return std::string_view::npos;
}

// "4 MB (4194304 bytes)" as the API's documentation words its limits, which
// are in MiB.
std::string describe_bytes(std::uint64_t n) {
    if (n > 0 && n % mib == 0)
        return std::to_string(n / mib) + " MB (" + std::to_string(n) + " bytes)";
    return std::to_string(n) + " bytes";
}

}  // namespace

error_code checker::fail(error_code e, std::string param, std::string message) {
    diag_.assign(std::move(param), std::move(message));
    return e;
}

error_code checker::utf8(std::string_view value, std::string_view name) {
    const std::size_t at = invalid_utf8_at(value);
    if (at == std::string_view::npos)
        return {};
    constexpr char hex[] = "0123456789ABCDEF";
    const auto b = static_cast<unsigned char>(value[at]);
    return fail(client_errc::value_not_allowed, std::string(name),
                std::string(name) + ": not valid UTF-8 (byte 0x" + hex[b >> 4] + hex[b & 0xF] +
                    " at offset " + std::to_string(at) +
                    "); the request is sent as JSON, whose strings must be UTF-8");
}

error_code checker::json_strings(const CreateImageRequest& r) {
    if (auto ec = utf8(std::string_view(r.prompt), "prompt"))
        return ec;
    if (auto ec = utf8(r.model, "model"))
        return ec;
    if (auto ec = utf8(r.quality, "quality"))
        return ec;
    if (auto ec = utf8(r.response_format, "response_format"))
        return ec;
    if (auto ec = utf8(r.output_format, "output_format"))
        return ec;
    if (auto ec = utf8(r.size, "size"))
        return ec;
    if (auto ec = utf8(r.moderation, "moderation"))
        return ec;
    if (auto ec = utf8(r.background, "background"))
        return ec;
    if (auto ec = utf8(r.style, "style"))
        return ec;
    return utf8(r.user, "user");
}

error_code checker::json_strings(const EditImageBodyJsonParam& r) {
    if (auto ec = utf8(std::string_view(r.prompt), "prompt"))
        return ec;
    if (auto ec = utf8(r.model, "model"))
        return ec;
    if (auto ec = utf8(r.quality, "quality"))
        return ec;
    if (auto ec = utf8(r.input_fidelity, "input_fidelity"))
        return ec;
    if (auto ec = utf8(r.size, "size"))
        return ec;
    if (auto ec = utf8(r.output_format, "output_format"))
        return ec;
    if (auto ec = utf8(r.moderation, "moderation"))
        return ec;
    if (auto ec = utf8(r.background, "background"))
        return ec;
    for (std::size_t i = 0; i < r.images.size(); ++i) {
        const std::string param = "images[" + std::to_string(i) + "]";
        if (auto ec = utf8(r.images[i].image_url, param + ".image_url"))
            return ec;
        if (auto ec = utf8(r.images[i].file_id, param + ".file_id"))
            return ec;
    }
    if (r.mask) {
        if (auto ec = utf8(r.mask->image_url, "mask.image_url"))
            return ec;
        if (auto ec = utf8(r.mask->file_id, "mask.file_id"))
            return ec;
    }
    return utf8(r.user, "user");
}

error_code checker::prompt(const std::string& p) {
    if (p.empty())
        return fail(client_errc::missing_required_field, "prompt",
                    "prompt: required, must not be empty");
    const std::size_t limit = known() ? row().max_prompt_characters : 32000;
    if (auto len = utf8_length(p); len > limit) {
        return fail(client_errc::prompt_too_long, "prompt",
                    "prompt: " + std::to_string(len) + " characters; " +
                        (known() ? name_ : std::string("any model")) + " allows at most " +
                        std::to_string(limit));
    }
    return {};
}

error_code checker::range(const std::optional<std::int64_t>& v, std::string_view name,
                          std::int64_t lo, std::int64_t hi) {
    if (v && (*v < lo || *v > hi)) {
        return fail(
            client_errc::value_out_of_range, std::string(name),
            std::string(name) + ": " + std::to_string(*v) + " is out of range; " +
                (lo == hi ? "must be " + std::to_string(lo)
                          : "must be from " + std::to_string(lo) + " to " + std::to_string(hi)) +
                (known() ? " for " + name_ : std::string()));
    }
    return {};
}

error_code checker::n(const std::optional<std::int64_t>& v) {
    return range(v, "n", 1, known() ? row().max_n : 10);
}

error_code checker::only(bool present, std::string_view name, bool accepted, std::string_view who) {
    if (!present || !known() || accepted)
        return {};
    std::string message = std::string(name) + ": not supported by " + name_;
    if (!who.empty()) {
        message += " (only " + std::string(who) + " accept" +
                   (who.find(' ') == std::string_view::npos ? "s" : "") + " it)";
    }
    return fail(client_errc::parameter_not_supported, std::string(name), std::move(message));
}

error_code checker::one_of(const std::string* value, std::string_view name,
                           const std::vector<std::string>& allowed) {
    if (!value || !known() || contains(allowed, *value))
        return {};
    return fail(client_errc::value_not_allowed, std::string(name),
                std::string(name) + ": '" + *value + "' is not supported by " + name_ +
                    "; allowed: " + join(allowed));
}

error_code checker::size(const std::optional<ImageSize>& v) {
    if (!v)
        return {};
    const std::string& s = v->value();
    const bool is_auto = s == ImageSize::auto_;
    const auto dims = parse_size(s);
    if (!is_auto && !dims) {
        return fail(client_errc::invalid_size, "size",
                    "size: '" + s + "' is neither 'auto' nor WIDTHxHEIGHT (e.g. 1024x1024)");
    }
    if (!known())
        return {};
    const model_capabilities& m = row();
    if (auto ec = only(true, "size", !m.sizes.empty() || m.custom_sizes, {}))
        return ec;
    if (contains(m.sizes, s))
        return {};
    if (!m.custom_sizes || is_auto) {
        return fail(
            client_errc::value_not_allowed, "size",
            "size: '" + s + "' is not supported by " + name_ + "; allowed: " + join(m.sizes));
    }
    return custom_size(s, *dims, *m.custom_sizes);
}

// A 0 in the rules turns that rule off.
error_code checker::custom_size(const std::string& s, image_dimensions d,
                                const custom_size_rules& r) {
    const std::uint64_t w = d.width, h = d.height;
    const std::uint64_t edge = r.largest.width;
    const std::uint64_t pixels = edge * r.largest.height;
    std::string why;
    if (r.multiple_of != 0 && (w % r.multiple_of != 0 || h % r.multiple_of != 0)) {
        why = "width and height must be multiples of " + std::to_string(r.multiple_of);
    } else if (r.max_aspect_ratio != 0 && std::max(w, h) > r.max_aspect_ratio * std::min(w, h)) {
        const std::string k = std::to_string(r.max_aspect_ratio);
        why = "the aspect ratio must be from 1:" + k + " to " + k + ":1";
    } else if ((edge != 0 && std::max(w, h) > edge) || (pixels != 0 && w * h > pixels)) {
        why = "the largest supported resolution is " + std::to_string(r.largest.width) + "x" +
              std::to_string(r.largest.height);
    }
    if (why.empty())
        return {};
    return fail(client_errc::invalid_size, "size",
                "size: '" + s + "' is not supported by " + name_ + ": " + why);
}

// transparent needs a format with alpha; png is the default format.
error_code checker::transparency(const std::optional<ImageBackground>& bg,
                                 const std::optional<ImageOutputFormat>& fmt) {
    if (!bg || *bg != ImageBackground::transparent)
        return {};
    if (!fmt || *fmt == ImageOutputFormat::png || *fmt == ImageOutputFormat::webp)
        return {};
    return fail(client_errc::incompatible_parameters, "output_format",
                "output_format: '" + fmt->value() +
                    "' cannot carry a transparent background; use png or webp");
}

// output_compression applies to jpeg and webp only (png is the default).
error_code checker::compression(const std::optional<std::int64_t>& c,
                                const std::optional<ImageOutputFormat>& fmt) {
    if (auto ec = range(c, "output_compression", 0, 100))
        return ec;
    if (!c)
        return {};
    // 100 is the default, no compression at all: the API takes it with any
    // format (the spec's own edit example sends it with png).
    if (*c == 100 || (fmt && (*fmt == ImageOutputFormat::jpeg || *fmt == ImageOutputFormat::webp)))
        return {};
    return fail(client_errc::incompatible_parameters, "output_compression",
                "output_compression: " + std::to_string(*c) +
                    " applies only to output_format jpeg or webp, not '" +
                    (fmt ? fmt->value() : std::string("png")) + "' (which takes only 100)");
}

error_code checker::output(const output_fields& f) {
    if (!known()) {
        if (auto ec = range(f.output_compression, "output_compression", 0, 100))
            return ec;
        return range(f.partial_images, "partial_images", 0, 3);
    }
    const model_capabilities& m = row();
    constexpr std::string_view who = "the GPT image models";
    if (auto ec = only(f.background, "background", !m.backgrounds.empty(), who))
        return ec;
    if (auto ec = only(f.output_format, "output_format", !m.output_formats.empty(), who))
        return ec;
    if (auto ec = only(f.output_compression, "output_compression", m.output_compression, who))
        return ec;
    if (auto ec = only(f.stream, "stream", m.stream, who))
        return ec;
    if (auto ec = only(f.partial_images, "partial_images", m.max_partial_images.has_value(), who))
        return ec;
    if (auto ec = one_of(f.background, "background", m.backgrounds))
        return ec;
    if (auto ec = one_of(f.output_format, "output_format", m.output_formats))
        return ec;
    if (auto ec = compression(f.output_compression, f.output_format))
        return ec;
    if (m.max_partial_images) {
        if (auto ec = range(f.partial_images, "partial_images", 0, *m.max_partial_images))
            return ec;
    }
    return transparency(f.background, f.output_format);
}

error_code checker::input_image(const file_source& f, const std::string& param, image_info& info,
                                bool several) {
    if (f.empty())
        return fail(client_errc::missing_required_field, param, param + ": no file given");
    diagnostics probe_diag;
    if (auto ec = probe_image(f, info, probe_diag))
        return fail(ec, param, param + ": " + std::string(probe_diag.message()));
    if (!known())
        return {};
    const model_capabilities& m = row();
    const std::string what = param + " " + f.describe();
    const std::string given(to_string(info.format));
    if (!m.image_formats.empty() && !contains(m.image_formats, given)) {
        std::string why;
        if (m.image_formats.size() == 1)
            why = given + " given; " + name_ + " takes only " + m.image_formats.front();
        else if (info.format == image_format::unknown)
            why =
                "not a " + join(m.image_formats, " or ") + " image; " + name_ + " takes those only";
        else
            why = given + " given; " + name_ + " takes only " + join(m.image_formats, " or ");
        return fail(client_errc::image_format_not_supported, param, what + ": " + why);
    }
    if (info.byte_size >= m.image_bytes_limit) {
        return fail(client_errc::image_too_large, param,
                    what + ": " + std::to_string(info.byte_size) + " bytes; " + name_ +
                        " takes less than " + describe_bytes(m.image_bytes_limit) +
                        (several ? " per image" : ""));
    }
    if (m.square_images_only && info.width != info.height) {
        return fail(client_errc::image_not_square, param,
                    what + ": " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                        "; " + name_ + " takes only square images");
    }
    return {};
}

error_code checker::mask(const std::optional<file_source>& mask, const image_info& first) {
    if (!mask)
        return {};
    if (mask->empty())
        return fail(client_errc::missing_required_field, "mask", "mask: no file given");
    image_info info;
    diagnostics probe_diag;
    if (auto ec = probe_image(*mask, info, probe_diag))
        return fail(ec, "mask", "mask: " + std::string(probe_diag.message()));
    const std::string what = "mask " + mask->describe();
    if (info.format != image_format::png) {
        return fail(
            client_errc::image_format_not_supported, "mask",
            what + ": " + std::string(to_string(info.format)) + " given; the mask must be a png");
    }
    if (info.byte_size >= 4 * mib) {
        return fail(client_errc::image_too_large, "mask",
                    what + ": " + std::to_string(info.byte_size) +
                        " bytes; the mask must be less than 4 MB (4194304 bytes)");
    }
    if (first.format != image_format::unknown &&
        (info.width != first.width || info.height != first.height)) {
        return fail(client_errc::mask_size_mismatch, "mask",
                    what + ": " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                        "; it must match the first image's " + std::to_string(first.width) + "x" +
                        std::to_string(first.height));
    }
    return {};
}

namespace {

// The API's limit on an image_url (maxLength in the spec): 20 MiB of text.
constexpr std::size_t max_image_url = 20 * mib;

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
               return a == static_cast<char>(std::tolower(static_cast<unsigned char>(b)));
           });
}

// The start of a URL for a message: a data: URL can be megabytes long.
std::string excerpt(std::string_view url) {
    constexpr std::size_t shown = 48;
    return url.size() <= shown ? std::string(url) : std::string(url.substr(0, shown)) + "...";
}

}  // namespace

error_code checker::image_ref(const ImageRefParam& ref, const std::string& param,
                              std::vector<unsigned char>& decoded) {
    decoded.clear();
    if (ref.image_url && ref.file_id) {
        return fail(client_errc::incompatible_parameters, param,
                    param + ": image_url and file_id both given; give exactly one");
    }
    if (ref.file_id) {
        if (ref.file_id->empty())
            return fail(client_errc::missing_required_field, param + ".file_id",
                        param + ".file_id: empty; give the id of an uploaded file (file-...)");
        return {};
    }
    if (!ref.image_url) {
        return fail(client_errc::missing_required_field, param,
                    param + ": give image_url (an http(s) or data: URL) or file_id");
    }
    const std::string field = param + ".image_url";
    const std::string_view url = *ref.image_url;
    if (url.size() > max_image_url) {
        return fail(client_errc::image_too_large, field,
                    field + ": " + std::to_string(url.size()) +
                        " characters; the API takes at most 20971520");
    }
    if (starts_with_nocase(url, "https://") || starts_with_nocase(url, "http://")) {
        const auto host = url.substr(url.find("//") + 2);
        if (host.empty() || host.front() == '/')
            return fail(client_errc::invalid_url, field,
                        field + ": '" + excerpt(url) + "' has no host");
        return {};
    }
    if (!starts_with_nocase(url, "data:")) {
        return fail(client_errc::invalid_url, field,
                    field + ": '" + excerpt(url) +
                        "'; give an http:// or https:// URL, or a data: URL "
                        "(data:image/png;base64,...)");
    }
    constexpr std::string_view marker = ";base64,";
    const auto at = url.find(marker);
    const auto comma = url.find(',');
    if (at == std::string_view::npos || comma < at) {
        return fail(client_errc::invalid_url, field,
                    field + ": '" + excerpt(url) +
                        "' is not base64; give data:image/png;base64,... (or jpeg, webp)");
    }
    diagnostics b64;
    if (auto ec = base64_decode(url.substr(at + marker.size()), decoded, b64))
        return fail(ec, field, field + ": the data: URL's base64: " + std::string(b64.message()));
    return {};
}

}  // namespace openai::images::detail
