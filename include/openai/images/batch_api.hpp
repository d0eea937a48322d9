// The Batch API's types (POST /batches and the batch object), named after
// the official spec's schemas and described as models.hpp's are. Not to be
// confused with batch.hpp, which runs many requests through the synchronous
// endpoints: the Batch API runs them on OpenAI's side from an uploaded
// JSONL file, at half the price, within a completion window.
#pragma once

#include <openai/images/files.hpp>
#include <openai/images/models.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images {

/// Where each request of a batch goes; every line's `url` must equal it.
struct BatchEndpoint : open_enum<BatchEndpoint> {
    using open_enum::open_enum;
    static constexpr std::string_view images_generations = "/v1/images/generations";
    static constexpr std::string_view images_edits = "/v1/images/edits";
    static constexpr std::string_view responses = "/v1/responses";
    static constexpr std::string_view chat_completions = "/v1/chat/completions";
    static constexpr std::string_view embeddings = "/v1/embeddings";
    static constexpr std::string_view completions = "/v1/completions";
    static constexpr std::string_view moderations = "/v1/moderations";
    static constexpr std::string_view videos = "/v1/videos";
};
BOOST_DESCRIBE_STRUCT(BatchEndpoint, (),
                      (images_generations, images_edits, responses, chat_completions, embeddings,
                       completions, moderations, videos))

/// A batch's state: validating, in_progress, finalizing, then completed; or
/// failed, expired, or cancelling then cancelled.
struct BatchStatus : open_enum<BatchStatus> {
    using open_enum::open_enum;
    static constexpr std::string_view validating = "validating";
    static constexpr std::string_view failed = "failed";
    static constexpr std::string_view in_progress = "in_progress";
    static constexpr std::string_view finalizing = "finalizing";
    static constexpr std::string_view completed = "completed";
    static constexpr std::string_view expired = "expired";
    static constexpr std::string_view cancelling = "cancelling";
    static constexpr std::string_view cancelled = "cancelled";
};
BOOST_DESCRIBE_STRUCT(BatchStatus, (),
                      (validating, failed, in_progress, finalizing, completed, expired, cancelling,
                       cancelled))

/// Whether a batch in `s` will change no more (failed, completed, expired,
/// cancelled).
inline bool is_final(const BatchStatus& s) noexcept {
    return s == BatchStatus::failed || s == BatchStatus::completed || s == BatchStatus::expired ||
           s == BatchStatus::cancelled;
}

/// The output and error files' expiry: as FileExpirationAfter.
using BatchFileExpirationAfter = FileExpirationAfter;

/// Up to 16 pairs; keys of at most 64 characters, values of at most 512.
using Metadata = std::map<std::string, std::string>;

/// POST /batches (application/json).
struct CreateBatchRequest {
    std::string input_file_id{};            ///< required: a file uploaded with purpose batch
    BatchEndpoint endpoint{};               ///< required
    std::string completion_window = "24h";  ///< the only value the API takes
    std::optional<Metadata> metadata{};
    std::optional<BatchFileExpirationAfter> output_expires_after{};
};
BOOST_DESCRIBE_STRUCT(CreateBatchRequest, (),
                      (input_file_id, endpoint, completion_window, metadata, output_expires_after))

/// Why a batch failed validation (one per problem; `line` of the input
/// file when there is one).
struct BatchError {
    std::optional<std::string> code{};
    std::optional<std::string> message{};
    std::optional<std::string> param{};
    std::optional<std::int64_t> line{};
};
BOOST_DESCRIBE_STRUCT(BatchError, (), (code, message, param, line))

struct BatchErrors {
    std::optional<std::string> object{};  ///< "list"
    std::vector<BatchError> data{};
};
BOOST_DESCRIBE_STRUCT(BatchErrors, (), (object, data))

struct BatchRequestCounts {
    std::int64_t total = 0;
    std::int64_t completed = 0;  ///< answered with a 2xx
    std::int64_t failed = 0;
};
BOOST_DESCRIBE_STRUCT(BatchRequestCounts, (), (total, completed, failed))

struct BatchInputTokensDetails {
    std::int64_t cached_tokens = 0;
};
BOOST_DESCRIBE_STRUCT(BatchInputTokensDetails, (), (cached_tokens))

struct BatchOutputTokensDetails {
    std::int64_t reasoning_tokens = 0;
};
BOOST_DESCRIBE_STRUCT(BatchOutputTokensDetails, (), (reasoning_tokens))

/// Token usage of the whole batch (batches created after September 2025).
struct BatchUsage {
    std::int64_t input_tokens = 0;
    std::optional<BatchInputTokensDetails> input_tokens_details{};
    std::int64_t output_tokens = 0;
    std::optional<BatchOutputTokensDetails> output_tokens_details{};
    std::int64_t total_tokens = 0;
};
BOOST_DESCRIBE_STRUCT(BatchUsage, (),
                      (input_tokens, input_tokens_details, output_tokens, output_tokens_details,
                       total_tokens))

/// A batch: its state, its files and its counts. Times are Unix seconds.
struct Batch {
    std::string id{};
    std::string object{};  ///< "batch"
    BatchEndpoint endpoint{};
    std::optional<std::string> model{};
    std::optional<BatchErrors> errors{};
    std::string input_file_id{};
    std::string completion_window{};
    BatchStatus status{};
    std::optional<std::string> output_file_id{};  ///< the answers, once finalized
    std::optional<std::string> error_file_id{};   ///< requests without an answer
    std::int64_t created_at = 0;
    std::optional<std::int64_t> in_progress_at{};
    std::optional<std::int64_t> expires_at{};
    std::optional<std::int64_t> finalizing_at{};
    std::optional<std::int64_t> completed_at{};
    std::optional<std::int64_t> failed_at{};
    std::optional<std::int64_t> expired_at{};
    std::optional<std::int64_t> cancelling_at{};
    std::optional<std::int64_t> cancelled_at{};
    std::optional<BatchRequestCounts> request_counts{};
    std::optional<BatchUsage> usage{};
    std::optional<Metadata> metadata{};
};
BOOST_DESCRIBE_STRUCT(Batch, (),
                      (id, object, endpoint, model, errors, input_file_id, completion_window,
                       status, output_file_id, error_file_id, created_at, in_progress_at,
                       expires_at, finalizing_at, completed_at, failed_at, expired_at,
                       cancelling_at, cancelled_at, request_counts, usage, metadata))

/// GET /batches: a page of batches, newest first.
struct ListBatchesResponse {
    std::vector<Batch> data{};
    std::optional<std::string> first_id{};
    std::optional<std::string> last_id{};
    bool has_more = false;
    std::string object{};  ///< "list"
};
BOOST_DESCRIBE_STRUCT(ListBatchesResponse, (), (data, first_id, last_id, has_more, object))

/// The query of GET /batches: the page after the batch `after` (unset: the
/// first), of `limit` batches (1 to 100; unset: the API's 20).
struct ListBatchesParams {
    std::optional<std::string> after{};
    std::optional<std::int64_t> limit{};
};

}  // namespace openai::images
