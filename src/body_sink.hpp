// Where the HTTP exchange puts a successful (2xx) response body, known to it
// only through this interface: the operation above chooses what reads it
// (the streaming images parser, kept as text or decoded on arrival; a
// server-sent-events reader next), so the exchange knows nothing of images.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace openai::images::detail {

class body_sink {
  public:
    virtual ~body_sink() = default;
    /// A 2xx body starts; `length` is its Content-Length when it has one.
    /// Called at most once per response, and only for a non-empty body.
    virtual void begin(std::optional<std::uint64_t> length) = 0;
    /// The next piece of the body, in order. Errors are kept by the sink and
    /// reported once the response is complete: the body is still read to its
    /// end, so that the connection stays usable.
    virtual void write(std::string_view piece) = 0;
    /// A stream of events (server-sent events): its body may pause for as
    /// long as timeouts::stream_idle between bytes, not body_idle.
    virtual bool streams() const noexcept { return false; }
};

}  // namespace openai::images::detail
