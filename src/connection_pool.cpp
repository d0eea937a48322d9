#include "connection_pool.hpp"

#include <boost/asio/strand.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace openai::images::detail {

// One acquisition waiting for a connection. Shared: a wake-up posted to its
// executor may run after the wait is over.
struct pool_waiter {
    explicit pool_waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}

    asio::steady_timer timer;  // expires at the end of the wait; cancelled to wake it up
    // Written under the pool's mutex by whoever hands something over, read
    // under it by the waiter: the timer's outcome alone cannot tell a grant
    // that raced with the expiry or a cancellation.
    bool granted = false;
    std::unique_ptr<connection> conn;  // granted with null: a permit to open one
};

namespace {

using waiter_ptr = std::shared_ptr<pool_waiter>;
using core_type = pool_core<connection, steady, waiter_ptr>;
using connection_list = std::vector<std::unique_ptr<connection>>;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

void close_all(connection_list& conns) noexcept {
    for (auto& c : conns)
        c->close();
    conns.clear();
}

// The timer is not thread safe: it is cancelled on the waiter's own executor,
// and the waiter does not touch it once woken (on an executor that is not a
// strand, the cancel may run beside it).
void wake(waiter_ptr w) noexcept {
    try {
        const auto ex = w->timer.get_executor();
        asio::post(ex, [w = std::move(w)] { w->timer.cancel(); });
    } catch (...) {
        // Only the post's allocation can fail: the waiter then wakes when
        // its timer expires, and still finds what it was given.
    }
}

}  // namespace

struct pool_state {
    pool_state(asio::any_io_executor ex, const pool_options& o, ssl::context* c, stats_counters& s,
               bool own_strands)
        : executor(std::move(ex)),
          opts(o),
          ctx(c),
          strand_per_connection(own_strands),
          core(o),
          stats(&s) {}

    const asio::any_io_executor executor;
    const pool_options opts;
    ssl::context* const ctx;
    const bool strand_per_connection;
    std::atomic<std::uint64_t> next_id{1};

    std::mutex mutex;
    // Guarded by the mutex.
    core_type core;
    stats_counters* stats;  // null once the pool is gone
    bool closed = false;

    // Under the mutex: the core's counters as the client's statistics.
    void publish() noexcept {
        if (stats == nullptr)
            return;
        constexpr auto relaxed = std::memory_order_relaxed;
        const auto& c = core.counters();
        stats->open_connections.store(c.open, relaxed);
        stats->idle_connections.store(c.idle, relaxed);
        stats->connections_reused.store(c.reused, relaxed);
        stats->pool_waits.store(c.pool_waits, relaxed);
        stats->idle_closed_by_server.store(c.idle_closed_by_server, relaxed);
    }

    std::unique_ptr<connection> make_connection(const origin& o) {
        // On a strand of its own, a connection's I/O and timers are never run
        // by two threads at once, and different connections run on as many
        // threads as run the io_context.
        auto ex =
            strand_per_connection ? asio::any_io_executor(asio::make_strand(executor)) : executor;
        return std::make_unique<connection>(std::move(ex), ctx, o.tls,
                                            next_id.fetch_add(1, std::memory_order_relaxed));
    }

    void give_back(const origin& o, std::unique_ptr<connection> c, bool reusable) noexcept {
        // A connection that will not be kept is closed outside the lock.
        if (c && !core.keeps(*c, reusable)) {
            c->close();
            c.reset();
        }
        core_type::released r;
        waiter_ptr to_wake;
        {
            const std::lock_guard lock(mutex);
            r = core.release(o, std::move(c), reusable && !closed, steady::now());
            if (r.handed) {
                to_wake = std::move(r.handed->waiter);
                to_wake->granted = true;
                to_wake->conn = std::move(r.handed->conn);
            }
            publish();
        }
        if (r.to_close)
            r.to_close->close();
        if (to_wake)
            wake(std::move(to_wake));
    }
};

void check_pool_options(const pool_options& opts) {
    if (opts.max_connections == 0) {
        diagnostics diag;
        diag.assign("pool.max_connections",
                    "pool.max_connections: " + std::to_string(opts.max_connections) +
                        "; it must be at least 1 (the connections allowed per origin)");
        throw client_error(client_errc::value_out_of_range, diag);
    }
}

pool_lease::pool_lease(std::shared_ptr<pool_state> state, origin o) noexcept
    : state_(std::move(state)), origin_(std::move(o)) {}

pool_lease& pool_lease::operator=(pool_lease&& other) noexcept {
    if (this != &other) {
        give_back(false);
        state_ = std::move(other.state_);
        origin_ = std::move(other.origin_);
        conn_ = std::move(other.conn_);
    }
    return *this;
}

pool_lease::~pool_lease() {
    give_back(false);
}

void pool_lease::give_back(bool reusable) noexcept {
    if (!state_)
        return;
    const auto st = std::move(state_);
    st->give_back(origin_, std::move(conn_), reusable);
}

namespace {
pool_options checked(const pool_options& opts) {
    check_pool_options(opts);
    return opts;
}
}  // namespace

connection_pool::connection_pool(asio::any_io_executor ex, pool_options opts, ssl::context* ctx,
                                 stats_counters& stats, bool strand_per_connection)
    : state_(std::make_shared<pool_state>(std::move(ex), checked(opts), ctx, stats,
                                          strand_per_connection)) {}

connection_pool::~connection_pool() {
    connection_list dropped;
    std::vector<waiter_ptr> waiters;
    try {
        const std::lock_guard lock(state_->mutex);
        state_->closed = true;
        state_->core.close_idle();
        dropped = state_->core.take_dropped();
        waiters = state_->core.take_waiters();
        state_->publish();
        state_->stats = nullptr;
    } catch (...) {
        // Only an allocation can fail: the waiters left in the queue time out.
    }
    close_all(dropped);
    for (auto& w : waiters)
        wake(std::move(w));
}

void connection_pool::close_idle() {
    connection_list dropped;
    {
        const std::lock_guard lock(state_->mutex);
        state_->core.close_idle();
        dropped = state_->core.take_dropped();
        state_->publish();
    }
    close_all(dropped);
}

asio::awaitable<std::pair<error_code, pool_lease>> connection_pool::acquire(
    const origin& o, steady::time_point deadline) {
    return acquire_on(state_, o, deadline);
}

asio::awaitable<std::pair<error_code, pool_lease>> connection_pool::acquire_on(
    std::shared_ptr<pool_state> st, origin o, steady::time_point deadline) {
    std::pair<error_code, pool_lease> out;
    const bool cancelled_already =
        (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
    const auto ex = co_await asio::this_coro::executor;
    // The lease's own copy, made before anything is granted: once granted,
    // nothing may throw before the lease holds the slot.
    origin key = o;
    waiter_ptr w;
    steady::time_point wait_until;
    connection_list dropped;
    {
        const std::lock_guard lock(st->mutex);
        if (st->closed) {
            out.first = asio::error::operation_aborted;
        } else {
            const auto now = steady::now();
            st->core.prune(now);
            auto got = st->core.acquire(o, now);
            if (got.what != core_type::outcome::wait) {
                out.second = pool_lease(st, std::move(key));
                out.second.conn_ = std::move(got.conn);
            } else if (cancelled_already) {
                out.first = asio::error::operation_aborted;
            } else {
                wait_until = std::min(now + st->opts.wait_timeout, deadline);
                w = std::make_shared<pool_waiter>(ex);
                w->timer.expires_at(wait_until);
                st->core.enqueue(o, w);
            }
            dropped = st->core.take_dropped();
            st->publish();
        }
    }
    close_all(dropped);
    if (out.first)
        co_return out;

    if (w) {
        auto [ec] = co_await w->timer.async_wait(tuple_awaitable);
        bool still_queued = false;
        std::unique_ptr<connection> to_close;
        {
            const std::lock_guard lock(st->mutex);
            if (w->granted && st->closed) {
                // The pool went away meanwhile, and the TLS context it was
                // given may have gone with it: nothing is opened any more.
                to_close = st->core.release(o, std::move(w->conn), false, steady::now()).to_close;
            } else if (w->granted) {
                out.second = pool_lease(st, std::move(key));
                out.second.conn_ = std::move(w->conn);
            } else {
                still_queued = st->core.remove_waiter(o, w);
            }
            st->publish();
        }
        if (to_close)
            to_close->close();
        if (!out.second.state_) {
            // Not granted: cancelled, timed out, or dropped by the pool's destruction.
            if (!still_queued || ec == asio::error::operation_aborted)
                out.first = asio::error::operation_aborted;
            else if (wait_until >= deadline)
                out.first = client_errc::deadline_exceeded;
            else
                out.first = client_errc::pool_wait_timeout;
            co_return out;
        }
    }
    // A permit: the connection is made here. Should that throw, the lease,
    // destroyed with this frame, frees the slot.
    if (!out.second.conn_)
        out.second.conn_ = st->make_connection(out.second.origin_);
    co_return out;
}

}  // namespace openai::images::detail
