// A reader of server-sent events (the WHATWG event-stream format), fed the
// body in pieces of any size and split anywhere: it hands on each event's
// data as it arrives, so that an event of many megabytes (a streamed image's
// base64) is never held whole, and keeps only a field's name and the event's
// type. No I/O: the HTTP exchange feeds it, tests and fuzzers feed it bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace openai::images::detail {

/// What an sse_reader finds, in the order of the stream.
class sse_handler {
  public:
    virtual ~sse_handler() = default;
    /// The next piece of the current event's data: the values of its `data`
    /// fields joined by LF, in order, in pieces of any size (never empty).
    virtual void on_data(std::string_view piece) = 0;
    /// The blank line that ends an event with at least one `data` field:
    /// `type` is its `event` field, "message" when it had none. An event
    /// with no `data` field is no event (the format's rule).
    virtual void on_event(std::string_view type) = 0;
};

class sse_reader {
  public:
    explicit sse_reader(sse_handler& h) noexcept : h_(h) {}

    /// The next bytes of the stream. Lines end in LF, CRLF or CR (a CR at
    /// the end of one piece and an LF at the start of the next are one line
    /// end); comments (`:` lines), `id`, `retry` and unknown fields are
    /// read and ignored; a UTF-8 byte order mark at the start is skipped.
    void write(std::string_view piece);

    /// Whether an event was begun (data handed on) and not ended by a blank
    /// line: at the end of the stream it is cut short, and the format says
    /// to drop it.
    bool in_event() const noexcept { return data_lines_ > 0; }

  private:
    enum class state { line_start, name, value_start, value, skip_line };
    enum class field { data, event, other };
    // The longest `event` value kept: event types are short names; a longer
    // one is kept cut (it then names no type this library knows).
    static constexpr std::size_t max_type = 128;
    static constexpr std::size_t max_name = 8;  // "data" and "event" fit; longer: other

    void feed(std::string_view s);
    static std::size_t value_run(std::string_view s);
    void end_field();

    sse_handler& h_;
    state state_ = state::line_start;
    field field_ = field::other;
    std::string name_;  // the field name read so far, at most max_name + 1 bytes
    std::string type_;  // the current event's `event` field
    std::size_t data_lines_ = 0;
    std::size_t bom_ = 0;   // bytes of the byte order mark matched at the start
    bool started_ = false;  // the start (and its possible mark) is behind
    bool skip_lf_ = false;  // the last line ended in CR: an LF next is part of it
};

}  // namespace openai::images::detail
