// A TCP socket whose operations end at a deadline. Beast's tcp_stream arms
// a timer when each operation starts and cancels it when it ends (two
// changes to the timer queue and a composed operation with its executor
// copies, per read and per write: about a twentieth of a small request's
// CPU). Here the deadline is a time point that each phase sets, and one
// timer per connection watches it lazily: it is armed only when it would
// otherwise fire too late, and when it fires before the deadline it is armed
// again for it (or, when no deadline is set, left alone). So a connection
// that carries many small requests, each setting a later deadline, arms it
// about once per response-header timeout. A pending wait is work, which
// would keep a caller's io_context::run() from returning: the pool calls
// release_wait() on its idle connections once none is busy.
// When the deadline passes, the socket is closed: the pending operation, and
// any after it, fail, and timeout_result() turns their error into Beast's
// timeout error (as tcp_stream gives). Not thread-safe: the socket's
// operations and these calls run on the socket's executor (the connection's
// strand), and so does what the timer's handler does when a wait ends.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

namespace openai::images::detail {

class timed_socket {
  public:
    using executor_type = boost::asio::any_io_executor;
    using clock = std::chrono::steady_clock;

    explicit timed_socket(executor_type ex);
    /// Closes the socket and cancels the timer, through the socket's
    /// executor (so callable from any thread once the socket is idle): a
    /// wait still queued finds the shared state, never this object, and
    /// arms nothing more.
    ~timed_socket();
    timed_socket(const timed_socket&) = delete;
    timed_socket& operator=(const timed_socket&) = delete;

    executor_type get_executor() noexcept { return state_->socket.get_executor(); }
    boost::asio::ip::tcp::socket& socket() noexcept { return state_->socket; }

    /// The operations from now on must end by `tp` (clock::time_point::max():
    /// no limit). A store unless the timer is idle or armed later than `tp`.
    void expires_at(clock::time_point tp);
    void expires_never() { expires_at(clock::time_point::max()); }

    /// Cancels the timer's wait, if one is pending and no deadline is set,
    /// through the socket's executor: callable from any thread (the pool's,
    /// under its lock) while the socket is idle.
    void release_wait();

    /// `ec` as the caller reports it: Beast's timeout error once a deadline
    /// has passed and closed the socket.
    boost::system::error_code timeout_result(boost::system::error_code ec) const noexcept {
        return ec && state_->fired ? boost::system::error_code(boost::beast::error::timeout) : ec;
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return state_->socket.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return state_->socket.async_write_some(buffers, std::forward<Token>(token));
    }

  private:
    // Shared with the timer's handler, which may run after this object is
    // gone (a wait completed and queued just before it was destroyed).
    struct state {
        explicit state(const executor_type& ex);
        boost::asio::ip::tcp::socket socket;
        boost::asio::steady_timer timer;
        clock::time_point deadline = clock::time_point::max();
        std::uint64_t wait = 0;  ///< the pending wait's number; older ones are ignored
        /// A wait is pending. Written on the socket's executor; read by
        /// release_wait() from another thread, as a hint only.
        std::atomic<bool> waiting = false;
        bool fired = false;  ///< a deadline passed and closed the socket
        bool gone = false;   ///< the timed_socket is destroyed: nothing is armed any more
    };
    // On the socket's executor, once this object is gone.
    static void shut(state& s) noexcept;
    static void arm(const std::shared_ptr<state>& s, clock::time_point tp);
    // On the socket's executor, after wait number `wait` ended.
    static void on_wait(const std::shared_ptr<state>& s, std::uint64_t wait);

    std::shared_ptr<state> state_;
};

}  // namespace openai::images::detail
