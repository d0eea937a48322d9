#include "connection.hpp"

#include <openssl/ssl.h>

#include <poll.h>

#include <cerrno>
#include <utility>

namespace openai::images::detail {

connection::connection(asio::any_io_executor ex, ssl::context* ctx, origin where_,
                       std::uint64_t id_)
    : id(id_), where(std::move(where_)) {
    if (where.tls) {
        tls_.emplace(std::move(ex), *ctx);
    } else {
        plain_.emplace(std::move(ex));
    }
}

bool connection::is_alive() noexcept {
    if (!connected || buffer.size() != 0)
        return false;
    if (tls_ && SSL_has_pending(tls_->native_handle()) == 1)
        return false;
    auto& sock = lowest().socket();
    if (!sock.is_open())
        return false;
    ::pollfd p{};
    p.fd = sock.native_handle();
    p.events = POLLIN;
    int n = 0;
    do {
        n = ::poll(&p, 1, 0);
    } while (n < 0 && errno == EINTR);
    // Readable, hung up or in error: none of them leaves it usable.
    return n == 0;
}

void connection::close() noexcept {
    boost::system::error_code ignored;
    lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
    connected = false;
}

}  // namespace openai::images::detail
