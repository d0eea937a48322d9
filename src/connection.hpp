// One HTTP/1.1 connection to an origin: a TCP stream, with TLS over it for
// https, and what the exchanges on it keep between them (the read buffer,
// the count of responses). The pool keeps the idle ones.
#pragma once

#include "origin.hpp"
#include "timed_socket.hpp"
#include "tls_session_cache.hpp"
#include "tls_stream.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace openai::images::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using steady = std::chrono::steady_clock;

class connection {
  public:
    /// An unconnected stream to `where` on `ex`; TLS with `ctx` when
    /// `where.tls`. Throws boost::system::system_error when OpenSSL cannot
    /// make its SSL object.
    connection(asio::any_io_executor ex, ssl::context* ctx, origin where, std::uint64_t id);

    bool is_tls() const noexcept { return tls_.has_value(); }
    detail::tls_stream& tls_stream() { return *tls_; }
    timed_socket& plain_stream() { return *plain_; }
    timed_socket& lowest() { return tls_ ? tls_->next_layer() : *plain_; }

    /// Whether an idle kept-alive connection can still carry a request,
    /// without blocking: on such a connection the server has no reason to
    /// send anything, so a readable socket (its FIN, an RST, a TLS
    /// close_notify or stray bytes), an error, or bytes left over from the
    /// last response mean that it must not be used. Only for a connection
    /// with no operation pending.
    bool is_alive() noexcept;

    /// Closes the socket at once (no TLS close_notify: the peer learns from the FIN).
    void close() noexcept;

    beast::flat_buffer buffer;
    std::size_t requests = 0;  ///< responses fully received on this connection
    steady::time_point idle_since{};
    bool connected = false;
    std::uint64_t id;
    const origin where;  ///< the pool's key for this connection
    /// TLS: where the connection saves its session after its first response
    /// (null: not saved), and the session it offered to resume (null: none).
    tls_session_cache* sessions = nullptr;
    const SSL_SESSION* offered_session = nullptr;

  private:
    std::optional<timed_socket> plain_;
    std::optional<detail::tls_stream> tls_;
};

}  // namespace openai::images::detail
