// The connection pool's bookkeeping, without sockets or timers: per origin,
// the idle connections, how many are open or being opened against the limit,
// and the queue of requests waiting for one. Templated on the connection, the
// clock and the waiter handle so that unit tests drive it with fakes; the
// asynchronous pool (connection_pool.hpp) runs it under a mutex.
#pragma once

#include <openai/images/options.hpp>

#include "origin.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace openai::images::detail {

/// What the pool has done so far, all origins together.
struct pool_counters {
    std::uint64_t open = 0;        ///< connections open or being opened, idle or busy
    std::uint64_t idle = 0;        ///< of which idle
    std::uint64_t reused = 0;      ///< acquisitions served by a kept-alive connection
    std::uint64_t pool_waits = 0;  ///< acquisitions that had to wait
    /// Idle connections found closed (or sent bytes nobody asked for) when
    /// about to be handed out: closed and replaced before any use.
    std::uint64_t idle_closed_by_server = 0;
};

/// The bookkeeping itself. Not thread safe: the caller serialises every call.
///
/// Connection must provide `bool is_alive()` (whether an idle connection may
/// still be used; called only on idle ones, must not throw), `bool
/// connected`, `std::size_t requests` (responses it carried) and
/// `Clock::time_point idle_since`. The core never closes a connection
/// itself: those it drops go to take_dropped() or back to the caller, to be
/// closed outside whatever lock guards the core. Waiter is a copyable,
/// equality-comparable handle that the core only stores and hands back.
template <class Connection, class Clock, class Waiter>
class pool_core {
  public:
    using connection_ptr = std::unique_ptr<Connection>;
    using time_point = typename Clock::time_point;

    enum class outcome {
        reuse,  ///< a kept-alive connection, alive when checked
        open,   ///< a permit to open a new connection, already counted as open
        wait,   ///< the origin is at its limit: enqueue() a waiter now
    };
    struct acquired {
        outcome what = outcome::wait;
        connection_ptr conn{};  ///< for reuse only
    };
    /// A waiter that leaves the queue with a connection or a permit.
    struct handover {
        Waiter waiter;
        connection_ptr conn;  ///< a kept-alive connection, or null: a permit to open one
    };
    struct released {
        std::optional<handover> handed{};  ///< wake this waiter
        connection_ptr to_close{};         ///< not kept: close it
    };

    /// `opts.max_connections` must be at least 1 (the pool checks it first).
    explicit pool_core(const pool_options& opts) : opts_(opts) {
        assert(opts_.max_connections > 0);
    }

    /// A connection for `o`: the most recently idle one still alive (expired
    /// and dead ones are dropped on the way), else a permit while the origin
    /// is under its limit. Waiters already queued go first: with any, the
    /// answer is `wait`, and the caller must enqueue() before anyone else
    /// calls the core, or release() could miss it.
    acquired acquire(const origin& o, time_point now) {
        auto& st = origins_[o];
        expire(st, now);
        if (!st.waiters.empty())
            return {};
        while (!st.idle.empty()) {
            connection_ptr c = std::move(st.idle.back());
            st.idle.pop_back();
            --counters_.idle;
            if (c->is_alive()) {
                ++counters_.reused;
                return {outcome::reuse, std::move(c)};
            }
            ++counters_.idle_closed_by_server;
            drop(st, std::move(c));
        }
        if (st.total < opts_.max_connections) {
            ++st.total;
            ++counters_.open;
            return {outcome::open, nullptr};
        }
        return {};
    }

    /// Queues `w` at the back of `o`'s waiters, after acquire() said `wait`.
    void enqueue(const origin& o, Waiter w) {
        origins_[o].waiters.push_back(std::move(w));
        ++counters_.pool_waits;
    }

    /// Takes back a connection acquired for `o` (null: a permit whose
    /// connection was never made). Kept when `reusable`, connected and under
    /// max_requests_per_connection; then the first waiter gets it, else it
    /// becomes idle. Otherwise its slot passes to the first waiter as a
    /// permit, or is freed. At most one waiter is woken.
    released release(const origin& o, connection_ptr c, bool reusable, time_point now) noexcept {
        released out;
        const auto it = origins_.find(o);
        assert(it != origins_.end() && it->second.total > 0);
        auto& st = it->second;
        if (c && keeps(*c, reusable)) {
            c->idle_since = now;
            if (!st.waiters.empty()) {
                ++counters_.reused;
                out.handed.emplace(handover{pop_waiter(st), std::move(c)});
                return out;
            }
            st.idle.push_back(std::move(c));
            ++counters_.idle;
            return out;
        }
        out.to_close = std::move(c);
        if (!st.waiters.empty()) {
            out.handed.emplace(handover{pop_waiter(st), nullptr});
            return out;
        }
        --st.total;
        --counters_.open;
        forget_if_unused(it);
        return out;
    }

    /// Takes `w` out of `o`'s queue (its wait timed out or was cancelled).
    /// False when it is no longer there: something was handed to it, or it
    /// was taken by take_waiters().
    bool remove_waiter(const origin& o, const Waiter& w) noexcept {
        const auto it = origins_.find(o);
        if (it == origins_.end())
            return false;
        auto& q = it->second.waiters;
        const auto at = std::find(q.begin(), q.end(), w);
        if (at == q.end())
            return false;
        q.erase(at);
        forget_if_unused(it);
        return true;
    }

    /// Drops the idle connections of every origin idle for pool.idle_timeout or longer.
    void prune(time_point now) {
        for (auto it = origins_.begin(); it != origins_.end();) {
            expire(it->second, now);
            it = forget_if_unused(it);
        }
    }

    /// Drops every idle connection.
    void close_idle() {
        for (auto it = origins_.begin(); it != origins_.end();) {
            auto& st = it->second;
            while (!st.idle.empty()) {
                connection_ptr c = std::move(st.idle.front());
                st.idle.pop_front();
                --counters_.idle;
                drop(st, std::move(c));
            }
            it = forget_if_unused(it);
        }
    }

    /// Empties every queue (the pool is shutting down): the waiters to wake.
    std::vector<Waiter> take_waiters() {
        std::vector<Waiter> out;
        for (auto it = origins_.begin(); it != origins_.end();) {
            for (auto& w : it->second.waiters)
                out.push_back(std::move(w));
            it->second.waiters.clear();
            it = forget_if_unused(it);
        }
        return out;
    }

    /// The connections dropped since the last call (expired, dead, or idle
    /// when close_idle() ran), for the caller to close.
    std::vector<connection_ptr> take_dropped() noexcept { return std::exchange(dropped_, {}); }

    /// Whether release() keeps a connection given back as `reusable`.
    bool keeps(const Connection& c, bool reusable) const noexcept {
        return reusable && c.connected &&
               (opts_.max_requests_per_connection == 0 ||
                c.requests < opts_.max_requests_per_connection);
    }

    const pool_counters& counters() const noexcept { return counters_; }

    /// Calls `f(Connection&)` on every idle connection, every origin.
    template <class F>
    void for_each_idle(F&& f) {
        for (auto& [o, st] : origins_)
            for (auto& c : st.idle)
                f(*c);
    }

    /// Open or being opened, idle or busy, for `o`.
    std::size_t open_count(const origin& o) const noexcept {
        const auto it = origins_.find(o);
        return it == origins_.end() ? 0 : it->second.total;
    }
    std::size_t idle_count(const origin& o) const noexcept {
        const auto it = origins_.find(o);
        return it == origins_.end() ? 0 : it->second.idle.size();
    }
    std::size_t waiting(const origin& o) const noexcept {
        const auto it = origins_.find(o);
        return it == origins_.end() ? 0 : it->second.waiters.size();
    }
    /// Origins with anything open or waiting: the others are forgotten.
    std::size_t origins() const noexcept { return origins_.size(); }

  private:
    struct origin_state {
        std::deque<connection_ptr> idle;  // oldest first
        std::size_t total = 0;            // open or being opened, idle or busy
        std::deque<Waiter> waiters;       // FIFO
    };
    using iterator = typename std::map<origin, origin_state>::iterator;

    void expire(origin_state& st, time_point now) {
        // Oldest first: the front has been idle the longest.
        while (!st.idle.empty() && now - st.idle.front()->idle_since >= opts_.idle_timeout) {
            connection_ptr c = std::move(st.idle.front());
            st.idle.pop_front();
            --counters_.idle;
            drop(st, std::move(c));
        }
    }

    // Frees the slot of an idle connection that will not be used again.
    void drop(origin_state& st, connection_ptr c) {
        --st.total;
        --counters_.open;
        dropped_.push_back(std::move(c));
    }

    static Waiter pop_waiter(origin_state& st) noexcept {
        Waiter w = std::move(st.waiters.front());
        st.waiters.pop_front();
        return w;
    }

    // An origin with nothing open and nobody waiting costs nothing to
    // forget; images downloaded from many hosts would otherwise pile up.
    iterator forget_if_unused(iterator it) noexcept {
        const auto& st = it->second;
        if (st.total == 0 && st.waiters.empty() && st.idle.empty())
            return origins_.erase(it);
        return std::next(it);
    }

    pool_options opts_;
    std::map<origin, origin_state> origins_;
    pool_counters counters_;
    std::vector<connection_ptr> dropped_;
};

}  // namespace openai::images::detail
