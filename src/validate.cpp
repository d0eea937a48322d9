#include <openai/images/image_info.hpp>
#include <openai/images/validate.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <span>
#include <string>
#include <type_traits>

namespace openai::images {
namespace {

enum class family { unknown, dall_e_2, dall_e_3, gpt_image };

struct model_traits {
    family fam = family::unknown;
    std::string name;             // for messages
    bool custom_sizes = false;    // gpt-image-2: any WxH within the rules
    bool input_fidelity = false;  // all GPT image models but gpt-image-1-mini
};

model_traits traits_of(const std::optional<ImageModel>& m, std::string_view fallback) {
    model_traits t;
    t.name = m ? m->value() : std::string(fallback);
    const std::string_view n = t.name;
    if (n == ImageModel::dall_e_2) {
        t.fam = family::dall_e_2;
    } else if (n == ImageModel::dall_e_3) {
        t.fam = family::dall_e_3;
    } else if (n == ImageModel::gpt_image_1 || n == ImageModel::gpt_image_1_5 ||
               n == ImageModel::chatgpt_image_latest) {
        t.fam = family::gpt_image;
        t.input_fidelity = true;
    } else if (n == ImageModel::gpt_image_1_mini) {
        t.fam = family::gpt_image;
    } else if (n == ImageModel::gpt_image_2 || n == ImageModel::gpt_image_2_2026_04_21) {
        t.fam = family::gpt_image;
        t.input_fidelity = true;
        t.custom_sizes = true;
    }
    return t;
}

using list = std::span<const std::string_view>;
using literal_list = std::initializer_list<std::string_view>;

std::string join(list values) {
    std::string out;
    for (auto v : values) {
        if (!out.empty())
            out += ", ";
        out += v;
    }
    return out;
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

constexpr std::uint64_t mib = 1024 * 1024;

// One request's checks; each returns the first broken rule.
class checker {
  public:
    checker(model_traits t, diagnostics& diag) : m_(std::move(t)), diag_(diag) {}

    const model_traits& model() const { return m_; }
    bool known() const { return m_.fam != family::unknown; }
    bool gpt() const { return m_.fam == family::gpt_image; }

    error_code fail(error_code e, std::string param, std::string message) {
        diag_.assign(std::move(param), std::move(message));
        return e;
    }

    error_code prompt(const std::string& p) {
        if (p.empty())
            return fail(client_errc::missing_required_field, "prompt",
                        "prompt: required, must not be empty");
        std::size_t limit = 32000;
        if (m_.fam == family::dall_e_2)
            limit = 1000;
        if (m_.fam == family::dall_e_3)
            limit = 4000;
        if (auto len = utf8_length(p); len > limit) {
            return fail(client_errc::prompt_too_long, "prompt",
                        "prompt: " + std::to_string(len) + " characters; " +
                            (known() ? m_.name : std::string("any model")) + " allows at most " +
                            std::to_string(limit));
        }
        return {};
    }

    // A string sent in a JSON body, where strings are UTF-8: anything else
    // would make the body invalid JSON.
    error_code utf8(std::string_view value, std::string_view name) {
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

    template <class E>
    error_code utf8(const std::optional<E>& v, std::string_view name) {
        if (!v)
            return {};
        if constexpr (std::is_same_v<E, std::string>)
            return utf8(std::string_view(*v), name);
        else
            return utf8(std::string_view(v->value()), name);
    }

    // Every string of a generation request goes into its JSON body.
    error_code json_strings(const CreateImageRequest& r) {
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

    error_code range(const std::optional<std::int64_t>& v, std::string_view name, std::int64_t lo,
                     std::int64_t hi) {
        if (v && (*v < lo || *v > hi)) {
            return fail(client_errc::value_out_of_range, std::string(name),
                        std::string(name) + ": " + std::to_string(*v) + " is out of range; " +
                            (lo == hi ? "must be " + std::to_string(lo)
                                      : "must be from " + std::to_string(lo) + " to " +
                                            std::to_string(hi)) +
                            (known() ? " for " + m_.name : std::string()));
        }
        return {};
    }

    error_code n(const std::optional<std::int64_t>& v) {
        if (m_.fam == family::dall_e_3)
            return range(v, "n", 1, 1);
        return range(v, "n", 1, 10);
    }

    // A parameter only some models accept: `who` says which, for the message.
    template <class T>
    error_code only(const std::optional<T>& v, std::string_view name, bool accepted,
                    std::string_view who) {
        if (v && known() && !accepted) {
            return fail(client_errc::parameter_not_supported, std::string(name),
                        std::string(name) + ": not supported by " + m_.name + " (only " +
                            std::string(who) + " accept" +
                            (who.find(' ') == std::string_view::npos ? "s" : "") + " it)");
        }
        return {};
    }

    template <class E>
    error_code one_of(const std::optional<E>& v, std::string_view name, literal_list allowed) {
        return one_of(v, name, list(allowed.begin(), allowed.size()));
    }

    template <class E>
    error_code one_of(const std::optional<E>& v, std::string_view name, list allowed) {
        if (!v || !known())
            return {};
        const std::string_view s = v->value();
        if (std::find(allowed.begin(), allowed.end(), s) != allowed.end())
            return {};
        return fail(client_errc::value_not_allowed, std::string(name),
                    std::string(name) + ": '" + v->value() + "' is not supported by " + m_.name +
                        "; allowed: " + join(allowed));
    }

    error_code size(const std::optional<ImageSize>& v, list allowed) {
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
        if (std::find(allowed.begin(), allowed.end(), std::string_view(s)) != allowed.end())
            return {};
        if (!m_.custom_sizes || is_auto) {
            return fail(
                client_errc::value_not_allowed, "size",
                "size: '" + s + "' is not supported by " + m_.name + "; allowed: " + join(allowed));
        }
        return custom_size(s, *dims);
    }

    // gpt-image-2: any WIDTHxHEIGHT with both edges multiples of 16, an aspect
    // ratio from 1:3 to 3:1 and at most 3840x2160 worth of pixels and edge.
    error_code custom_size(const std::string& s, image_dimensions d) {
        const std::uint64_t w = d.width, h = d.height;
        std::string why;
        if (w % 16 != 0 || h % 16 != 0) {
            why = "width and height must be multiples of 16";
        } else if (std::max(w, h) > 3 * std::min(w, h)) {
            why = "the aspect ratio must be from 1:3 to 3:1";
        } else if (std::max(w, h) > 3840 || w * h > 3840ull * 2160ull) {
            why = "the largest supported resolution is 3840x2160";
        }
        if (why.empty())
            return {};
        return fail(client_errc::invalid_size, "size",
                    "size: '" + s + "' is not supported by " + m_.name + ": " + why);
    }

    // transparent needs a format with alpha; png is the default format.
    error_code transparency(const std::optional<ImageBackground>& bg,
                            const std::optional<ImageOutputFormat>& fmt) {
        if (!gpt() || !bg || *bg != ImageBackground::transparent)
            return {};
        if (!fmt || *fmt == ImageOutputFormat::png || *fmt == ImageOutputFormat::webp)
            return {};
        return fail(client_errc::incompatible_parameters, "output_format",
                    "output_format: '" + fmt->value() +
                        "' cannot carry a transparent background; use png or webp");
    }

    // output_compression applies to jpeg and webp only (png is the default).
    error_code compression(const std::optional<std::int64_t>& c,
                           const std::optional<ImageOutputFormat>& fmt) {
        if (auto ec = range(c, "output_compression", 0, 100))
            return ec;
        if (!c || !gpt())
            return {};
        if (fmt && (*fmt == ImageOutputFormat::jpeg || *fmt == ImageOutputFormat::webp))
            return {};
        return fail(client_errc::incompatible_parameters, "output_compression",
                    "output_compression: applies only to output_format jpeg or webp, not '" +
                        (fmt ? fmt->value() : std::string("png")) + "'");
    }

    // The GPT-image-only output parameters, shared by generations and edits.
    template <class Req>
    error_code gpt_output(const Req& r) {
        constexpr std::string_view who = "the GPT image models";
        if (auto ec = only(r.background, "background", gpt(), who))
            return ec;
        if (auto ec = only(r.output_format, "output_format", gpt(), who))
            return ec;
        if (auto ec = only(r.output_compression, "output_compression", gpt(), who))
            return ec;
        if (auto ec = only(r.stream, "stream", gpt(), who))
            return ec;
        if (auto ec = only(r.partial_images, "partial_images", gpt(), who))
            return ec;
        if (auto ec = one_of(r.background, "background", {"transparent", "opaque", "auto"}))
            return ec;
        if (auto ec = one_of(r.output_format, "output_format", {"png", "jpeg", "webp"}))
            return ec;
        if (auto ec = compression(r.output_compression, r.output_format))
            return ec;
        if (auto ec = range(r.partial_images, "partial_images", 0, 3))
            return ec;
        return transparency(r.background, r.output_format);
    }

    // An input image: readable, and (for known models) of a format, byte size
    // and shape the model takes.
    error_code input_image(const file_source& f, const std::string& param, image_info& info,
                           bool dall_e_2_rules) {
        if (f.empty()) {
            return fail(client_errc::missing_required_field, param, param + ": no file given");
        }
        diagnostics probe_diag;
        if (auto ec = probe_image(f, info, probe_diag)) {
            return fail(ec, param, param + ": " + std::string(probe_diag.message()));
        }
        if (!known())
            return {};
        const std::string what = param + " " + f.describe();
        if (dall_e_2_rules) {
            if (info.format != image_format::png) {
                return fail(client_errc::image_format_not_supported, param,
                            what + ": " + std::string(to_string(info.format)) + " given; " +
                                m_.name + " takes only png");
            }
            if (info.byte_size >= 4 * mib) {
                return fail(client_errc::image_too_large, param,
                            what + ": " + std::to_string(info.byte_size) + " bytes; " + m_.name +
                                " takes less than 4 MB (4194304 bytes)");
            }
            if (info.width != info.height) {
                return fail(client_errc::image_not_square, param,
                            what + ": " + std::to_string(info.width) + "x" +
                                std::to_string(info.height) + "; " + m_.name +
                                " takes only square images");
            }
            return {};
        }
        if (info.format == image_format::unknown) {
            return fail(client_errc::image_format_not_supported, param,
                        what + ": not a png, jpeg or webp image; " + m_.name + " takes those only");
        }
        if (info.byte_size >= 50 * mib) {
            return fail(client_errc::image_too_large, param,
                        what + ": " + std::to_string(info.byte_size) + " bytes; " + m_.name +
                            " takes less than 50 MB (52428800 bytes) per image");
        }
        return {};
    }

    error_code mask(const std::optional<file_source>& mask, const image_info& first) {
        if (!mask)
            return {};
        image_info info;
        diagnostics probe_diag;
        if (mask->empty())
            return fail(client_errc::missing_required_field, "mask", "mask: no file given");
        if (auto ec = probe_image(*mask, info, probe_diag)) {
            return fail(ec, "mask", "mask: " + std::string(probe_diag.message()));
        }
        const std::string what = "mask " + mask->describe();
        if (info.format != image_format::png) {
            return fail(client_errc::image_format_not_supported, "mask",
                        what + ": " + std::string(to_string(info.format)) +
                            " given; the mask must be a png");
        }
        if (info.byte_size >= 4 * mib) {
            return fail(client_errc::image_too_large, "mask",
                        what + ": " + std::to_string(info.byte_size) +
                            " bytes; the mask must be less than 4 MB (4194304 bytes)");
        }
        if (first.format != image_format::unknown &&
            (info.width != first.width || info.height != first.height)) {
            return fail(client_errc::mask_size_mismatch, "mask",
                        what + ": " + std::to_string(info.width) + "x" +
                            std::to_string(info.height) + "; it must match the first image's " +
                            std::to_string(first.width) + "x" + std::to_string(first.height));
        }
        return {};
    }

  private:
    model_traits m_;
    diagnostics& diag_;
};

constexpr std::string_view gpt_sizes[] = {"auto", "1024x1024", "1536x1024", "1024x1536"};
constexpr std::string_view dall_e_2_sizes[] = {"256x256", "512x512", "1024x1024"};
constexpr std::string_view dall_e_3_sizes[] = {"1024x1024", "1792x1024", "1024x1792"};

list sizes_for(family f) {
    switch (f) {
        case family::dall_e_2:
            return dall_e_2_sizes;
        case family::dall_e_3:
            return dall_e_3_sizes;
        default:
            return gpt_sizes;
    }
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

error_code validate(const CreateImageRequest& r, diagnostics& diag, validate_options opts) {
    diag.clear();
    if (!opts.enabled)
        return {};
    checker c(traits_of(r.model, "(unset)"), diag);
    const family f = c.model().fam;
    const bool dalle = f == family::dall_e_2 || f == family::dall_e_3;
    if (auto ec = c.json_strings(r))
        return ec;
    if (auto ec = c.prompt(r.prompt))
        return ec;
    if (auto ec = c.n(r.n))
        return ec;
    if (auto ec = c.size(r.size, sizes_for(f)))
        return ec;
    switch (f) {
        case family::dall_e_2:
            if (auto ec = c.one_of(r.quality, "quality", {"standard", "auto"}))
                return ec;
            break;
        case family::dall_e_3:
            if (auto ec = c.one_of(r.quality, "quality", {"standard", "hd", "auto"}))
                return ec;
            break;
        default:
            if (auto ec = c.one_of(r.quality, "quality", {"low", "medium", "high", "auto"}))
                return ec;
    }
    if (auto ec = c.only(r.response_format, "response_format", dalle, "dall-e-2 and dall-e-3")) {
        return ec;
    }
    if (auto ec = c.one_of(r.response_format, "response_format", {"url", "b64_json"}))
        return ec;
    if (auto ec = c.only(r.style, "style", f == family::dall_e_3, "dall-e-3"))
        return ec;
    if (auto ec = c.one_of(r.style, "style", {"vivid", "natural"}))
        return ec;
    if (auto ec = c.only(r.moderation, "moderation", c.gpt(), "the GPT image models"))
        return ec;
    if (auto ec = c.one_of(r.moderation, "moderation", {"low", "auto"}))
        return ec;
    if (!c.known()) {
        if (auto ec = c.range(r.output_compression, "output_compression", 0, 100))
            return ec;
        return c.range(r.partial_images, "partial_images", 0, 3);
    }
    return c.gpt_output(r);
}

error_code validate(const CreateImageEditRequest& r, diagnostics& diag, validate_options opts) {
    diag.clear();
    if (!opts.enabled)
        return {};
    checker c(traits_of(r.model, ImageModel::gpt_image_1_5), diag);
    const family f = c.model().fam;
    if (f == family::dall_e_3) {
        return c.fail(client_errc::model_not_supported, "model",
                      "model: dall-e-3 cannot edit images; use dall-e-2 or a GPT image model");
    }
    if (r.image.empty()) {
        return c.fail(client_errc::missing_required_field, "image",
                      "image: required, give 1 to 16 images");
    }
    const std::size_t max_images = f == family::dall_e_2 ? 1 : 16;
    if (r.image.size() > max_images) {
        return c.fail(client_errc::too_many_images, "image",
                      "image: " + std::to_string(r.image.size()) + " images given; " +
                          (c.known() ? c.model().name : std::string("the API")) +
                          " takes at most " + std::to_string(max_images));
    }
    image_info first;
    for (std::size_t i = 0; i < r.image.size(); ++i) {
        const std::string param =
            r.image.size() == 1 ? "image" : "image[" + std::to_string(i) + "]";
        image_info info;
        if (auto ec = c.input_image(r.image[i], param, info, f == family::dall_e_2))
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
    if (auto ec = c.size(r.size, sizes_for(f)))
        return ec;
    if (f == family::dall_e_2) {
        if (auto ec = c.one_of(r.quality, "quality", {"standard", "auto"}))
            return ec;
    } else if (auto ec = c.one_of(r.quality, "quality", {"low", "medium", "high", "auto"})) {
        return ec;
    }
    if (auto ec = c.only(r.response_format, "response_format", f == family::dall_e_2, "dall-e-2")) {
        return ec;
    }
    if (auto ec = c.one_of(r.response_format, "response_format", {"url", "b64_json"}))
        return ec;
    if (auto ec = c.only(r.input_fidelity, "input_fidelity", c.model().input_fidelity,
                         "gpt-image-1, gpt-image-1.5 and later GPT image models")) {
        return ec;
    }
    if (auto ec = c.one_of(r.input_fidelity, "input_fidelity", {"high", "low"}))
        return ec;
    if (!c.known()) {
        if (auto ec = c.range(r.output_compression, "output_compression", 0, 100))
            return ec;
        return c.range(r.partial_images, "partial_images", 0, 3);
    }
    return c.gpt_output(r);
}

error_code validate(const CreateImageVariationRequest& r, diagnostics& diag,
                    validate_options opts) {
    diag.clear();
    if (!opts.enabled)
        return {};
    checker c(traits_of(r.model, ImageModel::dall_e_2), diag);
    const family f = c.model().fam;
    if (c.known() && f != family::dall_e_2) {
        return c.fail(client_errc::model_not_supported, "model",
                      "model: '" + c.model().name + "' cannot make variations; only dall-e-2 can");
    }
    image_info info;
    if (auto ec = c.input_image(r.image, "image", info, true))
        return ec;
    if (auto ec = c.n(r.n))
        return ec;
    if (auto ec = c.size(r.size, dall_e_2_sizes))
        return ec;
    return c.one_of(r.response_format, "response_format", {"url", "b64_json"});
}

}  // namespace openai::images
