// Where the HTTP exchange puts a successful (2xx) response body, known to it
// only through this interface: the operation above chooses what reads it
// (the streaming images parser, kept as text or decoded on arrival; a
// server-sent-events reader next), so the exchange knows nothing of images.
#pragma once

#include <boost/asio/cancellation_state.hpp>

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
    /// The sink wants no more of the body (it ran the caller's code, which
    /// failed, or could not write a file): the exchange ends there and the
    /// connection is closed.
    virtual bool stopped() const noexcept { return false; }
    /// The sink holds none of the body (it writes it out: a file's content),
    /// so limits::max_response_body does not bound a 2xx body; any other
    /// body, kept as text, still is.
    virtual bool unbounded() const noexcept { return false; }

    /// The operation's cancellation, set by the exchange before the body:
    /// a sink that runs the caller's code (which may cancel) looks at it.
    void watch(boost::asio::cancellation_state cs) noexcept { cs_ = cs; }

  protected:
    bool cancelled() const noexcept {
        return cs_.cancelled() != boost::asio::cancellation_type::none;
    }

  private:
    boost::asio::cancellation_state cs_;
};

}  // namespace openai::images::detail
