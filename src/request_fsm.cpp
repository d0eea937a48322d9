#include "request_fsm.hpp"

#include <openai/images/detail/retry.hpp>

#include <boost/asio/error.hpp>

namespace openai::images::detail {

request_action request_fsm::resume(const request_event& ev, steady::time_point now,
                                   double jitter01) noexcept {
    if (over_)  // asked again after the end: the same single outcome
        return {request_step::done, outcome_};
    auto done = [this](error_code ec) {
        over_ = true;
        outcome_ = ec;
        return request_action{request_step::done, ec};
    };
    if (ev.cancelled) {
        // A step that failed as the cancellation came still counts as tried.
        if (ev.outcome == request_outcome::exchanged || ev.ec)
            ++attempts_;
        return done(boost::asio::error::operation_aborted);
    }
    switch (ev.outcome) {
        case request_outcome::start:
            return {request_step::acquire};
        case request_outcome::acquired:
            if (ev.ec)
                return fail(ev, now, jitter01);
            return {ev.fresh ? request_step::connect : request_step::exchange};
        case request_outcome::connected:
            if (ev.ec)
                return fail(ev, now, jitter01);
            return {request_step::exchange};
        case request_outcome::exchanged:
            if (!ev.ec) {
                ++attempts_;
                return done({});
            }
            if (ev.delivered) {
                ++attempts_;
                return done(ev.ec);
            }
            if (ev.stale && stale_resends_ < max_stale_resends) {
                ++stale_resends_;
                return {request_step::acquire, {}, std::chrono::milliseconds(0), true};
            }
            return fail(ev, now, jitter01);
        case request_outcome::waited:
            ++retries_;
            stale_resends_ = 0;
            return {request_step::acquire};
    }
    return done(boost::asio::error::invalid_argument);  // not an outcome
}

// An attempt failed with ev.ec: retry after a wait, or give up.
request_action request_fsm::fail(const request_event& ev, steady::time_point now,
                                 double jitter01) noexcept {
    ++attempts_;
    const auto give_up = [&] {
        over_ = true;
        outcome_ = ev.ec;
        return request_action{request_step::done, ev.ec};
    };
    if (retries_ >= policy_->max_retries || !should_retry(ev.ec, ev.should_retry_header))
        return give_up();
    const auto wait =
        ev.server_wait ? *ev.server_wait : computed_backoff(*policy_, retries_, jitter01);
    // A wait that would end past the deadline cannot lead to a useful attempt.
    if (deadline_ - now <= wait)
        return give_up();
    return {request_step::wait, ev.ec, wait};
}

}  // namespace openai::images::detail
