// From the command line and the prompts file to the requests of a batch: each
// request with the stem of its files and the line it came from.
#pragma once

#include "args.hpp"

#include <openai/images/batch.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace openai_images_cli {

struct job {
    openai::images::batch_request request{};
    std::string stem{};        ///< file name without extension: "0007", or "image"
    std::size_t line = 0;      ///< line of the prompts file (from 1); 0 for a single request
    std::string key{};         ///< request_key() of what the line asks for (the manifest's)
    bool model_given = false;  ///< false: the server chooses the model
    bool streams = false;      ///< stream=true: partial images are saved as they arrive
};

/// The flag of a request field: "output_format" gives "--output-format".
std::string flag_of(std::string_view field);

/// Builds one request of `operation` ("generate", "edit", "variation") from
/// JSON fields with the API's names. Returns false with `error` naming the
/// field on a missing required field, an unknown field or a wrong type.
bool make_request(std::string_view operation, const boost::json::object& fields,
                  openai::images::batch_request& out, std::string& error);

/// The jobs of a command line: one for generate, edit and variation, one per
/// prompt of the prompts file for batch. Returns false with `error` (every
/// bad line of the file, each named by its number) when nothing should be sent.
bool load_jobs(const cli_args& args, std::vector<job>& out, std::string& error);

}  // namespace openai_images_cli
