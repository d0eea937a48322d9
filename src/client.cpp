#include <openai/images/client.hpp>
#include <openai/images/detail/retry.hpp>
#include <openai/images/encode.hpp>
#include <openai/images/json.hpp>
#include <openai/images/validate.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstdlib>
#include <exception>
#include <memory>
#include <type_traits>

#include "client_impl.hpp"
#include "images_sink.hpp"
#include "op_completion.hpp"
#include "operation_start.hpp"
#include "request_driver.hpp"
#include "strands.hpp"
#include "tls_context.hpp"

namespace openai::images {
namespace asio = boost::asio;

namespace detail {
namespace {

// Whether the client runs without a strand of its own (single_thread);
// throws client_error when the threading options contradict each other.
bool checked_threading(const client_options& o) {
    if (o.single_thread && o.strand_per_operation) {
        diagnostics diag;
        diag.assign("single_thread",
                    "single_thread and strand_per_operation are both set; choose one: "
                    "single_thread runs everything on the executor itself, "
                    "strand_per_operation spreads the work over strands");
        throw client_error(client_errc::incompatible_parameters, diag);
    }
    return o.single_thread;
}

}  // namespace

client_impl::client_impl(asio::any_io_executor ex, client_options o)
    : executor(std::move(ex)),
      strand(checked_threading(o) ? executor : make_any_strand(executor)),
      opts(std::move(o)),
      endpoint(opts),
      owned_ctx(opts.tls.context ? nullptr : make_tls_context(opts.tls)),
      ctx(opts.tls.context ? opts.tls.context.get() : owned_ctx.get()),
      pool(opts.strand_per_operation ? executor : strand, opts.pool, ctx, counters,
           opts.strand_per_operation),
      connector(make_direct_connector(tls_sessions)) {}

namespace {

// An images operation's responses: a 2xx body parsed as it arrives. The
// response is allocated only when it arrives: a waiting operation's frame
// stays small.
class images_response_handler final : public response_handler {
  public:
    images_response_handler(const client_impl& impl, std::unique_ptr<ImagesResponse>& out)
        : impl_(impl), sink_(impl.opts.decode_b64_json), out_(out) {}

    body_sink* sink() override {
        sink_.reset();
        return &sink_;
    }

    error_code finish(exchange_result& r, lazy_diagnostics& diag) override {
        const unsigned status = r.response.result_int();
        if (status < 200 || status >= 300)
            return api_failure(impl_, r, diag.get());
        auto parsed = std::make_unique<ImagesResponse>();
        diagnostics parse_diag;
        const auto& text = r.response.body().text;
        // An empty body never reached the sink.
        const error_code ec = sink_.started() ? sink_.finish(*parsed, parse_diag)
                                              : parse_images_response(text, *parsed, parse_diag,
                                                                      impl_.opts.decode_b64_json);
        if (ec)
            return unreadable_answer(impl_, ec, status, text, parse_diag, diag.get());
        out_ = std::move(parsed);
        return {};
    }

  private:
    const client_impl& impl_;
    images_sink sink_;
    std::unique_ptr<ImagesResponse>& out_;
};

// A download's responses: a 2xx body kept whole as bytes.
class download_response_handler final : public response_handler {
  public:
    download_response_handler(const client_impl& impl, std::string& out) : impl_(impl), out_(out) {}

    body_sink* sink() override { return nullptr; }

    error_code finish(exchange_result& r, lazy_diagnostics& diag) override {
        const unsigned status = r.response.result_int();
        if (status < 200 || status >= 300)
            return api_failure(impl_, r, diag.get());
        out_ = std::move(r.response.body().text);
        return {};
    }

  private:
    const client_impl& impl_;
    std::string& out_;
};

}  // namespace

// A response with a status outside 2xx: the API's error, or the status and
// an excerpt of a body that is not one.
error_code api_failure(const client_impl& impl, exchange_result& r, diagnostics& diag) {
    auto err = parse_error_body(r.response.body().text, r.response.result_int());
    redact(err.message, impl.endpoint.secret());
    const auto code = api_errc_from(r.response.result_int(), err.code);
    diag.assign_api(std::move(err.type), std::move(err.code), std::move(err.param),
                    std::move(err.message));
    return code;
}

error_code unreadable_answer(const client_impl& impl, error_code ec, unsigned status,
                             std::string_view body, const diagnostics& parse_diag,
                             diagnostics& diag) {
    static_assert(response_body::kept_prefix > 120);
    std::string message = "HTTP " + std::to_string(status) + ": " +
                          std::string(parse_diag.message()) +
                          "; body starts: " + excerpt(body, 120);
    redact(message, impl.endpoint.secret());
    diag.assign(std::string(parse_diag.param()), std::move(message));
    return ec;
}

// The client's strand, or a new one when each operation has its own.
asio::any_io_executor operation_strand(const client_impl& impl) {
    if (impl.opts.strand_per_operation)
        return make_any_strand(impl.executor);
    return impl.strand;
}

// Validation and encoding run here, at initiation, on the caller's thread:
// the request object itself never enters a coroutine frame, so a request
// waiting for a connection holds only its encoded form. Each operation runs
// on a strand of its own: only the pool's bookkeeping is shared.
template <class Request>
void start_operation(const std::shared_ptr<client_impl>& impl, Request req,
                     std::shared_ptr<const request_options> ro, diagnostics* diag,
                     images_handler handler) {
    op_completion<images_handler, std::unique_ptr<ImagesResponse>> done{std::move(handler),
                                                                        client_executor(impl)};
    start_prepared<images_response_handler, std::unique_ptr<ImagesResponse>>(
        impl, [&](diagnostics& d, wire_request& wire) { return prepare(*impl, req, wire, d); },
        diag, std::move(ro), std::move(done));
}

// GET of an image URL. The API key goes only to the base URL's own origin.
void start_download(const std::shared_ptr<client_impl>& impl, std::string url, diagnostics* diag,
                    download_handler handler) {
    op_completion<download_handler, std::string> done{std::move(handler), client_executor(impl)};
    diagnostics local_diag;
    diagnostics& d = diag ? *diag : local_diag;
    d.clear();
    error_code ec;
    wire_request wire;
    std::unique_ptr<const origin> where;
    try {
        std::string why;
        if (auto parts = parse_http_url(url, why)) {
            http::request<http::string_body> m;
            m.method(http::verb::get);
            m.target(parts->resource);
            m.version(11);
            impl->endpoint.download_headers(m, *parts);
            rendered_request r;
            r.bytes = render_request(m);
            wire = std::move(r);
            where = std::make_unique<const origin>(std::move(parts->where));
        } else {
            d.assign("url", "url: '" + excerpt(url, 200) + "' " + why);
            ec = client_errc::invalid_url;
        }
    } catch (...) {
        ec = error_from_exception(d);
    }
    launch<download_response_handler, std::string>(impl, ec, std::move(wire), std::move(where),
                                                   diag, nullptr, std::move(done));
}

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

namespace detail {

// A failure the API answered is an api_error; one found on this side a
// client_error (validation, files, network, timeouts, decoding).
void throw_failure(error_code ec, const diagnostics& diag) {
    if (ec.category() == api_category())
        throw api_error(ec, diag);
    throw client_error(ec, diag);
}

}  // namespace detail

template <images_operation Request>
asio::awaitable<ImagesResponse> client::execute(Request req, request_options opts) {
    diagnostics diag;
    constexpr auto token = asio::as_tuple(asio::use_awaitable);
    auto [ec, resp] = co_await async_execute(std::move(req), std::move(opts), diag, token);
    if (ec)
        detail::throw_failure(ec, diag);
    co_return std::move(resp);
}

// Every row's forms, compiled here once (explicitly: an address taken in an
// unused constant may be optimised away with its instantiation, as GCC 14
// at -O2 does).
#define OPENAI_IMAGES_OPERATION_ROW(Request)                                                     \
    template asio::awaitable<ImagesResponse> client::execute<Request>(Request, request_options); \
    template void detail::start_operation<Request>(                                              \
        const std::shared_ptr<detail::client_impl>&, Request,                                    \
        std::shared_ptr<const request_options>, diagnostics*, images_handler)
OPENAI_IMAGES_OPERATION_ROW(CreateImageRequest);
OPENAI_IMAGES_OPERATION_ROW(CreateImageEditRequest);
OPENAI_IMAGES_OPERATION_ROW(CreateImageVariationRequest);
OPENAI_IMAGES_OPERATION_ROW(EditImageBodyJsonParam);
#undef OPENAI_IMAGES_OPERATION_ROW
static_assert(std::tuple_size_v<images_operations> == 4,
              "a new row of the operation table is instantiated above");

asio::awaitable<ImagesResponse> client::create_image(CreateImageRequest req) {
    return execute(std::move(req));
}
asio::awaitable<ImagesResponse> client::create_image_edit(CreateImageEditRequest req) {
    return execute(std::move(req));
}
asio::awaitable<ImagesResponse> client::create_image_edit(EditImageBodyJsonParam req) {
    return execute(std::move(req));
}
asio::awaitable<ImagesResponse> client::create_image_variation(CreateImageVariationRequest req) {
    return execute(std::move(req));
}

client::client(executor_type ex, client_options opts)
    : impl_(std::make_shared<detail::client_impl>(std::move(ex), std::move(opts))) {}

client::~client() {
    // Idle connections close now; busy ones when their operations complete.
    if (impl_)
        impl_->pool.close_idle();
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

}  // namespace openai::images
