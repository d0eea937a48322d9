// The lazy deadline timer of a connection's socket (src/timed_socket.hpp):
// once the socket is destroyed, nothing of it keeps the io_context busy, even
// when its timer's wait had ended, early for a deadline moved later, and was
// on its way to the socket's executor to be armed again. No socket is opened.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <optional>

#include "strands.hpp"
#include "timed_socket.hpp"

namespace asio = boost::asio;
namespace detail = openai::images::detail;
using namespace std::chrono_literals;
using clock_type = detail::timed_socket::clock;

namespace {

// Runs what is ready until nothing is; then whether the io_context ran out of
// work (a pending timer wait is work).
bool runs_out_of_work(asio::io_context& ioc) {
    while (ioc.poll() > 0) {
    }
    return ioc.stopped();
}

// The socket's timer armed for a deadline already past, the deadline then
// moved an hour later (a store: the wait ends first and looks again), and the
// wait's end run: its look at the deadline is queued on `ex`. Then the socket
// is destroyed, in the window before that look runs.
void destroy_between_end_and_look(asio::io_context& ioc, const asio::any_io_executor& ex) {
    std::optional<detail::timed_socket> s(std::in_place, ex);
    s->expires_at(clock_type::now() - 1s);
    s->expires_at(clock_type::now() + 1h);
    BOOST_TEST(ioc.run_one() == std::size_t{1});
    BOOST_TEST(!ioc.stopped());
    s.reset();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(timed_socket)

BOOST_AUTO_TEST_CASE(destroyed_socket_arms_nothing_more) {
    asio::io_context ioc;
    destroy_between_end_and_look(ioc, ioc.get_executor());
    BOOST_TEST(runs_out_of_work(ioc));
}

BOOST_AUTO_TEST_CASE(destroyed_socket_on_a_strand_arms_nothing_more) {
    asio::io_context ioc;
    destroy_between_end_and_look(ioc, detail::make_any_strand(ioc.get_executor()));
    BOOST_TEST(runs_out_of_work(ioc));
}

BOOST_AUTO_TEST_CASE(idle_socket_with_no_deadline_releases_its_wait) {
    // The pool's release_wait(): an idle connection's armed timer is given up.
    asio::io_context ioc;
    detail::timed_socket s(ioc.get_executor());
    s.expires_at(clock_type::now() + 1h);
    s.expires_never();
    s.release_wait();
    BOOST_TEST(runs_out_of_work(ioc));
}

BOOST_AUTO_TEST_CASE(passed_deadline_closes_the_socket) {
    asio::io_context ioc;
    detail::timed_socket s(ioc.get_executor());
    s.socket().open(asio::ip::tcp::v4());
    s.expires_at(clock_type::now() - 1s);
    BOOST_TEST(runs_out_of_work(ioc));
    BOOST_TEST(!s.socket().is_open());
    const boost::system::error_code aborted = asio::error::operation_aborted;
    const boost::system::error_code timeout = boost::beast::error::timeout;
    BOOST_TEST(s.timeout_result(aborted) == timeout);
}

BOOST_AUTO_TEST_SUITE_END()
