// Batch generation: run many requests (any of the three operations) through
// one client with bounded concurrency, a client-side rate limiter and a
// batch-wide back-off after 429s. Results come back in input order, one per
// request; a failure never stops the rest.
#pragma once

#include <openai/images/client.hpp>
#include <openai/images/operations.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <ranges>
#include <variant>
#include <vector>

namespace openai::images {

/// One request of a batch: of any operation of the table (operations.hpp).
using batch_request = any_images_request;

/// The outcome of one request: a response, or an error with its diagnostics.
struct batch_result {
    error_code ec{};
    ImagesResponse response{};
    /// The field at fault or the API's error detail, the last response's
    /// metadata (request id, status, attempts) and every failed attempt.
    diagnostics diag{};
};

/// A snapshot of a batch's progress.
struct batch_progress {
    std::size_t total = 0;      ///< requests in the batch
    std::size_t succeeded = 0;  ///< completed with a response
    std::size_t failed = 0;     ///< completed with an error
    std::size_t in_flight = 0;  ///< started, not completed (retrying ones included)
    std::size_t retrying = 0;   ///< of those in flight, waiting to be retried
    std::size_t retries = 0;    ///< retries so far, all requests
    std::size_t images = 0;     ///< images received so far
    /// New requests are held back until then after a 429 (adaptive back-off);
    /// time_point{} when not paused.
    std::chrono::steady_clock::time_point paused_until{};

    std::size_t done() const noexcept { return succeeded + failed; }
};

struct batch_options {
    /// Requests in flight at once (at least 1). Beyond the client's
    /// pool.max_connections, requests wait for a connection (pool.wait_timeout).
    std::size_t concurrency = 8;
    /// Client-side limits, token buckets refilled continuously; 0: no limit.
    /// A request takes one request token and `n` image tokens (1 when unset).
    double requests_per_minute = 0;
    double images_per_minute = 0;
    /// After a 429, hold back every new request of the batch for the
    /// retry-after (or x-ratelimit-reset-requests / -tokens) the server gave,
    /// or 1 s when it gave none, capped at max_pause.
    bool adaptive_backoff = true;
    std::chrono::milliseconds max_pause{60'000};
    /// Called on the batch's strand whenever a request starts, is retried or
    /// completes. Must not block.
    std::function<void(const batch_progress&)> on_progress{};
    /// Called on the batch's strand as each request completes, with its index
    /// in the input and its result, e.g. to save images while the batch runs.
    /// The callback may move the response out of the result, so that a long
    /// batch never holds its images (the final vector then keeps what the
    /// callback left: the error and the diagnostics). Must not block for long.
    std::function<void(std::size_t, batch_result&)> on_result{};
};

/// The completion signature of a batch: `ec` is operation_aborted when the
/// batch was cancelled as a whole (requests not yet completed then carry
/// operation_aborted too), otherwise success whatever the requests' outcomes.
using batch_signature = void(error_code, std::vector<batch_result>);

namespace detail {
void start_batch(client& c, std::vector<batch_request> requests, batch_options opts,
                 boost::asio::any_completion_handler<batch_signature> handler);
}

/// Runs every request of `requests` (a vector of batch_request). The client
/// must outlive the batch. Cancellation (any type) through the token's slot
/// cancels the requests in flight and starts no more.
template <class CompletionToken>
auto async_run_batch(client& c, std::vector<batch_request> requests, batch_options opts,
                     CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, batch_signature>(
        [&c](auto handler, std::vector<batch_request> reqs, batch_options o) {
            detail::start_batch(
                c, std::move(reqs), std::move(o),
                boost::asio::any_completion_handler<batch_signature>(std::move(handler)));
        },
        token, std::move(requests), std::move(opts));
}

/// Any range of requests (of the three request types, or batch_request).
template <std::ranges::input_range Range, class CompletionToken>
requires(!std::is_same_v<std::remove_cvref_t<Range>, std::vector<batch_request>> &&
         std::is_constructible_v<
             batch_request,
             std::ranges::range_reference_t<Range>>) auto async_run_batch(client& c,
                                                                          Range&& requests,
                                                                          batch_options opts,
                                                                          CompletionToken&& token) {
    std::vector<batch_request> reqs;
    for (auto&& r : requests)
        reqs.emplace_back(r);
    return async_run_batch(c, std::move(reqs), std::move(opts),
                           std::forward<CompletionToken>(token));
}

/// Coroutine form.
boost::asio::awaitable<std::vector<batch_result>> run_batch(client& c,
                                                            std::vector<batch_request> requests,
                                                            batch_options opts = {});

}  // namespace openai::images
