// The command line of openai-images: subcommands, flags, their values, and
// the usage texts. Request flags are kept as a JSON object with the API's own
// field names, so a flag and a JSON Lines field are one and the same thing.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace openai_images_cli {

enum class command { none, generate, edit, variation, batch };

/// "generate", "edit", "variation", "batch"; "" for none.
std::string_view command_name(command c) noexcept;

struct cli_args {
    command cmd = command::none;
    bool help = false;

    /// The request flags given, under their JSON names: strings, integers,
    /// and `image` as an array of paths.
    boost::json::object fields{};

    std::filesystem::path out_dir = "out";
    std::size_t concurrency = 8;
    std::optional<std::string> base_url{};
    std::optional<std::string> ca_file{};
    std::optional<std::string> api_key{};
    std::optional<std::size_t> retries{};
    std::optional<double> timeout_seconds{};
    bool no_validate = false;
    bool quiet = false;
    bool overwrite = false;  ///< replace existing images in --out

    std::filesystem::path prompts{};  ///< batch: the prompts file
    bool jsonl = false;               ///< batch: --jsonl, or the file ends in .jsonl

    /// batch: --via batch-api runs the requests through the Batch API.
    bool batch_api = false;
    bool no_wait = false;     ///< --via batch-api: submit, collect what finished, exit
    bool cancel_job = false;  ///< --via batch-api: cancel the job in --out
    /// --via batch-api: the first wait between polls (default 5 seconds).
    std::optional<double> poll_seconds{};
};

/// A bad command line: the message names the flag and what is allowed.
class usage_error : public std::runtime_error {
  public:
    usage_error(command c, const std::string& message) : std::runtime_error(message), cmd_(c) {}
    command cmd() const noexcept { return cmd_; }

  private:
    command cmd_;
};

/// Parses the arguments after the program name. Throws usage_error.
cli_args parse_args(std::span<const std::string_view> args);

/// The complete usage text: every subcommand (command::none) or every flag of
/// one subcommand, with the allowed values.
std::string usage_text(command c);

/// The JSON fields each operation takes ("generate", "edit", "variation"): the
/// members of its request, in the order of the request's description.
std::span<const std::string_view> operation_fields(std::string_view operation) noexcept;

}  // namespace openai_images_cli
