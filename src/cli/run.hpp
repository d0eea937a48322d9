// Running the jobs of a command line through one client: the batch with its
// progress, saving every image to --out, the failures and the summary.
#pragma once

#include "args.hpp"
#include "jobs.hpp"

#include <openai/images/client.hpp>

#include <string>
#include <vector>

namespace openai_images_cli {

/// The client's options: the environment's (OPENAI_API_KEY, OPENAI_BASE_URL…),
/// then the flags. Returns false with `error` when no request could succeed
/// (no API key for api.openai.com).
bool make_client_options(const cli_args& args, openai::images::client_options& out,
                         std::string& error);

/// "message of the code: the diagnostics' sentence [param size, HTTP 400, request req_1]".
std::string describe_error(openai::images::error_code ec, const openai::images::diagnostics& diag);

/// Runs the jobs and saves their images; prints progress on stderr and the
/// saved files and the summary on stdout. Returns the exit status: 0 when
/// every request and every save succeeded, else 1; 2 when the client cannot
/// be created from the options (a bad base URL or CA file).
int run_jobs(const cli_args& args, const openai::images::client_options& options,
             std::vector<job> jobs);

}  // namespace openai_images_cli
