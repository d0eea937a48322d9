// The TLS session cache: sessions per origin only, TLS 1.3 tickets taken
// once (but the last), TLS 1.2 sessions kept, a used one never saved twice, and the
// bounds per origin and on origins. Sessions are made by hand (an id makes
// one resumable), set on SSL objects as a handshake would leave them.
#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tls_session_cache.hpp"

namespace {

using openai::images::detail::origin;
using openai::images::detail::tls_session_cache;

struct ctx_deleter {
    void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
struct ssl_deleter {
    void operator()(SSL* s) const noexcept { SSL_free(s); }
};
using ssl_ptr = std::unique_ptr<SSL, ssl_deleter>;

struct fixture {
    std::unique_ptr<SSL_CTX, ctx_deleter> ctx{SSL_CTX_new(TLS_client_method())};
    std::vector<ssl_ptr> ssls;  // each connection's SSL object, alive to the end
    unsigned next_id = 0;

    SSL* new_ssl() {
        ssls.emplace_back(SSL_new(ctx.get()));
        BOOST_REQUIRE(ssls.back());
        return ssls.back().get();
    }
    // A connection whose handshake left a resumable session of `version`.
    SSL* connected(int version) {
        SSL* ssl = new_ssl();
        SSL_SESSION* s = SSL_SESSION_new();
        BOOST_REQUIRE(s != nullptr);
        const unsigned id = ++next_id;
        unsigned char bytes[4] = {static_cast<unsigned char>(id),
                                  static_cast<unsigned char>(id >> 8), 1, 2};
        BOOST_REQUIRE(SSL_SESSION_set1_id(s, bytes, sizeof bytes) == 1);
        BOOST_REQUIRE(SSL_SESSION_set_protocol_version(s, version) == 1);
        BOOST_REQUIRE(SSL_set_session(ssl, s) == 1);
        SSL_SESSION_free(s);
        return ssl;
    }
};

// Sessions are copied in and out of the cache: they are told by their ids.
std::string id_of(const SSL_SESSION* s) {
    if (s == nullptr)
        return "none";
    unsigned len = 0;
    const unsigned char* id = SSL_SESSION_get_id(s, &len);
    return std::string(reinterpret_cast<const char*>(id), len);
}
std::string id_of(const SSL* ssl) {
    return id_of(SSL_get0_session(ssl));
}

const origin api{true, "api.example", "443"};
const origin cdn{true, "cdn.example", "443"};

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_session_cache_rules)

BOOST_FIXTURE_TEST_CASE(a_ticket_goes_to_its_origin_only, fixture) {
    tls_session_cache cache;
    SSL* first = connected(TLS1_3_VERSION);
    cache.save(first, api, nullptr);
    BOOST_TEST(cache.size() == 1u);
    BOOST_TEST(cache.offer(new_ssl(), cdn) == nullptr);  // another host
    BOOST_TEST(cache.offer(new_ssl(), origin{false, "api.example", "443"}) == nullptr);
    BOOST_TEST(cache.offer(new_ssl(), origin{true, "api.example", "8443"}) == nullptr);
    SSL* second = new_ssl();
    const SSL_SESSION* offered = cache.offer(second, api);
    BOOST_TEST(id_of(offered) == id_of(first));
    BOOST_TEST(SSL_get0_session(second) == offered);
    // The server sent no new ticket: the one used is not saved twice.
    cache.save(second, api, offered);
    BOOST_TEST(cache.size() == 1u);
}

// Tickets are used once while there are others; the last one is lent
// again rather than leaving the next connection to a full handshake.
BOOST_FIXTURE_TEST_CASE(tickets_are_taken_but_the_last_is_lent, fixture) {
    tls_session_cache cache;
    SSL* a = connected(TLS1_3_VERSION);
    SSL* b = connected(TLS1_3_VERSION);
    cache.save(a, api, nullptr);
    cache.save(b, api, nullptr);
    BOOST_TEST(id_of(cache.offer(new_ssl(), api)) == id_of(b));  // the newest, taken
    BOOST_TEST(cache.size() == 1u);
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(id_of(cache.offer(new_ssl(), api)) == id_of(a));  // lent
        BOOST_TEST(cache.size() == 1u);
    }
}

BOOST_FIXTURE_TEST_CASE(a_tls12_session_serves_many_connections, fixture) {
    tls_session_cache cache;
    SSL* first = connected(TLS1_2_VERSION);
    cache.save(first, api, nullptr);
    for (int i = 0; i < 3; ++i) {
        SSL* next = new_ssl();
        const SSL_SESSION* offered = cache.offer(next, api);
        BOOST_TEST(id_of(offered) == id_of(first));
        BOOST_TEST(SSL_get0_session(next) == offered);
        cache.save(next, api, offered);  // resumed: the same session, kept once
        BOOST_TEST(cache.size() == 1u);
    }
    // A new TLS 1.2 session replaces the old one.
    SSL* other = connected(TLS1_2_VERSION);
    cache.save(other, api, nullptr);
    BOOST_TEST(cache.size() == 1u);
    BOOST_TEST(id_of(cache.offer(new_ssl(), api)) == id_of(other));
}

BOOST_FIXTURE_TEST_CASE(the_cache_is_bounded, fixture) {
    tls_session_cache cache;
    for (std::size_t i = 0; i < tls_session_cache::max_per_origin + 3; ++i)
        cache.save(connected(TLS1_3_VERSION), api, nullptr);
    BOOST_TEST(cache.size() == tls_session_cache::max_per_origin);

    // Origins: the least recently used goes. `api`, used before any other
    // origin came, is the one that goes when the 33rd comes.
    BOOST_TEST(cache.offer(new_ssl(), api) != nullptr);
    for (std::size_t i = 0; i < tls_session_cache::max_origins; ++i)
        cache.save(connected(TLS1_3_VERSION), origin{true, "h" + std::to_string(i), "443"},
                   nullptr);
    BOOST_TEST(cache.offer(new_ssl(), api) == nullptr);
    BOOST_TEST(cache.size() == tls_session_cache::max_origins);
    BOOST_TEST(cache.offer(new_ssl(), origin{true, "h0", "443"}) != nullptr);
}

BOOST_FIXTURE_TEST_CASE(sessions_that_cannot_resume_are_not_saved, fixture) {
    tls_session_cache cache;
    cache.save(new_ssl(), api, nullptr);  // no session at all
    SSL* ssl = new_ssl();
    SSL_SESSION* s = SSL_SESSION_new();  // no id, no ticket
    BOOST_REQUIRE(SSL_set_session(ssl, s) == 1);
    SSL_SESSION_free(s);
    cache.save(ssl, api, nullptr);
    BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
