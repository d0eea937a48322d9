// The control logic of one request, without I/O: which step comes next
// (acquire a connection, connect it, exchange, wait, finish) given what the
// last step gave. A driver (src/request_driver.hpp) performs the steps;
// unit tests feed scripted outcomes and a fake clock instead, so every retry,
// re-send and give-up rule is checked without a socket.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace openai::images::detail {

using steady = std::chrono::steady_clock;

/// What the driver does next.
enum class request_step : std::uint8_t {
    acquire,   ///< take a connection from the pool
    connect,   ///< the connection is new: resolve, connect, TLS
    exchange,  ///< write the request, read the response into its sink
    wait,      ///< back off for `action::wait`, then report `waited`
    done,      ///< the request is over; `action::ec` is its outcome
};

struct request_action {
    request_step step = request_step::acquire;
    /// done: the outcome (empty on success). wait: the failure being retried.
    error_code ec{};
    std::chrono::milliseconds wait{0};  ///< wait: how long
    /// acquire: the last connection was closed by the server before any
    /// response byte, and the request is sent again (not a retry).
    bool stale_resend = false;
};

/// What the step the driver just performed gave.
enum class request_outcome : std::uint8_t { start, acquired, connected, exchanged, waited };

// The small members first: no padding between them (a request's frame holds one).
struct request_event {
    request_outcome outcome = request_outcome::start;
    /// The operation was cancelled during the step (whatever ec says).
    bool cancelled = false;
    bool fresh = false;  ///< acquired: a new connection, to be connected first
    /// exchanged: failed on a kept-alive connection before any byte of a
    /// response, so the server had closed it and nothing was paid for.
    bool stale = false;
    /// exchanged: part of the answer already reached the caller (a streamed
    /// event), so a failure ends the request: no image is paid for twice.
    bool delivered = false;
    /// The step's failure; for `exchanged`, a response already turned into
    /// the operation's error (an API error, an unparsable body) or a
    /// transport error.
    error_code ec{};
    std::string_view should_retry_header{};                ///< exchanged: x-should-retry
    std::optional<std::chrono::milliseconds> server_wait;  ///< exchanged: retry-after(-ms)
};

class request_fsm {
  public:
    /// A kept-alive connection closed by the server is replaced at most this
    /// many times in a row before the failure counts as an attempt's.
    static constexpr std::uint8_t max_stale_resends = 3;

    /// `policy` must outlive the machine.
    request_fsm(const retry_policy& policy, steady::time_point deadline) noexcept
        : policy_(&policy), deadline_(deadline) {}

    /// The next step after `ev`, at time `now`; `jitter01` in [0, 1) picks the
    /// back-off's jitter when a wait is decided.
    request_action resume(const request_event& ev, steady::time_point now,
                          double jitter01) noexcept;

    /// Attempts ended so far (a stale re-send belongs to its attempt).
    std::size_t attempts() const noexcept { return attempts_; }
    /// Attempts after the first.
    std::size_t retries() const noexcept { return retries_; }
    steady::time_point deadline() const noexcept { return deadline_; }

  private:
    request_action fail(const request_event& ev, steady::time_point now, double jitter01) noexcept;

    const retry_policy* policy_;
    steady::time_point deadline_;
    std::uint32_t attempts_ = 0;
    std::uint32_t retries_ = 0;
    std::uint8_t stale_resends_ = 0;  // in a row, within the current attempt
    bool over_ = false;
    error_code outcome_{};
};

}  // namespace openai::images::detail
