// Strands behind any_io_executor. A strand of io_context's own executor is
// small enough for any_io_executor's inline storage; a strand of an
// any_io_executor is not, so every copy of it, and every work guard that
// Asio and Beast make from it, would allocate a box and query the inner
// executor through its type erasure: about 14,000 instructions and 40
// allocations a small request. So the strand is over the concrete executor
// whenever the caller's executor is an io_context's.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

namespace openai::images::detail {

using io_strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using any_strand = boost::asio::strand<boost::asio::any_io_executor>;

/// A new strand of `ex`, type-erased.
inline boost::asio::any_io_executor make_any_strand(const boost::asio::any_io_executor& ex) {
    if (const auto* io = ex.target<boost::asio::io_context::executor_type>())
        return io_strand(*io);
    return any_strand(ex);
}

/// Whether `ex` is a strand of make_any_strand() that this thread runs now.
inline bool running_in_strand(const boost::asio::any_io_executor& ex) noexcept {
    if (const auto* s = ex.target<io_strand>())
        return s->running_in_this_thread();
    if (const auto* s = ex.target<any_strand>())
        return s->running_in_this_thread();
    return false;
}

}  // namespace openai::images::detail
