#include "connection_pool.hpp"

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

#include "strands.hpp"

namespace openai::images::detail {

// One acquisition waiting for a connection. Shared: a wake-up posted to its
// executor may run after the wait is over.
struct pool_waiter {
    pool_waiter(asio::any_io_executor ex, steady::time_point until, bool until_deadline)
        : timer(std::move(ex), until), ends_at_deadline(until_deadline) {}

    asio::steady_timer timer;  // expires at the end of the wait; cancelled to wake it up
    // The request's deadline comes before pool.wait_timeout.
    const bool ends_at_deadline;
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
// strand, the cancel may run beside it). When the one who hands over runs on
// the waiter's strand already (one strand for the client), it is cancelled
// at once; a cancel never runs the waiter inline.
void wake(waiter_ptr w) noexcept {
    try {
        const auto ex = w->timer.get_executor();
        if (running_in_strand(ex)) {
            w->timer.cancel();
            return;
        }
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
        auto ex = strand_per_connection ? make_any_strand(executor) : executor;
        return std::make_unique<connection>(std::move(ex), ctx, o,
                                            next_id.fetch_add(1, std::memory_order_relaxed));
    }

    // `o` may be `c`'s own: `c` lives until the end.
    void give_back(const origin& o, std::unique_ptr<connection> c, bool reusable) noexcept {
        // A connection that will not be kept is closed outside the lock.
        std::unique_ptr<connection> not_kept;
        if (c && !core.keeps(*c, reusable)) {
            c->close();
            not_kept = std::move(c);
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
            // Nothing busy: the timers kept armed between exchanges are
            // given up, so that a caller's io_context::run() can return.
            const auto& n = core.counters();
            if (n.open == n.idle)
                core.for_each_idle([](connection& idle) { idle.lowest().release_wait(); });
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

pool_lease::pool_lease(std::shared_ptr<pool_state> state, std::unique_ptr<connection> c) noexcept
    : state_(std::move(state)), conn_(std::move(c)) {}

pool_lease& pool_lease::operator=(pool_lease&& other) noexcept {
    if (this != &other) {
        give_back(false);
        state_ = std::move(other.state_);
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
    const origin& o = conn_->where;
    st->give_back(o, std::move(conn_), reusable);
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

pool_ticket::pool_ticket() noexcept = default;
pool_ticket::pool_ticket(pool_ticket&&) noexcept = default;
pool_ticket& pool_ticket::operator=(pool_ticket&& other) noexcept {
    if (this != &other) {
        pool_ticket gone(std::move(*this));
        where_ = other.where_;
        ec_ = other.ec_;
        lease_ = std::move(other.lease_);
        state_ = std::move(other.state_);
        waiter_ = std::move(other.waiter_);
    }
    return *this;
}

pool_ticket::~pool_ticket() {
    if (!state_)
        return;
    if (!waiter_) {
        // An unused permit: its slot is freed.
        state_->give_back(*where_, nullptr, false);
        return;
    }
    // Abandoned while queued: out of the queue, or what was handed over meanwhile back.
    std::unique_ptr<connection> handed;
    {
        const std::lock_guard lock(state_->mutex);
        if (!waiter_->granted) {
            state_->core.remove_waiter(*where_, waiter_);
            state_->publish();
            return;
        }
        handed = std::move(waiter_->conn);
    }
    state_->give_back(*where_, std::move(handed), false);
}

asio::awaitable<std::tuple<error_code>> pool_ticket::wait() {
    return waiter_->timer.async_wait(tuple_awaitable);
}

asio::awaitable<std::pair<error_code, pool_lease>> connection_pool::acquire(
    const origin& o, steady::time_point deadline) {
    const auto ex = co_await asio::this_coro::executor;
    const auto cs = co_await asio::this_coro::cancellation_state;
    pool_ticket t = begin(o, deadline, ex, cs.cancelled() != asio::cancellation_type::none);
    if (t.must_wait())
        co_await t.wait();
    co_return finish(t, cs.cancelled() != asio::cancellation_type::none);
}

pool_ticket connection_pool::begin(const origin& o, steady::time_point deadline,
                                   const asio::any_io_executor& ex, bool cancelled) {
    const auto& st = state_;
    pool_ticket t;
    t.where_ = &o;
    connection_list dropped;
    {
        const std::lock_guard lock(st->mutex);
        if (st->closed) {
            t.ec_ = asio::error::operation_aborted;
        } else {
            const auto now = steady::now();
            st->core.prune(now);
            auto got = st->core.acquire(o, now);
            if (got.what == core_type::outcome::reuse) {
                t.lease_ = pool_lease(st, std::move(got.conn));
            } else if (got.what == core_type::outcome::open) {
                // A permit: its connection is made in finish(), outside the lock.
                t.state_ = st;
            } else if (cancelled) {
                t.ec_ = asio::error::operation_aborted;
            } else {
                const auto until = std::min(now + st->opts.wait_timeout, deadline);
                t.waiter_ = std::make_shared<pool_waiter>(ex, until, until >= deadline);
                st->core.enqueue(o, t.waiter_);
                t.state_ = st;
            }
            dropped = st->core.take_dropped();
            st->publish();
        }
    }
    close_all(dropped);
    return t;
}

std::pair<error_code, pool_lease> connection_pool::finish(pool_ticket& t, bool cancelled) {
    std::pair<error_code, pool_lease> out{t.ec_, std::move(t.lease_)};
    if (!t.state_)
        return out;
    const auto st = std::move(t.state_);
    const auto w = std::move(t.waiter_);
    std::unique_ptr<connection> handed;
    if (w) {
        bool still_queued = false;
        std::unique_ptr<connection> to_close;
        bool granted = false;
        {
            const std::lock_guard lock(st->mutex);
            if (!w->granted) {
                still_queued = st->core.remove_waiter(*t.where_, w);
            } else if (st->closed) {
                // The pool went away meanwhile, and the TLS context it was
                // given may have gone with it: nothing is opened any more.
                to_close =
                    st->core.release(*t.where_, std::move(w->conn), false, steady::now()).to_close;
            } else {
                granted = true;
                handed = std::move(w->conn);
            }
            st->publish();
        }
        if (to_close)
            to_close->close();
        if (!granted) {
            // Not granted: cancelled, timed out, or dropped by the pool's destruction.
            if (!still_queued || cancelled)
                out.first = asio::error::operation_aborted;
            else if (w->ends_at_deadline)
                out.first = client_errc::deadline_exceeded;
            else
                out.first = client_errc::pool_wait_timeout;
            return out;
        }
    }
    if (!handed) {
        // A permit: the connection is made here; should that throw, the slot is freed.
        try {
            handed = st->make_connection(*t.where_);
        } catch (...) {
            st->give_back(*t.where_, nullptr, false);
            throw;
        }
    }
    out.second = pool_lease(st, std::move(handed));
    return out;
}

}  // namespace openai::images::detail
