#include "tls_session_cache.hpp"

#include <algorithm>
#include <cstdio>

namespace openai::images::detail {

tls_session_cache::~tls_session_cache() {
    for (auto& e : entries_)
        for (SSL_SESSION* s : e.sessions)
            SSL_SESSION_free(s);
}

tls_session_cache::entry* tls_session_cache::find(const origin& where) {
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const entry& e) { return e.where == where; });
    return it == entries_.end() ? nullptr : &*it;
}

const SSL_SESSION* tls_session_cache::offer(SSL* ssl, const origin& where) {
    SSL_SESSION* session = nullptr;
    {
        const std::lock_guard lock(m_);
        entry* e = find(where);
        if (e == nullptr || e->sessions.empty())
            return nullptr;
        e->last_used = ++clock_;
        session = e->sessions.back();  // the newest
        // A TLS 1.3 ticket is taken while others remain. The last one is
        // lent (a copy) rather than left to a full handshake: servers send
        // two tickets after a full handshake but often none after a resumed
        // one, and they accept a ticket twice. A TLS 1.2 session is always
        // lent: it serves every connection.
        if (SSL_SESSION_get_protocol_version(session) >= TLS1_3_VERSION && e->sessions.size() > 1)
            e->sessions.pop_back();
        else
            session = SSL_SESSION_dup(session);  // see save(): never shared with a connection
    }
    if (session == nullptr)
        return nullptr;
    // A session OpenSSL will not resume (expired, another version) is
    // ignored by it: the handshake is then a full one.
    const bool set = SSL_set_session(ssl, session) == 1;  // takes a reference of its own
    SSL_SESSION_free(session);
    return set ? session : nullptr;
}

void tls_session_cache::save(SSL* ssl, const origin& where, const SSL_SESSION* offered) {
    SSL_SESSION* session = SSL_get1_session(ssl);
    if (session == nullptr)
        return;
    // The session offered, resumed: a TLS 1.3 ticket used (the server sent
    // no new one), or a TLS 1.2 session the cache has.
    if (session == offered || SSL_SESSION_is_resumable(session) != 1) {
        SSL_SESSION_free(session);
        return;
    }
    // A copy, and a copy to each TLS 1.2 connection that resumes it: OpenSSL
    // marks a connection's session as not resumable when the connection is
    // freed without a close_notify sent, which is how this client closes
    // connections.
    SSL_SESSION* copy = SSL_SESSION_dup(session);
    SSL_SESSION_free(session);
    if (copy == nullptr)
        return;
    std::vector<SSL_SESSION*> evicted;
    {
        const std::lock_guard lock(m_);
        entry* e = find(where);
        if (e == nullptr) {
            if (entries_.size() == max_origins) {
                const auto lru = std::min_element(
                    entries_.begin(), entries_.end(),
                    [](const entry& a, const entry& b) { return a.last_used < b.last_used; });
                evicted = std::move(lru->sessions);
                entries_.erase(lru);
            }
            e = &entries_.emplace_back(entry{where, {}, 0});
        }
        e->last_used = ++clock_;
        auto& list = e->sessions;
        if (SSL_SESSION_get_protocol_version(copy) < TLS1_3_VERSION) {
            // TLS 1.2 keeps its latest session only: it is reused, not taken.
            evicted.insert(evicted.end(), list.begin(), list.end());
            list.clear();
        } else if (list.size() == max_per_origin) {
            evicted.push_back(list.front());
            list.erase(list.begin());
        }
        list.push_back(copy);
    }
    for (SSL_SESSION* s : evicted)  // freed outside the lock
        SSL_SESSION_free(s);
}

std::size_t tls_session_cache::size() const {
    const std::lock_guard lock(m_);
    std::size_t n = 0;
    for (const auto& e : entries_)
        n += e.sessions.size();
    return n;
}

}  // namespace openai::images::detail
