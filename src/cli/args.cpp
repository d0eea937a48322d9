#include "args.hpp"

#include <openai/images/models.hpp>
#include <openai/images/validate.hpp>

#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/mp11/algorithm.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace openai_images_cli {

namespace json = boost::json;
namespace oi = openai::images;

namespace {

// The fields of a request, from its description: the library's own list.
template <class Request>
constexpr auto field_names() {
    using members = boost::describe::describe_members<Request, boost::describe::mod_public>;
    std::array<std::string_view, boost::mp11::mp_size<members>::value> out{};
    std::size_t i = 0;
    boost::mp11::mp_for_each<members>([&](auto d) { out[i++] = d.name; });
    return out;
}

constexpr auto generate_fields = field_names<oi::CreateImageRequest>();
constexpr auto edit_fields = field_names<oi::CreateImageEditRequest>();
constexpr auto variation_fields = field_names<oi::CreateImageVariationRequest>();

// The known values of an open enum, from its description.
template <class Enum>
std::vector<std::string_view> values_of() {
    using constants = boost::describe::describe_members<Enum, boost::describe::mod_public |
                                                                  boost::describe::mod_static>;
    std::vector<std::string_view> out;
    boost::mp11::mp_for_each<constants>([&](auto d) { out.push_back(*d.pointer); });
    return out;
}

// The models worth choosing: those validation has rules for (the library's
// table, newest first), without dated snapshots such as gpt-image-2-2026-04-21.
std::vector<std::string_view> model_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> all = oi::known_models();
        std::erase_if(all, [](std::string_view m) {
            constexpr std::string_view date = "-YYYY-MM-DD";
            if (m.size() <= date.size())
                return false;
            const std::string_view tail = m.substr(m.size() - date.size());
            for (std::size_t i = 0; i < date.size(); ++i) {
                const bool digit = tail[i] >= '0' && tail[i] <= '9';
                if (date[i] == '-' ? tail[i] != '-' : !digit)
                    return false;
            }
            return true;
        });
        return all;
    }();
    return {names.begin(), names.end()};
}

// Which subcommands take a flag.
enum : unsigned {
    gen = 1u << 0,
    edt = 1u << 1,
    var = 1u << 2,
    bat = 1u << 3,
    all_ops = gen | edt | var | bat,
};

enum class kind {
    none,       ///< a switch
    text,       ///< any string
    model,      ///< any string; the known models are listed
    choice,     ///< one of `choices` (any string with --no-validate)
    size,       ///< auto or WIDTHxHEIGHT (any string with --no-validate)
    integer,    ///< a signed 64-bit integer
    count,      ///< an integer >= 1
    unsigned_,  ///< an integer >= 0
    seconds,    ///< a number > 0
    path,       ///< a file or directory
    paths,      ///< a file, repeatable
};

enum class section { request, batch, options };

struct flag_spec {
    std::string name;
    std::string_view metavar;
    std::string_view field;  ///< the JSON field of a request flag; empty for options
    kind k;
    unsigned commands;
    section sec;
    std::string_view help;
    std::vector<std::string_view> choices{};
    std::string_view values_note{};  ///< printed after the values
};

bool has_field(std::span<const std::string_view> fields, std::string_view field) {
    return std::find(fields.begin(), fields.end(), field) != fields.end();
}

// The flag of a request field is the field's name with '-' for '_', and it
// belongs to the subcommands whose request has the field (and to batch, whose
// lines can be any of them), so that neither can drift from the library's
// models.
flag_spec request_flag(std::string_view field, std::string_view metavar, kind k,
                       std::string_view help, std::vector<std::string_view> choices = {},
                       std::string_view values_note = {}) {
    std::string name = "--" + std::string(field);
    std::replace(name.begin(), name.end(), '_', '-');
    unsigned commands = 0;
    if (has_field(generate_fields, field))
        commands |= gen;
    if (has_field(edit_fields, field))
        commands |= edt;
    if (has_field(variation_fields, field))
        commands |= var;
    if (commands == 0)
        throw std::logic_error(name + ": no request has the field " + std::string(field));
    return {.name = std::move(name),
            .metavar = metavar,
            .field = field,
            .k = k,
            .commands = commands | bat,
            .sec = section::request,
            .help = help,
            .choices = std::move(choices),
            .values_note = values_note};
}

const std::vector<flag_spec>& flags() {
    static const std::vector<flag_spec> table = {
        // Request fields, in the order of the help.
        request_flag("prompt", "TEXT", kind::text,
                     "what to draw (required for generate and edit); at most 32000 characters "
                     "for GPT image models (1000 for dall-e-2, 4000 for dall-e-3)"),
        request_flag("image", "FILE", kind::paths,
                     "an input image: edit takes 1 to 16 (repeat the flag; PNG, JPEG or WEBP, "
                     "dall-e-2: one square PNG), variation exactly one square PNG; batch: the "
                     "images of every edit line that has none (with a text prompts file, every "
                     "line becomes an edit)"),
        request_flag("mask", "FILE", kind::path,
                     "a PNG whose transparent pixels mark where to edit; same size as the first "
                     "image"),
        request_flag("model", "MODEL", kind::model,
                     "the model; another name is sent as given (only the checks that hold for "
                     "every model apply)",
                     model_names(),
                     "without --model the server chooses the model, and only the checks that "
                     "hold for every model are made before sending (edits are checked as "
                     "gpt-image-1.5, variations as dall-e-2). OpenAI retired dall-e-2 and "
                     "dall-e-3 on 2026-05-12; compatible servers may still serve them"),
        request_flag("n", "N", kind::integer, "how many images per request: 1 to 10 (dall-e-3: 1)"),
        request_flag("size", "SIZE", kind::size, "the image size", values_of<oi::ImageSize>(),
                     "GPT image models: auto, 1024x1024, 1536x1024, 1024x1536; gpt-image-2 also "
                     "any WIDTHxHEIGHT in multiples of 16, ratio 1:3 to 3:1, at most 3840x2160; "
                     "dall-e-2: 256x256, 512x512, 1024x1024; dall-e-3: 1024x1024, 1792x1024, "
                     "1024x1792"),
        request_flag("quality", "QUALITY", kind::choice, "the image quality",
                     values_of<oi::ImageQuality>(),
                     "low, medium, high, auto: GPT image models; standard, hd: dall-e-3 "
                     "(standard also dall-e-2)"),
        request_flag("response_format", "FORMAT", kind::choice,
                     "how images come back (dall-e models on compatible servers; GPT image "
                     "models always send b64_json)",
                     values_of<oi::ImageResponseFormat>(), "url images are downloaded"),
        request_flag("output_format", "FORMAT", kind::choice,
                     "the file format of the images (GPT image models)",
                     values_of<oi::ImageOutputFormat>()),
        request_flag("output_compression", "0-100", kind::integer,
                     "compression level in percent (GPT image models, jpeg or webp)"),
        request_flag("background", "BACKGROUND", kind::choice,
                     "the background (GPT image models; transparent needs png or webp)",
                     values_of<oi::ImageBackground>()),
        request_flag("moderation", "LEVEL", kind::choice,
                     "content moderation level (GPT image models)",
                     values_of<oi::ImageModeration>()),
        request_flag("style", "STYLE", kind::choice, "the style (dall-e-3)",
                     values_of<oi::ImageStyle>()),
        request_flag("input_fidelity", "FIDELITY", kind::choice,
                     "how closely to match the input images' features (GPT image models)",
                     values_of<oi::InputFidelity>()),
        request_flag("partial_images", "0-3", kind::integer,
                     "partial images to stream (only with streaming, which this tool does not "
                     "do yet)"),
        request_flag("user", "ID", kind::text,
                     "an identifier of your end user, for the API's abuse monitoring"),

        // Batch.
        {"--prompts", "FILE", "", kind::path, bat, section::batch,
         "the prompts: a text file, one prompt per line (blank lines and lines starting with "
         "# skipped), or JSON Lines (the file ends in .jsonl, or --jsonl)"},
        {"--jsonl", "", "", kind::none, bat, section::batch,
         "read --prompts as JSON Lines whatever its name"},

        // Options.
        {"--out", "DIR", "", kind::path, all_ops, section::options,
         "where images are written (default ./out), each as soon as its request completes; "
         "created when missing and tested for writing before anything is sent. Batch files are "
         "named by line number (0001.png), others image.png; n > 1 adds -1, -2... A batch keeps "
         "openai-images-manifest.jsonl there: the same command again sends only the lines not "
         "done yet"},
        {"--overwrite", "", "", kind::none, all_ops, section::options,
         "replace images that already exist in --out (without it, nothing is sent when a "
         "request would replace one; resuming a batch replaces nothing it had saved)"},
        {"--concurrency", "N", "", kind::count, all_ops, section::options,
         "requests in flight at once (default 8)"},
        {"--base-url", "URL", "", kind::text, all_ops, section::options,
         "the API's base URL (default $OPENAI_BASE_URL, else https://api.openai.com/v1)"},
        {"--ca-file", "PEM", "", kind::path, all_ops, section::options,
         "trust the CAs of this PEM file instead of the system's (default "
         "$OPENAI_IMAGES_CA_FILE): for a server whose certificate a private CA signed"},
        {"--api-key", "KEY", "", kind::text, all_ops, section::options,
         "the API key (default $OPENAI_API_KEY; prefer the variable: a flag shows in ps)"},
        {"--retries", "N", "", kind::unsigned_, all_ops, section::options,
         "retries of a failed request after the first attempt (default 2)"},
        {"--timeout", "SECONDS", "", kind::seconds, all_ops, section::options,
         "the longest a request may take, retries included (default 900)"},
        {"--no-validate", "", "", kind::none, all_ops, section::options,
         "send requests without checking them against the model's rules, and accept any "
         "value for the flags above"},
        {"--quiet", "", "", kind::none, all_ops, section::options,
         "no progress and no list of saved files; errors and the summary still print"},
        {"--help", "", "", kind::none, all_ops, section::options, "this text"},
    };
    return table;
}

const flag_spec* find_flag(std::string_view name) {
    for (const auto& f : flags()) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

unsigned command_bit(command c) {
    switch (c) {
        case command::generate:
            return gen;
        case command::edit:
            return edt;
        case command::variation:
            return var;
        case command::batch:
            return bat;
        case command::none:
            break;
    }
    return all_ops;
}

std::string commands_of(unsigned bits) {
    std::string out;
    for (command c : {command::generate, command::edit, command::variation, command::batch}) {
        if (bits & command_bit(c)) {
            if (!out.empty())
                out += ", ";
            out += command_name(c);
        }
    }
    return out;
}

std::string join(const std::vector<std::string_view>& v) {
    std::string out;
    for (auto s : v) {
        if (!out.empty())
            out += ", ";
        out += s;
    }
    return out;
}

// A value for a message; what looks like an API key is never shown.
std::string quoted(std::string_view s) {
    if (s.starts_with("sk-"))
        return "'sk-[redacted]'";
    return "'" + std::string(s) + "'";
}

std::string help_hint(command c) {
    if (c == command::none)
        return "run 'openai-images --help' for the subcommands and their flags";
    return "run 'openai-images " + std::string(command_name(c)) +
           " --help' for every flag and its values";
}

[[noreturn]] void fail(command c, const std::string& message) {
    throw usage_error(c, message + "\n" + help_hint(c));
}

// What a flag's value must be, for messages.
std::string expected_value(const flag_spec& f) {
    switch (f.k) {
        case kind::integer:
            return "an integer";
        case kind::count:
            return "an integer of at least 1";
        case kind::unsigned_:
            return "an integer of at least 0";
        case kind::seconds:
            return "a number of seconds greater than 0";
        case kind::choice:
            return "one of " + join(f.choices);
        case kind::size:
            return "auto or WIDTHxHEIGHT (" + join(f.choices) + "...)";
        case kind::model:
            return "a model name (" + join(f.choices) + ")";
        case kind::path:
        case kind::paths:
            return "a path";
        case kind::text:
        case kind::none:
            break;
    }
    return "a value";
}

template <class T>
bool parse_integer(std::string_view s, T& out) {
    if (s.empty())
        return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

bool parse_seconds(std::string_view s, double& out) {
    if (s.empty())
        return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && std::isfinite(out) && out > 0;
}

void store(cli_args& a, const flag_spec& f, std::string_view value) {
    const auto bad = [&] {
        fail(a.cmd, std::string(f.name) + ": " + quoted(value) + " is not " + expected_value(f));
    };
    if (!f.field.empty()) {
        const json::string_view key(f.field.data(), f.field.size());
        const json::string_view v(value.data(), value.size());
        switch (f.k) {
            case kind::integer: {
                std::int64_t i = 0;
                if (!parse_integer(value, i))
                    bad();
                a.fields[key] = i;
                return;
            }
            case kind::paths: {
                json::value& slot = a.fields[key];
                if (!slot.is_array())
                    slot = json::array();
                slot.as_array().emplace_back(v);
                return;
            }
            default:
                a.fields[key] = v;
                return;
        }
    }
    if (f.name == "--out") {
        if (value.empty())
            bad();
        a.out_dir = std::filesystem::path(value);
    } else if (f.name == "--concurrency") {
        std::size_t n = 0;
        if (!parse_integer(value, n) || n < 1)
            bad();
        a.concurrency = n;
    } else if (f.name == "--base-url") {
        a.base_url = std::string(value);
    } else if (f.name == "--ca-file") {
        a.ca_file = std::string(value);
    } else if (f.name == "--api-key") {
        a.api_key = std::string(value);
    } else if (f.name == "--retries") {
        std::size_t n = 0;
        if (!parse_integer(value, n))
            bad();
        a.retries = n;
    } else if (f.name == "--timeout") {
        double s = 0;
        if (!parse_seconds(value, s) || s > 1e9)
            bad();
        a.timeout_seconds = s;
    } else if (f.name == "--prompts") {
        if (value.empty())
            bad();
        a.prompts = std::filesystem::path(value);
    }
}

void set_switch(cli_args& a, const flag_spec& f) {
    if (f.name == "--no-validate")
        a.no_validate = true;
    else if (f.name == "--quiet")
        a.quiet = true;
    else if (f.name == "--overwrite")
        a.overwrite = true;
    else if (f.name == "--jsonl")
        a.jsonl = true;
    else if (f.name == "--help")
        a.help = true;
}

// The values of choice and size flags, unless --no-validate.
void check_values(const cli_args& a) {
    if (a.no_validate)
        return;
    for (const auto& f : flags()) {
        if (f.field.empty())
            continue;
        const json::value* v =
            a.fields.if_contains(json::string_view(f.field.data(), f.field.size()));
        if (!v || !v->is_string())
            continue;
        const std::string_view s(v->as_string().data(), v->as_string().size());
        if (f.k == kind::choice &&
            std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end()) {
            fail(a.cmd, std::string(f.name) + ": " + quoted(s) + " is not one of " +
                            join(f.choices) + " (--no-validate sends any value)");
        }
        if (f.k == kind::size && s != "auto" && !openai::images::parse_size(s)) {
            fail(a.cmd, std::string(f.name) + ": " + quoted(s) + " is not auto or WIDTHxHEIGHT (" +
                            join(f.choices) + "...; --no-validate sends any value)");
        }
        if ((f.k == kind::text || f.k == kind::path) && s.empty() && f.field != "user")
            fail(a.cmd, std::string(f.name) + ": the value is empty");
    }
}

void check_required(cli_args& a) {
    const auto has = [&](std::string_view field) {
        return a.fields.contains(json::string_view(field.data(), field.size()));
    };
    switch (a.cmd) {
        case command::generate:
            if (!has("prompt"))
                fail(a.cmd, "generate needs --prompt TEXT");
            break;
        case command::edit:
            if (!has("image"))
                fail(a.cmd, "edit needs at least one --image FILE");
            if (!has("prompt"))
                fail(a.cmd, "edit needs --prompt TEXT");
            break;
        case command::variation:
            if (!has("image"))
                fail(a.cmd, "variation needs --image FILE");
            if (a.fields.at("image").as_array().size() != 1)
                fail(a.cmd, "--image: variation takes exactly one image");
            break;
        case command::batch: {
            if (a.prompts.empty())
                fail(a.cmd, "batch needs --prompts FILE");
            if (a.prompts.extension() == ".jsonl")
                a.jsonl = true;
            break;
        }
        case command::none:
            break;
    }
}

std::optional<command> command_from(std::string_view s) {
    if (s == "generate")
        return command::generate;
    if (s == "edit")
        return command::edit;
    if (s == "variation")
        return command::variation;
    if (s == "batch")
        return command::batch;
    return std::nullopt;
}

}  // namespace

std::string_view command_name(command c) noexcept {
    switch (c) {
        case command::generate:
            return "generate";
        case command::edit:
            return "edit";
        case command::variation:
            return "variation";
        case command::batch:
            return "batch";
        case command::none:
            break;
    }
    return "";
}

std::span<const std::string_view> operation_fields(std::string_view operation) noexcept {
    if (operation == "generate")
        return generate_fields;
    if (operation == "edit")
        return edit_fields;
    if (operation == "variation")
        return variation_fields;
    return {};
}

cli_args parse_args(std::span<const std::string_view> args) {
    cli_args a;
    if (args.empty())
        fail(command::none, "missing subcommand: expected generate, edit, variation or batch");

    std::size_t i = 0;
    const std::string_view first = args[0];
    if (first == "--help" || first == "-h" || first == "help") {
        a.help = true;
        if (first == "help" && args.size() > 1) {
            const auto c = command_from(args[1]);
            if (!c)
                fail(command::none, "unknown subcommand " + quoted(args[1]) +
                                        ": expected generate, edit, variation or batch");
            a.cmd = *c;
        }
        return a;
    }
    if (const auto c = command_from(first)) {
        a.cmd = *c;
    } else if (first.starts_with("-")) {
        fail(command::none,
             "expected a subcommand (generate, edit, variation or batch) before " + quoted(first));
    } else {
        fail(command::none, "unknown subcommand " + quoted(first) +
                                ": expected generate, edit, variation or batch");
    }

    for (i = 1; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "-h")
            arg = "--help";
        if (!arg.starts_with("--")) {
            fail(a.cmd, "unexpected argument " + quoted(arg) +
                            (arg.starts_with("-") ? std::string(" (flags start with --)")
                                                  : std::string(" (values follow their flag, "
                                                                "as in --prompt \"...\")")));
        }
        std::optional<std::string_view> inline_value;
        std::string_view name = arg;
        if (const auto eq = arg.find('='); eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        const flag_spec* f = find_flag(name);
        if (!f)
            fail(a.cmd,
                 "unknown flag " + quoted(name) + " for " + std::string(command_name(a.cmd)));
        if (!(f->commands & command_bit(a.cmd))) {
            fail(a.cmd, std::string(f->name) + " is not a flag of " +
                            std::string(command_name(a.cmd)) + " (it is a flag of " +
                            commands_of(f->commands) + ")");
        }
        if (f->k == kind::none) {
            if (inline_value)
                fail(a.cmd, std::string(f->name) + " takes no value");
            set_switch(a, *f);
            if (a.help)
                return a;
            continue;
        }
        std::string_view value;
        if (inline_value) {
            value = *inline_value;
        } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
            value = args[++i];
        } else {
            std::string message =
                std::string(f->name) + " needs a value: " + std::string(f->metavar);
            if (f->k != kind::text)
                message += " (" + expected_value(*f) + ")";
            fail(a.cmd, message);
        }
        store(a, *f, value);
    }
    check_required(a);
    check_values(a);
    return a;
}

namespace {

// Appends `text` word-wrapped to 100 columns, every line indented by `indent`
// except the first, which continues the current line.
void append_wrapped(std::string& out, std::string_view text, std::size_t indent,
                    std::size_t column) {
    constexpr std::size_t width = 100;
    while (!text.empty()) {
        const std::size_t room = width > column ? width - column : 1;
        std::size_t take = text.size();
        if (take > room) {
            const auto space = text.rfind(' ', room);
            take = space == std::string_view::npos || space == 0 ? text.find(' ') : space;
            if (take == std::string_view::npos)
                take = text.size();
        }
        out += text.substr(0, take);
        out += '\n';
        text.remove_prefix(take);
        while (text.starts_with(' '))
            text.remove_prefix(1);
        if (!text.empty()) {
            out.append(indent, ' ');
            column = indent;
        }
    }
}

void append_flag(std::string& out, const flag_spec& f, bool show_commands) {
    constexpr std::size_t help_column = 28;
    constexpr std::size_t detail_column = 30;
    std::string head = "  " + std::string(f.name);
    if (!f.metavar.empty())
        head += " " + std::string(f.metavar);
    if (head.size() < help_column)
        head.resize(help_column, ' ');
    else
        head += "\n" + std::string(help_column, ' ');
    out += head;
    std::string help(f.help);
    if (f.k == kind::paths)
        help += " (repeatable)";
    append_wrapped(out, help, help_column, help_column);
    const std::string indent(detail_column, ' ');
    if (!f.choices.empty()) {
        out += indent;
        append_wrapped(out, (f.k == kind::choice ? "values: " : "known: ") + join(f.choices),
                       detail_column, detail_column);
    }
    if (!f.values_note.empty()) {
        out += indent;
        append_wrapped(out, f.values_note, detail_column, detail_column);
    }
    if (show_commands && f.sec != section::batch && (f.commands & all_ops) != all_ops) {
        out += indent;
        append_wrapped(out, "for: " + commands_of(f.commands), detail_column, detail_column);
    }
}

void append_section(std::string& out, command c, section s, std::string_view title) {
    std::string body;
    for (const auto& f : flags()) {
        if (f.sec == s && (f.commands & command_bit(c)))
            append_flag(body, f, c == command::none);
    }
    if (body.empty())
        return;
    out += '\n';
    out += title;
    out += ":\n";
    out += body;
}

constexpr std::string_view prompts_help =
    "\nprompts files (batch --prompts FILE):\n"
    "  text        one prompt per line; blank lines and lines starting with # are skipped;\n"
    "              the request flags apply to every line (with --image, every line is an edit)\n"
    "  JSON Lines  (FILE ends in .jsonl, or --jsonl) one JSON object per line with the API's\n"
    "              field names, e.g.\n"
    "                {\"prompt\": \"a red fox\", \"model\": \"gpt-image-1.5\", \"size\": "
    "\"1024x1536\"}\n"
    "                {\"operation\": \"edit\", \"image\": [\"a.png\", \"b.png\"], \"mask\": "
    "\"m.png\",\n"
    "                 \"prompt\": \"a gift basket\", \"model\": \"gpt-image-1\"}\n"
    "                {\"operation\": \"variation\", \"image\": \"otter.png\", \"n\": 2}\n"
    "              \"operation\" is generate (default), edit or variation; image paths are\n"
    "              relative to the current directory; the request flags are defaults for the\n"
    "              fields a line leaves out (where the line's operation takes them)\n";

constexpr std::string_view tail_help =
    "\nprogress goes to stderr (a bar on a terminal, else one line per completed request),\n"
    "the saved files and a summary (requests, saves, seconds, images/s, retries) to stdout;\n"
    "images/s is everywhere the images saved per second since the start.\n"
    "\nenvironment: OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID,\n"
    "OPENAI_IMAGES_CA_FILE (--ca-file); without a CA file the system's roots are trusted,\n"
    "which OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR replace when set\n"
    "exit status: 0 every request succeeded and its images were saved; 1 a request or a\n"
    "save failed; 2 bad usage, or refused before sending (nothing sent); 130 interrupted\n";

}  // namespace

std::string usage_text(command c) {
    std::string out;
    switch (c) {
        case command::none:
            out +=
                "openai-images: create images with the OpenAI Images API\n"
                "\nusage:\n"
                "  openai-images generate  --prompt TEXT [flags]\n"
                "  openai-images edit      --image FILE [--image FILE]... --prompt TEXT [--mask "
                "FILE] [flags]\n"
                "  openai-images variation --image FILE [flags]\n"
                "  openai-images batch     --prompts FILE [--jsonl] [flags]\n"
                "  openai-images <subcommand> --help\n"
                "\nsubcommands:\n"
                "  generate   create images from a prompt (POST /images/generations)\n"
                "  edit       edit or extend images from a prompt (POST /images/edits)\n"
                "  variation  variations of one image (POST /images/variations, a legacy "
                "endpoint\n"
                "             that compatible servers serve with dall-e-2)\n"
                "  batch      many requests from a prompts file, --concurrency at a time\n";
            break;
        case command::generate:
            out +=
                "usage: openai-images generate --prompt TEXT [flags]\n"
                "\ncreates images from a prompt (POST /images/generations) and saves them to "
                "--out.\n";
            break;
        case command::edit:
            out +=
                "usage: openai-images edit --image FILE [--image FILE]... --prompt TEXT "
                "[--mask FILE] [flags]\n"
                "\nedits or extends images from a prompt (POST /images/edits) and saves the "
                "results\nto --out. Files are streamed from disk.\n";
            break;
        case command::variation:
            out +=
                "usage: openai-images variation --image FILE [flags]\n"
                "\ncreates variations of one square PNG (POST /images/variations, a legacy "
                "endpoint\nthat compatible servers serve with dall-e-2) and saves them to "
                "--out.\n";
            break;
        case command::batch:
            out +=
                "usage: openai-images batch --prompts FILE [--jsonl] [flags]\n"
                "\nruns every request of a prompts file, --concurrency at a time, with retries "
                "and a\nback-off after 429s; a failed request never stops the others. Images go "
                "to --out\nnamed by line number (0001.png) as each request completes, and "
                "openai-images-manifest.jsonl\nthere records each line done: after a kill, a "
                "crash or a lost network, the same\ncommand sends only the lines not done (and "
                "says how many it skipped).\n";
            break;
    }
    append_section(out, c, section::request, "request flags (the API's fields)");
    append_section(out, c, section::batch, "batch");
    append_section(out, c, section::options, "options");
    if (c == command::none || c == command::batch)
        out += prompts_help;
    out += tail_help;
    return out;
}

}  // namespace openai_images_cli
