// Streamed generations and edits (stream=true): partial images while the API
// draws them, then the final images. Two forms over the same operation: a
// function called for each event, with any completion token
// (client::async_stream), and, for coroutines, an image_stream to pull the
// events from (client::stream).
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>
#include <openai/images/operations.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace openai::images {

/// Called for each event of a streamed operation, in the stream's order:
/// partial images (`type` ending in `.partial_image`, partial_image_index
/// set) and final images (`.completed`, with usage). An event's image is in
/// `bytes` when client_options::decode_b64_json is set, else in `b64_json`.
/// The function may move the image out of the event; what it leaves of a
/// final image becomes the final response's image. It runs on a thread that
/// runs the client's executor, one call at a time, never after the
/// operation completes; it must not block. If it throws, no event is
/// delivered after it and the operation fails with the exception's error.
using image_event_function = std::function<void(ImageStreamEvent&)>;

/// A request whose operation can stream: generations and edits.
template <class Request>
concept streaming_operation = images_operation<Request> && operation_of<Request>::row.can_stream;

namespace detail {
struct image_stream_state;
}

/// The events of one streamed operation, for a coroutine to pull
/// (client::stream). The operation starts when the stream is made and runs
/// whether or not anyone pulls: events not yet pulled wait in the stream.
///
/// Thread safety: one next() at a time; cancel() from any thread. A waiting
/// next() is not cancelled by its own coroutine's cancellation: cancel() the
/// stream (next() then throws).
/// Lifetime: destroying the stream cancels an operation still running; the
/// client may be destroyed first (the operation keeps what it needs).
class image_stream {
  public:
    image_stream(image_stream&&) noexcept;
    image_stream& operator=(image_stream&&) noexcept;
    image_stream(const image_stream&) = delete;
    image_stream& operator=(const image_stream&) = delete;
    ~image_stream();

    /// The next event, or an empty optional once the stream has ended well
    /// (response() then holds the final response). Throws api_error for a
    /// failure the API answered (an error event among them) and
    /// client_error for any other, as client::execute does; every event
    /// before the failure was delivered first.
    boost::asio::awaitable<std::optional<ImageStreamEvent>> next();

    /// The final response: the final images in order, usage and the
    /// image's settings, from the `.completed` events. Only once next()
    /// gave an empty optional. Each final image was also delivered by
    /// next() as its `.completed` event (a copy of it).
    ImagesResponse& response();

    /// What the operation said of itself: the response metadata (status,
    /// request id), attempts, and on failure the detail. Read it only once
    /// next() has returned empty or thrown: the operation writes it until then.
    const diagnostics& diag() const;

    /// Ends the operation: its connection is closed at once, and next()
    /// gives the events already received, then throws client_error with
    /// boost::asio::error::operation_aborted.
    void cancel();

  private:
    friend class client;
    explicit image_stream(std::shared_ptr<detail::image_stream_state> s) noexcept;
    std::shared_ptr<detail::image_stream_state> s_;
};

}  // namespace openai::images
