#include "timed_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "strands.hpp"

namespace openai::images::detail {
namespace {

// Where the timer's wait completes: the io_context's own executor under the
// connection's strand. Arming, cancelling and completing a wait there costs
// no work guard and no pass through the strand, which a wait on the strand
// pays each time (a small request arms and cancels once); the rare wait that
// ends is handed to the strand (on_wait).
timed_socket::executor_type timer_executor(const timed_socket::executor_type& ex) {
    if (const auto* s = ex.target<io_strand>())
        return s->get_inner_executor();
    if (const auto* s = ex.target<any_strand>())
        return s->get_inner_executor();
    return ex;
}

}  // namespace

timed_socket::state::state(const executor_type& ex) : socket(ex), timer(timer_executor(ex)) {}

timed_socket::timed_socket(executor_type ex) : state_(std::make_shared<state>(ex)) {}

timed_socket::~timed_socket() {
    // On the socket's executor, as on_wait() runs: a wait that has ended and
    // is on its way there would otherwise find the socket still in use and
    // arm the timer again, for a deadline that nobody will clear (the
    // io_context then stays busy until it passes).
    try {
        boost::asio::post(state_->socket.get_executor(), [s = state_] { shut(*s); });
    } catch (...) {
        // Only the post's allocation can fail: shut here, on this thread.
        shut(*state_);
    }
}

void timed_socket::shut(state& s) noexcept {
    s.gone = true;
    s.waiting = false;
    s.timer.cancel();
    boost::system::error_code ignored;
    s.socket.close(ignored);
}

void timed_socket::expires_at(clock::time_point tp) {
    state& s = *state_;
    s.deadline = tp;
    // No deadline: a pending wait finds none when it ends. A wait that ends
    // at or before tp will look again when it ends.
    if (tp == clock::time_point::max() || (s.waiting && s.timer.expiry() <= tp))
        return;
    arm(state_, tp);
}

void timed_socket::release_wait() {
    if (!state_->waiting.load(std::memory_order_relaxed))
        return;  // nothing to post: the usual case for all but the last used
    boost::asio::post(state_->socket.get_executor(), [s = state_] {
        if (s->waiting && s->deadline == clock::time_point::max()) {
            s->waiting = false;
            s->timer.cancel();
        }
    });
}

void timed_socket::arm(const std::shared_ptr<state>& s, clock::time_point tp) {
    // A pending wait is cancelled by expires_at and then ignored: its number
    // is no longer the latest.
    s->timer.expires_at(tp);
    s->waiting = true;
    const std::uint64_t wait = ++s->wait;
    s->timer.async_wait([s, wait](boost::system::error_code ec) {
        // Runs on any thread of the io_context: it touches nothing of the
        // state but the reference it holds, and the strand does the rest.
        if (!ec)
            boost::asio::post(s->socket.get_executor(), [s, wait] { on_wait(s, wait); });
    });
}

void timed_socket::on_wait(const std::shared_ptr<state>& s, std::uint64_t wait) {
    if (s->gone || wait != s->wait || !s->waiting)
        return;  // the socket is gone, or the wait was cancelled or armed again since it ended
    s->waiting = false;
    if (s->deadline == clock::time_point::max())
        return;  // no phase runs
    if (clock::now() < s->deadline) {
        arm(s, s->deadline);  // the deadline moved later since the wait began
        return;
    }
    // Ends the pending operation, and any later one, with an error.
    s->fired = true;
    boost::system::error_code ignored;
    s->socket.close(ignored);
}

}  // namespace openai::images::detail
