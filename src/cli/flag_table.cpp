#include "flag_table.hpp"

#include <openai/images/models.hpp>
#include <openai/images/validate.hpp>

#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/mp11/algorithm.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace openai_images_cli {

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

}  // namespace

std::span<const std::string_view> operation_fields(std::string_view operation) noexcept {
    if (operation == "generate")
        return generate_fields;
    if (operation == "edit")
        return edit_fields;
    if (operation == "variation")
        return variation_fields;
    return {};
}

namespace flag_table {

namespace {

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

// The flags of streaming: generate and edit only, because a batch's requests
// do not stream (their images are saved as each request completes).
flag_spec streamed_flag(flag_spec f) {
    f.commands &= gen | edt;
    return f;
}

}  // namespace

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
        streamed_flag(
            request_flag("stream", "", kind::none,
                         "stream the image as it is drawn (GPT image models): each "
                         "partial image is saved as it arrives, as STEM.partial-INDEX.ext "
                         "beside the final image, and counted in the progress line")),
        streamed_flag(request_flag("partial_images", "0-3", kind::integer,
                                   "partial images to stream before the final one, with --stream "
                                   "(default 0: the final image only)")),
        request_flag("user", "ID", kind::text,
                     "an identifier of your end user, for the API's abuse monitoring"),

        // Batch.
        {"--prompts", "FILE", "", kind::path, bat, section::batch,
         "the prompts: a text file, one prompt per line (blank lines and lines starting with "
         "# skipped), or JSON Lines (the file ends in .jsonl, or --jsonl)"},
        {"--jsonl", "", "", kind::none, bat, section::batch,
         "read --prompts as JSON Lines whatever its name"},
        {"--via",
         "WAY",
         "",
         kind::choice,
         bat,
         section::batch,
         "how the requests run: sync, through the images endpoints at full price, each image "
         "saved as soon as it is drawn (default); batch-api, through the Batch API at half the "
         "price, results within 24 hours (generations and edits; an edit's image files are sent "
         "as data: URLs). The job is kept in --out (openai-images-batch-job/): the same command "
         "again resumes it, from another process too, and saves each image once",
         {"sync", "batch-api"}},
        {"--no-wait", "", "", kind::none, bat, section::batch,
         "with --via batch-api: submit the job (or poll it once), save what has finished and "
         "exit (status 3 while batches still run); the same command again goes on"},
        {"--cancel", "", "", kind::none, bat, section::batch,
         "with --via batch-api: cancel the job's batches that have not finished; what they "
         "finished is still saved by the same command without --cancel"},
        {"--poll", "SECONDS", "", kind::seconds, bat, section::batch,
         "with --via batch-api: the first wait between two polls of the batches (default 5; "
         "it grows by half while nothing changes, up to 120)"},

        // Options.
        {"--out", "DIR", "", kind::path, all_ops, section::options,
         "where images are written (default ./out), each as soon as its request completes; "
         "created when missing and tested for writing before anything is sent. Batch files are "
         "named by line number (0001.png), others image.png; n > 1 adds -1, -2... A batch keeps "
         "openai-images-manifest.jsonl there: the same command again sends only the lines not "
         "done yet"},
        {"--overwrite", "", "", kind::none, all_ops, section::options,
         "replace images that already exist in --out (without it, nothing is sent when a "
         "request would replace one; resuming a batch replaces nothing it had saved); with "
         "--stream, an earlier stream's partial images are removed before sending"},
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

}  // namespace flag_table

}  // namespace openai_images_cli
