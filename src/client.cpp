#include <openai/images/client.hpp>
#include <openai/images/detail/retry.hpp>
#include <openai/images/encode.hpp>
#include <openai/images/json.hpp>
#include <openai/images/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <type_traits>
#include <variant>

#include "connection_pool.hpp"
#include "op_completion.hpp"
#include "tls_stream.hpp"
#include "transport.hpp"

namespace openai::images {
namespace asio = boost::asio;

namespace detail {

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct parsed_url {
    origin o;
    std::string prefix;  // path before /images/..., without a trailing slash
    std::string host_header;
};

parsed_url parse_base_url(const std::string& url) {
    auto fail = [&](const std::string& why) {
        diagnostics diag;
        diag.assign("base_url", "base_url: '" + url + "' " + why);
        throw client_error(client_errc::invalid_base_url, diag);
    };
    auto r = boost::urls::parse_absolute_uri(url);
    if (!r)
        fail("is not an absolute URL");
    parsed_url p;
    const std::string scheme(r->scheme());
    if (scheme == "https") {
        p.o.tls = true;
    } else if (scheme == "http") {
        p.o.tls = false;
    } else {
        fail("must start with http:// or https://");
    }
    p.o.host = std::string(r->encoded_host_address());
    if (p.o.host.size() > 2 && p.o.host.front() == '[')
        p.o.host = p.o.host.substr(1, p.o.host.size() - 2);
    if (p.o.host.empty())
        fail("has no host");
    p.o.port = r->has_port() ? std::string(r->port()) : (p.o.tls ? "443" : "80");
    if (!parse_port(p.o.port))
        fail("has port '" + p.o.port + "'; a port is a number from 1 to 65535");
    p.prefix = std::string(r->encoded_path());
    while (!p.prefix.empty() && p.prefix.back() == '/')
        p.prefix.pop_back();
    p.host_header = std::string(r->encoded_host_and_port());
    return p;
}

[[noreturn]] void bad_ca_file(client_errc e, const std::string& path, const std::string& why) {
    diagnostics diag;
    diag.assign("tls.ca_file", "tls.ca_file '" + path + "'" + why);
    throw client_error(e, diag);
}

// Trusts the certificates (and CRLs) of a PEM file, as load_verify_file
// would, but read here first so that a failure says why: OpenSSL only says
// that it could not load the file, whether it is missing or holds no PEM.
// A deleter type rather than decltype(&std::fclose): glibc 2.41 declares
// fclose with attributes, which GCC 14 warns are dropped in a template argument.
struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

void load_ca_file(ssl::context& ctx, const std::string& path) {
    std::string pem;
    {
        const std::unique_ptr<std::FILE, file_closer> f(std::fopen(path.c_str(), "rb"));
        if (!f) {
            bad_ca_file(client_errc::file_open_failed, path,
                        std::string(" cannot be opened: ") + std::strerror(errno));
        }
        char chunk[4096];
        std::size_t n = 0;
        while ((n = std::fread(chunk, 1, sizeof chunk, f.get())) > 0)
            pem.append(chunk, n);
        if (std::ferror(f.get())) {  // a directory opens, then fails to read
            bad_ca_file(client_errc::file_open_failed, path,
                        std::string(" cannot be read: ") + std::strerror(errno));
        }
    }
    if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        bad_ca_file(client_errc::invalid_ca_file, path, ": over 2 GiB, not a CA file");
    using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;
    const bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio)
        throw std::bad_alloc();
    auto free_infos = [](STACK_OF(X509_INFO) * s) { sk_X509_INFO_pop_free(s, X509_INFO_free); };
    const std::unique_ptr<STACK_OF(X509_INFO), decltype(free_infos)> infos(
        PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr), free_infos);
    if (!infos) {
        const auto why = ssl_error().message();
        ERR_clear_error();
        bad_ca_file(client_errc::invalid_ca_file, path, ": a PEM block cannot be read: " + why);
    }
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
    int certificates = 0;
    for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i) {
        const X509_INFO* info = sk_X509_INFO_value(infos.get(), i);
        if (info->x509 != nullptr) {
            if (X509_STORE_add_cert(store, info->x509) != 1)
                bad_ca_file(client_errc::invalid_ca_file, path, ": " + ssl_error().message());
            ++certificates;
        }
        if (info->crl != nullptr && X509_STORE_add_crl(store, info->crl) != 1)
            bad_ca_file(client_errc::invalid_ca_file, path, ": " + ssl_error().message());
    }
    if (certificates == 0)
        bad_ca_file(client_errc::invalid_ca_file, path, ": no PEM certificate found");
}

constexpr const char* tls13_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

std::unique_ptr<ssl::context> make_tls_context(const tls_options& opts) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    // TLS 1.3 suites in the order browsers and Go offer them: AES-128-GCM is
    // as safe as AES-256-GCM and cheaper to decrypt (about 1.4x in `openssl
    // speed` here), which matters for large b64_json answers. The server
    // still chooses.
    if (SSL_CTX_set_ciphersuites(ctx->native_handle(), tls13_ciphersuites) != 1)
        throw boost::system::system_error(detail::ssl_error(), "SSL_CTX_set_ciphersuites");
    if (opts.insecure_skip_verify) {
        ctx->set_verify_mode(ssl::verify_none);
        return ctx;
    }
    ctx->set_verify_mode(ssl::verify_peer);
    if (!opts.ca_file.empty()) {
        load_ca_file(*ctx, opts.ca_file);
    } else {
        boost::system::error_code ec;
        ctx->set_default_verify_paths(ec);
    }
    return ctx;
}

// A header value from the caller goes on the wire as it is: CR or LF would
// let it add headers or end the request's head early, and other control
// characters are not allowed in a field value (RFC 9110, section 5.5).
client_options checked_headers(client_options o) {
    const std::pair<std::string_view, const std::string*> fields[] = {
        {"api_key", &o.api_key}, {"organization", &o.organization}, {"project", &o.project}};
    for (const auto& [name, value] : fields) {
        const auto bad = std::find_if(value->begin(), value->end(), [](char ch) {
            const auto u = static_cast<unsigned char>(ch);
            return (u < 0x20 && u != '\t') || u == 0x7f;
        });
        if (bad != value->end()) {
            diagnostics diag;
            // The value itself is left out: it may be the API key.
            diag.assign(std::string(name),
                        std::string(name) + ": control character " +
                            std::to_string(static_cast<unsigned char>(*bad)) + " at offset " +
                            std::to_string(bad - value->begin()) +
                            "; a header value must be printable text without CR or LF");
            throw client_error(client_errc::invalid_header_value, diag);
        }
    }
    return o;
}

}  // namespace

class client_impl {
  public:
    client_impl(asio::any_io_executor ex, client_options o)
        : executor(std::move(ex)),
          strand(asio::make_strand(executor)),
          opts(checked_headers(std::move(o))),
          url(parse_base_url(opts.base_url)),
          owned_ctx(opts.tls.context ? nullptr : make_tls_context(opts.tls)),
          ctx(opts.tls.context ? opts.tls.context.get() : owned_ctx.get()),
          pool(strand, opts.pool, ctx, counters),
          rng(std::random_device{}()) {}

    asio::any_io_executor executor;
    asio::strand<asio::any_io_executor> strand;
    client_options opts;
    parsed_url url;
    std::unique_ptr<ssl::context> owned_ctx;
    ssl::context* ctx;
    stats_counters counters;
    connection_pool pool;
    std::mt19937_64 rng;  // back-off jitter; used on the strand only
};

namespace {

using json_request = http::request<http::string_body>;
using form_request = http::request<multipart_body>;
using any_request = std::variant<json_request, form_request>;

// The response is allocated only when it arrives: a waiting operation's
// frames (this result is in two of them) stay small.
using op_result = result_of_op<std::unique_ptr<ImagesResponse>>;
using download_result = result_of_op<std::string>;

template <class Message>
void common_headers(Message& m, const client_impl& impl, std::string_view endpoint) {
    m.method(http::verb::post);
    m.target(impl.url.prefix + std::string(endpoint));
    m.version(11);
    m.set(http::field::host, impl.url.host_header);
    m.set(http::field::user_agent, std::string("openai-images-cpp/") + version_string);
    m.set(http::field::accept, "application/json");
    if (!impl.opts.api_key.empty()) {
        m.set(http::field::authorization, "Bearer " + impl.opts.api_key);
    }
    if (!impl.opts.organization.empty())
        m.set("OpenAI-Organization", impl.opts.organization);
    if (!impl.opts.project.empty())
        m.set("OpenAI-Project", impl.opts.project);
}

// Validation and encoding: everything that can fail before a byte is sent.
error_code prepare(const client_impl& impl, const CreateImageRequest& req, any_request& out,
                   diagnostics& diag) {
    if (auto ec = validate(req, diag, impl.opts.validation))
        return ec;
    if (req.stream.value_or(false)) {
        diag.assign("stream", "stream: streaming responses are not supported yet; leave it unset");
        return client_errc::streaming_not_supported;
    }
    json_request m;
    common_headers(m, impl, "/images/generations");
    m.set(http::field::content_type, "application/json");
    m.body() = to_json(req);
    m.prepare_payload();
    out = std::move(m);
    return {};
}

template <class Request>
error_code prepare_form(const client_impl& impl, const Request& req, std::string_view endpoint,
                        any_request& out, diagnostics& diag) {
    if (auto ec = validate(req, diag, impl.opts.validation))
        return ec;
    if constexpr (requires { req.stream; }) {
        if (req.stream.value_or(false)) {
            diag.assign("stream",
                        "stream: streaming responses are not supported yet; leave it unset");
            return client_errc::streaming_not_supported;
        }
    }
    form_request m;
    if (auto ec = encode(req, m.body(), diag))
        return ec;
    common_headers(m, impl, endpoint);
    m.set(http::field::content_type, m.body().content_type());
    m.prepare_payload();
    out = std::move(m);
    return {};
}

error_code prepare(const client_impl& impl, const CreateImageEditRequest& req, any_request& out,
                   diagnostics& diag) {
    return prepare_form(impl, req, "/images/edits", out, diag);
}

error_code prepare(const client_impl& impl, const CreateImageVariationRequest& req,
                   any_request& out, diagnostics& diag) {
    return prepare_form(impl, req, "/images/variations", out, diag);
}

void record_metadata(const http::response_header<>& res, response_metadata& meta) {
    meta.status = res.result_int();
    meta.request_id = std::string(res["x-request-id"]);
    meta.processing_ms.reset();
    if (auto v = res["openai-processing-ms"]; !v.empty()) {
        std::int64_t ms = 0;
        if (std::from_chars(v.data(), v.data() + v.size(), ms).ec == std::errc()) {
            meta.processing_ms = ms;
        }
    }
    meta.rate_limits.clear();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& ch : name)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (name.starts_with("x-ratelimit-"))
            meta.rate_limits.emplace_back(name, std::string(f.value()));
    }
}

// A system_error's what() is "prefix: <code's message> [category:value at
// location]"; the diagnostics keep the prefix only, the code says the rest.
std::string without_code_message(const boost::system::system_error& e) {
    std::string_view what = e.what();
    const std::string tail = ": " + e.code().message();
    if (const auto at = what.rfind(tail); at != std::string_view::npos)
        what = what.substr(0, at);
    else if (what.starts_with(e.code().message()))
        what = {};
    return std::string(what);
}

// The error and message of the exception being handled (an operation's
// coroutine never lets one escape: it completes with an error instead).
error_code error_from_exception(diagnostics& diag) {
    try {
        throw;
    } catch (const client_error& e) {
        diag.assign(e.param(), e.what());
        return e.code();
    } catch (const boost::system::system_error& e) {
        diag.assign({}, without_code_message(e));
        return e.code();
    } catch (const std::exception& e) {
        diag.assign({}, e.what());
    } catch (...) {
        diag.assign({}, "unknown exception");
    }
    return make_error_code(boost::system::errc::io_error);
}

bool is_cancelled(asio::cancellation_state st) {
    return st.cancelled() != asio::cancellation_type::none;
}

exchange_result failed_attempt(error_code ec, std::string message) {
    exchange_result r;
    r.ec = ec;
    r.message = std::move(message);
    return r;
}

// The work on a granted connection: connecting it when new, then the
// exchange. A coroutine of its own so that a request still waiting for a
// connection holds none of this state (coroutine frames keep every local).
// `mode`: what becomes of a 2xx body.
asio::awaitable<exchange_result> use_connection(client_impl& impl, connection& conn,
                                                const origin& o, any_request& req,
                                                steady::time_point deadline, body_mode mode) {
    if (!conn.connected) {
        auto r = co_await connect(conn, o, deadline, impl.opts.timeout, impl.counters);
        if (r.ec)
            co_return r;
    }
    if (auto* j = std::get_if<json_request>(&req))
        co_return co_await exchange(conn, *j, deadline, impl.opts.timeout, impl.opts.limit,
                                    impl.counters, mode);
    co_return co_await exchange(conn, std::get<form_request>(req), deadline, impl.opts.timeout,
                                impl.opts.limit, impl.counters, mode);
}

// One attempt: a connection from the pool, the exchange, the connection back.
// A kept-alive connection the server had closed is replaced and the request
// re-sent, without counting as a retry. `first`, when given, is the outcome of
// the first acquisition, already made by the caller.
using acquired = std::pair<error_code, pool_lease>;

asio::awaitable<exchange_result> attempt(client_impl& impl, const origin& o, any_request& req,
                                         steady::time_point deadline, acquired* first,
                                         body_mode mode) {
    for (int stale_resends = 0;; ++stale_resends) {
        acquired got;
        if (first != nullptr && stale_resends == 0)
            got = std::move(*first);
        else
            got = co_await impl.pool.acquire(o, deadline);
        auto& [ec, lease] = got;
        if (ec) {
            co_return failed_attempt(ec, ec == asio::error::operation_aborted
                                             ? "cancelled while waiting for a connection"
                                             : "waiting for a free connection");
        }
        if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
            // Granted just as the cancellation came: give it back untouched.
            lease.give_back(lease->connected);
            co_return failed_attempt(asio::error::operation_aborted,
                                     "cancelled while waiting for a connection");
        }
        // Should the exchange throw, the lease frees the slot as it unwinds.
        exchange_result r = co_await use_connection(impl, *lease, o, req, deadline, mode);
        // A failed connect leaves r.ec set: the connection is closed. The
        // pool also closes one past pool.max_requests_per_connection.
        lease.give_back(!r.ec && r.keep_alive);
        if (r.ec && r.stale && stale_resends < 3) {
            impl.counters.stale_resends.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        co_return r;
    }
}

// A response with a status outside 2xx: the API's error, or the status and
// an excerpt of a body that is not one.
error_code api_failure(const client_impl& impl, exchange_result& r, diagnostics& diag) {
    auto err = parse_error_body(r.response.body().text, r.response.result_int());
    redact(err.message, impl.opts.api_key);
    const auto code = api_errc_from(r.response.result_int(), err.code);
    diag.assign_api(std::move(err.type), std::move(err.code), std::move(err.param),
                    std::move(err.message));
    return code;
}

// Turns a complete HTTP response into the operation's outcome.
error_code interpret(const client_impl& impl, exchange_result& r, ImagesResponse& out,
                     diagnostics& diag) {
    const unsigned status = r.response.result_int();
    auto& body = r.response.body();
    if (status >= 200 && status < 300) {
        diagnostics parse_diag;
        // Parsed as it was read; an empty body had no reader.
        const error_code ec = body.images ? body.images->finish(out, parse_diag)
                                          : parse_images_response(body.text, out, parse_diag,
                                                                  impl.opts.decode_b64_json);
        body.images.reset();
        if (ec) {
            static_assert(response_body::kept_prefix > 120);
            std::string message = "HTTP " + std::to_string(status) + ": " +
                                  std::string(parse_diag.message()) +
                                  "; body starts: " + excerpt(body.text, 120);
            redact(message, impl.opts.api_key);
            diag.assign(std::string(parse_diag.param()), std::move(message));
            return ec;
        }
        return {};
    }
    return api_failure(impl, r, diag);
}

// Waits before a retry; false when cancelled meanwhile. Apart from
// retry_loop so that its timer is not in retry_loop's frame.
asio::awaitable<bool> back_off(client_impl& impl, std::chrono::milliseconds wait) {
    asio::steady_timer timer(impl.strand, wait);
    auto [ec] = co_await timer.async_wait(tuple_awaitable);
    co_return ec != asio::error::operation_aborted &&
        !is_cancelled(co_await asio::this_coro::cancellation_state);
}

// Attempts until success, a failure not worth retrying, the retry budget or
// the deadline; `on_success(impl, exchange, result, diag)` turns a complete
// response into the result or an error.
template <class Result, class OnSuccess>
asio::awaitable<error_code> retry_loop(client_impl& impl, const origin& o, any_request& wire,
                                       diagnostics& diag, Result& result, OnSuccess on_success,
                                       steady::time_point deadline, acquired* first) {
    // An images operation's 2xx body is parsed as it is read; a download's is kept.
    const body_mode mode = !std::is_same_v<Result, std::unique_ptr<ImagesResponse>>
                               ? body_mode::text
                           : impl.opts.decode_b64_json ? body_mode::decoded_images
                                                       : body_mode::images;
    auto& meta = diag.response();
    for (std::size_t retry = 0;; ++retry) {
        auto r = co_await attempt(impl, o, wire, deadline, retry == 0 ? first : nullptr, mode);
        ++meta.attempts;
        if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
            diag.assign({}, "the operation was cancelled");
            co_return asio::error::operation_aborted;
        }
        std::string_view should_retry_header;
        std::optional<std::chrono::milliseconds> server_wait;
        if (r.ec) {
            redact(r.message, impl.opts.api_key);
            diag.assign({}, r.message);
        } else {
            record_metadata(r.response, meta);
            meta.header_received = r.header_received;
            meta.body_received = r.body_received;
            if (!(r.ec = on_success(impl, r, result, diag)))
                co_return error_code{};
            should_retry_header = r.response["x-should-retry"];
            server_wait = server_retry_after(
                r.response["retry-after-ms"], r.response["retry-after"],
                std::chrono::system_clock::now(), impl.opts.retry.max_retry_after);
        }
        if (retry >= impl.opts.retry.max_retries || !should_retry(r.ec, should_retry_header)) {
            co_return r.ec;
        }
        std::uniform_real_distribution<double> jitter(0.0, 1.0);
        const auto wait =
            server_wait ? *server_wait : computed_backoff(impl.opts.retry, retry, jitter(impl.rng));
        if (steady::now() + wait >= deadline)
            co_return r.ec;
        diag.attempts().push_back({r.ec, meta.status, std::string(diag.message()), wait});
        if (diag.on_retry)
            diag.on_retry(diag.attempts().back(), meta);
        impl.counters.retries.fetch_add(1, std::memory_order_relaxed);
        if (!co_await back_off(impl, wait)) {
            diag.assign({}, "the operation was cancelled");
            co_return asio::error::operation_aborted;
        }
        meta = response_metadata{.attempts = meta.attempts};
        result = Result{};
    }
}

// The attempts of an operation whose first connection is acquired (or whose
// acquisition failed: `first` says so). A coroutine of its own, entered only
// once the wait for a connection is over, so that a waiting request holds
// none of this (the local diagnostics included).
asio::awaitable<op_result> run_attempts(std::shared_ptr<client_impl> impl, any_request& wire,
                                        diagnostics* user_diag, acquired& first,
                                        steady::time_point deadline) {
    op_result out;
    diagnostics local_diag;
    diagnostics& diag = user_diag ? *user_diag : local_diag;
    try {
        out.ec = co_await retry_loop(
            *impl, impl->url.o, wire, diag, out.value,
            [](client_impl& i, exchange_result& r, std::unique_ptr<ImagesResponse>& resp,
               diagnostics& d) {
                auto parsed = std::make_unique<ImagesResponse>();
                const error_code ec = interpret(i, r, *parsed, d);
                if (!ec)
                    resp = std::move(parsed);
                return ec;
            },
            deadline, &first);
    } catch (...) {
        out.ec = error_from_exception(diag);
    }
    co_return out;
}

// An exception while waiting for the first connection (none is expected).
op_result failed_wait(std::exception_ptr e, diagnostics* user_diag) {
    diagnostics local_diag;
    op_result out;
    try {
        std::rethrow_exception(std::move(e));
    } catch (...) {
        out.ec = error_from_exception(user_diag ? *user_diag : local_diag);
    }
    return out;
}

// The network part of an operation whose request is already validated and
// encoded (by spawn).
asio::awaitable<op_result> run_operation(std::shared_ptr<client_impl> impl, any_request wire,
                                         diagnostics* user_diag) {
    std::optional<acquired> first;
    std::exception_ptr failure;
    steady::time_point deadline;
    try {
        // Cancellation of any kind ends the operation; the default filter
        // would pass terminal cancellation only.
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        co_await asio::this_coro::throw_if_cancelled(false);
        deadline = steady::now() + impl->opts.timeout.total;
        // The connection first: a request still waiting for one holds only
        // this frame, not yet those of the attempts.
        first = co_await impl->pool.acquire(impl->url.o, deadline);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure)
        co_return failed_wait(std::move(failure), user_diag);
    co_return co_await run_attempts(std::move(impl), wire, user_diag, *first, deadline);
}

// An operation that failed before the network: it still completes through
// the strand and the handler's executor, never inside the initiating call.
asio::awaitable<op_result> failed_operation(error_code ec) {
    op_result out;
    out.ec = ec;
    co_return out;
}

// Validation and encoding run here, at initiation, on the caller's thread:
// the request object itself never enters a coroutine frame, so a request
// waiting for a connection holds only its encoded form.
template <class Request>
void spawn(const std::shared_ptr<client_impl>& impl, Request req, diagnostics* diag,
           images_handler handler) {
    auto ex = asio::get_associated_executor(handler, impl->executor);
    op_completion<images_handler, std::unique_ptr<ImagesResponse>> done{std::move(handler),
                                                                        std::move(ex)};
    diagnostics local_diag;
    diagnostics& d = diag ? *diag : local_diag;
    d.clear();
    error_code ec;
    any_request wire;
    try {
        if (impl->opts.api_key.empty() && impl->url.o.host == "api.openai.com") {
            d.assign("api_key",
                     "api_key: no API key; set OPENAI_API_KEY or client_options::api_key");
            ec = client_errc::missing_api_key;
        } else {
            ec = prepare(*impl, req, wire, d);
        }
    } catch (...) {
        ec = error_from_exception(d);
    }
    if (ec) {
        asio::co_spawn(impl->strand, failed_operation(ec), std::move(done));
        return;
    }
    asio::co_spawn(impl->strand, run_operation(impl, std::move(wire), diag), std::move(done));
}

// GET of an image URL. The API key goes only to the base URL's own origin.
asio::awaitable<download_result> run_download(std::shared_ptr<client_impl> impl, std::string url,
                                              diagnostics* user_diag) {
    download_result out;
    diagnostics local_diag;
    diagnostics& diag = user_diag ? *user_diag : local_diag;
    diag.clear();
    try {
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        co_await asio::this_coro::throw_if_cancelled(false);
        auto r = boost::urls::parse_absolute_uri(url);
        origin o;
        const std::string scheme = r ? std::string(r->scheme()) : std::string();
        if (!r || (scheme != "https" && scheme != "http") || r->encoded_host().empty()) {
            diag.assign("url", "url: '" + excerpt(url, 200) + "' is not an http(s) URL");
            out.ec = client_errc::invalid_url;
            co_return out;
        }
        o.tls = scheme == "https";
        o.host = std::string(r->encoded_host_address());
        if (o.host.size() > 2 && o.host.front() == '[')
            o.host = o.host.substr(1, o.host.size() - 2);
        o.port = r->has_port() ? std::string(r->port()) : (o.tls ? "443" : "80");
        if (!parse_port(o.port)) {
            diag.assign("url", "url: '" + excerpt(url, 200) + "' has port '" + excerpt(o.port, 40) +
                                   "'; a port is a number from 1 to 65535");
            out.ec = client_errc::invalid_url;
            co_return out;
        }
        json_request m;
        m.method(http::verb::get);
        std::string target(r->encoded_resource());
        m.target(target.empty() ? "/" : target);
        m.version(11);
        m.set(http::field::host, std::string(r->encoded_host_and_port()));
        m.set(http::field::user_agent, std::string("openai-images-cpp/") + version_string);
        m.set(http::field::accept, "*/*");
        if (o == impl->url.o && !impl->opts.api_key.empty())
            m.set(http::field::authorization, "Bearer " + impl->opts.api_key);
        any_request wire = std::move(m);
        out.ec = co_await retry_loop(
            *impl, o, wire, diag, out.value,
            [](client_impl& i, exchange_result& ex, std::string& body, diagnostics& d) {
                const unsigned status = ex.response.result_int();
                if (status >= 200 && status < 300) {
                    body = std::move(ex.response.body().text);
                    return error_code{};
                }
                return api_failure(i, ex, d);
            },
            steady::now() + impl->opts.timeout.total, nullptr);
    } catch (...) {
        out.ec = error_from_exception(diag);
    }
    co_return out;
}

template <class Request>
asio::awaitable<ImagesResponse> run_throwing(client& c, Request req) {
    diagnostics diag;
    error_code ec;
    ImagesResponse resp;
    if constexpr (std::is_same_v<Request, CreateImageRequest>) {
        std::tie(ec, resp) = co_await c.async_create_image(std::move(req), diag, tuple_awaitable);
    } else if constexpr (std::is_same_v<Request, CreateImageEditRequest>) {
        std::tie(ec, resp) =
            co_await c.async_create_image_edit(std::move(req), diag, tuple_awaitable);
    } else {
        std::tie(ec, resp) =
            co_await c.async_create_image_variation(std::move(req), diag, tuple_awaitable);
    }
    if (ec)
        throw api_error(ec, diag);
    co_return resp;
}

}  // namespace
}  // namespace detail

client_options client_options::from_env() {
    client_options o;
    auto env = [](const char* name) -> std::string {
        const char* v = std::getenv(name);
        return v ? std::string(v) : std::string();
    };
    if (auto v = env("OPENAI_API_KEY"); !v.empty())
        o.api_key = v;
    if (auto v = env("OPENAI_BASE_URL"); !v.empty())
        o.base_url = v;
    if (auto v = env("OPENAI_ORG_ID"); !v.empty())
        o.organization = v;
    if (auto v = env("OPENAI_PROJECT_ID"); !v.empty())
        o.project = v;
    if (auto v = env("OPENAI_IMAGES_CA_FILE"); !v.empty())
        o.tls.ca_file = v;
    return o;
}

client::client(executor_type ex, client_options opts)
    : impl_(std::make_shared<detail::client_impl>(std::move(ex), std::move(opts))) {}

client::~client() {
    if (impl_) {
        // Idle connections close on the strand; busy ones close when their
        // operations complete.
        asio::post(impl_->strand, [impl = impl_] { impl->pool.close_idle(); });
    }
}

client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

client::executor_type client::get_executor() const noexcept {
    return impl_->executor;
}
const client_options& client::options() const noexcept {
    return impl_->opts;
}
client_stats client::stats() const noexcept {
    return impl_->counters.snapshot();
}

void client::start(const std::shared_ptr<detail::client_impl>& impl, CreateImageRequest req,
                   diagnostics* diag, images_handler handler) {
    detail::spawn(impl, std::move(req), diag, std::move(handler));
}
void client::start(const std::shared_ptr<detail::client_impl>& impl, CreateImageEditRequest req,
                   diagnostics* diag, images_handler handler) {
    detail::spawn(impl, std::move(req), diag, std::move(handler));
}
void client::start(const std::shared_ptr<detail::client_impl>& impl,
                   CreateImageVariationRequest req, diagnostics* diag, images_handler handler) {
    detail::spawn(impl, std::move(req), diag, std::move(handler));
}

void client::start_download(const std::shared_ptr<detail::client_impl>& impl, std::string url,
                            diagnostics* diag, download_handler handler) {
    auto ex = asio::get_associated_executor(handler, impl->executor);
    asio::co_spawn(
        impl->strand, detail::run_download(impl, std::move(url), diag),
        detail::op_completion<download_handler, std::string>{std::move(handler), std::move(ex)});
}

asio::awaitable<ImagesResponse> client::create_image(CreateImageRequest req) {
    return detail::run_throwing(*this, std::move(req));
}
asio::awaitable<ImagesResponse> client::create_image_edit(CreateImageEditRequest req) {
    return detail::run_throwing(*this, std::move(req));
}
asio::awaitable<ImagesResponse> client::create_image_variation(CreateImageVariationRequest req) {
    return detail::run_throwing(*this, std::move(req));
}

}  // namespace openai::images
