#include "request_driver.hpp"

#include <openai/images/detail/retry.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cctype>
#include <charconv>
#include <memory>
#include <random>

#include "client_impl.hpp"
#include "request_fsm.hpp"
#include "transport.hpp"

namespace openai::images::detail {
namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

bool is_cancelled(const asio::cancellation_state& cs) {
    return cs.cancelled() != asio::cancellation_type::none;
}

// Back-off jitter; one generator per thread, so no lock between requests.
double jitter01() {
    thread_local std::mt19937_64 rng(std::random_device{}());
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

void record_metadata(const http::response_header<>& res, response_metadata& meta) {
    meta.status = res.result_int();
    meta.request_id = std::string(res["x-request-id"]);
    meta.processing_ms.reset();
    if (auto v = res["openai-processing-ms"]; !v.empty()) {
        std::int64_t ms = 0;
        if (std::from_chars(v.data(), v.data() + v.size(), ms).ec == std::errc())
            meta.processing_ms = ms;
    }
    meta.rate_limits.clear();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& ch : name)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (name.starts_with("x-ratelimit-"))
            meta.rate_limits.emplace_back(name, std::string(f.value()));
    }
}

// The steps on a connection run as coroutines of their own on the
// connection's strand (its streams' executor), so that its timers and I/O
// are never run by two threads at once. Any cancellation ends them: the
// default filter would pass terminal cancellation only.
asio::awaitable<exchange_result> connect_step(client_impl* impl, connection* c, origin where,
                                              steady::time_point deadline, timeouts t) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    co_return co_await impl->connector->connect(*c, where, deadline, t, impl->counters);
}

asio::awaitable<exchange_result> exchange_step(client_impl* impl, connection* c, wire_request* wire,
                                               body_sink* sink, steady::time_point deadline,
                                               timeouts t) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    if (auto* j = std::get_if<json_request>(wire))
        co_return co_await exchange(*c, *j, deadline, t, impl->opts.limit, impl->counters, sink);
    co_return co_await exchange(*c, std::get<form_request>(*wire), deadline, t, impl->opts.limit,
                                impl->counters, sink);
}

// A step on a connection, run where the connection's I/O must run: inline
// when that is this operation's own executor (one strand for the client),
// else as a coroutine of its own on the connection's strand.
asio::awaitable<exchange_result> connect_on(client_impl& impl, connection& c, const origin& where,
                                            steady::time_point deadline, const timeouts& t,
                                            const asio::any_io_executor& here) {
    if (c.lowest().get_executor() == here)
        return impl.connector->connect(c, where, deadline, t, impl.counters);
    return asio::co_spawn(c.lowest().get_executor(), connect_step(&impl, &c, where, deadline, t),
                          asio::use_awaitable);
}

asio::awaitable<exchange_result> exchange_on(client_impl& impl, connection& c, wire_request& wire,
                                             body_sink* sink, steady::time_point deadline,
                                             const timeouts& t, const asio::any_io_executor& here) {
    if (c.lowest().get_executor() != here) {
        return asio::co_spawn(c.lowest().get_executor(),
                              exchange_step(&impl, &c, &wire, sink, deadline, t),
                              asio::use_awaitable);
    }
    if (auto* j = std::get_if<json_request>(&wire))
        return exchange(c, *j, deadline, t, impl.opts.limit, impl.counters, sink);
    return exchange(c, std::get<form_request>(wire), deadline, t, impl.opts.limit, impl.counters,
                    sink);
}

// Waits before a retry; apart so that its timer is in no other frame.
asio::awaitable<void> back_off(std::chrono::milliseconds wait) {
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(tuple_awaitable);
}

}  // namespace

asio::awaitable<error_code> drive_request(client_impl& impl, const origin& where,
                                          wire_request& wire, response_handler& handler,
                                          diagnostics& diag, request_settings settings) {
    const auto cs = co_await asio::this_coro::cancellation_state;
    const auto here = co_await asio::this_coro::executor;
    const timeouts& t = *settings.timeout;
    request_fsm fsm(*settings.retry, steady::now() + t.total);
    request_event ev;
    pool_lease lease;
    // The last response: the machine reads its x-should-retry header.
    std::unique_ptr<exchange_result> last;
    auto& meta = diag.response();
    const auto fail = [&](exchange_result& r) {
        redact(r.message, impl.endpoint.secret());
        diag.assign({}, r.message);
    };
    for (;;) {
        const auto action = fsm.resume(ev, steady::now(), jitter01());
        ev = request_event{};
        meta.attempts = fsm.attempts();
        switch (action.step) {
            case request_step::acquire: {
                last.reset();
                if (action.stale_resend)
                    impl.counters.stale_resends.fetch_add(1, std::memory_order_relaxed);
                auto [ec, got] = co_await impl.pool.acquire(where, fsm.deadline());
                ev.outcome = request_outcome::acquired;
                ev.cancelled = is_cancelled(cs);
                if (ec) {
                    ev.ec = ec;
                    diag.assign({}, ec == asio::error::operation_aborted
                                        ? "cancelled while waiting for a connection"
                                        : "waiting for a free connection");
                } else if (ev.cancelled) {
                    // Granted just as the cancellation came: back untouched.
                    got.give_back(got->connected);
                } else {
                    ev.fresh = !got->connected;
                    lease = std::move(got);
                }
                break;
            }
            case request_step::connect: {
                // On the heap: a waiting request's frame stays small.
                last = std::make_unique<exchange_result>(
                    co_await connect_on(impl, *lease, where, fsm.deadline(), t, here));
                exchange_result& r = *last;
                ev.outcome = request_outcome::connected;
                ev.cancelled = is_cancelled(cs);
                if (r.ec) {
                    lease.give_back(false);
                    ev.ec = r.ec;
                    fail(r);
                }
                break;
            }
            case request_step::exchange: {
                last = std::make_unique<exchange_result>(co_await exchange_on(
                    impl, *lease, wire, handler.sink(), fsm.deadline(), t, here));
                exchange_result& r = *last;
                lease.give_back(!r.ec && r.keep_alive);
                ev.outcome = request_outcome::exchanged;
                ev.cancelled = is_cancelled(cs);
                if (r.ec) {
                    ev.ec = r.ec;
                    ev.stale = r.stale;
                    fail(r);
                    break;
                }
                record_metadata(r.response, meta);
                meta.header_received = r.header_received;
                meta.body_received = r.body_received;
                ev.ec = handler.finish(r, diag);
                if (ev.ec) {
                    ev.should_retry_header = r.response["x-should-retry"];
                    ev.server_wait = server_retry_after(
                        r.response["retry-after-ms"], r.response["retry-after"],
                        std::chrono::system_clock::now(), settings.retry->max_retry_after);
                }
                break;
            }
            case request_step::wait: {
                diag.failed_attempts().push_back(
                    {action.ec, meta.status, std::string(diag.message()), action.wait});
                if (settings.on_retry && *settings.on_retry)
                    (*settings.on_retry)(diag.failed_attempts().back(), meta);
                impl.counters.retries.fetch_add(1, std::memory_order_relaxed);
                co_await back_off(action.wait);
                ev.outcome = request_outcome::waited;
                ev.cancelled = is_cancelled(cs);
                meta = response_metadata{};
                break;
            }
            case request_step::done:
                if (action.ec == asio::error::operation_aborted)
                    diag.assign({}, "the operation was cancelled");
                co_return action.ec;
        }
    }
}

}  // namespace openai::images::detail
