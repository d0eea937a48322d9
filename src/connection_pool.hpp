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
#include <utility>

namespace openai::images::detail {

struct pool_state;

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
    pool_lease(std::shared_ptr<pool_state> state, origin o) noexcept;

    std::shared_ptr<pool_state> state_;  // null: nothing held
    origin origin_;
    std::unique_ptr<connection> conn_;
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

    /// Closes every idle connection. Thread safe.
    void close_idle();

  private:
    static asio::awaitable<std::pair<error_code, pool_lease>> acquire_on(
        std::shared_ptr<pool_state> state, origin o, steady::time_point deadline);

    std::shared_ptr<pool_state> state_;
};

}  // namespace openai::images::detail
