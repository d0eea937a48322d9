// What the fake server answers: the three Images operations, checked as the
// API checks them, and the image files of url answers.
#include "multipart_parser.hpp"
#include "state.hpp"

#include <openai/images/image_info.hpp>
#include <openai/images/json.hpp>
#include <openai/images/validate.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <initializer_list>
#include <span>

namespace openai::images::testing::detail {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), s) != names.end();
}

std::string_view media_type(std::string_view content_type) {
    std::string_view t = content_type.substr(0, content_type.find(';'));
    while (!t.empty() && t.back() == ' ')
        t.remove_suffix(1);
    return t;
}

// The API's error code for a validate() failure.
std::string_view code_of(error_code ec) {
    if (ec == client_errc::missing_required_field)
        return "missing_required_parameter";
    if (ec == client_errc::parameter_not_supported)
        return "unknown_parameter";
    if (ec == client_errc::prompt_too_long)
        return "string_above_max_length";
    return "invalid_value";
}

http_response rejected(error_code ec, const diagnostics& diag) {
    return invalid_request(diag.message(), diag.param(), code_of(ec));
}

http_response unknown_parameter(const std::string& name) {
    return invalid_request("Unknown parameter: '" + name + "'.", name, "unknown_parameter");
}

// What an answer is made of, whichever the operation.
struct plan {
    std::string model;
    bool gpt = false;
    std::int64_t n = 1;
    std::optional<ImageSize> size;
    bool as_url = false;
    std::optional<ImageQuality> quality;
    std::optional<ImageBackground> background;
    std::string prompt;
    std::size_t input_images = 0;
    /// stream=true: answered with server-sent events of `partial_images`
    /// partial images per image, their types prefixed with `event_prefix`.
    bool stream = false;
    std::size_t partial_images = 0;
    std::string_view event_prefix = "image_generation";
};

bool is_gpt_model(std::string_view model) {
    return model != ImageModel::dall_e_2 && model != ImageModel::dall_e_3;
}

std::int64_t scaled(std::int64_t tokens_1024, std::uint32_t w, std::uint32_t h) {
    const std::uint64_t area = std::uint64_t{w} * h;
    const auto t =
        (static_cast<std::uint64_t>(tokens_1024) * area + 1024 * 1024 - 1) / (1024 * 1024);
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(t));
}

http_response images_answer(fake_server::state& st, const plan& p) {
    std::uint32_t w = 1024, h = 1024;
    if (p.size && *p.size != ImageSize::auto_) {
        if (auto d = parse_size(p.size->value())) {
            w = d->width;
            h = d->height;
        }
    }
    const auto cap =
        static_cast<std::uint32_t>(std::clamp<std::size_t>(st.opts.max_image_side, 1, UINT32_MAX));
    w = std::min(w, cap);
    h = std::min(h, cap);
    const auto img = cached_png(w, h, st.opts.fill);

    ImagesResponse r;
    r.created = static_cast<std::int64_t>(std::time(nullptr));
    for (std::int64_t i = 0; i < p.n; ++i) {
        Image out;
        if (p.as_url) {
            const std::string id = "img_" + std::to_string(++st.file_ids) + ".png";
            {
                std::lock_guard lock(st.mu);
                st.files.emplace(id, img);
                st.file_order.push_back(id);
                if (st.file_order.size() > max_url_files) {
                    st.files.erase(st.file_order.front());
                    st.file_order.pop_front();
                }
            }
            out.url = st.origin + "/v1/generated/" + id;
        } else {
            out.b64_json = img->b64;
        }
        if (p.model == ImageModel::dall_e_3)
            out.revised_prompt = p.prompt;
        r.data.push_back(std::move(out));
    }
    if (p.gpt) {
        r.background = p.background && *p.background == ImageBackground::transparent
                           ? ImageBackground::transparent
                           : ImageBackground::opaque;
        r.output_format = ImageOutputFormat::png;  // always the true format
        r.size = std::to_string(w) + "x" + std::to_string(h);
        r.quality = p.quality && is_one_of(p.quality->value(), {"low", "medium", "high"})
                        ? *p.quality
                        : ImageQuality(ImageQuality::medium);
        const std::int64_t per_image = r.quality == ImageQuality::low    ? 272
                                       : r.quality == ImageQuality::high ? 4160
                                                                         : 1056;
        ImageGenUsage u;
        u.input_tokens_details.text_tokens =
            std::max<std::int64_t>(1, static_cast<std::int64_t>(p.prompt.size() / 4));
        u.input_tokens_details.image_tokens = static_cast<std::int64_t>(p.input_images) * 323;
        u.input_tokens = u.input_tokens_details.text_tokens + u.input_tokens_details.image_tokens;
        u.output_tokens = p.n * scaled(per_image, w, h);
        u.output_tokens_details = ImageGenOutputTokensDetails{u.output_tokens, 0};
        u.total_tokens = u.input_tokens + u.output_tokens;
        r.usage = u;
    }
    if (p.stream)
        return stream_answer(r, p.event_prefix, p.partial_images, w, h, st.opts.fill);
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = to_json(r);
    return res;
}

http_response empty_ok() {
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    return res;
}

// A JSON body's refusal, as the API words it: not a JSON object, or a
// member outside `allowed`; nullopt when the body is acceptable.
std::optional<http_response> refused_json(const http_request& req,
                                          std::initializer_list<std::string_view> allowed) {
    error_code ec;
    const json::value jv = json::parse(req.body(), ec);
    if (ec || !jv.is_object()) {
        return invalid_request(
            "We could not parse the JSON body of your request. The OpenAI API expects a JSON "
            "payload, but what was sent was not valid JSON.",
            {}, {});
    }
    for (const auto& m : jv.as_object()) {
        if (!is_one_of(m.key(), allowed))
            return unknown_parameter(std::string(m.key()));
    }
    return std::nullopt;
}

http_response generations(fake_server::state& st, const http_request& req, bool build) {
    if (media_type(req[http::field::content_type]) != "application/json") {
        return invalid_request("Invalid Content-Type header (" +
                                   std::string(req[http::field::content_type]) +
                                   "), expected application/json.",
                               {}, {});
    }
    if (auto refused =
            refused_json(req, {"prompt", "model", "n", "quality", "response_format",
                               "output_format", "output_compression", "stream", "partial_images",
                               "size", "moderation", "background", "style", "user"}))
        return std::move(*refused);
    CreateImageRequest r;
    diagnostics diag;
    if (auto e = parse_create_image_request(req.body(), r, diag))
        return invalid_request(diag.message(), diag.param(), "invalid_type");
    if (auto e = validate(r, diag))
        return rejected(e, diag);
    if (!build)
        return empty_ok();

    plan p;
    const bool gpt_only = r.output_format || r.output_compression || r.background || r.moderation ||
                          r.partial_images || r.stream.value_or(false) ||
                          (r.quality && is_one_of(r.quality->value(), {"low", "medium", "high"}));
    p.model = r.model ? r.model->value()
                      : std::string(gpt_only ? ImageModel::gpt_image_1 : ImageModel::dall_e_2);
    p.gpt = is_gpt_model(p.model);
    p.n = r.n.value_or(1);
    p.size = r.size;
    p.as_url = !p.gpt && r.response_format != ImageResponseFormat::b64_json;
    p.quality = r.quality;
    p.background = r.background;
    p.prompt = r.prompt;
    p.stream = r.stream.value_or(false);
    p.partial_images =
        static_cast<std::size_t>(std::max<std::int64_t>(0, r.partial_images.value_or(0)));
    return images_answer(st, p);
}

// POST /images/edits with a JSON body: the images and mask by reference.
http_response json_edits(fake_server::state& st, const http_request& req, bool build) {
    if (auto refused = refused_json(
            req, {"model", "images", "mask", "prompt", "n", "quality", "input_fidelity", "size",
                  "user", "output_format", "output_compression", "moderation", "background",
                  "stream", "partial_images"}))
        return std::move(*refused);
    EditImageBodyJsonParam r;
    diagnostics diag;
    if (auto e = parse_edit_image_json_request(req.body(), r, diag))
        return invalid_request(diag.message(), diag.param(), "invalid_type");
    if (r.images.empty()) {
        return invalid_request("Missing required parameter: 'images'.", "images",
                               "missing_required_parameter");
    }
    if (r.prompt.empty()) {
        return invalid_request("Missing required parameter: 'prompt'.", "prompt",
                               "missing_required_parameter");
    }
    // As the client's own validation: a data: URL's image is checked as an
    // upload would be; an http(s) URL is taken as it is (nothing is fetched).
    if (auto e = validate(r, diag))
        return rejected(e, diag);
    if (!build)
        return empty_ok();

    plan p;
    p.model = r.model ? r.model->value() : std::string(ImageModel::gpt_image_1_5);
    p.gpt = true;
    p.n = r.n.value_or(1);
    p.size = r.size;
    p.as_url = false;
    p.quality = r.quality;
    p.background = r.background;
    p.prompt = r.prompt;
    p.input_images = r.images.size();
    p.stream = r.stream.value_or(false);
    p.partial_images =
        static_cast<std::size_t>(std::max<std::int64_t>(0, r.partial_images.value_or(0)));
    p.event_prefix = "image_edit";
    return images_answer(st, p);
}

bool parse_int(const std::string& s, std::optional<std::int64_t>& out) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size())
        return false;
    out = v;
    return true;
}

struct upload {
    std::string name;   // as sent: image, image[] or mask
    std::string param;  // image, image[i] or mask, for messages
    multipart_part part;
};

// Checks the file parts' shape and that each is an image of the type it claims.
std::optional<http_response> check_files(const std::vector<upload>& files) {
    for (const auto& f : files) {
        if (!f.part.filename || f.part.filename->empty()) {
            return invalid_request("The file part '" + f.name + "' has no filename.", f.param,
                                   "invalid_value");
        }
        if (!f.part.content_type) {
            return invalid_request("The file part '" + f.name + "' has no Content-Type.", f.param,
                                   "invalid_value");
        }
        const std::string_view declared = media_type(*f.part.content_type);
        if (!is_one_of(declared, {"image/png", "image/jpeg", "image/webp"})) {
            return invalid_request("Invalid file '" + f.param + "': unsupported mimetype ('" +
                                       std::string(declared) +
                                       "'). Supported file formats are 'image/jpeg', "
                                       "'image/png', and 'image/webp'.",
                                   f.param, "unsupported_file_mimetype");
        }
        image_info info;
        diagnostics diag;
        const auto src = file_source::from_memory(f.part.data, *f.part.filename);
        if (probe_image(src, info, diag) || info.format == image_format::unknown) {
            return invalid_request("Invalid file '" + f.param + "': not a PNG, JPEG or WEBP image.",
                                   f.param, "invalid_image");
        }
        if (mime_type(info.format) != declared) {
            return invalid_request("Invalid file '" + f.param + "': its Content-Type is " +
                                       std::string(declared) + " but its bytes are " +
                                       std::string(mime_type(info.format)) + ".",
                                   f.param, "invalid_image_format");
        }
    }
    return std::nullopt;
}

// A part sent as a file: one with a filename, or under a file's name without one.
bool is_file_part(const multipart_part& part, bool edit) {
    return part.filename || part.name == "image" || part.name == "file" ||
           (edit && (part.name == "image[]" || part.name == "mask"));
}

http_response uploads(fake_server::state& st, const http_request& req, bool build, bool edit) {
    const auto boundary = multipart_boundary(req[http::field::content_type]);
    if (!boundary) {
        return invalid_request(
            "Invalid Content-Type header, expected multipart/form-data with a boundary.", {}, {});
    }
    multipart_parser parser(req.body(), *boundary);
    std::vector<std::pair<std::string, std::string>> fields;
    std::vector<upload> files;
    multipart_part part;
    while (parser.next(part)) {
        if (is_file_part(part, edit))
            files.push_back(upload{part.name, part.name, part});
        else
            fields.emplace_back(part.name, std::string(part.data));
    }
    if (!parser.error().empty())
        return invalid_request("Invalid multipart/form-data body: " + parser.error(), {}, {});

    const std::size_t image_count = static_cast<std::size_t>(std::count_if(
        files.begin(), files.end(), [](const upload& u) { return u.name != "mask"; }));
    for (std::size_t i = 0, k = 0; i < files.size(); ++i) {
        if (files[i].name == "mask")
            continue;
        if (image_count > 1)
            files[i].param = "image[" + std::to_string(k) + "]";
        ++k;
    }
    for (const auto& f : files) {
        if (f.name != "image" && !(edit && (f.name == "image[]" || f.name == "mask")))
            return unknown_parameter(f.name);
    }
    if (auto bad = check_files(files))
        return *bad;

    CreateImageEditRequest e;
    CreateImageVariationRequest v;
    for (const auto& field : fields) {
        const std::string& name = field.first;  // not a structured binding: lambdas use it
        const std::string& value = field.second;
        const auto integer = [&](std::optional<std::int64_t>& out) -> std::optional<http_response> {
            if (parse_int(value, out))
                return std::nullopt;
            return invalid_request("Invalid type for '" + name +
                                       "': expected an integer, but got '" + value + "' instead.",
                                   name, "invalid_type");
        };
        std::optional<http_response> bad;
        if (name == "model") {
            e.model = v.model = ImageModel(value);
        } else if (name == "n") {
            bad = integer(e.n);
            v.n = e.n;
        } else if (name == "size") {
            e.size = v.size = ImageSize(value);
        } else if (name == "response_format") {
            e.response_format = v.response_format = ImageResponseFormat(value);
        } else if (name == "user") {
            e.user = v.user = value;
        } else if (edit && name == "prompt") {
            e.prompt = value;
        } else if (edit && name == "background") {
            e.background = ImageBackground(value);
        } else if (edit && name == "output_format") {
            e.output_format = ImageOutputFormat(value);
        } else if (edit && name == "output_compression") {
            bad = integer(e.output_compression);
        } else if (edit && name == "input_fidelity") {
            e.input_fidelity = InputFidelity(value);
        } else if (edit && name == "partial_images") {
            bad = integer(e.partial_images);
        } else if (edit && name == "quality") {
            e.quality = ImageQuality(value);
        } else if (edit && name == "stream") {
            if (value != "true" && value != "false") {
                return invalid_request("Invalid type for 'stream': expected a boolean.", "stream",
                                       "invalid_type");
            }
            e.stream = value == "true";
        } else {
            return unknown_parameter(name);
        }
        if (bad)
            return *bad;
    }
    for (const auto& f : files) {
        const auto src = file_source::from_memory(f.part.data, *f.part.filename);
        if (f.name == "mask")
            e.mask = src;
        else
            e.image.push_back(src);
    }
    if (!edit && !files.empty())
        v.image = e.image.front();

    if (e.image.empty()) {
        return invalid_request("Missing required parameter: 'image'.", "image",
                               "missing_required_parameter");
    }
    if (edit && e.prompt.empty()) {
        return invalid_request("Missing required parameter: 'prompt'.", "prompt",
                               "missing_required_parameter");
    }
    if (!edit && e.image.size() > 1)
        return invalid_request("Only one image can be given.", "image", "invalid_value");
    diagnostics diag;
    if (auto ec = edit ? validate(e, diag) : validate(v, diag))
        return rejected(ec, diag);
    if (!build)
        return empty_ok();

    plan p;
    p.model = e.model ? e.model->value()
                      : std::string(edit ? ImageModel::gpt_image_1_5 : ImageModel::dall_e_2);
    p.gpt = is_gpt_model(p.model);
    p.n = e.n.value_or(1);
    p.size = e.size;
    p.as_url = !p.gpt && e.response_format != ImageResponseFormat::b64_json;
    p.quality = e.quality;
    p.background = e.background;
    p.prompt = e.prompt;
    p.input_images = e.image.size();
    p.stream = edit && e.stream.value_or(false);
    p.partial_images =
        static_cast<std::size_t>(std::max<std::int64_t>(0, e.partial_images.value_or(0)));
    p.event_prefix = "image_edit";
    return images_answer(st, p);
}

http_response file_download(fake_server::state& st, std::string_view path) {
    constexpr std::string_view prefix = "/v1/generated/";
    std::shared_ptr<const png_image> img;
    {
        std::lock_guard lock(st.mu);
        auto it = st.files.find(std::string(path.substr(prefix.size())));
        if (it != st.files.end())
            img = it->second;
    }
    if (!img) {
        return error_response(404, "invalid_request_error", "No such file: " + std::string(path),
                              {}, {});
    }
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "image/png");
    res.body() = img->png;
    return res;
}

bool is_post_to(const http_request& req, std::string_view path) {
    return req.method() == http::verb::post &&
           req.target().substr(0, req.target().find('?')) == path;
}

}  // namespace

void record_body(const http_request& req, request_record& rec) {
    const bool edit = is_post_to(req, "/v1/images/edits");
    const bool json_body = media_type(req[http::field::content_type]) == "application/json";
    if (is_post_to(req, "/v1/images/generations") || (edit && json_body)) {
        if (!json_body)
            return;
        error_code ec;
        const json::value jv = json::parse(req.body(), ec);
        if (ec || !jv.is_object())
            return;
        for (const auto& m : jv.as_object()) {
            rec.fields.emplace_back(std::string(m.key()), m.value().is_string()
                                                              ? std::string(m.value().as_string())
                                                              : json::serialize(m.value()));
            rec.field_is_json.push_back(!m.value().is_string());
        }
    } else if (edit || is_post_to(req, "/v1/images/variations") || is_post_to(req, "/v1/files")) {
        const auto boundary = multipart_boundary(req[http::field::content_type]);
        if (!boundary)
            return;
        multipart_parser parser(req.body(), *boundary);
        multipart_part part;
        while (parser.next(part)) {
            if (!is_file_part(part, edit)) {
                rec.fields.emplace_back(part.name, std::string(part.data));
                rec.field_is_json.push_back(false);
                continue;
            }
            rec.files.emplace_back(part.name, part.filename.value_or(""),
                                   part.content_type.value_or(""), part.data.size());
            rec.file_crc32.push_back(static_cast<std::uint32_t>(
                ::crc32(::crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(part.data.data()),
                        static_cast<uInt>(part.data.size()))));
        }
    }
}

http_response answer(fake_server::state& st, const http_request& req, bool build_images) {
    std::string_view path = req.target();
    path = path.substr(0, path.find('?'));
    const bool post = req.method() == http::verb::post;

    if (req.method() == http::verb::get && path.starts_with("/v1/generated/"))
        return file_download(st, path);

    const bool files = path == "/v1/files" || path.starts_with("/v1/files/");
    const bool batches = path == "/v1/batches" || path.starts_with("/v1/batches/");
    const bool known = files || batches ||
                       (post && is_one_of(path, {"/v1/images/generations", "/v1/images/edits",
                                                 "/v1/images/variations"}));
    if (!known) {
        return error_response(
            404, "invalid_request_error",
            "Invalid URL (" + std::string(req.method_string()) + " " + std::string(path) + ")", {},
            {});
    }
    if (!st.opts.api_key.empty()) {
        const std::string_view auth = req[http::field::authorization];
        if (auth.empty()) {
            return error_response(401, "invalid_request_error",
                                  "You didn't provide an API key. You need to provide your API key "
                                  "in an Authorization header using Bearer auth (i.e. "
                                  "Authorization: Bearer YOUR_KEY).",
                                  {}, "invalid_api_key");
        }
        if (auth != "Bearer " + st.opts.api_key) {
            // Unlike the API, the key given is not echoed, even masked.
            return error_response(401, "invalid_request_error",
                                  "Incorrect API key provided. You can find your API key at "
                                  "https://platform.openai.com/account/api-keys.",
                                  {}, "invalid_api_key");
        }
    }
    if (files)
        return files_api(st, req, path);
    if (batches)
        return batches_api(st, req, path);
    if (path == "/v1/images/generations")
        return generations(st, req, build_images);
    if (path == "/v1/images/edits" &&
        media_type(req[http::field::content_type]) == "application/json")
        return json_edits(st, req, build_images);
    return uploads(st, req, build_images, path == "/v1/images/edits");
}

}  // namespace openai::images::testing::detail
