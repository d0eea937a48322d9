// The handler co_spawn completes with, for every asynchronous operation of
// the library: it delivers the coroutine's result to the user's handler on
// the handler's own executor, and exposes the handler's cancellation slot so
// that co_spawn wires it to the coroutine.
#pragma once

#include <openai/images/error.hpp>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/system/errc.hpp>

#include <exception>
#include <memory>
#include <utility>

namespace openai::images::detail {

/// What an operation's coroutine returns: an error and a value (or a
/// std::unique_ptr to it, delivered as the value).
template <class T>
struct result_of_op {
    error_code ec;
    T value;
};

template <class Handler, class T>
struct op_completion {
    Handler handler;
    /// Where the handler runs when it has no executor of its own; shared
    /// (usually with the client that runs the operation) rather than copied:
    /// co_spawn keeps several copies of this object in a frame that lives as
    /// long as the operation.
    std::shared_ptr<const boost::asio::any_io_executor> fallback;

    using executor_type = boost::asio::any_completion_executor;
    executor_type get_executor() const {
        return boost::asio::get_associated_executor(handler, *fallback);
    }

    using cancellation_slot_type = boost::asio::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept {
        return handler.get_cancellation_slot();
    }

    void operator()(std::exception_ptr e, result_of_op<T> r) {
        if (e && !r.ec)
            r.ec = make_error_code(boost::system::errc::io_error);
        std::move(handler)(r.ec, unbox(r.value));
    }

  private:
    template <class V>
    static V&& unbox(V& v) {
        return std::move(v);
    }
    // A result that says what the handler gets of it (a stream's).
    template <class V>
    requires requires(V& v) { v.take(); }
    static auto unbox(V& v) { return v.take(); }
    // A result kept on the heap until delivered (so that the coroutine frames
    // of a waiting operation stay small); none means a default value.
    template <class V>
    static V unbox(std::unique_ptr<V>& p) {
        return p ? std::move(*p) : V{};
    }
};

}  // namespace openai::images::detail
