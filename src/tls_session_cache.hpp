// TLS sessions saved per origin, so that a new connection to an origin
// resumes one (an abbreviated handshake: no certificate sent or verified, one
// round trip less for TLS 1.2) instead of a full handshake. A client has one
// cache, so sessions never cross TLS settings; they never cross origins
// either, since a resumed session is not verified again. Bounded: a few
// sessions per origin, a few dozen origins (the least recently used goes).
// Thread-safe: connections on any thread save and take sessions.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "origin.hpp"

namespace openai::images::detail {

class tls_session_cache {
  public:
    static constexpr std::size_t max_origins = 32;
    static constexpr std::size_t max_per_origin = 8;

    tls_session_cache() = default;
    ~tls_session_cache();
    tls_session_cache(const tls_session_cache&) = delete;
    tls_session_cache& operator=(const tls_session_cache&) = delete;

    /// Before the handshake: offers a session saved for `where` on `ssl`, if
    /// any, and returns it (null: none). A TLS 1.3 session (a ticket) is
    /// taken, used once as RFC 8446 asks of clients, unless it is the last
    /// one; a TLS 1.2 session stays for other connections.
    const SSL_SESSION* offer(SSL* ssl, const origin& where);

    /// After a response on a connection to `where`: saves the connection's
    /// session when it can be resumed (TLS 1.3 tickets arrive after the
    /// handshake, ahead of the first response). `offered`: what offer()
    /// returned for this connection, not saved again when it was resumed.
    void save(SSL* ssl, const origin& where, const SSL_SESSION* offered);

    /// Sessions saved now, all origins (for tests).
    std::size_t size() const;

  private:
    struct entry {
        origin where;
        std::vector<SSL_SESSION*> sessions;  // oldest first
        std::uint64_t last_used = 0;
    };
    entry* find(const origin& where);  // with m_ held

    mutable std::mutex m_;
    std::vector<entry> entries_;
    std::uint64_t clock_ = 0;
};

}  // namespace openai::images::detail
