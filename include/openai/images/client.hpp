// The client: the three Images operations over a pool of keep-alive HTTPS
// connections, with retries, per-phase timeouts and per-operation cancellation,
// usable from coroutines and with any Asio completion token.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>
#include <openai/images/options.hpp>
#include <openai/images/stats.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>

namespace openai::images {

namespace detail {
class client_impl;
}

/// The completion signature of every operation.
using images_signature = void(error_code, ImagesResponse);
using images_handler = boost::asio::any_completion_handler<images_signature>;

/// A client of the OpenAI Images API.
///
/// Thread safety: all member functions may be called from any thread at the
/// same time. The client's own work runs on a strand of the executor it was
/// given, so the io_context may be run by several threads.
///
/// Lifetime: operations in progress keep the client's internals alive; the
/// client object itself may be destroyed before they complete (idle
/// connections are then closed). The io_context must outlive the operations.
class client {
  public:
    using executor_type = boost::asio::any_io_executor;

    /// Throws client_error for a base_url that is not http(s) and for a TLS
    /// CA file that cannot be loaded.
    client(executor_type ex, client_options opts);
    ~client();
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    executor_type get_executor() const noexcept;
    const client_options& options() const noexcept;
    client_stats stats() const noexcept;

    /// POST /images/generations.
    ///
    /// Validates the request (unless options().validation.enabled is false),
    /// sends it as JSON on a pooled connection and decodes the response,
    /// retrying as options().retry says. Completion signature
    /// void(error_code, ImagesResponse); the handler runs on its associated
    /// executor. `diag` must stay alive until completion; it receives the
    /// failing field or the API's error detail, the response metadata (status,
    /// request id, rate limits, attempts) and every failed attempt.
    ///
    /// Cancellation: terminal, partial and total cancellation through the
    /// token's cancellation slot complete the operation promptly with
    /// boost::asio::error::operation_aborted; the connection it used is closed,
    /// never returned to the pool, and the client stays usable.
    ///
    /// Errors: client_errc (validation, files, timeouts, pool, decoding),
    /// api_errc (the API's answer), Asio/SSL errors (network, certificates).
    template <class CompletionToken>
    auto async_create_image(CreateImageRequest req, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, images_signature>(
            initiate<CreateImageRequest>{impl_}, token, std::move(req), &diag);
    }
    template <class CompletionToken>
    auto async_create_image(CreateImageRequest req, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, images_signature>(
            initiate<CreateImageRequest>{impl_}, token, std::move(req), nullptr);
    }

    /// POST /images/edits as multipart/form-data; files are streamed from disk
    /// and replayed byte for byte on a retry. Otherwise as async_create_image.
    /// Borrowed memory files must stay alive until completion.
    template <class CompletionToken>
    auto async_create_image_edit(CreateImageEditRequest req, diagnostics& diag,
                                 CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, images_signature>(
            initiate<CreateImageEditRequest>{impl_}, token, std::move(req), &diag);
    }
    template <class CompletionToken>
    auto async_create_image_edit(CreateImageEditRequest req, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, images_signature>(
            initiate<CreateImageEditRequest>{impl_}, token, std::move(req), nullptr);
    }

    /// POST /images/variations as multipart/form-data. Otherwise as async_create_image_edit.
    template <class CompletionToken>
    auto async_create_image_variation(CreateImageVariationRequest req, diagnostics& diag,
                                      CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, images_signature>(
            initiate<CreateImageVariationRequest>{impl_}, token, std::move(req), &diag);
    }
    template <class CompletionToken>
    auto async_create_image_variation(CreateImageVariationRequest req, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, images_signature>(
            initiate<CreateImageVariationRequest>{impl_}, token, std::move(req), nullptr);
    }

    /// GET `url` (an image URL of a response; any http(s) origin, each with its
    /// own connections in the pool) with the same timeouts, retries and
    /// cancellation as the operations. The API key is sent only to the
    /// base_url's own origin. Completion signature void(error_code, std::string)
    /// with the body's bytes.
    template <class CompletionToken>
    auto async_download(std::string url, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, download_signature>(
            initiate_download{impl_}, token, std::move(url), &diag);
    }
    template <class CompletionToken>
    auto async_download(std::string url, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, download_signature>(
            initiate_download{impl_}, token, std::move(url), nullptr);
    }

    /// Coroutine forms: throw api_error (a system_error carrying the HTTP
    /// status, the API's error type, code, param and message, and the request id).
    boost::asio::awaitable<ImagesResponse> create_image(CreateImageRequest req);
    boost::asio::awaitable<ImagesResponse> create_image_edit(CreateImageEditRequest req);
    boost::asio::awaitable<ImagesResponse> create_image_variation(CreateImageVariationRequest req);

    using download_signature = void(error_code, std::string);
    using download_handler = boost::asio::any_completion_handler<download_signature>;

  private:
    struct initiate_download {
        std::shared_ptr<detail::client_impl> impl;
        template <class Handler>
        void operator()(Handler&& handler, std::string url, diagnostics* diag) const {
            start_download(impl, std::move(url), diag,
                           download_handler(std::forward<Handler>(handler)));
        }
    };
    static void start_download(const std::shared_ptr<detail::client_impl>& impl, std::string url,
                               diagnostics* diag, download_handler handler);

    template <class Request>
    struct initiate {
        std::shared_ptr<detail::client_impl> impl;
        template <class Handler>
        void operator()(Handler&& handler, Request req, diagnostics* diag) const {
            start(impl, std::move(req), diag, images_handler(std::forward<Handler>(handler)));
        }
    };

    static void start(const std::shared_ptr<detail::client_impl>& impl, CreateImageRequest req,
                      diagnostics* diag, images_handler handler);
    static void start(const std::shared_ptr<detail::client_impl>& impl, CreateImageEditRequest req,
                      diagnostics* diag, images_handler handler);
    static void start(const std::shared_ptr<detail::client_impl>& impl,
                      CreateImageVariationRequest req, diagnostics* diag, images_handler handler);

    std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace openai::images
