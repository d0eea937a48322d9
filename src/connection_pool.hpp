// The connection pool: per origin, at most pool.max_connections connections,
// idle ones reused most-recent-first and expired after pool.idle_timeout,
// requests beyond the limit waiting in FIFO order. Not thread safe by itself:
// every call is made on the client's strand.
#pragma once

#include "tls_stream.hpp"

#include <openai/images/client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <chrono>
#include <compare>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace openai::images::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using steady = std::chrono::steady_clock;

/// Where connections go: scheme, host and port.
struct origin {
    bool tls = true;
    std::string host;
    std::string port;
    auto operator<=>(const origin&) const = default;
};

/// The client's counters; written on the strand, read from anywhere.
struct stats_counters {
    std::atomic<std::uint64_t> requests{0}, connections_opened{0}, connections_reused{0},
        tls_handshakes{0}, pool_waits{0}, retries{0}, stale_resends{0}, bytes_sent{0},
        bytes_received{0}, open_connections{0}, idle_connections{0};
    client_stats snapshot() const noexcept;
};

class connection {
  public:
    connection(asio::any_io_executor ex, ssl::context* ctx, bool tls, std::uint64_t id);

    bool is_tls() const noexcept { return tls_.has_value(); }
    detail::tls_stream& tls_stream() { return *tls_; }
    beast::tcp_stream& plain_stream() { return *plain_; }
    beast::tcp_stream& lowest() { return tls_ ? tls_->next_layer() : *plain_; }

    /// Closes the socket at once (no TLS close_notify: the peer learns from the FIN).
    void close() noexcept;

    beast::flat_buffer buffer;
    std::size_t requests = 0;  ///< responses fully received on this connection
    steady::time_point idle_since{};
    bool connected = false;
    std::uint64_t id;

  private:
    std::optional<beast::tcp_stream> plain_;
    std::optional<detail::tls_stream> tls_;
};

using connection_ptr = std::unique_ptr<connection>;

class connection_pool {
  public:
    connection_pool(asio::any_io_executor strand, pool_options opts, ssl::context* ctx,
                    stats_counters& stats);
    ~connection_pool();

    /// A connection for `o`: a kept-alive one (connected == true) or a new,
    /// unconnected one counted against the limit. Waits, FIFO, while the
    /// origin is at its limit, until `deadline` or pool.wait_timeout.
    /// Errors: pool_wait_timeout, deadline_exceeded, operation_aborted. `o`
    /// must outlive the wait (the client's own, or the caller's frame's).
    asio::awaitable<std::pair<error_code, connection_ptr>> acquire(const origin& o,
                                                                   steady::time_point deadline);

    /// Gives a connection back: kept for reuse when `reusable`, else closed.
    /// The first waiter, if any, gets it (or the right to open a new one).
    void release(const origin& o, connection_ptr c, bool reusable);

    /// Closes every idle connection.
    void close_idle();

  private:
    struct waiter {
        explicit waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
        asio::steady_timer timer;
        connection_ptr conn;   // a kept-alive connection handed over
        bool granted = false;  // woken with a connection or a permit to open one
    };
    struct origin_state {
        std::deque<connection_ptr> idle;
        std::size_t total = 0;  // open or being opened, idle or busy
        std::deque<waiter*> waiters;
    };

    void prune(origin_state& st, steady::time_point now);

    asio::any_io_executor strand_;
    pool_options opts_;
    ssl::context* ctx_;
    stats_counters& stats_;
    std::map<origin, origin_state> origins_;
    std::uint64_t next_id_ = 1;
};

}  // namespace openai::images::detail
