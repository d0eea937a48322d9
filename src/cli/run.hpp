// Running the jobs of a command line through one client: the batch with its
// progress, saving every image to --out, the failures and the summary.
#pragma once

#include "args.hpp"
#include "jobs.hpp"

#include <openai/images/client.hpp>

#include <optional>
#include <string>
#include <vector>

namespace openai_images_cli {

/// The client's options: the environment's (OPENAI_API_KEY, OPENAI_BASE_URL…),
/// then the flags. Returns false with `error` when no request could succeed
/// (no API key for api.openai.com).
bool make_client_options(const cli_args& args, openai::images::client_options& out,
                         std::string& error);

/// Creates the client. Returns false with `error` naming the flag at fault
/// (a bad base URL or CA file) in the tool's terms.
bool make_client(openai::images::client::executor_type ex,
                 const openai::images::client_options& options,
                 std::optional<openai::images::client>& out, std::string& error);

/// `message` with the library's option names ("tls.ca_file") replaced by the
/// flags that set them ("--ca-file").
std::string in_cli_terms(std::string message);

/// "message of the code: the diagnostics' sentence [param size, HTTP 400,
/// request req_1]", in the tool's terms.
std::string describe_error(openai::images::error_code ec, const openai::images::diagnostics& diag);

/// Checks everything that can be checked before sending (plan_run), then
/// runs the jobs, saving each request's images as soon as it completes;
/// prints progress on stderr and the saved files and the summary on stdout.
/// Returns the exit status: 0 when every request and every save succeeded;
/// 1 when one failed; 2 when nothing was sent (a refusal before sending, or a
/// client that cannot be created from the options); 130 when interrupted.
int run_jobs(const cli_args& args, const openai::images::client_options& options,
             std::vector<job> jobs);

}  // namespace openai_images_cli
