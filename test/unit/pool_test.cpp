// The connection pool: its bookkeeping (pool_core) driven step by step with a
// fake clock and fake connections, every count checked after every step; then
// the asynchronous pool's lease on an io_context, without any socket: a lease
// lost to an exception frees its slot, and options it cannot use are refused.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "connection_pool.hpp"
#include "pool_core.hpp"
#include "test_common.hpp"

namespace oi = openai::images;
namespace detail = openai::images::detail;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct fake_clock {
    using duration = std::chrono::milliseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<fake_clock, duration>;
};

struct fake_connection {
    explicit fake_connection(int id_) : id(id_) {}
    bool is_alive() noexcept {
        ++alive_checks;
        return alive;
    }
    int id;
    bool connected = true;
    bool alive = true;
    std::size_t requests = 1;
    fake_clock::time_point idle_since{};
    int alive_checks = 0;
};

using core = detail::pool_core<fake_connection, fake_clock, int>;
using outcome = core::outcome;

std::string name(outcome o) {
    switch (o) {
        case outcome::reuse:
            return "reuse";
        case outcome::open:
            return "open";
        case outcome::wait:
            return "wait";
    }
    return "?";
}

const detail::origin here{false, "127.0.0.1", "8080"};
const detail::origin elsewhere{true, "api.example.com", "443"};

oi::pool_options limits(std::size_t max_connections) {
    oi::pool_options o;
    o.max_connections = max_connections;
    o.idle_timeout = 30'000ms;
    o.max_requests_per_connection = 0;
    return o;
}

// A pool core and what the tests hold of it: the time, and the connections
// acquired (each made by the test when the core grants a permit).
struct pool_case {
    explicit pool_case(oi::pool_options opts) : c(opts) {}

    // Acquires with a permit expected, and makes the connection.
    std::unique_ptr<fake_connection> open(int id) {
        auto got = c.acquire(here, now);
        BOOST_TEST(name(got.what) == "open");
        BOOST_TEST(!got.conn);
        return std::make_unique<fake_connection>(id);
    }

    // Acquires with a kept-alive connection expected.
    std::unique_ptr<fake_connection> reuse() {
        auto got = c.acquire(here, now);
        BOOST_TEST(name(got.what) == "reuse");
        return std::move(got.conn);
    }

    void give_back(std::unique_ptr<fake_connection> conn, bool reusable = true) {
        auto r = c.release(here, std::move(conn), reusable, now);
        BOOST_TEST(!r.handed);
    }

    // The counts of `here`, and the pool's counters (only `here` is used).
    void check(std::size_t open_, std::size_t idle, std::size_t waiting) const {
        BOOST_TEST(c.open_count(here) == open_);
        BOOST_TEST(c.idle_count(here) == idle);
        BOOST_TEST(c.waiting(here) == waiting);
        BOOST_TEST(c.counters().open == open_);
        BOOST_TEST(c.counters().idle == idle);
    }

    core c;
    fake_clock::time_point now{1'000'000ms};
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_core)

BOOST_AUTO_TEST_CASE(opens_up_to_the_limit_then_asks_the_caller_to_wait) {
    pool_case p(limits(2));
    auto a = p.open(1);
    p.check(1, 0, 0);
    auto b = p.open(2);
    p.check(2, 0, 0);
    BOOST_TEST(name(p.c.acquire(here, p.now).what) == "wait");
    p.c.enqueue(here, 7);
    p.check(2, 0, 1);
    BOOST_TEST(p.c.counters().pool_waits == 1u);
    // Another origin has a limit of its own.
    BOOST_TEST(name(p.c.acquire(elsewhere, p.now).what) == "open");
    BOOST_TEST(p.c.open_count(elsewhere) == 1u);
    BOOST_TEST(p.c.counters().open == 3u);
}

BOOST_AUTO_TEST_CASE(hands_over_to_waiters_in_fifo_order_one_at_a_time) {
    pool_case p(limits(1));
    auto a = p.open(1);
    for (int w = 1; w <= 3; ++w) {
        BOOST_TEST(name(p.c.acquire(here, p.now).what) == "wait");
        p.c.enqueue(here, w);
    }
    p.check(1, 0, 3);
    // A kept-alive connection goes to the first waiter, and to it alone.
    auto r1 = p.c.release(here, std::move(a), true, p.now);
    BOOST_REQUIRE(r1.handed);
    BOOST_TEST(r1.handed->waiter == 1);
    BOOST_REQUIRE(r1.handed->conn);
    BOOST_TEST(r1.handed->conn->id == 1);
    BOOST_TEST(!r1.to_close);
    p.check(1, 0, 2);
    BOOST_TEST(p.c.counters().reused == 1u);
    // One not kept: its slot goes to the next waiter as a permit.
    auto r2 = p.c.release(here, std::move(r1.handed->conn), false, p.now);
    BOOST_REQUIRE(r2.handed);
    BOOST_TEST(r2.handed->waiter == 2);
    BOOST_TEST(!r2.handed->conn);
    BOOST_REQUIRE(r2.to_close);
    BOOST_TEST(r2.to_close->id == 1);
    p.check(1, 0, 1);
    // A permit whose connection was never made: the slot passes on again.
    auto r3 = p.c.release(here, nullptr, true, p.now);
    BOOST_REQUIRE(r3.handed);
    BOOST_TEST(r3.handed->waiter == 3);
    BOOST_TEST(!r3.handed->conn);
    p.check(1, 0, 0);
    // Nobody waits any more: the connection becomes idle.
    p.give_back(std::make_unique<fake_connection>(3));
    p.check(1, 1, 0);
    BOOST_TEST(p.c.counters().reused == 1u);
}

BOOST_AUTO_TEST_CASE(a_newcomer_does_not_overtake_the_waiters) {
    pool_case p(limits(1));
    auto a = p.open(1);
    BOOST_TEST(name(p.c.acquire(here, p.now).what) == "wait");
    p.c.enqueue(here, 1);
    auto r = p.c.release(here, std::move(a), false, p.now);
    BOOST_REQUIRE(r.handed);
    BOOST_TEST(r.handed->waiter == 1);
    // The slot is the waiter's now: a new caller waits.
    BOOST_TEST(name(p.c.acquire(here, p.now).what) == "wait");
    p.check(1, 0, 0);
}

BOOST_AUTO_TEST_CASE(reuses_the_most_recently_idle_connection_first) {
    pool_case p(limits(3));
    auto a = p.open(1);
    auto b = p.open(2);
    auto c = p.open(3);
    p.give_back(std::move(a));
    p.now += 10ms;
    p.give_back(std::move(c));
    p.now += 10ms;
    p.give_back(std::move(b));
    p.check(3, 3, 0);
    auto first = p.reuse();
    BOOST_TEST(first->id == 2);
    BOOST_TEST((first->idle_since == p.now));
    auto second = p.reuse();
    BOOST_TEST(second->id == 3);
    p.check(3, 1, 0);
    BOOST_TEST(p.c.counters().reused == 2u);
}

BOOST_AUTO_TEST_CASE(expires_idle_connections_oldest_first) {
    oi::pool_options opts = limits(3);
    opts.idle_timeout = 100ms;
    pool_case p(opts);
    auto a = p.open(1);
    auto b = p.open(2);
    auto c = p.open(3);
    p.give_back(std::move(a));  // idle since t
    p.now += 50ms;
    p.give_back(std::move(b));  // idle since t + 50
    p.now += 40ms;
    p.give_back(std::move(c));  // idle since t + 90
    p.check(3, 3, 0);
    p.now += 10ms;  // t + 100: the first has been idle for exactly idle_timeout
    p.c.prune(p.now);
    p.check(2, 2, 0);
    auto dropped = p.c.take_dropped();
    BOOST_REQUIRE_EQUAL(dropped.size(), 1u);
    BOOST_TEST(dropped[0]->id == 1);
    p.now += 49ms;  // the second, 99 ms: kept
    p.c.prune(p.now);
    p.check(2, 2, 0);
    BOOST_TEST(p.c.take_dropped().empty());
    p.now += 1ms;
    // acquire() expires too, before reusing: the third is still fresh.
    auto got = p.reuse();
    BOOST_TEST(got->id == 3);
    dropped = p.c.take_dropped();
    BOOST_REQUIRE_EQUAL(dropped.size(), 1u);
    BOOST_TEST(dropped[0]->id == 2);
    p.check(1, 0, 0);
    BOOST_TEST(p.c.counters().idle_closed_by_server == 0u);
}

BOOST_AUTO_TEST_CASE(a_connection_past_max_requests_is_not_kept) {
    oi::pool_options opts = limits(2);
    opts.max_requests_per_connection = 3;
    pool_case p(opts);
    auto a = p.open(1);
    a->requests = 2;
    BOOST_TEST(p.c.keeps(*a, true));
    a->requests = 3;
    BOOST_TEST(!p.c.keeps(*a, true));
    auto r = p.c.release(here, std::move(a), true, p.now);
    BOOST_TEST(!r.handed);
    BOOST_REQUIRE(r.to_close);
    BOOST_TEST(r.to_close->id == 1);
    p.check(0, 0, 0);
    // Nor one the caller does not vouch for, nor one not connected.
    auto b = p.open(2);
    BOOST_TEST(!p.c.keeps(*b, false));
    b->connected = false;
    BOOST_TEST(!p.c.keeps(*b, true));
    BOOST_TEST(p.c.release(here, std::move(b), true, p.now).to_close);
    p.check(0, 0, 0);
}

BOOST_AUTO_TEST_CASE(max_requests_zero_means_no_limit) {
    pool_case p(limits(1));
    auto a = p.open(1);
    a->requests = 1'000'000;
    BOOST_TEST(p.c.keeps(*a, true));
    p.give_back(std::move(a));
    p.check(1, 1, 0);
}

BOOST_AUTO_TEST_CASE(a_dead_idle_connection_is_never_handed_out) {
    pool_case p(limits(2));
    auto a = p.open(1);
    auto b = p.open(2);
    p.give_back(std::move(a));
    b->alive = false;  // the server closed it while it was idle
    p.give_back(std::move(b));
    p.check(2, 2, 0);
    // The most recent is dead: closed, and the next idle one is used.
    auto got = p.reuse();
    BOOST_TEST(got->id == 1);
    BOOST_TEST(got->alive_checks == 1);
    auto dropped = p.c.take_dropped();
    BOOST_REQUIRE_EQUAL(dropped.size(), 1u);
    BOOST_TEST(dropped[0]->id == 2);
    p.check(1, 0, 0);
    BOOST_TEST(p.c.counters().idle_closed_by_server == 1u);
    BOOST_TEST(p.c.counters().reused == 1u);
}

BOOST_AUTO_TEST_CASE(when_every_idle_connection_is_dead_a_permit_is_given) {
    pool_case p(limits(2));
    auto a = p.open(1);
    auto b = p.open(2);
    a->alive = false;
    b->alive = false;
    p.give_back(std::move(a));
    p.give_back(std::move(b));
    p.check(2, 2, 0);
    // Both slots are freed on the way, and one is taken for a new connection.
    auto got = p.c.acquire(here, p.now);
    BOOST_TEST(name(got.what) == "open");
    BOOST_TEST(p.c.take_dropped().size() == 2u);
    p.check(1, 0, 0);
    BOOST_TEST(p.c.counters().idle_closed_by_server == 2u);
    BOOST_TEST(p.c.counters().reused == 0u);
}

BOOST_AUTO_TEST_CASE(a_waiter_removed_on_timeout_does_not_receive_a_later_connection) {
    pool_case p(limits(1));
    auto a = p.open(1);
    BOOST_TEST(name(p.c.acquire(here, p.now).what) == "wait");
    p.c.enqueue(here, 1);
    BOOST_TEST(name(p.c.acquire(here, p.now).what) == "wait");
    p.c.enqueue(here, 2);
    BOOST_TEST(p.c.remove_waiter(here, 1));  // its wait timed out
    BOOST_TEST(!p.c.remove_waiter(here, 1));
    p.check(1, 0, 1);
    auto r = p.c.release(here, std::move(a), true, p.now);
    BOOST_REQUIRE(r.handed);
    BOOST_TEST(r.handed->waiter == 2);
    p.check(1, 0, 0);
    // The last waiter gone, a connection given back becomes idle.
    p.give_back(std::move(r.handed->conn));
    p.check(1, 1, 0);
    BOOST_TEST(!p.c.remove_waiter(here, 2));
}

BOOST_AUTO_TEST_CASE(a_waiter_handed_something_is_no_longer_removable) {
    pool_case p(limits(1));
    auto a = p.open(1);
    BOOST_TEST(name(p.c.acquire(here, p.now).what) == "wait");
    p.c.enqueue(here, 1);
    auto r = p.c.release(here, std::move(a), true, p.now);
    BOOST_REQUIRE(r.handed);
    // Its timer fired as the connection came: what it was given is its own.
    BOOST_TEST(!p.c.remove_waiter(here, 1));
    p.check(1, 0, 0);
}

BOOST_AUTO_TEST_CASE(close_idle_drops_every_idle_connection_and_keeps_busy_ones) {
    pool_case p(limits(3));
    auto a = p.open(1);
    auto b = p.open(2);
    auto c = p.open(3);
    p.give_back(std::move(a));
    p.give_back(std::move(b));
    p.c.close_idle();
    p.check(1, 0, 0);
    BOOST_TEST(p.c.take_dropped().size() == 2u);
    p.give_back(std::move(c), false);
    p.check(0, 0, 0);
    BOOST_TEST(p.c.origins() == 0u);
}

BOOST_AUTO_TEST_CASE(take_waiters_empties_every_queue) {
    pool_case p(limits(1));
    auto a = p.open(1);
    BOOST_TEST(name(p.c.acquire(here, p.now).what) == "wait");
    p.c.enqueue(here, 1);
    BOOST_TEST(name(p.c.acquire(elsewhere, p.now).what) == "open");
    BOOST_TEST(name(p.c.acquire(elsewhere, p.now).what) == "wait");
    p.c.enqueue(elsewhere, 2);
    const auto waiters = p.c.take_waiters();
    BOOST_TEST(waiters.size() == 2u);
    BOOST_TEST(!p.c.remove_waiter(here, 1));
    BOOST_TEST(p.c.waiting(elsewhere) == 0u);
    BOOST_TEST(!p.c.release(elsewhere, nullptr, false, p.now).handed);
    p.check(1, 0, 0);
    p.give_back(std::move(a), false);
    p.check(0, 0, 0);
}

BOOST_AUTO_TEST_CASE(an_origin_with_nothing_open_is_forgotten) {
    pool_case p(limits(1));
    auto a = p.open(1);
    BOOST_TEST(p.c.origins() == 1u);
    p.give_back(std::move(a));
    BOOST_TEST(p.c.origins() == 1u);  // idle
    p.now += 30'000ms;
    p.c.prune(p.now);
    BOOST_TEST(p.c.origins() == 0u);
    p.check(0, 0, 0);
}

BOOST_AUTO_TEST_CASE(parse_port_takes_1_to_65535_digits_only) {
    BOOST_TEST(detail::parse_port("1").value_or(0) == 1u);
    BOOST_TEST(detail::parse_port("443").value_or(0) == 443u);
    BOOST_TEST(detail::parse_port("65535").value_or(0) == 65535u);
    for (const char* bad :
         {"", "0", "65536", "99999999999999999999", "-1", "+1", "8080x", " 80", "0x50"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(!detail::parse_port(bad).has_value());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

using steady = std::chrono::steady_clock;

struct wait_outcome {
    oi::error_code ec;
    bool had_connection = false;
    bool done = false;
};

// One pool on an io_context, for plain-HTTP origins (no TLS context needed)
// and connections never connected: nothing here opens a socket.
struct lease_case {
    explicit lease_case(std::size_t max_connections = 1,
                        std::chrono::milliseconds wait_timeout = 60'000ms)
        : pool(ioc.get_executor(), options(max_connections, wait_timeout), nullptr, stats) {}

    static oi::pool_options options(std::size_t max_connections,
                                    std::chrono::milliseconds wait_timeout) {
        oi::pool_options o;
        o.max_connections = max_connections;
        o.wait_timeout = wait_timeout;
        return o;
    }

    // Runs until there is no more work: every operation started has ended.
    void run() {
        ioc.restart();
        ioc.run();
        BOOST_TEST(ioc.stopped());
    }

    std::uint64_t open() const { return stats.open_connections.load(); }

    asio::io_context ioc;
    detail::stats_counters stats;
    detail::connection_pool pool;
};

asio::awaitable<void> throw_while_holding(lease_case& lc, bool& caught) {
    try {
        auto got = co_await lc.pool.acquire(here, steady::time_point::max());
        BOOST_TEST(!got.first);
        BOOST_TEST(static_cast<bool>(got.second));
        BOOST_TEST(lc.open() == 1u);
        throw std::runtime_error("midway");
    } catch (const std::runtime_error&) {
        caught = true;
    }
    BOOST_TEST(lc.open() == 0u);
    // The slot is free again: no wait.
    auto again = co_await lc.pool.acquire(here, steady::time_point::max());
    BOOST_TEST(!again.first);
    BOOST_TEST(lc.stats.pool_waits.load() == 0u);
}

// Holds the only connection, lets a waiter queue behind it, then fails with
// the lease still in its frame.
asio::awaitable<void> hold_yield_then_throw(lease_case& lc) {
    auto got = co_await lc.pool.acquire(here, steady::time_point::max());
    BOOST_TEST(!got.first);
    const auto ex = co_await asio::this_coro::executor;
    co_await asio::post(ex, asio::use_awaitable);
    BOOST_TEST(lc.stats.pool_waits.load() == 1u);
    throw std::runtime_error("midway");
}

asio::awaitable<void> wait_for_connection(detail::connection_pool& pool, wait_outcome& out,
                                          steady::time_point deadline) {
    auto got = co_await pool.acquire(here, deadline);
    out.ec = got.first;
    out.had_connection = static_cast<bool>(got.second);
    out.done = true;
}

asio::awaitable<void> acquire_into(detail::connection_pool& pool, detail::pool_lease& into) {
    auto got = co_await pool.acquire(here, steady::time_point::max());
    BOOST_TEST(!got.first);
    into = std::move(got.second);
}

// Takes a connection `rounds` times, holds it across a yield (so that others
// queue behind it) and gives it back, counting what went wrong: Boost.Test's
// assertions are for the main thread only.
asio::awaitable<void> take_turns(detail::connection_pool& pool, const detail::stats_counters& stats,
                                 std::uint64_t limit, int rounds, int& granted,
                                 std::atomic<int>& failures) {
    const auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < rounds; ++i) {
        auto got = co_await pool.acquire(here, steady::time_point::max());
        if (got.first || !got.second || stats.open_connections.load() > limit)
            ++failures;
        co_await asio::post(ex, asio::use_awaitable);
        got.second.give_back(i % 2 == 0);
        ++granted;
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool_lease)

BOOST_AUTO_TEST_CASE(many_threads_share_two_slots_without_losing_one) {
    constexpr int workers = 16, rounds = 50;
    lease_case lc(2);
    std::vector<int> granted(workers, 0);
    std::atomic<int> failures{0};
    for (int w = 0; w < workers; ++w) {
        // Each worker on a strand of its own: the wake-ups cross threads.
        asio::co_spawn(asio::make_strand(lc.ioc),
                       take_turns(lc.pool, lc.stats, 2, rounds, granted[std::size_t(w)], failures),
                       [&failures](std::exception_ptr e) {
                           if (e)
                               ++failures;
                       });
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&lc] { lc.ioc.run(); });
    lc.ioc.run();
    for (auto& t : threads)
        t.join();
    BOOST_TEST(failures.load() == 0);
    for (int w = 0; w < workers; ++w)
        BOOST_TEST(granted[std::size_t(w)] == rounds);
    BOOST_TEST(lc.open() == 0u);
    BOOST_TEST(lc.stats.idle_connections.load() == 0u);
    BOOST_TEST(lc.stats.pool_waits.load() > 0u);
}

BOOST_AUTO_TEST_CASE(a_lease_destroyed_by_an_exception_frees_its_slot) {
    lease_case lc;
    bool caught = false;
    asio::co_spawn(lc.ioc, throw_while_holding(lc, caught),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    BOOST_TEST(caught);
    BOOST_TEST(lc.open() == 0u);
}

BOOST_AUTO_TEST_CASE(a_lease_lost_to_an_exception_hands_its_slot_to_the_waiter) {
    lease_case lc;
    bool thrown = false;
    wait_outcome waiter;
    asio::co_spawn(lc.ioc, hold_yield_then_throw(lc),
                   [&thrown](std::exception_ptr e) { thrown = e != nullptr; });
    asio::co_spawn(lc.ioc, wait_for_connection(lc.pool, waiter, steady::time_point::max()),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    BOOST_TEST(thrown);
    BOOST_TEST(waiter.done);
    BOOST_TEST(!waiter.ec);
    BOOST_TEST(waiter.had_connection);
    BOOST_TEST(lc.stats.pool_waits.load() == 1u);
    BOOST_TEST(lc.open() == 0u);  // the waiter's lease ended with its frame
}

BOOST_AUTO_TEST_CASE(a_lease_given_back_unconnected_is_not_kept) {
    lease_case lc;
    detail::pool_lease lease;
    asio::co_spawn(lc.ioc, acquire_into(lc.pool, lease),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    BOOST_REQUIRE(lease);
    BOOST_TEST(!lease->connected);
    BOOST_TEST(lc.open() == 1u);
    lease.give_back(true);
    BOOST_TEST(!lease);
    BOOST_TEST(lc.open() == 0u);
    BOOST_TEST(lc.stats.idle_connections.load() == 0u);
    lease.give_back(true);  // nothing held: nothing happens
    BOOST_TEST(lc.open() == 0u);
}

BOOST_AUTO_TEST_CASE(moving_a_lease_moves_its_slot) {
    lease_case lc(2);
    detail::pool_lease a, b;
    asio::co_spawn(lc.ioc, acquire_into(lc.pool, a), [](std::exception_ptr e) { BOOST_TEST(!e); });
    asio::co_spawn(lc.ioc, acquire_into(lc.pool, b), [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    BOOST_TEST(lc.open() == 2u);
    detail::pool_lease c(std::move(a));
    BOOST_TEST(!a);
    BOOST_TEST(static_cast<bool>(c));
    BOOST_TEST(lc.open() == 2u);
    c = std::move(b);  // c's first connection is given back
    BOOST_TEST(lc.open() == 1u);
    c = detail::pool_lease();
    BOOST_TEST(lc.open() == 0u);
}

BOOST_AUTO_TEST_CASE(a_lease_may_outlive_its_pool) {
    // Not its io_context: a connection's socket needs the context's services.
    asio::io_context ioc;
    detail::stats_counters stats;
    detail::pool_lease lease;
    {
        detail::connection_pool pool(ioc.get_executor(), lease_case::options(1, 60'000ms), nullptr,
                                     stats);
        asio::co_spawn(ioc, acquire_into(pool, lease),
                       [](std::exception_ptr e) { BOOST_TEST(!e); });
        ioc.run();
        BOOST_REQUIRE(lease);
    }
    lease.give_back(true);
    BOOST_TEST(!lease);
}

BOOST_AUTO_TEST_CASE(a_wait_ends_with_pool_wait_timeout) {
    lease_case lc(1, 0ms);
    detail::pool_lease held;
    wait_outcome waiter;
    asio::co_spawn(lc.ioc, acquire_into(lc.pool, held),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    asio::co_spawn(lc.ioc, wait_for_connection(lc.pool, waiter, steady::time_point::max()),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    BOOST_TEST(waiter.done);
    BOOST_TEST(waiter.ec == oi::client_errc::pool_wait_timeout);
    BOOST_TEST(!waiter.had_connection);
    // The waiter left the queue: the connection given back becomes idle.
    held.give_back(true);
    BOOST_TEST(lc.open() == 0u);  // never connected: closed
}

BOOST_AUTO_TEST_CASE(a_wait_past_the_deadline_ends_with_deadline_exceeded) {
    lease_case lc(1);
    detail::pool_lease held;
    wait_outcome waiter;
    asio::co_spawn(lc.ioc, acquire_into(lc.pool, held),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    asio::co_spawn(lc.ioc, wait_for_connection(lc.pool, waiter, steady::now()),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    BOOST_TEST(waiter.ec == oi::client_errc::deadline_exceeded);
    BOOST_TEST(lc.open() == 1u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_wait_ends_with_operation_aborted_and_leaves_the_queue) {
    lease_case lc(1);
    detail::pool_lease held;
    wait_outcome waiter;
    asio::co_spawn(lc.ioc, acquire_into(lc.pool, held),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    asio::cancellation_signal cancel;
    asio::co_spawn(
        lc.ioc, wait_for_connection(lc.pool, waiter, steady::time_point::max()),
        asio::bind_cancellation_slot(cancel.slot(), [](std::exception_ptr e) { BOOST_TEST(!e); }));
    lc.ioc.restart();
    lc.ioc.poll();  // up to the wait
    BOOST_TEST(!waiter.done);
    BOOST_TEST(lc.stats.pool_waits.load() == 1u);
    cancel.emit(asio::cancellation_type::terminal);
    lc.run();
    BOOST_TEST(waiter.done);
    BOOST_TEST(waiter.ec == asio::error::operation_aborted);
    held.give_back(false);
    BOOST_TEST(lc.open() == 0u);
}

BOOST_AUTO_TEST_CASE(destroying_the_pool_ends_the_waits_and_leaves_leases_usable) {
    asio::io_context ioc;
    detail::stats_counters stats;
    auto pool = std::make_unique<detail::connection_pool>(
        ioc.get_executor(), lease_case::options(1, 60'000ms), nullptr, stats);
    detail::pool_lease held;
    wait_outcome waiter;
    asio::co_spawn(ioc, acquire_into(*pool, held), [](std::exception_ptr e) { BOOST_TEST(!e); });
    asio::co_spawn(ioc, wait_for_connection(*pool, waiter, steady::time_point::max()),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    ioc.poll();  // up to the wait
    BOOST_TEST(!waiter.done);
    pool.reset();
    ioc.restart();
    ioc.run();
    BOOST_TEST(waiter.done);
    BOOST_TEST(waiter.ec == asio::error::operation_aborted);
    BOOST_REQUIRE(held);
    held.give_back(true);
    BOOST_TEST(!held);
}

BOOST_AUTO_TEST_CASE(an_abandoned_permit_frees_its_slot) {
    lease_case lc;
    {
        auto t = lc.pool.begin(here, steady::time_point::max(), lc.ioc.get_executor(), false);
        BOOST_TEST(!t.must_wait());
        BOOST_TEST(lc.open() == 1u);  // counted before its connection is made
    }
    BOOST_TEST(lc.open() == 0u);
    auto t = lc.pool.begin(here, steady::time_point::max(), lc.ioc.get_executor(), false);
    auto [ec, lease] = lc.pool.finish(t, false);
    BOOST_TEST(!ec);
    BOOST_TEST(static_cast<bool>(lease));
    BOOST_TEST(lc.stats.pool_waits.load() == 0u);
}

BOOST_AUTO_TEST_CASE(an_abandoned_wait_leaves_the_queue) {
    lease_case lc;
    detail::pool_lease held;
    asio::co_spawn(lc.ioc, acquire_into(lc.pool, held),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    {
        auto t = lc.pool.begin(here, steady::time_point::max(), lc.ioc.get_executor(), false);
        BOOST_TEST(t.must_wait());
        BOOST_TEST(lc.stats.pool_waits.load() == 1u);
    }
    // Nobody is waiting: the slot given back is free, not handed over.
    held.give_back(false);
    BOOST_TEST(lc.open() == 0u);
    lc.run();
}

BOOST_AUTO_TEST_CASE(a_wait_abandoned_after_its_grant_passes_the_grant_on) {
    lease_case lc;
    detail::pool_lease held;
    asio::co_spawn(lc.ioc, acquire_into(lc.pool, held),
                   [](std::exception_ptr e) { BOOST_TEST(!e); });
    lc.run();
    auto first = lc.pool.begin(here, steady::time_point::max(), lc.ioc.get_executor(), false);
    auto second = lc.pool.begin(here, steady::time_point::max(), lc.ioc.get_executor(), false);
    BOOST_TEST(first.must_wait());
    BOOST_TEST(second.must_wait());
    held.give_back(false);  // the slot goes to the first in line
    BOOST_TEST(lc.open() == 1u);
    first = detail::pool_ticket();  // which leaves before looking
    BOOST_TEST(lc.open() == 1u);
    auto [ec, lease] = lc.pool.finish(second, false);
    BOOST_TEST(!ec);
    BOOST_TEST(static_cast<bool>(lease));
    BOOST_TEST(lc.open() == 1u);
    lease.give_back(false);
    BOOST_TEST(lc.open() == 0u);
    lc.run();
}

BOOST_AUTO_TEST_CASE(max_connections_zero_is_refused_naming_the_option) {
    asio::io_context ioc;
    detail::stats_counters stats;
    oi::pool_options opts;
    opts.max_connections = 0;
    try {
        detail::connection_pool pool(ioc.get_executor(), opts, nullptr, stats);
        BOOST_FAIL("a pool of no connections was accepted");
    } catch (const oi::client_error& e) {
        BOOST_TEST(e.code() == oi::client_errc::value_out_of_range);
        BOOST_TEST(e.param() == "pool.max_connections");
        BOOST_TEST(std::string(e.what()) ==
                   "pool.max_connections: 0; it must be at least 1 (the connections allowed per "
                   "origin)");
    }
}

BOOST_AUTO_TEST_SUITE_END()
