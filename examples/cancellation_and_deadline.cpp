// Stopping a request: cancelled from outside through a cancellation slot, bounded
// by a deadline of the caller's with awaitable operators, and bounded for
// every request of a client with timeouts.total.
//
//   OPENAI_API_KEY=sk-... ./cancellation_and_deadline
//
// Real generations take seconds, so each of the three stops the request well
// before it completes. (Against the fake server, start it with --latency-ms.)
//
// Configuration (read by client_options::from_env()): OPENAI_API_KEY, OPENAI_BASE_URL,
// and OPENAI_IMAGES_CA_FILE, a PEM file of CAs to trust instead of the system's.
#include <openai/images.hpp>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace oi = openai::images;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

namespace {

const oi::CreateImageRequest request{
    .prompt = "A very detailed city at night",
    .model = oi::ImageModel::gpt_image_1_mini,
    .quality = oi::ImageQuality::high,
    .size = oi::ImageSize::s1024x1024,
};

// 1. A cancellation_signal whose slot is bound to the operation's completion
// token. Emitting it (here from a timer, 200 ms in; in an application, a
// "Stop" button) completes the operation promptly with operation_aborted.
// The connection it used is closed; the client stays usable.
asio::awaitable<bool> cancelled(oi::client& client) {
    // Shared with the timer's handler, which may run after this coroutine moved on.
    auto signal = std::make_shared<asio::cancellation_signal>();
    asio::steady_timer timer(co_await asio::this_coro::executor, 200ms);
    timer.async_wait([signal](oi::error_code ec) {
        if (!ec)
            signal->emit(asio::cancellation_type::terminal);
    });

    auto [ec, response] = co_await client.async_create_image(
        request, asio::bind_cancellation_slot(signal->slot(), asio::as_tuple(asio::use_awaitable)));
    timer.cancel();
    std::cout << "cancelled: " << ec.message() << "\n";
    co_return ec == asio::error::operation_aborted;
}

// 2. A deadline of the caller's: whichever completes first wins and the other
// is cancelled. The request's side uses as_tuple so that a failure counts as
// a completion; with plain use_awaitable, `||` would ignore an early error and
// wait for the timer.
asio::awaitable<bool> deadline(oi::client& client) {
    asio::steady_timer timer(co_await asio::this_coro::executor, 300ms);
    oi::diagnostics diag;
    auto result =
        co_await (client.async_create_image(request, diag, asio::as_tuple(asio::use_awaitable)) ||
                  timer.async_wait(asio::use_awaitable));
    if (result.index() == 1) {
        std::cout << "deadline: no image within 300 ms, request cancelled\n";
        co_return true;
    }
    auto& [ec, response] = std::get<0>(result);
    std::cout << "deadline: completed first: " << (ec ? ec.message() : "an image") << "\n";
    co_return false;
}

// 3. A deadline for every request of a client: timeouts.total covers the
// whole operation, retries and back-off included.
asio::awaitable<bool> client_deadline() {
    oi::client_options opts = oi::client_options::from_env();
    opts.timeout.total = 300ms;
    oi::client quick(co_await asio::this_coro::executor, opts);
    auto [ec, response] =
        co_await quick.async_create_image(request, asio::as_tuple(asio::use_awaitable));
    std::cout << "timeouts.total: " << ec.message() << "\n";
    co_return ec == oi::client_errc::deadline_exceeded;
}

asio::awaitable<bool> run(oi::client& client) {
    const bool ok1 = co_await cancelled(client);
    const bool ok2 = co_await deadline(client);
    const bool ok3 = co_await client_deadline();
    co_return ok1&& ok2&& ok3;
}

}  // namespace

int main() {
    try {
        asio::io_context ioc;
        oi::client client(ioc.get_executor(), oi::client_options::from_env());
        bool ok = false;
        asio::co_spawn(ioc, run(client), [&ok](std::exception_ptr e, bool result) {
            if (e)
                std::rethrow_exception(e);
            ok = result;
        });
        ioc.run();
        if (!ok)
            return 1;
        std::cout << "cancellation_and_deadline ok\n";
    } catch (const std::exception& e) {
        std::cerr << "cancellation_and_deadline failed: " << e.what() << "\n";
        return 1;
    }
}
