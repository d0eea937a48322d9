#include "args.hpp"
#include "flag_table.hpp"

#include <string>
#include <string_view>

namespace openai_images_cli {

using flag_table::all_ops;
using flag_table::command_bit;
using flag_table::commands_of;
using flag_table::flag_spec;
using flag_table::flags;
using flag_table::join;
using flag_table::kind;
using flag_table::section;

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
    "\nprogress goes to stderr (a bar on a terminal, else one line per completed request,\n"
    "and per partial image saved with --stream),\n"
    "the saved files and a summary (requests, saves, seconds, images/s, retries) to stdout;\n"
    "images/s is everywhere the images saved per second since the start.\n"
    "\nenvironment: OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID,\n"
    "OPENAI_IMAGES_CA_FILE (--ca-file); without a CA file the system's roots are trusted,\n"
    "which OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR replace when set\n"
    "exit status: 0 every request succeeded and its images were saved; 1 a request or a\n"
    "save failed; 2 bad usage, or refused before sending (nothing sent); 3 --via batch-api\n"
    "--no-wait: the job's batches still run (the same command again goes on); 130 interrupted\n";

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
                "--out.\nWith --stream (GPT image models) the partial images are saved as they "
                "arrive:\n  openai-images generate --prompt \"a sea otter\" --model gpt-image-1.5 "
                "--stream --partial-images 2\nsaves out/image.partial-0.png, "
                "out/image.partial-1.png, then out/image.png.\n";
            break;
        case command::edit:
            out +=
                "usage: openai-images edit --image FILE [--image FILE]... --prompt TEXT "
                "[--mask FILE] [flags]\n"
                "\nedits or extends images from a prompt (POST /images/edits) and saves the "
                "results\nto --out. Files are streamed from disk. With --stream the partial "
                "images are saved\nas they arrive (out/image.partial-0.png...), then the final "
                "one.\n";
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
