// An images batch job: many generation or JSON-edit requests run through
// the Batch API (batch_api.hpp) at half the price, from the input file to the
// saved images. The job writes its requests as JSONL (split into several
// batches where one would pass 50,000 requests or 200 MB), uploads each
// part, creates its batch, polls with back-off, then reads each finished
// batch's output and error files as they are downloaded, decoding the images
// line by line, and hands over each request's result by its index in the
// input.
//
// A job lives in a directory of its own: `job.json` (its id, parts, files
// and batches, written atomically after every step), the parts' input files,
// and `collected` (the index of every result handed over, appended as each
// one is). Another process can resume the job from the directory after a
// crash: a part already uploaded is not uploaded again, a batch already
// created is not created again (one created just before a crash is found
// again by its input file), and a result already handed over is not handed
// over again.
#pragma once

#include <openai/images/batch.hpp>
#include <openai/images/batch_api.hpp>
#include <openai/images/client.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace openai::images {

/// A request the Batch API runs for images: a generation, or an edit in its
/// JSON form (images and mask given by URL or file id; a batch line cannot
/// carry a multipart upload).
using batch_job_request = std::variant<CreateImageRequest, EditImageBodyJsonParam>;

/// One batch of a job: a run of consecutive requests of one endpoint.
struct batch_job_part {
    std::size_t first = 0;        ///< index of its first request in the job
    std::size_t count = 0;        ///< requests in it
    BatchEndpoint endpoint{};     ///< /v1/images/generations or /v1/images/edits
    std::uint64_t bytes = 0;      ///< size of its input file
    std::string input_file_id{};  ///< empty until uploaded
    /// The input file's created_at (Unix seconds): a batch created before it
    /// cannot be this part's, which bounds the search for a batch created
    /// just before a crash.
    std::int64_t uploaded_at = 0;
    std::string batch_id{};       ///< empty until created
    BatchStatus status{};         ///< as last seen; empty until created
    BatchRequestCounts counts{};  ///< as last seen
    bool collected = false;       ///< its results were all handed over
};

/// A job as its state file records it.
struct batch_job_status {
    std::string job_id{};  ///< "job_" and 16 hex digits, also in each batch's metadata
    std::size_t requests = 0;
    std::vector<batch_job_part> parts{};
    /// Results handed over so far, by this process and earlier ones.
    std::size_t collected = 0;

    /// Every part's batch was created.
    bool submitted() const noexcept;
    /// Every part's batch reached a final status (is_final).
    bool finished() const noexcept;
    /// Every request's result was handed over.
    bool complete() const noexcept { return collected == requests; }
};

struct batch_job_options {
    /// The job's directory (required). Created when the job is submitted.
    std::filesystem::path directory{};
    /// Where a part ends: the Batch API's limits per input file.
    std::size_t max_requests_per_batch = 50'000;
    std::uint64_t max_bytes_per_batch = 200'000'000;
    /// Added to each batch's metadata (with openai_images_job and
    /// openai_images_part, which the job uses itself).
    Metadata metadata{};
    /// The wait between two polls of the unfinished batches: `poll_initial`
    /// at first and after any change, then times `poll_factor` after each
    /// poll that saw none, up to `poll_max`.
    std::chrono::milliseconds poll_initial{5'000};
    std::chrono::milliseconds poll_max{120'000};
    double poll_factor = 1.5;
    /// Resuming: false polls each unfinished batch once, collects what has
    /// finished and completes, instead of waiting for every batch.
    bool wait = true;
    /// Resuming: false polls without collecting (a status check).
    bool collect = true;
    /// When set, each answered request's images are saved there as
    /// `<index>.<ext>`, or `<index>-1.<ext>`, `<index>-2.<ext>`… when it has
    /// several (save_image_bytes), before on_result sees the result.
    std::optional<std::filesystem::path> save_to{};
    /// Called with the job's state after every change: a part written,
    /// uploaded, created, seen in a new status or collected.
    std::function<void(const batch_job_status&)> on_status{};
    /// Called with each request's index and result as its line is read (the
    /// response's images decoded into bytes). The callback may move the
    /// response out. A result is handed over once per job, across processes.
    /// An exception it throws ends the operation; the result is then not
    /// recorded as collected.
    std::function<void(std::size_t, batch_result&)> on_result{};
};

/// Completes with the job's state (whatever the requests' outcomes: each
/// went to on_result). Errors: validation of a request (diag.param() as
/// `requests[i].field`), client_errc::invalid_batch_job, and any error of
/// the Files and Batch API calls; the job can then be resumed.
using batch_job_signature = void(error_code, batch_job_status);

namespace detail {
enum class batch_job_action { submit, resume, run, cancel };
void start_batch_job(client& c, batch_job_action action, std::vector<batch_job_request> requests,
                     batch_job_options opts, diagnostics* diag,
                     boost::asio::any_completion_handler<batch_job_signature> handler);

template <batch_job_action Action>
struct initiate_batch_job {
    client* c;
    template <class Handler>
    void operator()(Handler&& h, std::vector<batch_job_request> reqs, batch_job_options opts,
                    diagnostics* diag) const {
        start_batch_job(
            *c, Action, std::move(reqs), std::move(opts), diag,
            boost::asio::any_completion_handler<batch_job_signature>(std::forward<Handler>(h)));
    }
};
}  // namespace detail

/// Writes the job's input files, uploads them and creates the batches, then
/// completes (the batches run on the API's side). Every request is checked
/// first (validate()); nothing is uploaded when one is refused. When the
/// directory already holds the job (an earlier submit stopped midway), the
/// parts not yet uploaded or created are, and `requests` must be as many as
/// the job holds.
template <class CompletionToken>
auto async_submit_batch_job(client& c, std::vector<batch_job_request> requests,
                            batch_job_options opts, diagnostics& diag, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, batch_job_signature>(
        detail::initiate_batch_job<detail::batch_job_action::submit>{&c}, token,
        std::move(requests), std::move(opts), &diag);
}

/// Resumes the job in opts.directory: submits what was not, polls the
/// batches until they finish (opts.wait) and collects each as it finishes
/// (opts.collect).
template <class CompletionToken>
auto async_resume_batch_job(client& c, batch_job_options opts, diagnostics& diag,
                            CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, batch_job_signature>(
        detail::initiate_batch_job<detail::batch_job_action::resume>{&c}, token,
        std::vector<batch_job_request>{}, std::move(opts), &diag);
}

/// Submit, then resume: from the requests to every result.
template <class CompletionToken>
auto async_run_batch_job(client& c, std::vector<batch_job_request> requests, batch_job_options opts,
                         diagnostics& diag, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, batch_job_signature>(
        detail::initiate_batch_job<detail::batch_job_action::run>{&c}, token, std::move(requests),
        std::move(opts), &diag);
}

/// Cancels every batch of the job that has not finished. A cancelled
/// batch's finished requests are still collected by a later resume; the
/// others end with api_errc::batch_request_failed (api_code
/// batch_cancelled).
template <class CompletionToken>
auto async_cancel_batch_job(client& c, batch_job_options opts, diagnostics& diag,
                            CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, batch_job_signature>(
        detail::initiate_batch_job<detail::batch_job_action::cancel>{&c}, token,
        std::vector<batch_job_request>{}, std::move(opts), &diag);
}

/// The job's state as its directory records it, without a request.
/// Errors: client_errc::invalid_batch_job.
error_code read_batch_job(const std::filesystem::path& directory, batch_job_status& out,
                          diagnostics& diag);

/// Coroutine forms: throw client_error / api_error as the client's do.
boost::asio::awaitable<batch_job_status> run_batch_job(client& c,
                                                       std::vector<batch_job_request> requests,
                                                       batch_job_options opts);
boost::asio::awaitable<batch_job_status> resume_batch_job(client& c, batch_job_options opts);

}  // namespace openai::images
