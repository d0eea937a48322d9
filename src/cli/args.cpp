#include "args.hpp"
#include "flag_table.hpp"

#include <openai/images/validate.hpp>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace openai_images_cli {

namespace json = boost::json;

using flag_table::command_bit;
using flag_table::commands_of;
using flag_table::find_flag;
using flag_table::flag_spec;
using flag_table::flags;
using flag_table::join;
using flag_table::kind;

namespace {

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
    } else if (f.name == "--via") {
        if (value != "sync" && value != "batch-api")
            bad();
        a.batch_api = value == "batch-api";
    } else if (f.name == "--poll") {
        double s = 0;
        if (!parse_seconds(value, s) || s > 86400)
            bad();
        a.poll_seconds = s;
    }
}

void set_switch(cli_args& a, const flag_spec& f) {
    if (!f.field.empty())
        a.fields[json::string_view(f.field.data(), f.field.size())] = true;  // --stream
    else if (f.name == "--no-validate")
        a.no_validate = true;
    else if (f.name == "--quiet")
        a.quiet = true;
    else if (f.name == "--overwrite")
        a.overwrite = true;
    else if (f.name == "--jsonl")
        a.jsonl = true;
    else if (f.name == "--no-wait")
        a.no_wait = true;
    else if (f.name == "--cancel")
        a.cancel_job = true;
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
    // Partial images exist only in a stream: without --stream the flag would
    // be sent and silently have no effect.
    if (has("partial_images") && !has("stream"))
        fail(a.cmd, "--partial-images applies only with --stream");
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
            // These say how a Batch API job runs: alone they would be ignored.
            if (!a.batch_api && (a.no_wait || a.cancel_job || a.poll_seconds))
                fail(a.cmd, std::string(a.no_wait      ? "--no-wait"
                                        : a.cancel_job ? "--cancel"
                                                       : "--poll") +
                                " applies only with --via batch-api");
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

}  // namespace openai_images_cli
