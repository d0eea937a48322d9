#include "connection_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace openai::images::detail {

client_stats stats_counters::snapshot() const noexcept {
    client_stats s;
    s.requests = requests.load(std::memory_order_relaxed);
    s.connections_opened = connections_opened.load(std::memory_order_relaxed);
    s.connections_reused = connections_reused.load(std::memory_order_relaxed);
    s.tls_handshakes = tls_handshakes.load(std::memory_order_relaxed);
    s.pool_waits = pool_waits.load(std::memory_order_relaxed);
    s.retries = retries.load(std::memory_order_relaxed);
    s.stale_resends = stale_resends.load(std::memory_order_relaxed);
    s.bytes_sent = bytes_sent.load(std::memory_order_relaxed);
    s.bytes_received = bytes_received.load(std::memory_order_relaxed);
    s.open_connections = open_connections.load(std::memory_order_relaxed);
    s.idle_connections = idle_connections.load(std::memory_order_relaxed);
    return s;
}

connection::connection(asio::any_io_executor ex, ssl::context* ctx, bool tls, std::uint64_t id_)
    : id(id_) {
    if (tls) {
        tls_.emplace(std::move(ex), *ctx);
    } else {
        plain_.emplace(std::move(ex));
    }
}

void connection::close() noexcept {
    boost::system::error_code ignored;
    lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
    connected = false;
}

connection_pool::connection_pool(asio::any_io_executor strand, pool_options opts, ssl::context* ctx,
                                 stats_counters& stats)
    : strand_(std::move(strand)), opts_(opts), ctx_(ctx), stats_(stats) {}

connection_pool::~connection_pool() {
    close_idle();
}

void connection_pool::prune(origin_state& st, steady::time_point now) {
    // Oldest first: the front has been idle the longest.
    while (!st.idle.empty() && now - st.idle.front()->idle_since >= opts_.idle_timeout) {
        st.idle.front()->close();
        st.idle.pop_front();
        --st.total;
        stats_.idle_connections.fetch_sub(1, std::memory_order_relaxed);
        stats_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    }
}

asio::awaitable<std::pair<error_code, connection_ptr>> connection_pool::acquire(
    const origin& o, steady::time_point deadline) {
    auto& st = origins_[o];
    const auto now = steady::now();
    prune(st, now);
    if (!st.idle.empty() && st.waiters.empty()) {
        connection_ptr c = std::move(st.idle.back());
        st.idle.pop_back();
        stats_.idle_connections.fetch_sub(1, std::memory_order_relaxed);
        stats_.connections_reused.fetch_add(1, std::memory_order_relaxed);
        co_return std::pair{error_code{}, std::move(c)};
    }
    if (st.total < opts_.max_connections && st.waiters.empty()) {
        ++st.total;
        stats_.open_connections.fetch_add(1, std::memory_order_relaxed);
        co_return std::pair{error_code{},
                            std::make_unique<connection>(strand_, ctx_, o.tls, next_id_++)};
    }

    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
        co_return std::pair{error_code(asio::error::operation_aborted), connection_ptr{}};
    stats_.pool_waits.fetch_add(1, std::memory_order_relaxed);
    waiter w(strand_);
    const auto wait_until = std::min(now + opts_.wait_timeout, deadline);
    w.timer.expires_at(wait_until);
    st.waiters.push_back(&w);
    auto [ec] = co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (w.granted) {
        if (w.conn) {
            stats_.connections_reused.fetch_add(1, std::memory_order_relaxed);
            co_return std::pair{error_code{}, std::move(w.conn)};
        }
        co_return std::pair{error_code{},
                            std::make_unique<connection>(strand_, ctx_, o.tls, next_id_++)};
    }
    // Not granted: the wait timed out or was cancelled; leave the queue.
    auto& queue = origins_[o].waiters;
    queue.erase(std::remove(queue.begin(), queue.end(), &w), queue.end());
    if (ec == asio::error::operation_aborted)
        co_return std::pair{ec, connection_ptr{}};
    co_return std::pair{error_code(wait_until >= deadline ? client_errc::deadline_exceeded
                                                          : client_errc::pool_wait_timeout),
                        connection_ptr{}};
}

void connection_pool::release(const origin& o, connection_ptr c, bool reusable) {
    auto& st = origins_[o];
    if (reusable && c && c->connected) {
        c->idle_since = steady::now();
        if (!st.waiters.empty()) {
            waiter* w = st.waiters.front();
            st.waiters.pop_front();
            w->conn = std::move(c);
            w->granted = true;
            w->timer.cancel();
            return;
        }
        st.idle.push_back(std::move(c));
        stats_.idle_connections.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (c) {
        if (c->connected)
            c->close();
        c.reset();
    }
    stats_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    if (!st.waiters.empty()) {
        // The slot passes to the first waiter, who opens a new connection.
        waiter* w = st.waiters.front();
        st.waiters.pop_front();
        w->granted = true;
        w->timer.cancel();
        stats_.open_connections.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    --st.total;
}

void connection_pool::close_idle() {
    for (auto& [o, st] : origins_) {
        for (auto& c : st.idle) {
            c->close();
            --st.total;
            stats_.idle_connections.fetch_sub(1, std::memory_order_relaxed);
            stats_.open_connections.fetch_sub(1, std::memory_order_relaxed);
        }
        st.idle.clear();
    }
}

}  // namespace openai::images::detail
