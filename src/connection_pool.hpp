// The connection pool: per origin, at most pool.max_connections connections,
// idle ones reused most-recent-first and expired after pool.idle_timeout,
// requests beyond the limit waiting in FIFO order and woken one at a time.
// The bookkeeping is pool_core's, under a mutex; a connection is lent as a
// pool_lease, which gives it back (or frees its slot) whatever happens.
#pragma once

#include "connection.hpp"
#include "pool_core.hpp"
#include "stats_counters.hpp"

#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <tuple>
#include <utility>

namespace openai::images::detail {

struct pool_state;
class pool_ticket;

/// Throws client_error (value_out_of_range, its param the option's name) when
/// `opts` cannot be used: pool.max_connections must be at least 1.
void check_pool_options(const pool_options& opts);

/// A connection lent by the pool, with its slot. Move-only. give_back()
/// returns it; destroying a lease that was not given back (an exception, an
/// early return) closes the connection and frees the slot, so a slot is never
/// lost. May outlive the pool that lent it. Not thread safe: one lease is
/// used by one operation at a time.
class pool_lease {
  public:
    pool_lease() noexcept = default;
    pool_lease(pool_lease&& other) noexcept = default;
    /// Gives back (as not reusable) what this lease held, then takes `other`'s.
    pool_lease& operator=(pool_lease&& other) noexcept;
    ~pool_lease();

    /// The connection; only while `*this` is true.
    connection& operator*() const noexcept { return *conn_; }
    connection* operator->() const noexcept { return conn_.get(); }
    /// Whether the lease holds a connection (false once given back or moved from).
    explicit operator bool() const noexcept { return conn_ != nullptr; }

    /// Returns the connection to the pool: kept for reuse when `reusable` and
    /// the pool agrees (connected, under pool.max_requests_per_connection),
    /// else closed. The first waiter for its origin, if any, gets it or its
    /// slot. Does nothing on an empty lease.
    void give_back(bool reusable) noexcept;

  private:
    friend class connection_pool;
    friend class pool_ticket;
    pool_lease(std::shared_ptr<pool_state> state, std::unique_ptr<connection> c) noexcept;

    // Both null, or both set: the connection knows its origin.
    std::shared_ptr<pool_state> state_;
    std::unique_ptr<connection> conn_;
};

struct pool_waiter;

/// An acquisition under way: a lease granted at once, an error, or a place in
/// the queue to wait for. Move-only; see connection_pool::begin().
class pool_ticket {
  public:
    pool_ticket() noexcept;
    pool_ticket(pool_ticket&&) noexcept;
    pool_ticket& operator=(pool_ticket&&) noexcept;
    /// Leaves the queue if still in it.
    ~pool_ticket();

    /// Whether the caller must co_await wait() before finish().
    bool must_wait() const noexcept { return waiter_ != nullptr; }
    /// Until a connection or a slot is handed over, the wait's end, or the
    /// caller's cancellation; on the caller's executor. Not a coroutine: the
    /// waiting request keeps no frame of the pool's.
    asio::awaitable<std::tuple<error_code>> wait();

  private:
    friend class connection_pool;
    const origin* where_ = nullptr;
    error_code ec_;
    pool_lease lease_;
    std::shared_ptr<pool_state> state_;  // set while queued
    std::shared_ptr<pool_waiter> waiter_;
};

class connection_pool {
  public:
    /// New connections are made on `ex`, or each on a new strand of `ex`
    /// when `strand_per_connection` (TLS ones with `ctx`, which must outlive
    /// the pool); `stats` must outlive the pool too, and gets the pool's
    /// counters. Throws client_error as check_pool_options().
    connection_pool(asio::any_io_executor ex, pool_options opts, ssl::context* ctx,
                    stats_counters& stats, bool strand_per_connection = false);
    /// Closes the idle connections; pending acquisitions complete with
    /// operation_aborted. Leases still out remain valid: given back, their
    /// connections are closed.
    ~connection_pool();
    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    /// A connection for `o`: a kept-alive one (connected == true, found alive
    /// just before) or a new, unconnected one already counted against the
    /// limit. While the origin is at its limit, waits in FIFO order until a
    /// connection or a slot is given back, `deadline`, or pool.wait_timeout.
    ///
    /// Thread safety: may be called from any thread, concurrently; the wait
    /// runs on the calling coroutine's executor, and its wake-up is posted
    /// there, so that executor must run one handler at a time (a strand, or
    /// an io_context run by one thread). Only the bookkeeping is serialised,
    /// never a connection's I/O. `o` is copied: it need not outlive the call.
    ///
    /// Cancellation: the calling coroutine's cancellation ends a wait (any
    /// type); a coroutine already cancelled gets no wait. A connection
    /// granted just as the cancellation came is still returned: the caller
    /// checks its cancellation state and gives it back untouched.
    ///
    /// Errors (with an empty lease): client_errc::pool_wait_timeout,
    /// client_errc::deadline_exceeded (the deadline came before
    /// pool.wait_timeout), asio::error::operation_aborted (cancelled, or the
    /// pool destroyed meanwhile). Throws what making a connection throws
    /// (the slot is freed first).
    asio::awaitable<std::pair<error_code, pool_lease>> acquire(const origin& o,
                                                               steady::time_point deadline);

    /// acquire() in three calls, for a caller whose own frame waits (no
    /// coroutine frame of the pool's is alive while a request waits):
    /// begin(), then, if the ticket must wait, co_await ticket.wait(), then
    /// finish(). `ex` is the caller's executor, `cancelled` whether the
    /// caller is cancelled already. `o` must outlive the ticket. Nothing is
    /// granted to a ticket that is destroyed unfinished.
    pool_ticket begin(const origin& o, steady::time_point deadline, const asio::any_io_executor& ex,
                      bool cancelled);
    /// `cancelled`: whether the caller was cancelled during its wait.
    std::pair<error_code, pool_lease> finish(pool_ticket& t, bool cancelled);

    /// Closes every idle connection. Thread safe.
    void close_idle();

  private:
    std::shared_ptr<pool_state> state_;
};

}  // namespace openai::images::detail
