// The events of a streamed generation or edit, read from the body as it
// arrives: server-sent events (sse_reader) whose data is parsed as JSON while
// it comes, the image of each event kept as text or decoded into bytes as
// it arrives (so a decoded stream never holds an image's base64 whole). The
// operation above decides what the events mean for the request (how many
// images, when it is complete); this knows only the format. No I/O.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "sse_reader.hpp"

namespace openai::images::detail {

/// Where an image_event_reader delivers each event, in stream order.
class image_event_handler {
  public:
    virtual ~image_event_handler() = default;
    virtual void on_image_event(ImageStreamEvent&& event) = 0;
};

class image_event_reader final : private sse_handler {
  public:
    /// `decode_b64_json`: each event's b64_json is decoded as it arrives
    /// into ImageStreamEvent::bytes (b64_json left empty).
    image_event_reader(bool decode_b64_json, image_event_handler& out);
    ~image_event_reader() override;
    image_event_reader(const image_event_reader&) = delete;
    image_event_reader& operator=(const image_event_reader&) = delete;

    /// The next piece of the body. After a failure (failed()) the rest is
    /// read and ignored: no event is delivered after it.
    void write(std::string_view piece);

    /// The end of the body: the first failure; else truncated_response when
    /// the body ended inside an event; else success.
    error_code finish(diagnostics& diag);

    /// A failure has ended the stream: an error event (an api_errc, the
    /// API's type, code, param and message in the diagnostics), event data
    /// that is not JSON (invalid_json), an event of the wrong shape
    /// (unexpected_json) or an image that is not base64.
    bool failed() const noexcept { return static_cast<bool>(ec_); }
    /// A `[DONE]` event came: the stream says it is over. Later events are
    /// ignored.
    bool done() const noexcept { return done_; }
    /// Events delivered so far.
    std::size_t events() const noexcept { return events_; }

  private:
    struct json_event;

    void on_data(std::string_view piece) override;
    void on_event(std::string_view type) override;
    void fail(error_code ec, std::string param, std::string message);
    void api_failure(const boost::json::value& error);

    sse_reader sse_{*this};
    image_event_handler& out_;
    std::unique_ptr<json_event> json_;  // the current event's JSON parser
    std::string text_;                  // the start of data that is not a JSON object ("[DONE]")
    enum class data_kind { none, json, text } kind_ = data_kind::none;
    bool decode_;
    bool done_ = false;
    std::size_t events_ = 0;
    error_code ec_;
    diagnostics diag_;
};

}  // namespace openai::images::detail
