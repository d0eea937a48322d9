// The Files API's operations on the request machine of the images
// operations: an upload is a multipart request like an edit, retrieve and
// delete are requests without a body whose JSON answer is parsed whole, and
// a file's content goes to a sink that hands it on or writes it to disk as
// it is read, never holding it.
#include <openai/images/client.hpp>
#include <openai/images/detail/retry.hpp>
#include <openai/images/encode.hpp>
#include <openai/images/json.hpp>
#include <openai/images/validate.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <exception>
#include <memory>

#include "atomic_file.hpp"
#include "client_impl.hpp"
#include "op_completion.hpp"
#include "operation_start.hpp"
#include "request_driver.hpp"

namespace openai::images {
namespace asio = boost::asio;

namespace detail {
namespace {

// A JSON answer (a file object, a deletion) read whole, then parsed.
template <class Model>
class json_response_handler final : public response_handler {
  public:
    json_response_handler(const client_impl& impl, std::unique_ptr<Model>& out)
        : impl_(impl), out_(out) {}

    body_sink* sink() override { return nullptr; }

    error_code finish(exchange_result& r, lazy_diagnostics& diag) override {
        const unsigned status = r.response.result_int();
        if (status < 200 || status >= 300)
            return api_failure(impl_, r, diag.get());
        auto parsed = std::make_unique<Model>();
        diagnostics parse_diag;
        const auto& text = r.response.body().text;
        if (const auto ec = parse_response(text, *parsed, parse_diag))
            return unreadable_answer(impl_, ec, status, text, parse_diag, diag.get());
        out_ = std::move(parsed);
        return {};
    }

  private:
    const client_impl& impl_;
    std::unique_ptr<Model>& out_;
};

// Where a file's content goes: the caller's function, or a file.
struct content_result {
    content_function on_piece;
    std::filesystem::path to;
    std::uint64_t bytes = 0;
    std::uint64_t take() const noexcept { return bytes; }
};

// A file's content, as it is read. Into a file, each attempt starts the
// file again, so a failed attempt can be retried; into the caller's
// function, the first piece it received makes the answer delivered.
class content_response_handler final : public response_handler, private body_sink {
  public:
    content_response_handler(const client_impl& impl, content_result& out)
        : impl_(impl), out_(out) {}

    body_sink* sink() override {
        file_.abort();
        written_ = 0;
        write_error_ = {};
        return this;
    }

    bool delivered() const noexcept override { return delivered_; }

    error_code own_failure(lazy_diagnostics& diag) override {
        if (callback_error_) {
            try {
                std::rethrow_exception(callback_error_);
            } catch (...) {
                return error_from_exception(diag.get());
            }
        }
        if (write_error_)
            diag.get().assign(std::string(write_diag_.param()), std::string(write_diag_.message()));
        return write_error_;
    }

    error_code finish(exchange_result& r, lazy_diagnostics& diag) override {
        const unsigned status = r.response.result_int();
        if (status < 200 || status >= 300)
            return api_failure(impl_, r, diag.get());
        if (const auto own = own_failure(diag))
            return own;
        if (!out_.to.empty()) {
            // An empty body never reached the sink: the file is still made.
            if (!file_.is_open())
                begin(std::nullopt);
            if (!write_error_)
                write_error_ = file_.commit(write_diag_);
            if (const auto own = own_failure(diag))
                return own;
        }
        out_.bytes = written_;
        return {};
    }

  private:
    void begin(std::optional<std::uint64_t>) override {
        if (!out_.to.empty())
            write_error_ = file_.open(out_.to, write_diag_);
    }
    void write(std::string_view piece) override {
        if (stopped())
            return;
        written_ += piece.size();
        if (out_.to.empty()) {
            delivered_ = true;
            try {
                out_.on_piece(piece);
            } catch (...) {
                callback_error_ = std::current_exception();
            }
            return;
        }
        write_error_ = file_.write(piece, write_diag_);
    }
    bool stopped() const noexcept override {
        return callback_error_ != nullptr || static_cast<bool>(write_error_);
    }
    bool unbounded() const noexcept override { return true; }

    const client_impl& impl_;
    content_result& out_;
    atomic_file file_;
    std::uint64_t written_ = 0;
    bool delivered_ = false;
    std::exception_ptr callback_error_;
    error_code write_error_;
    diagnostics write_diag_;
};

// A request without a body to `path`, as the API's other requests are sent.
wire_request bodyless(const client_impl& impl, http::verb method, const std::string& path) {
    http::request<http::string_body> m;
    m.method(method);
    m.target(impl.endpoint.target(path));
    m.version(11);
    impl.endpoint.api_headers(m);
    rendered_request r;
    r.bytes = render_request(m);
    return r;
}

// Validation of the id and the request without a body for one file.
template <class Handler, class T, class Completion>
void start_file_request(const std::shared_ptr<client_impl>& impl, const std::string& file_id,
                        http::verb method, std::string_view suffix, diagnostics* diag,
                        Completion done, T value = {}) {
    diagnostics local_diag;
    diagnostics& d = diag ? *diag : local_diag;
    d.clear();
    error_code ec;
    wire_request wire;
    try {
        ec = impl->endpoint.check_credentials(d);
        if (!ec)
            ec = validate_file_id(file_id, d);
        if (!ec)
            wire = bodyless(*impl, method, "/files/" + file_id + std::string(suffix));
    } catch (...) {
        ec = error_from_exception(d);
    }
    launch<Handler, T>(impl, ec, std::move(wire), nullptr, diag, nullptr, std::move(done),
                       std::move(value));
}

}  // namespace

void start_upload_file(const std::shared_ptr<client_impl>& impl, CreateFileRequest req,
                       diagnostics* diag, asio::any_completion_handler<file_signature> handler) {
    op_completion<asio::any_completion_handler<file_signature>, std::unique_ptr<OpenAIFile>> done{
        std::move(handler), client_executor(impl)};
    diagnostics local_diag;
    diagnostics& d = diag ? *diag : local_diag;
    d.clear();
    error_code ec;
    wire_request wire;
    try {
        ec = impl->endpoint.check_credentials(d);
        if (!ec && impl->opts.validation.enabled)
            ec = validate(req, d);
        if (!ec)
            ec = encode_form(*impl, req, "POST", "/files", wire, d);
    } catch (...) {
        ec = error_from_exception(d);
    }
    launch<json_response_handler<OpenAIFile>, std::unique_ptr<OpenAIFile>>(
        impl, ec, std::move(wire), nullptr, diag, nullptr, std::move(done));
}

void start_retrieve_file(const std::shared_ptr<client_impl>& impl, std::string file_id,
                         diagnostics* diag, asio::any_completion_handler<file_signature> handler) {
    op_completion<asio::any_completion_handler<file_signature>, std::unique_ptr<OpenAIFile>> done{
        std::move(handler), client_executor(impl)};
    start_file_request<json_response_handler<OpenAIFile>, std::unique_ptr<OpenAIFile>>(
        impl, file_id, http::verb::get, "", diag, std::move(done));
}

void start_delete_file(const std::shared_ptr<client_impl>& impl, std::string file_id,
                       diagnostics* diag,
                       asio::any_completion_handler<file_deleted_signature> handler) {
    op_completion<asio::any_completion_handler<file_deleted_signature>,
                  std::unique_ptr<DeleteFileResponse>>
        done{std::move(handler), client_executor(impl)};
    start_file_request<json_response_handler<DeleteFileResponse>,
                       std::unique_ptr<DeleteFileResponse>>(impl, file_id, http::verb::delete_, "",
                                                            diag, std::move(done));
}

void start_file_content(const std::shared_ptr<client_impl>& impl, std::string file_id,
                        content_function on_piece, std::filesystem::path to, diagnostics* diag,
                        asio::any_completion_handler<content_signature> handler) {
    op_completion<asio::any_completion_handler<content_signature>, content_result> done{
        std::move(handler), client_executor(impl)};
    content_result value{std::move(on_piece), std::move(to), 0};
    start_file_request<content_response_handler, content_result>(
        impl, file_id, http::verb::get, "/content", diag, std::move(done), std::move(value));
}

}  // namespace detail

namespace {

// Named, not a temporary in co_await: GCC 12 miscompiles those.
constexpr auto token = asio::as_tuple(asio::use_awaitable);

}  // namespace

asio::awaitable<OpenAIFile> client::upload_file(CreateFileRequest req) {
    diagnostics diag;
    auto [ec, file] = co_await async_upload_file(std::move(req), diag, token);
    if (ec)
        detail::throw_failure(ec, diag);
    co_return std::move(file);
}

asio::awaitable<OpenAIFile> client::retrieve_file(std::string file_id) {
    diagnostics diag;
    auto [ec, file] = co_await async_retrieve_file(std::move(file_id), diag, token);
    if (ec)
        detail::throw_failure(ec, diag);
    co_return std::move(file);
}

asio::awaitable<DeleteFileResponse> client::delete_file(std::string file_id) {
    diagnostics diag;
    auto [ec, answer] = co_await async_delete_file(std::move(file_id), diag, token);
    if (ec)
        detail::throw_failure(ec, diag);
    co_return std::move(answer);
}

asio::awaitable<std::uint64_t> client::save_file_content(std::string file_id,
                                                         std::filesystem::path to) {
    diagnostics diag;
    auto [ec, bytes] =
        co_await async_save_file_content(std::move(file_id), std::move(to), diag, token);
    if (ec)
        detail::throw_failure(ec, diag);
    co_return bytes;
}

}  // namespace openai::images
