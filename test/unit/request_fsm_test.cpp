// The request machine driven step by step with scripted outcomes and a fake
// clock: every row of ARCHITECTURE.md's failure table, the server's
// retry-after and the computed back-off, stale re-sends, the overall deadline
// and cancellation after every step. No socket anywhere.
#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "request_fsm.hpp"
#include "test_common.hpp"

namespace oi = openai::images;
namespace detail = openai::images::detail;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using detail::request_event;
using detail::request_outcome;
using detail::request_step;
using ms = std::chrono::milliseconds;

namespace {

// A machine and a clock that only moves when the test says so.
struct machine {
    explicit machine(oi::retry_policy p = {}, ms total = 900'000ms)
        : policy(p),
          start(detail::steady::time_point{} + 1000h),
          now(start),
          fsm(policy, start + total) {}

    detail::request_action resume(request_event ev, double jitter = 0.0) {
        return fsm.resume(ev, now, jitter);
    }
    detail::request_action begin() { return resume({}); }
    detail::request_action acquired(bool fresh = false, oi::error_code ec = {}) {
        request_event ev;
        ev.outcome = request_outcome::acquired;
        ev.fresh = fresh;
        ev.ec = ec;
        return resume(ev);
    }
    detail::request_action connected(oi::error_code ec = {}) {
        request_event ev;
        ev.outcome = request_outcome::connected;
        ev.ec = ec;
        return resume(ev);
    }
    detail::request_action exchanged(oi::error_code ec = {}, bool stale = false,
                                     std::string_view should_retry = {},
                                     std::optional<ms> server_wait = std::nullopt,
                                     double jitter = 0.0) {
        request_event ev;
        ev.outcome = request_outcome::exchanged;
        ev.ec = ec;
        ev.stale = stale;
        ev.should_retry_header = should_retry;
        ev.server_wait = server_wait;
        return resume(ev, jitter);
    }
    detail::request_action waited(ms elapsed) {
        now += elapsed;
        request_event ev;
        ev.outcome = request_outcome::waited;
        return resume(ev);
    }

    oi::retry_policy policy;
    detail::steady::time_point start, now;
    detail::request_fsm fsm;
};

// One attempt on a kept-alive connection that ends with `ec`; the action after it.
detail::request_action one_failed_attempt(oi::error_code ec, std::string_view should_retry = {}) {
    machine m;
    BOOST_TEST((m.begin().step == request_step::acquire));
    BOOST_TEST((m.acquired().step == request_step::exchange));
    return m.exchanged(ec, false, should_retry);
}

bool retried(oi::error_code ec, std::string_view should_retry = {}) {
    const auto a = one_failed_attempt(ec, should_retry);
    BOOST_TEST((a.step == request_step::wait || a.step == request_step::done));
    if (a.step == request_step::done)
        BOOST_TEST(a.ec == ec);
    return a.step == request_step::wait;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_fsm)

BOOST_AUTO_TEST_CASE(a_new_connection_is_connected_then_exchanged_once) {
    machine m;
    BOOST_TEST((m.begin().step == request_step::acquire));
    BOOST_TEST((m.acquired(true).step == request_step::connect));
    BOOST_TEST((m.connected().step == request_step::exchange));
    const auto a = m.exchanged();
    BOOST_TEST((a.step == request_step::done));
    BOOST_TEST(!a.ec);
    BOOST_TEST(m.fsm.attempts() == 1u);
    BOOST_TEST(m.fsm.retries() == 0u);
}

BOOST_AUTO_TEST_CASE(a_kept_alive_connection_skips_connect) {
    machine m;
    m.begin();
    BOOST_TEST((m.acquired(false).step == request_step::exchange));
}

BOOST_AUTO_TEST_CASE(failure_table_rows_that_are_retried) {
    BOOST_TEST(retried(asio::error::connection_refused));
    BOOST_TEST(retried(asio::error::connection_reset));
    BOOST_TEST(retried(asio::error::broken_pipe));
    BOOST_TEST(retried(asio::error::host_not_found_try_again));
    BOOST_TEST(retried(oi::client_errc::connect_timeout));
    BOOST_TEST(retried(oi::client_errc::handshake_timeout));
    BOOST_TEST(retried(oi::client_errc::response_header_timeout));
    BOOST_TEST(retried(oi::client_errc::body_idle_timeout));
    BOOST_TEST(retried(oi::client_errc::truncated_response));
    BOOST_TEST(retried(oi::api_errc::request_timeout));
    BOOST_TEST(retried(oi::api_errc::conflict));
    BOOST_TEST(retried(oi::api_errc::rate_limited));
    BOOST_TEST(retried(oi::api_errc::server_error));
}

BOOST_AUTO_TEST_CASE(failure_table_rows_that_are_not_retried) {
    BOOST_TEST(!retried(asio::error::host_not_found));
    BOOST_TEST(!retried(asio::error::no_data));
    BOOST_TEST(!retried(oi::client_errc::tls_certificate_rejected));
    BOOST_TEST(!retried(oi::client_errc::deadline_exceeded));
    BOOST_TEST(!retried(oi::client_errc::pool_wait_timeout));
    BOOST_TEST(!retried(oi::client_errc::response_too_large));
    BOOST_TEST(!retried(oi::client_errc::malformed_response));
    BOOST_TEST(!retried(oi::client_errc::invalid_json));
    BOOST_TEST(!retried(oi::client_errc::unexpected_json));
    BOOST_TEST(!retried(oi::api_errc::bad_request));
    BOOST_TEST(!retried(oi::api_errc::authentication_error));
    BOOST_TEST(!retried(oi::api_errc::permission_denied));
    BOOST_TEST(!retried(oi::api_errc::not_found));
    BOOST_TEST(!retried(oi::api_errc::unprocessable_entity));
    BOOST_TEST(!retried(oi::api_errc::insufficient_quota));
    BOOST_TEST(!retried(oi::api_errc::moderation_blocked));
}

BOOST_AUTO_TEST_CASE(x_should_retry_overrides_except_never_rows) {
    BOOST_TEST(retried(oi::api_errc::bad_request, "true"));
    BOOST_TEST(!retried(oi::api_errc::server_error, "false"));
    BOOST_TEST(!retried(oi::api_errc::insufficient_quota, "true"));
    BOOST_TEST(!retried(oi::api_errc::moderation_blocked, "true"));
}

BOOST_AUTO_TEST_CASE(backoff_doubles_with_jitter_and_retries_stop_at_max) {
    oi::retry_policy p;
    p.max_retries = 3;
    p.initial_backoff = 500ms;
    p.max_backoff = 1'500ms;
    machine m(p);
    m.begin();
    m.acquired();
    auto a = m.exchanged(oi::api_errc::server_error);
    BOOST_TEST((a.step == request_step::wait));
    BOOST_TEST(a.wait.count() == 500);
    BOOST_TEST(a.ec == oi::api_errc::server_error);
    BOOST_TEST((m.waited(a.wait).step == request_step::acquire));
    m.acquired();
    // Full jitter takes 25 % off.
    a = m.exchanged(oi::api_errc::server_error, false, {}, std::nullopt, 0.999999);
    BOOST_TEST(a.wait.count() == 750);
    m.waited(a.wait);
    m.acquired();
    a = m.exchanged(oi::api_errc::server_error);
    BOOST_TEST(a.wait.count() == 1'500);  // 2000 capped
    m.waited(a.wait);
    m.acquired();
    a = m.exchanged(oi::api_errc::server_error);
    BOOST_TEST((a.step == request_step::done));
    BOOST_TEST(a.ec == oi::api_errc::server_error);
    BOOST_TEST(m.fsm.attempts() == 4u);
    BOOST_TEST(m.fsm.retries() == 3u);
}

BOOST_AUTO_TEST_CASE(the_servers_retry_after_replaces_the_backoff) {
    machine m;
    m.begin();
    m.acquired();
    const auto a = m.exchanged(oi::api_errc::rate_limited, false, {}, 12'345ms);
    BOOST_TEST((a.step == request_step::wait));
    BOOST_TEST(a.wait.count() == 12'345);
}

BOOST_AUTO_TEST_CASE(a_wait_past_the_deadline_gives_up_with_the_failure) {
    machine m({}, 10'000ms);
    m.begin();
    m.acquired();
    auto a = m.exchanged(oi::api_errc::rate_limited, false, {}, 9'000ms);
    BOOST_TEST((a.step == request_step::wait));
    m.waited(9'000ms);
    m.acquired();
    // 1 s left: a 1 s wait would end at the deadline.
    a = m.exchanged(oi::api_errc::rate_limited, false, {}, 1'000ms);
    BOOST_TEST((a.step == request_step::done));
    BOOST_TEST(a.ec == oi::api_errc::rate_limited);
}

BOOST_AUTO_TEST_CASE(zero_max_retries_never_waits) {
    oi::retry_policy p;
    p.max_retries = 0;
    machine m(p);
    m.begin();
    m.acquired();
    const auto a = m.exchanged(oi::api_errc::server_error);
    BOOST_TEST((a.step == request_step::done));
    BOOST_TEST(m.fsm.attempts() == 1u);
}

BOOST_AUTO_TEST_CASE(a_stale_connection_is_replaced_without_a_retry) {
    machine m;
    m.begin();
    m.acquired();
    auto a = m.exchanged(asio::error::connection_reset, true);
    BOOST_TEST((a.step == request_step::acquire));
    BOOST_TEST(a.stale_resend);
    BOOST_TEST((m.acquired(true).step == request_step::connect));
    m.connected();
    a = m.exchanged();
    BOOST_TEST((a.step == request_step::done));
    BOOST_TEST(!a.ec);
    BOOST_TEST(m.fsm.attempts() == 1u);
    BOOST_TEST(m.fsm.retries() == 0u);
}

BOOST_AUTO_TEST_CASE(a_failure_after_an_event_was_delivered_is_never_retried) {
    // A streamed answer cut after its first event: retryable as an error,
    // but the caller already has part of the answer.
    for (const oi::error_code ec :
         {oi::error_code(oi::client_errc::truncated_response),
          oi::error_code(oi::client_errc::stream_idle_timeout), oi::error_code(asio::error::eof)}) {
        machine m;
        m.begin();
        m.acquired();
        request_event ev;
        ev.outcome = request_outcome::exchanged;
        ev.ec = ec;
        ev.delivered = true;
        ev.should_retry_header = "true";
        const auto a = m.resume(ev);
        BOOST_TEST((a.step == request_step::done));
        BOOST_TEST(a.ec == ec);
        BOOST_TEST(m.fsm.attempts() == 1u);
        BOOST_TEST(m.fsm.retries() == 0u);
        // The same failure before any event is retried.
        machine before;
        before.begin();
        before.acquired();
        ev.delivered = false;
        BOOST_TEST((before.resume(ev).step == request_step::wait));
    }
}

BOOST_AUTO_TEST_CASE(stale_resends_stop_after_three_in_a_row) {
    machine m;
    m.begin();
    m.acquired();
    for (int i = 0; i < 3; ++i) {
        const auto a = m.exchanged(asio::error::connection_reset, true);
        BOOST_TEST((a.step == request_step::acquire));
        BOOST_TEST(a.stale_resend);
        m.acquired();
    }
    // The fourth is the attempt's failure: retried as a reset.
    auto a = m.exchanged(asio::error::connection_reset, true);
    BOOST_TEST((a.step == request_step::wait));
    BOOST_TEST(!a.stale_resend);
    BOOST_TEST(m.fsm.attempts() == 1u);
    // The next attempt has its own three.
    BOOST_TEST((m.waited(a.wait).step == request_step::acquire));
    m.acquired();
    a = m.exchanged(asio::error::connection_reset, true);
    BOOST_TEST(a.stale_resend);
}

BOOST_AUTO_TEST_CASE(a_failed_acquisition_or_connect_is_an_attempt) {
    {
        machine m;
        m.begin();
        const auto a = m.acquired(false, oi::client_errc::pool_wait_timeout);
        BOOST_TEST((a.step == request_step::done));
        BOOST_TEST(a.ec == oi::client_errc::pool_wait_timeout);
        BOOST_TEST(m.fsm.attempts() == 1u);
    }
    {
        machine m;
        m.begin();
        m.acquired(true);
        auto a = m.connected(asio::error::connection_refused);
        BOOST_TEST((a.step == request_step::wait));
        BOOST_TEST((m.waited(a.wait).step == request_step::acquire));
        BOOST_TEST((m.acquired(true).step == request_step::connect));
        a = m.connected(oi::client_errc::tls_certificate_rejected);
        BOOST_TEST((a.step == request_step::done));
        BOOST_TEST(a.ec == oi::client_errc::tls_certificate_rejected);
        BOOST_TEST(m.fsm.attempts() == 2u);
    }
}

BOOST_AUTO_TEST_CASE(cancellation_after_every_step_ends_with_operation_aborted) {
    const request_outcome steps[] = {request_outcome::start, request_outcome::acquired,
                                     request_outcome::connected, request_outcome::exchanged,
                                     request_outcome::waited};
    for (const auto at : steps) {
        machine m;
        // Walk to the step, then report it cancelled.
        if (at != request_outcome::start)
            m.begin();
        if (at == request_outcome::connected || at == request_outcome::exchanged ||
            at == request_outcome::waited)
            m.acquired(true);
        if (at == request_outcome::exchanged || at == request_outcome::waited)
            m.connected();
        if (at == request_outcome::waited)
            m.exchanged(oi::api_errc::server_error);
        request_event ev;
        ev.outcome = at;
        ev.cancelled = true;
        // A cancelled step may also report the error it ended with.
        ev.ec = at == request_outcome::start ? oi::error_code{} : asio::error::operation_aborted;
        const auto a = m.resume(ev);
        BOOST_TEST_CONTEXT("step " << static_cast<int>(at)) {
            BOOST_TEST((a.step == request_step::done));
            BOOST_TEST(a.ec == asio::error::operation_aborted);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_successful_response_wins_over_nothing_but_cancellation) {
    machine m;
    m.begin();
    m.acquired();
    request_event ev;
    ev.outcome = request_outcome::exchanged;
    ev.cancelled = true;
    const auto a = m.resume(ev);
    BOOST_TEST(a.ec == asio::error::operation_aborted);
    BOOST_TEST(m.fsm.attempts() == 1u);
}

BOOST_AUTO_TEST_CASE(after_the_end_the_outcome_stays_the_same) {
    machine m;
    m.begin();
    m.acquired();
    const auto first = m.exchanged(oi::api_errc::bad_request);
    BOOST_TEST((first.step == request_step::done));
    const auto again = m.exchanged();
    BOOST_TEST((again.step == request_step::done));
    BOOST_TEST(again.ec == oi::api_errc::bad_request);
}

BOOST_AUTO_TEST_SUITE_END()
