// The client: the Images operations over a pool of keep-alive HTTPS
// connections, with retries, per-phase timeouts and per-operation cancellation,
// usable from coroutines and with any Asio completion token.
#pragma once

#include <openai/images/batch_api.hpp>
#include <openai/images/error.hpp>
#include <openai/images/files.hpp>
#include <openai/images/models.hpp>
#include <openai/images/operations.hpp>
#include <openai/images/options.hpp>
#include <openai/images/stats.hpp>
#include <openai/images/stream.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace openai::images {

/// The completion signature of every images operation.
using images_signature = void(error_code, ImagesResponse);
using images_handler = boost::asio::any_completion_handler<images_signature>;
/// The completion signature of async_download: the body's bytes.
using download_signature = void(error_code, std::string);
using download_handler = boost::asio::any_completion_handler<download_signature>;
/// The completion signatures of the Files API's operations.
using file_signature = void(error_code, OpenAIFile);
using file_deleted_signature = void(error_code, DeleteFileResponse);
/// The completion signatures of the Batch API's operations.
using batch_object_signature = void(error_code, Batch);
using batch_list_signature = void(error_code, ListBatchesResponse);
/// A file's content: how many bytes of it were written.
using content_signature = void(error_code, std::uint64_t);
/// Takes a file's content piece by piece, in order, as it is read. It runs
/// on the operation's strand; an exception it throws ends the operation with
/// the exception's error (and the connection is closed).
using content_function = std::function<void(std::string_view)>;

namespace detail {
class client_impl;
template <class Request>
void start_operation(const std::shared_ptr<client_impl>& impl, Request req,
                     std::shared_ptr<const request_options> opts, diagnostics* diag,
                     images_handler handler);
void start_download(const std::shared_ptr<client_impl>& impl, std::string url, diagnostics* diag,
                    download_handler handler);
template <class Request>
void start_stream_operation(const std::shared_ptr<client_impl>& impl, Request req,
                            std::shared_ptr<const request_options> opts, diagnostics* diag,
                            image_event_function on_event, images_handler handler);
template <class Request>
std::shared_ptr<image_stream_state> start_image_stream(const std::shared_ptr<client_impl>& impl,
                                                       Request req, request_options opts);
void start_upload_file(const std::shared_ptr<client_impl>& impl, CreateFileRequest req,
                       diagnostics* diag, boost::asio::any_completion_handler<file_signature> h);
void start_retrieve_file(const std::shared_ptr<client_impl>& impl, std::string file_id,
                         diagnostics* diag, boost::asio::any_completion_handler<file_signature> h);
void start_delete_file(const std::shared_ptr<client_impl>& impl, std::string file_id,
                       diagnostics* diag,
                       boost::asio::any_completion_handler<file_deleted_signature> h);
void start_file_content(const std::shared_ptr<client_impl>& impl, std::string file_id,
                        content_function on_piece, std::filesystem::path to, diagnostics* diag,
                        boost::asio::any_completion_handler<content_signature> h);
void start_create_batch(const std::shared_ptr<client_impl>& impl, CreateBatchRequest req,
                        diagnostics* diag,
                        boost::asio::any_completion_handler<batch_object_signature> h);
void start_batch_call(const std::shared_ptr<client_impl>& impl, std::string batch_id, bool cancel,
                      diagnostics* diag,
                      boost::asio::any_completion_handler<batch_object_signature> h);
void start_list_batches(const std::shared_ptr<client_impl>& impl, ListBatchesParams params,
                        diagnostics* diag,
                        boost::asio::any_completion_handler<batch_list_signature> h);
}  // namespace detail

/// A client of the OpenAI Images API.
///
/// Thread safety: all member functions may be called from any thread at the
/// same time. Each operation runs on a strand of its own and each connection's
/// I/O on the connection's strand; only the pool's bookkeeping is shared, so
/// an io_context run by N threads spreads the TLS, HTTP and decoding work of
/// many operations over N cores.
///
/// Lifetime: operations in progress keep the client's internals alive; the
/// client object itself may be destroyed before they complete (idle
/// connections are then closed). The io_context must outlive the operations.
class client {
  public:
    using executor_type = boost::asio::any_io_executor;
    using download_signature = images::download_signature;
    using download_handler = images::download_handler;

    /// Throws client_error for options that cannot be used: a base_url that
    /// is not http(s) or has a port outside 1..65535, a header value with a
    /// control character, a TLS CA file that cannot be loaded, pool limits
    /// out of range.
    client(executor_type ex, client_options opts);
    ~client();
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    executor_type get_executor() const noexcept;
    const client_options& options() const noexcept;
    client_stats stats() const noexcept;

    /// Any operation of the table (operations.hpp), chosen by the request's
    /// type: POST /images/generations for a CreateImageRequest, and so on.
    ///
    /// Validates the request (unless options().validation.enabled is false),
    /// sends it (JSON, or multipart with files streamed from disk and
    /// replayed byte for byte on a retry) on a pooled connection and decodes
    /// the response, retrying as the retry policy says. `opts` overrides the
    /// client's timeouts, retry policy and retry observer for this operation
    /// only. Completion signature void(error_code, ImagesResponse); the
    /// handler runs on its associated executor. `diag` must stay alive until
    /// completion; it receives the failing field or the API's error detail,
    /// the response metadata (status, request id, rate limits, attempt
    /// count) and every failed attempt that was retried. Borrowed memory
    /// files must stay alive until completion.
    ///
    /// Cancellation: terminal, partial and total cancellation through the
    /// token's cancellation slot complete the operation promptly with
    /// boost::asio::error::operation_aborted; the connection it used is closed,
    /// never returned to the pool, and the client stays usable.
    ///
    /// Errors: client_errc (validation, files, timeouts, pool, decoding),
    /// api_errc (the API's answer), Asio/SSL errors (network, certificates).
    template <images_operation Request, class CompletionToken>
    auto async_execute(Request req, request_options opts, diagnostics& diag,
                       CompletionToken&& token) {
        return initiate_operation(std::move(req), &opts, &diag, token);
    }
    template <images_operation Request, class CompletionToken>
    auto async_execute(Request req, diagnostics& diag, CompletionToken&& token) {
        return initiate_operation(std::move(req), nullptr, &diag, token);
    }
    template <images_operation Request, class CompletionToken>
    auto async_execute(Request req, CompletionToken&& token) {
        return initiate_operation(std::move(req), nullptr, nullptr, token);
    }

    /// POST /images/generations: async_execute for a CreateImageRequest.
    template <class... Args>
    auto async_create_image(CreateImageRequest req, Args&&... args) {
        return async_execute(std::move(req), std::forward<Args>(args)...);
    }
    /// POST /images/edits as multipart/form-data: async_execute for a
    /// CreateImageEditRequest.
    template <class... Args>
    auto async_create_image_edit(CreateImageEditRequest req, Args&&... args) {
        return async_execute(std::move(req), std::forward<Args>(args)...);
    }
    /// POST /images/edits as application/json, the images and mask by
    /// reference (image_url or file_id): async_execute for an
    /// EditImageBodyJsonParam. GPT image models only.
    template <class... Args>
    auto async_create_image_edit(EditImageBodyJsonParam req, Args&&... args) {
        return async_execute(std::move(req), std::forward<Args>(args)...);
    }
    /// POST /images/variations (a legacy endpoint) as multipart/form-data:
    /// async_execute for a CreateImageVariationRequest.
    template <class... Args>
    auto async_create_image_variation(CreateImageVariationRequest req, Args&&... args) {
        return async_execute(std::move(req), std::forward<Args>(args)...);
    }

    /// A streamed generation or edit (stream=true, set here whatever the
    /// request says; partial_images says how many partial images per image,
    /// 0 to 3): `on_event` is called for each event as it arrives (see
    /// image_event_function), then the operation completes with the final
    /// response (void(error_code, ImagesResponse)): the final images, usage
    /// and settings from the `.completed` events.
    ///
    /// As async_execute for validation, options, `diag`, handlers and
    /// errors, except: retries and re-sends of a closed kept-alive
    /// connection happen only before the first event has reached
    /// `on_event`, never after (no image is paid for twice); the body may
    /// pause between bytes for timeouts::stream_idle (stream_idle_timeout);
    /// an error event is the API's error (api_errc::stream_error, or
    /// insufficient_quota / moderation_blocked by its code, with its type,
    /// code, param and message in `diag`); a stream that ends before a final
    /// image for each of the request's `n` fails with truncated_response.
    ///
    /// Cancellation: as async_execute; the connection is closed at once and
    /// no event is delivered once the cancellation has reached the
    /// operation (with strand_per_operation it reaches the connection's
    /// strand through a post).
    template <streaming_operation Request, class CompletionToken>
    auto async_stream(Request req, image_event_function on_event, request_options opts,
                      diagnostics& diag, CompletionToken&& token) {
        return initiate_stream(std::move(req), std::move(on_event), &opts, &diag, token);
    }
    template <streaming_operation Request, class CompletionToken>
    auto async_stream(Request req, image_event_function on_event, diagnostics& diag,
                      CompletionToken&& token) {
        return initiate_stream(std::move(req), std::move(on_event), nullptr, &diag, token);
    }
    template <streaming_operation Request, class CompletionToken>
    auto async_stream(Request req, image_event_function on_event, CompletionToken&& token) {
        return initiate_stream(std::move(req), std::move(on_event), nullptr, nullptr, token);
    }

    /// The coroutine form of async_stream: starts the operation now and
    /// returns the stream of its events (see image_stream). Validation
    /// errors too come from the stream's first next().
    template <streaming_operation Request>
    image_stream stream(Request req, request_options opts = {}) {
        return image_stream(detail::start_image_stream(impl_, std::move(req), std::move(opts)));
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

    /// The Files API (POST /files, GET and DELETE /files/{file_id}, GET
    /// /files/{file_id}/content), with the same timeouts, retries,
    /// cancellation and errors as the images operations; `diag` as there.
    ///
    /// async_upload_file: the request is validated (validate(const
    /// CreateFileRequest&)) and sent as multipart/form-data, the file
    /// streamed from its source and replayed on a retry; completes with the
    /// file object (void(error_code, OpenAIFile)).
    template <class CompletionToken>
    auto async_upload_file(CreateFileRequest req, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, file_signature>(
            initiate_files{impl_}, token, std::move(req), &diag);
    }
    template <class CompletionToken>
    auto async_upload_file(CreateFileRequest req, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, file_signature>(
            initiate_files{impl_}, token, std::move(req), nullptr);
    }
    /// The file object of `file_id` (validate_file_id() checks it first).
    template <class CompletionToken>
    auto async_retrieve_file(std::string file_id, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, file_signature>(
            initiate_files{impl_}, token, std::move(file_id), &diag);
    }
    template <class CompletionToken>
    auto async_retrieve_file(std::string file_id, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, file_signature>(
            initiate_files{impl_}, token, std::move(file_id), nullptr);
    }
    /// Deletes the file `file_id`: void(error_code, DeleteFileResponse).
    template <class CompletionToken>
    auto async_delete_file(std::string file_id, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, file_deleted_signature>(
            initiate_files{impl_}, token, deletion{std::move(file_id)}, &diag);
    }
    template <class CompletionToken>
    auto async_delete_file(std::string file_id, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, file_deleted_signature>(
            initiate_files{impl_}, token, deletion{std::move(file_id)}, nullptr);
    }
    /// The content of `file_id`, given to `on_piece` as it is read (never
    /// held whole); completes with the number of bytes
    /// (void(error_code, std::uint64_t)). limit.max_response_body does
    /// not apply to it. Once a piece has reached `on_piece` the request is
    /// never sent again: a failure after that ends the operation.
    template <class CompletionToken>
    auto async_file_content(std::string file_id, content_function on_piece, diagnostics& diag,
                            CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, content_signature>(
            initiate_files{impl_}, token, std::move(file_id), std::move(on_piece),
            std::filesystem::path(), &diag);
    }
    template <class CompletionToken>
    auto async_file_content(std::string file_id, content_function on_piece,
                            CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, content_signature>(
            initiate_files{impl_}, token, std::move(file_id), std::move(on_piece),
            std::filesystem::path(), nullptr);
    }
    /// The content of `file_id` written to `to` atomically (a temporary file
    /// in the same directory, flushed, then renamed; removed on failure, so
    /// `to` is the whole content or as it was). A retry starts the file
    /// again. Completes with the number of bytes; file_write_failed names
    /// the path.
    template <class CompletionToken>
    auto async_save_file_content(std::string file_id, std::filesystem::path to, diagnostics& diag,
                                 CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, content_signature>(
            initiate_files{impl_}, token, std::move(file_id), content_function(), std::move(to),
            &diag);
    }
    template <class CompletionToken>
    auto async_save_file_content(std::string file_id, std::filesystem::path to,
                                 CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, content_signature>(
            initiate_files{impl_}, token, std::move(file_id), content_function(), std::move(to),
            nullptr);
    }

    /// The Batch API (POST /batches, GET /batches/{batch_id}, POST
    /// /batches/{batch_id}/cancel, GET /batches), with the same timeouts,
    /// retries, cancellation and errors as the images operations; `diag` as
    /// there. async_create_batch validates the request (validate(const
    /// CreateBatchRequest&)) unless validation is off; the others check the
    /// id (validate_batch_id()). Each completes with the batch
    /// (void(error_code, Batch)); async_list_batches with a page of them.
    template <class CompletionToken>
    auto async_create_batch(CreateBatchRequest req, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, batch_object_signature>(
            initiate_batches{impl_}, token, std::move(req), &diag);
    }
    template <class CompletionToken>
    auto async_create_batch(CreateBatchRequest req, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, batch_object_signature>(
            initiate_batches{impl_}, token, std::move(req), nullptr);
    }
    template <class CompletionToken>
    auto async_retrieve_batch(std::string batch_id, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, batch_object_signature>(
            initiate_batches{impl_}, token, std::move(batch_id), false, &diag);
    }
    template <class CompletionToken>
    auto async_retrieve_batch(std::string batch_id, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, batch_object_signature>(
            initiate_batches{impl_}, token, std::move(batch_id), false, nullptr);
    }
    /// Asks the API to cancel: the batch answered is `cancelling` until the
    /// requests in flight end, then `cancelled`; what finished is still in
    /// its output file.
    template <class CompletionToken>
    auto async_cancel_batch(std::string batch_id, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, batch_object_signature>(
            initiate_batches{impl_}, token, std::move(batch_id), true, &diag);
    }
    template <class CompletionToken>
    auto async_cancel_batch(std::string batch_id, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, batch_object_signature>(
            initiate_batches{impl_}, token, std::move(batch_id), true, nullptr);
    }
    /// A page of batches, newest first: `params.after` (a batch id) and
    /// `params.limit` (1 to 100) are checked, then sent as the query.
    template <class CompletionToken>
    auto async_list_batches(ListBatchesParams params, diagnostics& diag, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, batch_list_signature>(
            initiate_batches{impl_}, token, std::move(params), &diag);
    }
    template <class CompletionToken>
    auto async_list_batches(ListBatchesParams params, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, batch_list_signature>(
            initiate_batches{impl_}, token, std::move(params), nullptr);
    }

    /// Coroutine forms: the response, or an exception. A failure the API
    /// answered (an api_errc) throws api_error (the HTTP status, the API's
    /// error type, code, param and message, the request id); one found on
    /// this side (validation, files, network, timeouts, decoding) throws
    /// client_error with the diagnostics' message and field.
    template <images_operation Request>
    boost::asio::awaitable<ImagesResponse> execute(Request req, request_options opts = {});
    boost::asio::awaitable<ImagesResponse> create_image(CreateImageRequest req);
    boost::asio::awaitable<ImagesResponse> create_image_edit(CreateImageEditRequest req);
    boost::asio::awaitable<ImagesResponse> create_image_edit(EditImageBodyJsonParam req);
    boost::asio::awaitable<ImagesResponse> create_image_variation(CreateImageVariationRequest req);
    boost::asio::awaitable<OpenAIFile> upload_file(CreateFileRequest req);
    boost::asio::awaitable<OpenAIFile> retrieve_file(std::string file_id);
    boost::asio::awaitable<DeleteFileResponse> delete_file(std::string file_id);
    boost::asio::awaitable<std::uint64_t> save_file_content(std::string file_id,
                                                            std::filesystem::path to);
    boost::asio::awaitable<Batch> create_batch(CreateBatchRequest req);
    boost::asio::awaitable<Batch> retrieve_batch(std::string batch_id);
    boost::asio::awaitable<Batch> cancel_batch(std::string batch_id);
    boost::asio::awaitable<ListBatchesResponse> list_batches(ListBatchesParams params = {});

  private:
    template <class Request, class CompletionToken>
    auto initiate_operation(Request req, request_options* opts, diagnostics* diag,
                            CompletionToken& token) {
        // Kept only when given: the other operations use the client's own.
        std::shared_ptr<const request_options> own;
        if (opts)
            own = std::make_shared<const request_options>(std::move(*opts));
        return boost::asio::async_initiate<CompletionToken, images_signature>(
            initiate<Request>{impl_}, token, std::move(req), std::move(own), diag);
    }

    template <class Request, class CompletionToken>
    auto initiate_stream(Request req, image_event_function on_event, request_options* opts,
                         diagnostics* diag, CompletionToken& token) {
        std::shared_ptr<const request_options> own;
        if (opts)
            own = std::make_shared<const request_options>(std::move(*opts));
        return boost::asio::async_initiate<CompletionToken, images_signature>(
            initiate_streamed<Request>{impl_}, token, std::move(req), std::move(own), diag,
            std::move(on_event));
    }

    template <class Request>
    struct initiate_streamed {
        std::shared_ptr<detail::client_impl> impl;
        template <class Handler>
        void operator()(Handler&& handler, Request req, std::shared_ptr<const request_options> opts,
                        diagnostics* diag, image_event_function on_event) const {
            detail::start_stream_operation(impl, std::move(req), std::move(opts), diag,
                                           std::move(on_event),
                                           images_handler(std::forward<Handler>(handler)));
        }
    };

    template <class Request>
    struct initiate {
        std::shared_ptr<detail::client_impl> impl;
        template <class Handler>
        void operator()(Handler&& handler, Request req, std::shared_ptr<const request_options> opts,
                        diagnostics* diag) const {
            detail::start_operation(impl, std::move(req), std::move(opts), diag,
                                    images_handler(std::forward<Handler>(handler)));
        }
    };
    struct deletion {
        std::string file_id;
    };
    struct initiate_files {
        std::shared_ptr<detail::client_impl> impl;
        template <class Handler>
        void operator()(Handler&& handler, CreateFileRequest req, diagnostics* diag) const {
            detail::start_upload_file(impl, std::move(req), diag,
                                      boost::asio::any_completion_handler<file_signature>(
                                          std::forward<Handler>(handler)));
        }
        template <class Handler>
        void operator()(Handler&& handler, std::string file_id, diagnostics* diag) const {
            detail::start_retrieve_file(impl, std::move(file_id), diag,
                                        boost::asio::any_completion_handler<file_signature>(
                                            std::forward<Handler>(handler)));
        }
        template <class Handler>
        void operator()(Handler&& handler, deletion d, diagnostics* diag) const {
            detail::start_delete_file(impl, std::move(d.file_id), diag,
                                      boost::asio::any_completion_handler<file_deleted_signature>(
                                          std::forward<Handler>(handler)));
        }
        template <class Handler>
        void operator()(Handler&& handler, std::string file_id, content_function on_piece,
                        std::filesystem::path to, diagnostics* diag) const {
            detail::start_file_content(impl, std::move(file_id), std::move(on_piece), std::move(to),
                                       diag,
                                       boost::asio::any_completion_handler<content_signature>(
                                           std::forward<Handler>(handler)));
        }
    };
    struct initiate_batches {
        std::shared_ptr<detail::client_impl> impl;
        template <class Handler>
        void operator()(Handler&& handler, CreateBatchRequest req, diagnostics* diag) const {
            detail::start_create_batch(impl, std::move(req), diag,
                                       boost::asio::any_completion_handler<batch_object_signature>(
                                           std::forward<Handler>(handler)));
        }
        template <class Handler>
        void operator()(Handler&& handler, std::string batch_id, bool cancel,
                        diagnostics* diag) const {
            detail::start_batch_call(impl, std::move(batch_id), cancel, diag,
                                     boost::asio::any_completion_handler<batch_object_signature>(
                                         std::forward<Handler>(handler)));
        }
        template <class Handler>
        void operator()(Handler&& handler, ListBatchesParams params, diagnostics* diag) const {
            detail::start_list_batches(impl, std::move(params), diag,
                                       boost::asio::any_completion_handler<batch_list_signature>(
                                           std::forward<Handler>(handler)));
        }
    };
    struct initiate_download {
        std::shared_ptr<detail::client_impl> impl;
        template <class Handler>
        void operator()(Handler&& handler, std::string url, diagnostics* diag) const {
            detail::start_download(impl, std::move(url), diag,
                                   download_handler(std::forward<Handler>(handler)));
        }
    };

    std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace openai::images
