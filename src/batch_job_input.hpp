// A batch job's input: its requests checked, then written as the parts'
// JSONL files (each line {"custom_id":"request-<index>","method":"POST",
// "url":<endpoint>,"body":<the request's JSON>}), one line at a time.
#pragma once

#include <openai/images/batch_job.hpp>
#include <openai/images/validate_options.hpp>

#include <optional>
#include <string_view>

namespace openai::images::detail {

/// Every request checked as the client checks it before sending (validate),
/// and none streaming. diag.param() is `requests[i].<field>`.
error_code check_job_requests(const std::vector<batch_job_request>& requests,
                              const validate_options& vo, diagnostics& diag);

/// Writes the parts' input files into opts.directory (created) and fills
/// st.parts and st.requests, splitting where a part would pass
/// opts.max_requests_per_batch or opts.max_bytes_per_batch, or where the
/// endpoint changes. Errors: client_errc::file_write_failed,
/// client_errc::body_too_large (one request's line over the byte limit),
/// client_errc::value_out_of_range (a limit of 0).
error_code write_job_input(const std::vector<batch_job_request>& requests,
                           const batch_job_options& opts, batch_job_status& st, diagnostics& diag);

/// The custom_id of the request at `index`, and back (none when `id` is not
/// one of a job of `requests` requests).
std::string job_custom_id(std::size_t index);
std::optional<std::size_t> job_request_index(std::string_view id, std::size_t requests);

}  // namespace openai::images::detail
