// The fake server's lifetime: the listener, TLS set-up and threads, stop(),
// and the accessors tests use; connections live in server.cpp.
#include "state.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <iostream>
#include <stdexcept>

namespace openai::images::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using state = fake_server::state;
using namespace std::chrono_literals;

// A thousand connections need more descriptors than the usual soft limit of 1024.
void raise_descriptor_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void configure_tls(state& st) {
    const pki& p = test_pki();
    const std::string* cert = &p.server_cert_pem;
    const std::string* key = &p.server_key_pem;
    if (st.opts.cert == cert_choice::wrong_host) {
        cert = &p.wrong_host_cert_pem;
        key = &p.wrong_host_key_pem;
    } else if (st.opts.cert == cert_choice::untrusted) {
        cert = &p.untrusted_cert_pem;
        key = &p.untrusted_key_pem;
    }
    st.ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
    if (st.opts.tls12_only)
        SSL_CTX_set_max_proto_version(st.ssl_ctx.native_handle(), TLS1_2_VERSION);
    if (!st.opts.tls13_ciphersuites.empty() &&
        SSL_CTX_set_ciphersuites(st.ssl_ctx.native_handle(), st.opts.tls13_ciphersuites.c_str()) !=
            1)
        throw std::invalid_argument("fake_server: bad tls13_ciphersuites '" +
                                    st.opts.tls13_ciphersuites + "'");
    st.ssl_ctx.use_certificate_chain(asio::buffer(*cert));
    st.ssl_ctx.use_private_key(asio::buffer(*key), ssl::context::pem);
}

}  // namespace

fake_server::state::state(server_options o) : opts(std::move(o)) {}

fake_server::fake_server(server_options opts) : state_(std::make_unique<state>(std::move(opts))) {
    state& st = *state_;
    if (st.opts.tls)
        configure_tls(st);
    raise_descriptor_limit();

    st.acceptor.emplace(st.ioc);
    const tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), st.opts.port);
    st.acceptor->open(ep.protocol());
    st.acceptor->set_option(tcp::acceptor::reuse_address(true));
    st.acceptor->bind(ep);
    st.acceptor->listen(asio::socket_base::max_listen_connections);
    st.port = st.acceptor->local_endpoint().port();
    st.origin =
        std::string(st.opts.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(st.port);

    detail::spawn_acceptor(st);
    const std::size_t n = std::max<std::size_t>(st.opts.threads, 1);
    for (std::size_t i = 0; i < n; ++i) {
        st.threads.emplace_back([s = &st] {
            try {
                s->ioc.run();
            } catch (const std::exception& e) {
                std::cerr << "fake_server: " << e.what() << '\n';
            }
        });
    }
}

fake_server::~fake_server() {
    stop();
    state_.reset();  // the io_context first: frames left (if any) still see the rest
}

void fake_server::stop() {
    state& st = *state_;
    std::lock_guard stop_lock(st.stop_mu);
    std::vector<std::pair<std::uint64_t, asio::any_io_executor>> open;
    {
        std::lock_guard lock(st.mu);
        if (st.joined)
            return;
        st.stopping = true;
        for (const auto& [id, conn] : st.connections)
            open.emplace_back(id, conn.executor);
    }
    asio::post(*st.acceptor_executor, [s = &st] {
        boost::system::error_code ec;
        s->acceptor->close(ec);
    });
    for (const auto& [conn_id, ex] : open) {
        asio::post(ex, [s = &st, id = conn_id] {
            std::function<void()> close;
            {
                std::lock_guard lock(s->mu);
                auto it = s->connections.find(id);
                if (it != s->connections.end())
                    close = it->second.close;
            }
            if (close)
                close();  // on the connection's strand: never concurrent with its coroutine
        });
    }
    {
        std::unique_lock lock(st.mu);
        if (!st.cv.wait_for(lock, 10s, [&] { return st.live_tasks == 0; }))
            std::cerr << "fake_server: " << st.live_tasks << " tasks still running at stop()\n";
        st.joined = true;
    }
    st.ioc.stop();
    for (auto& t : st.threads)
        t.join();
    st.threads.clear();
}

std::uint16_t fake_server::port() const {
    return state_->port;
}
std::string fake_server::base_url() const {
    return state_->origin + "/v1";
}
const server_options& fake_server::options() const {
    return state_->opts;
}

void fake_server::push_fault(fault f) {
    std::lock_guard order(state_->fifo_mu);
    std::lock_guard lock(state_->mu);
    state_->faults.push_back(std::move(f));
}

void fake_server::push_faults(std::size_t count, fault f) {
    std::lock_guard order(state_->fifo_mu);
    std::lock_guard lock(state_->mu);
    for (std::size_t i = 0; i < count; ++i)
        state_->faults.push_back(f);
}

void fake_server::set_fault_rule(fault_rule rule) {
    auto shared = rule ? std::make_shared<const fault_rule>(std::move(rule)) : nullptr;
    std::lock_guard lock(state_->mu);
    state_->rule = std::move(shared);
}

std::size_t fake_server::pending_faults() const {
    std::lock_guard lock(state_->mu);
    return state_->faults.size();
}

std::vector<request_record> fake_server::requests() const {
    std::lock_guard lock(state_->mu);
    return state_->records;
}

bool fake_server::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] { return state_->arrived >= count; });
}

std::size_t fake_server::connections_accepted() const {
    return state_->accepted;
}
std::size_t fake_server::tls_handshakes() const {
    return state_->handshakes;
}

std::size_t fake_server::tls_resumed() const {
    return state_->resumed;
}
std::size_t fake_server::open_connections() const {
    return state_->open;
}

}  // namespace openai::images::testing
