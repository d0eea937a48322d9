// batch --via batch-api: the prompts file run as an images batch job of the
// library (Batch API, half the price), kept in --out so that the same command
// resumes it from any process, saving each image once and recording each
// line in the same manifest as the synchronous batch.
#pragma once

#include "args.hpp"
#include "jobs.hpp"

#include <openai/images/batch_job.hpp>
#include <openai/images/client.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace openai_images_cli {

/// The job's directory inside --out.
inline constexpr std::string_view batch_job_dir_name = "openai-images-batch-job";

/// The request of a job as the Batch API takes it: a generation as it is, an
/// edit in its JSON form (each image file and the mask as a data: URL).
/// Returns false with `error` for a variation (the Batch API has no such
/// endpoint), a response_format (edits in JSON form have none) or an image
/// that cannot be read.
bool to_batch_job_request(openai::images::batch_request& request,
                          openai::images::batch_job_request& out, std::string& error);

/// Runs (or resumes, or with --cancel cancels) the job. Returns the exit
/// status: 0 every line done; 1 a line or a save failed, or the job stopped
/// on an error (the same command resumes it); 2 nothing was sent; 3
/// --no-wait and batches still run; 130 interrupted.
int run_batch_api(const cli_args& args, const openai::images::client_options& options,
                  std::vector<job> jobs);

}  // namespace openai_images_cli
