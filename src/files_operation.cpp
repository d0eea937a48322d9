// The Files API's operations on the request machine of the images
// operations: an upload is a multipart request like an edit, retrieve and
// delete are requests without a body whose JSON answer is parsed whole
// (json_operation.hpp), and
// a file's content goes to a sink that hands it on or writes it to disk as
// it is read, never holding it.
#include <openai/images/client.hpp>
#include <openai/images/detail/retry.hpp>
#include <openai/images/encode.hpp>
#include <openai/images/json.hpp>
#include <openai/images/validate.hpp>

#include <boost/beast/http/verb.hpp>

#include <exception>
#include <memory>

#include "atomic_file.hpp"
#include "json_operation.hpp"

namespace openai::images {
namespace asio = boost::asio;

namespace detail {
namespace {

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

}  // namespace

wire_request api_call(const client_impl& impl, http::verb method, const std::string& path,
                      const std::string* json, std::string_view query) {
    if (json) {
        rendered_request r;
        r.bytes = impl.endpoint.render_api_request(http::to_string(method), path,
                                                   "application/json", *json);
        return r;
    }
    http::request<http::string_body> m;
    m.method(method);
    std::string target = impl.endpoint.target(path);
    if (!query.empty())
        target.append(target.find('?') == std::string::npos ? "?" : "&").append(query);
    m.target(target);
    m.version(11);
    impl.endpoint.api_headers(m);
    // A POST without a body still says so (Content-Length: 0).
    m.prepare_payload();
    rendered_request r;
    r.bytes = render_request(m);
    return r;
}

void start_upload_file(const std::shared_ptr<client_impl>& impl, CreateFileRequest req,
                       diagnostics* diag, asio::any_completion_handler<file_signature> handler) {
    op_completion<asio::any_completion_handler<file_signature>, std::unique_ptr<OpenAIFile>> done{
        std::move(handler), client_executor(impl)};
    start_prepared<json_response_handler<OpenAIFile>, std::unique_ptr<OpenAIFile>>(
        impl,
        [&](diagnostics& d, wire_request& wire) {
            if (impl->opts.validation.enabled) {
                if (auto ec = validate(req, d))
                    return ec;
            }
            return encode_form(*impl, req, "POST", "/files", wire, d);
        },
        diag, nullptr, std::move(done));
}

void start_retrieve_file(const std::shared_ptr<client_impl>& impl, std::string file_id,
                         diagnostics* diag, asio::any_completion_handler<file_signature> handler) {
    op_completion<asio::any_completion_handler<file_signature>, std::unique_ptr<OpenAIFile>> done{
        std::move(handler), client_executor(impl)};
    start_id_request<json_response_handler<OpenAIFile>, std::unique_ptr<OpenAIFile>>(
        impl, validate_file_id, file_id, http::verb::get, "/files/" + file_id, diag,
        std::move(done));
}

void start_delete_file(const std::shared_ptr<client_impl>& impl, std::string file_id,
                       diagnostics* diag,
                       asio::any_completion_handler<file_deleted_signature> handler) {
    op_completion<asio::any_completion_handler<file_deleted_signature>,
                  std::unique_ptr<DeleteFileResponse>>
        done{std::move(handler), client_executor(impl)};
    start_id_request<json_response_handler<DeleteFileResponse>,
                     std::unique_ptr<DeleteFileResponse>>(impl, validate_file_id, file_id,
                                                          http::verb::delete_, "/files/" + file_id,
                                                          diag, std::move(done));
}

void start_file_content(const std::shared_ptr<client_impl>& impl, std::string file_id,
                        content_function on_piece, std::filesystem::path to, diagnostics* diag,
                        asio::any_completion_handler<content_signature> handler) {
    op_completion<asio::any_completion_handler<content_signature>, content_result> done{
        std::move(handler), client_executor(impl)};
    content_result value{std::move(on_piece), std::move(to), 0};
    start_id_request<content_response_handler, content_result>(
        impl, validate_file_id, file_id, http::verb::get, "/files/" + file_id + "/content", diag,
        std::move(done), std::move(value));
}

}  // namespace detail

asio::awaitable<OpenAIFile> client::upload_file(CreateFileRequest req) {
    return detail::value_or_throw<OpenAIFile>([this, r = std::move(req)](auto& diag, auto token) {
        return async_upload_file(r, diag, token);
    });
}

asio::awaitable<OpenAIFile> client::retrieve_file(std::string file_id) {
    return detail::value_or_throw<OpenAIFile>(
        [this, id = std::move(file_id)](auto& diag, auto token) {
            return async_retrieve_file(id, diag, token);
        });
}

asio::awaitable<DeleteFileResponse> client::delete_file(std::string file_id) {
    return detail::value_or_throw<DeleteFileResponse>(
        [this, id = std::move(file_id)](auto& diag, auto token) {
            return async_delete_file(id, diag, token);
        });
}

asio::awaitable<std::uint64_t> client::save_file_content(std::string file_id,
                                                         std::filesystem::path to) {
    return detail::value_or_throw<std::uint64_t>(
        [this, id = std::move(file_id), path = std::move(to)](auto& diag, auto token) {
            return async_save_file_content(id, path, diag, token);
        });
}

}  // namespace openai::images
