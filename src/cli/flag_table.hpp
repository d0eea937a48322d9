// The flags of openai-images, one table for the parser and the help, so that
// a flag's name, value kind, subcommands and help text are said once.
#pragma once

#include "args.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace openai_images_cli::flag_table {

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

/// Every flag, in the order of the help.
const std::vector<flag_spec>& flags();

/// nullptr for an unknown name.
const flag_spec* find_flag(std::string_view name);

/// command::none has every bit: the top-level help lists every flag.
unsigned command_bit(command c);

/// "generate, edit": the subcommands of `bits`, for messages and the help.
std::string commands_of(unsigned bits);

/// "a, b, c", for messages and the help.
std::string join(const std::vector<std::string_view>& v);

}  // namespace openai_images_cli::flag_table
