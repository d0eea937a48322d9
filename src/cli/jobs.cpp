#include "jobs.hpp"

#include "manifest.hpp"

#include <openai/images/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>

namespace openai_images_cli {

namespace json = boost::json;
namespace oi = openai::images;

namespace {

std::string_view view(json::string_view s) {
    return {s.data(), s.size()};
}

json::string_view jview(std::string_view s) {
    return {s.data(), s.size()};
}

std::string field_list(std::string_view operation) {
    std::string out;
    for (auto f : operation_fields(operation)) {
        if (!out.empty())
            out += ", ";
        out += f;
    }
    return out;
}

bool takes(std::string_view operation, std::string_view field) {
    const auto fields = operation_fields(operation);
    return std::find(fields.begin(), fields.end(), field) != fields.end();
}

// Reads `key` of `o` into `out` (left unset when absent or null). Returns false
// with `error` naming the field when its JSON type is wrong.
template <class T>
bool read_field(const json::object& o, std::string_view key, std::optional<T>& out,
                std::string& error) {
    const json::value* v = o.if_contains(jview(key));
    if (!v || v->is_null())
        return true;
    const auto wrong = [&](std::string_view expected) {
        error = "\"" + std::string(key) + "\": expected " + std::string(expected) + ", got " +
                json::serialize(*v);
        return false;
    };
    if constexpr (std::is_same_v<T, std::int64_t>) {
        if (const auto* i = v->if_int64()) {
            out = *i;
            return true;
        }
        if (const auto* u = v->if_uint64();
            u && *u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            out = static_cast<std::int64_t>(*u);
            return true;
        }
        return wrong("an integer");
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!v->is_bool())
            return wrong("true or false");
        out = v->get_bool();
        return true;
    } else {
        if (!v->is_string())
            return wrong("a string");
        out = T(std::string(view(v->get_string())));
        return true;
    }
}

// "image": a path or an array of paths.
bool read_images(const json::object& o, std::vector<oi::file_source>& out, std::string& error) {
    const json::value* v = o.if_contains("image");
    if (!v || v->is_null())
        return true;
    const auto bad = [&] {
        error = "\"image\": expected a path or an array of paths, got " + json::serialize(*v);
        return false;
    };
    if (v->is_string()) {
        if (v->get_string().empty())
            return bad();
        out.emplace_back(std::filesystem::path(view(v->get_string())));
        return true;
    }
    if (!v->is_array() || v->get_array().empty())
        return bad();
    for (const auto& item : v->get_array()) {
        if (!item.is_string() || item.get_string().empty())
            return bad();
        out.emplace_back(std::filesystem::path(view(item.get_string())));
    }
    return true;
}

bool read_mask(const json::object& o, std::optional<oi::file_source>& out, std::string& error) {
    std::optional<std::string> path;
    if (!read_field(o, "mask", path, error))
        return false;
    if (path) {
        if (path->empty()) {
            error = "\"mask\": the path is empty";
            return false;
        }
        out = oi::file_source(std::filesystem::path(*path));
    }
    return true;
}

bool make_generation(const json::object& fields, oi::batch_request& out, std::string& error) {
    // The library's own JSON conversion: the same field names and types as the API's body.
    oi::CreateImageRequest req;
    oi::diagnostics diag;
    if (const auto ec = oi::parse_create_image_request(json::serialize(fields), req, diag)) {
        error = std::string(diag.message());
        if (error.empty())
            error = ec.message();
        return false;
    }
    out = std::move(req);
    return true;
}

bool make_edit(const json::object& o, oi::batch_request& out, std::string& error) {
    oi::CreateImageEditRequest req;
    std::optional<std::string> prompt;
    const bool ok = read_images(o, req.image, error) && read_field(o, "prompt", prompt, error) &&
                    read_mask(o, req.mask, error) &&
                    read_field(o, "background", req.background, error) &&
                    read_field(o, "model", req.model, error) && read_field(o, "n", req.n, error) &&
                    read_field(o, "size", req.size, error) &&
                    read_field(o, "response_format", req.response_format, error) &&
                    read_field(o, "output_format", req.output_format, error) &&
                    read_field(o, "output_compression", req.output_compression, error) &&
                    read_field(o, "user", req.user, error) &&
                    read_field(o, "input_fidelity", req.input_fidelity, error) &&
                    read_field(o, "stream", req.stream, error) &&
                    read_field(o, "partial_images", req.partial_images, error) &&
                    read_field(o, "quality", req.quality, error);
    if (!ok)
        return false;
    if (req.image.empty()) {
        error = "an edit needs \"image\" (a path or an array of paths)";
        return false;
    }
    req.prompt = prompt.value_or("");
    out = std::move(req);
    return true;
}

bool make_variation(const json::object& o, oi::batch_request& out, std::string& error) {
    oi::CreateImageVariationRequest req;
    std::vector<oi::file_source> images;
    const bool ok = read_images(o, images, error) && read_field(o, "model", req.model, error) &&
                    read_field(o, "n", req.n, error) &&
                    read_field(o, "response_format", req.response_format, error) &&
                    read_field(o, "size", req.size, error) &&
                    read_field(o, "user", req.user, error);
    if (!ok)
        return false;
    if (images.size() != 1) {
        error = "a variation needs \"image\": exactly one path";
        return false;
    }
    req.image = std::move(images.front());
    out = std::move(req);
    return true;
}

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n\v\f");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r\n\v\f");
    return std::string(s.substr(first, last - first + 1));
}

// The request flags that `operation` takes, as defaults for a line.
json::object defaults_for(std::string_view operation, const json::object& flags) {
    json::object out;
    for (const auto& kv : flags) {
        if (takes(operation, view(kv.key())))
            out[kv.key()] = kv.value();
    }
    return out;
}

std::string stem_for(std::size_t line, std::size_t width) {
    std::string digits = std::to_string(line);
    if (digits.size() < width)
        digits.insert(0, width - digits.size(), '0');
    return digits;
}

// The key and model of a job built from `fields`.
void describe_job(job& j, std::string_view operation, const json::object& fields) {
    j.key = request_key(operation, fields);
    const json::value* m = fields.if_contains("model");
    j.model_given = m && m->is_string() && !m->get_string().empty();
    const json::value* s = fields.if_contains("stream");
    j.streams = operation != "variation" && s && s->is_bool() && s->get_bool();
}

struct line_errors {
    std::string file;
    std::vector<std::string> messages;
    std::size_t count = 0;

    void add(std::size_t line, const std::string& message) {
        ++count;
        if (messages.size() < 20)
            messages.push_back(file + ":" + std::to_string(line) + ": " + message);
    }
    std::string text() const {
        std::string out;
        for (const auto& m : messages)
            out += m + "\n";
        if (count > messages.size())
            out += "... and " + std::to_string(count - messages.size()) + " more\n";
        out += std::to_string(count) + (count == 1 ? " bad line" : " bad lines") + " in " + file +
               "; nothing was sent";
        return out;
    }
};

}  // namespace

std::string flag_of(std::string_view field) {
    std::string out = "--";
    for (char c : field)
        out += c == '_' ? '-' : c;
    return out;
}

bool make_request(std::string_view operation, const json::object& fields, oi::batch_request& out,
                  std::string& error) {
    for (const auto& kv : fields) {
        if (!takes(operation, view(kv.key()))) {
            error = "unknown field \"" + std::string(view(kv.key())) + "\" for " +
                    std::string(operation) + " (its fields: " + field_list(operation) + ")";
            return false;
        }
    }
    if (operation != "variation") {
        const json::value* p = fields.if_contains("prompt");
        if (!p || p->is_null() || (p->is_string() && p->get_string().empty())) {
            error = "a " + std::string(operation) + " needs \"prompt\"";
            return false;
        }
    }
    if (operation == "generate")
        return make_generation(fields, out, error);
    if (operation == "edit")
        return make_edit(fields, out, error);
    if (operation == "variation")
        return make_variation(fields, out, error);
    error = "unknown operation \"" + std::string(operation) +
            "\": expected generate, edit or variation";
    return false;
}

bool load_jobs(const cli_args& args, std::vector<job>& out, std::string& error) {
    out.clear();
    if (args.cmd != command::batch) {
        job j;
        j.stem = "image";
        if (!make_request(command_name(args.cmd), args.fields, j.request, error))
            return false;
        describe_job(j, command_name(args.cmd), args.fields);
        out.push_back(std::move(j));
        return true;
    }

    std::ifstream in(args.prompts, std::ios::binary);
    if (!in) {
        error = "--prompts: cannot open " + args.prompts.string();
        return false;
    }
    line_errors errors{args.prompts.string(), {}, 0};

    // A text file: every line is a prompt of the same operation.
    const std::string text_operation = args.fields.contains("image") ? "edit" : "generate";
    if (!args.jsonl) {
        for (const auto& kv : args.fields) {
            if (!takes(text_operation, view(kv.key()))) {
                error = flag_of(view(kv.key())) + " does not apply to " + text_operation +
                        " requests (a text prompts file makes " + text_operation + " requests" +
                        (text_operation == "generate" ? std::string(", edits with --image)")
                                                      : std::string(")"));
                return false;
            }
        }
    }

    std::string raw;
    std::size_t number = 0;
    while (std::getline(in, raw)) {
        ++number;
        std::string_view line = raw;
        if (number == 1 && line.starts_with("\xEF\xBB\xBF"))
            line.remove_prefix(3);  // a UTF-8 byte order mark
        const std::string trimmed = trim(line);
        if (trimmed.empty() || trimmed.front() == '#')
            continue;

        job j;
        j.line = number;
        std::string why;
        if (!args.jsonl) {
            json::object fields = args.fields;
            fields["prompt"] = jview(trimmed);
            if (!make_request(text_operation, fields, j.request, why)) {
                errors.add(number, why);
                continue;
            }
            describe_job(j, text_operation, fields);
            out.push_back(std::move(j));
            continue;
        }

        boost::system::error_code ec;
        json::value v = json::parse(jview(trimmed), ec);
        if (ec) {
            errors.add(number, "not JSON (" + ec.message() + ")");
            continue;
        }
        if (!v.is_object()) {
            errors.add(number, "expected a JSON object, got " + json::serialize(v));
            continue;
        }
        json::object& fields = v.get_object();
        std::string operation = "generate";
        if (const json::value* op = fields.if_contains("operation")) {
            if (!op->is_string()) {
                errors.add(number, "\"operation\": expected generate, edit or variation");
                continue;
            }
            operation = std::string(view(op->get_string()));
            fields.erase("operation");
        }
        if (operation_fields(operation).empty()) {
            errors.add(number,
                       "\"operation\": \"" + operation + "\" is not generate, edit or variation");
            continue;
        }
        json::object merged = defaults_for(operation, args.fields);
        for (const auto& kv : fields)
            merged[kv.key()] = kv.value();
        if (const json::value* s = merged.if_contains("stream");
            s && s->is_bool() && s->get_bool()) {
            errors.add(number,
                       "\"stream\": a batch does not stream (each request's images are "
                       "saved as it completes); stream one request with generate --stream "
                       "or edit --stream");
            continue;
        }
        if (!make_request(operation, merged, j.request, why)) {
            errors.add(number, why);
            continue;
        }
        describe_job(j, operation, merged);
        out.push_back(std::move(j));
    }
    if (in.bad()) {
        error = "--prompts: error reading " + args.prompts.string();
        return false;
    }
    if (errors.count > 0) {
        error = errors.text();
        return false;
    }
    if (out.empty()) {
        error = "--prompts: " + args.prompts.string() + " has no prompts";
        return false;
    }
    const std::size_t width = std::max<std::size_t>(4, std::to_string(number).size());
    for (auto& j : out)
        j.stem = stem_for(j.line, width);
    return true;
}

}  // namespace openai_images_cli
