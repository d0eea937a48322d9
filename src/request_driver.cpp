#include "request_driver.hpp"

#include <openai/images/detail/retry.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>

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
    constexpr std::string_view prefix = "x-ratelimit-";
    for (const auto& f : res) {
        const std::string_view name = f.name_string();
        // Compared in place: only the rate-limit headers are copied.
        if (name.size() < prefix.size() || !beast::iequals(name.substr(0, prefix.size()), prefix))
            continue;
        std::string lower(name);
        for (auto& ch : lower)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        meta.rate_limits.emplace_back(std::move(lower), std::string(f.value()));
    }
}

// The steps on a connection, each a coroutine of its own that lives only
// while the step runs and leaves its result in `out`: the request's frame,
// alive while it waits for a connection, holds neither. Any cancellation
// ends them (the default filter would pass terminal cancellation only).
asio::awaitable<void> connect_into(exchange_result& out, client_impl& impl, connection& c,
                                   const origin& where, steady::time_point deadline,
                                   const timeouts& t) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    out = co_await impl.connector->connect(c, where, deadline, t, impl.counters);
}

asio::awaitable<void> exchange_into(exchange_result& out, client_impl& impl, connection& c,
                                    wire_request& wire, body_sink* sink,
                                    steady::time_point deadline, const timeouts& t) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    if (auto* j = std::get_if<rendered_request>(&wire))
        out = co_await exchange(c, *j, deadline, t, impl.opts.limit, impl.counters, sink);
    else
        out = co_await exchange(c, *std::get<std::unique_ptr<form_request>>(wire), deadline, t,
                                impl.opts.limit, impl.counters, sink);
}

// Runs a step where the connection's I/O must run: inline when that is the
// operation's executor `here` (one strand for the client), else on the
// connection's strand, so that its timers and I/O are never run by two
// threads at once.
asio::awaitable<void> on_connection(connection& c, const asio::any_io_executor& here,
                                    asio::awaitable<void> step) {
    const auto ex = c.lowest().get_executor();
    if (ex == here)
        return step;
    return asio::co_spawn(ex, std::move(step), asio::use_awaitable);
}

asio::awaitable<void> wait_for(std::chrono::milliseconds wait) {
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(tuple_awaitable);
}

// A system_error's what() is "prefix: <code's message> [category:value at
// location]"; the diagnostics keep the prefix only, the code says the rest.
std::string without_code_message(const boost::system::system_error& e) {
    std::string_view what = e.what();
    const std::string tail = ": " + e.code().message();
    if (const auto at = what.rfind(tail); at != std::string_view::npos)
        what = what.substr(0, at);
    else if (what.starts_with(e.code().message()))
        what = {};
    return std::string(what);
}

}  // namespace

request_settings settings_of(const client_impl& impl, const request_options* ro) noexcept {
    request_settings s{&impl.opts.timeout, &impl.opts.retry, &impl.opts.on_retry};
    if (ro) {
        if (ro->timeout)
            s.timeout = &*ro->timeout;
        if (ro->retry)
            s.retry = &*ro->retry;
        if (ro->on_retry)
            s.on_retry = &ro->on_retry;
    }
    return s;
}

error_code error_from_exception(diagnostics& diag) {
    try {
        throw;
    } catch (const client_error& e) {
        diag.assign(e.param(), e.what());
        return e.code();
    } catch (const boost::system::system_error& e) {
        diag.assign({}, without_code_message(e));
        return e.code();
    } catch (const std::exception& e) {
        diag.assign({}, e.what());
    } catch (...) {
        diag.assign({}, "unknown exception");
    }
    return make_error_code(boost::system::errc::io_error);
}

request_run::request_run(client_impl& impl, const origin& where, wire_request& wire,
                         response_handler& handler, lazy_diagnostics& diag,
                         const request_options* ro)
    : impl_(impl),
      where_(where),
      wire_(wire),
      handler_(handler),
      diag_(diag),
      settings_(settings_of(impl, ro)),
      fsm_(*settings_.retry, steady::now() + settings_.timeout->total) {}

request_step request_run::next() {
    // The jitter matters only where a failure may lead to a wait.
    action_ = fsm_.resume(ev_, steady::now(), ev_.ec ? jitter01() : 0.0);
    ev_ = request_event{};
    if (auto* d = diag_.if_any())
        d->response().attempts = fsm_.attempts();
    if (action_.step == request_step::wait) {
        auto& diag = diag_.get();
        auto& meta = diag.response();
        diag.failed_attempts().push_back(
            {action_.ec, meta.status, std::string(diag.message()), action_.wait});
        if (settings_.on_retry && *settings_.on_retry)
            (*settings_.on_retry)(diag.failed_attempts().back(), meta);
        impl_.counters.retries.fetch_add(1, std::memory_order_relaxed);
        // The machine has read the last response's headers.
        last_.reset();
    }
    return action_.step;
}

void request_run::begin_acquire(const asio::any_io_executor& here, bool cancelled) {
    if (action_.stale_resend)
        impl_.counters.stale_resends.fetch_add(1, std::memory_order_relaxed);
    ticket_ = impl_.pool.begin(where_, fsm_.deadline(), here, cancelled);
}

void request_run::acquired(bool cancelled) {
    auto [ec, got] = impl_.pool.finish(ticket_, cancelled);
    ev_.outcome = request_outcome::acquired;
    ev_.cancelled = cancelled;
    if (ec) {
        ev_.ec = ec;
        diag_.get().assign({}, ec == asio::error::operation_aborted
                                   ? "cancelled while waiting for a connection"
                                   : "waiting for a free connection");
    } else if (cancelled) {
        // Granted just as the cancellation came: back untouched.
        got.give_back(got->connected);
    } else {
        ev_.fresh = !got->connected;
        lease_ = std::move(got);
    }
}

exchange_result& request_run::next_result() {
    if (last_)
        *last_ = exchange_result{};
    else
        last_ = std::make_unique<exchange_result>();
    return *last_;
}

asio::awaitable<void> request_run::connect(const asio::any_io_executor& here) {
    return on_connection(
        *lease_, here,
        connect_into(next_result(), impl_, *lease_, where_, fsm_.deadline(), *settings_.timeout));
}

void request_run::connected(bool cancelled) {
    ev_.outcome = request_outcome::connected;
    ev_.cancelled = cancelled;
    if (last_->ec) {
        lease_.give_back(false);
        ev_.ec = last_->ec;
        fail();
    }
}

asio::awaitable<void> request_run::exchange(const asio::any_io_executor& here) {
    return on_connection(*lease_, here,
                         exchange_into(next_result(), impl_, *lease_, wire_, handler_.sink(),
                                       fsm_.deadline(), *settings_.timeout));
}

void request_run::exchanged(bool cancelled) {
    exchange_result& r = *last_;
    lease_.give_back(!r.ec && r.keep_alive);
    ev_.outcome = request_outcome::exchanged;
    ev_.cancelled = cancelled;
    if (r.ec) {
        ev_.delivered = handler_.delivered();
        if (const auto own = handler_.own_failure(diag_)) {
            ev_.ec = own;
            return;
        }
        ev_.ec = r.ec;
        ev_.stale = r.stale;
        fail();
        return;
    }
    // A response's metadata, for whoever reads it: the caller's
    // diagnostics, or a failure's.
    const bool recorded = diag_.if_any() != nullptr;
    if (recorded)
        record(r);
    ev_.ec = handler_.finish(r, diag_);
    ev_.delivered = handler_.delivered();  // after finish(): a whole answer makes it so
    if (ev_.ec) {
        if (!recorded)
            record(r);
        ev_.should_retry_header = r.response["x-should-retry"];
        ev_.server_wait =
            server_retry_after(r.response["retry-after-ms"], r.response["retry-after"],
                               std::chrono::system_clock::now(), settings_.retry->max_retry_after);
    }
}

asio::awaitable<void> request_run::back_off() {
    return wait_for(action_.wait);
}

void request_run::waited(bool cancelled) {
    ev_.outcome = request_outcome::waited;
    ev_.cancelled = cancelled;
    diag_.get().response() = response_metadata{};
}

error_code request_run::done() {
    if (action_.ec == asio::error::operation_aborted)
        diag_.get().assign({}, "the operation was cancelled");
    if (auto* d = diag_.if_any())
        d->response().attempts = fsm_.attempts();
    return action_.ec;
}

void request_run::fail() {
    redact(last_->message, impl_.endpoint.secret());
    diag_.get().assign({}, last_->message);
}

void request_run::record(const exchange_result& r) {
    auto& meta = diag_.get().response();
    record_metadata(r.response, meta);
    meta.attempts = fsm_.attempts();
    meta.header_received = r.header_received;
    meta.body_received = r.body_received;
}

}  // namespace openai::images::detail
