// The fake server's shared state and the request handlers' interface: the
// connection code (server.cpp) reads requests and writes responses, the
// handlers (handlers.cpp) decide what to answer. Internal to the fake server.
#pragma once

#include <openai/images/batch_api.hpp>
#include <openai/images/files.hpp>
#include <openai/images/models.hpp>
#include <openai/images/testing/fake_server.hpp>
#include "png.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace openai::images::testing {
namespace detail {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

inline constexpr std::size_t max_request_body = 100 * 1024 * 1024;
inline constexpr std::size_t max_url_files = 65536;

}  // namespace detail

struct fake_server::state {
    explicit state(server_options o);

    const server_options opts;
    std::uint16_t port = 0;
    std::string origin;  // "https://127.0.0.1:PORT"

    boost::asio::ssl::context ssl_ctx{boost::asio::ssl::context::tls_server};

    std::mutex stop_mu;  // one stop() at a time
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::deque<fault> faults;
    std::shared_ptr<const fault_rule> rule;  // copied out under `mu`, called without it
    // Held, before `mu`, by push_fault() and by a request from finding the FIFO
    // empty (and so asking the rule) until arrive() has taken its fault: no
    // fault pushed or taken in between can make the two disagree.
    std::mutex fifo_mu;
    std::vector<request_record> records;
    std::size_t arrived = 0;  // requests read whole, kept in records or not
    std::map<std::string, std::shared_ptr<const detail::png_image>> files;  // url answers
    std::deque<std::string> file_order;  // oldest first, to forget the oldest
    // The Files API's files: their objects and contents.
    struct stored_file {
        OpenAIFile object;
        std::shared_ptr<const std::string> content;
    };
    std::map<std::string, stored_file> stored;
    // The Batch API's batches, by id, and their ids oldest first (for lists).
    std::map<std::string, Batch> batches;
    std::vector<std::string> batch_order;
    // What stop() runs, on each connection's strand, to close it.
    struct live_connection {
        boost::asio::any_io_executor executor;
        std::function<void()> close;
    };
    std::map<std::uint64_t, live_connection> connections;
    std::size_t live_tasks = 0;  // running coroutines: the acceptor's and the connections'
    bool stopping = false;
    bool joined = false;
    std::chrono::steady_clock::time_point window_start{};  // the rate-limit window
    std::size_t window_count = 0;

    std::atomic<std::uint64_t> request_ids{0}, connection_ids{0}, file_ids{0};
    std::atomic<std::size_t> accepted{0}, handshakes{0}, resumed{0}, open{0};

    std::vector<std::thread> threads;
    // Last but one: destroyed before everything the coroutines' frames use.
    boost::asio::io_context ioc;
    std::optional<boost::asio::ip::tcp::acceptor> acceptor;  // destroyed before ioc
    std::optional<boost::asio::any_io_executor> acceptor_executor;
};

namespace detail {

/// Starts accepting connections on st.acceptor (bound and listening).
void spawn_acceptor(fake_server::state& st);

/// Fills in the fields and files `req` carries: the JSON members of a
/// generation, the parts of an edit's or a variation's multipart body.
void record_body(const http_request& req, request_record& rec);

/// Takes the next fault (kind::none when there is none) and appends `rec` to
/// the records (unless !opts.keep_records), waking wait_for_requests();
/// returns its index for finish().
std::size_t arrive(fake_server::state& st, request_record rec, fault& f);

/// The normal answer to a request. With build_images false the request is
/// checked but a success gets an empty 200 (the caller replaces it with a
/// fault's answer).
http_response answer(fake_server::state& st, const http_request& req, bool build_images);

/// The Files API's answer to a request to /v1/files or under it: uploads,
/// file objects, deletions and contents (404 Invalid URL for anything else).
http_response files_api(fake_server::state& st, const http_request& req, std::string_view path);

/// The Batch API's answer to a request to /v1/batches or under it: create,
/// retrieve (each retrieve moves the batch one state on: validating,
/// in_progress, finalizing, completed; its requests are answered as they
/// would be live when it reaches finalizing), cancel, list.
http_response batches_api(fake_server::state& st, const http_request& req, std::string_view path);

/// The answer of a status, raw_body or malformed_json fault.
http_response fault_response(const fault& f);

/// A streamed answer (text/event-stream) of `r`, whose images are b64_json:
/// for each image, `partial_images` partial images (coarser versions of a
/// width x height image of `fill`), then its `<prefix>.completed` event.
/// `prefix`: image_generation or image_edit.
http_response stream_answer(const images::ImagesResponse& r, std::string_view prefix,
                            std::size_t partial_images, std::uint32_t width, std::uint32_t height,
                            image_fill fill);

/// An OpenAI error body: {"error":{"message","type","param","code"}}, empty param or code as null.
http_response error_response(unsigned status, std::string_view type, std::string_view message,
                             std::string_view param, std::string_view code);

/// 200 with a JSON body.
http_response json_response(std::string body);

/// 400 invalid_request_error: an OpenAI error body with `param` and `code`.
http_response invalid_request(std::string_view message, std::string_view param,
                              std::string_view code);

/// x-request-id, openai-processing-ms, the x-ratelimit-* headers and Server.
void add_common_headers(fake_server::state& st, http_response& res,
                        std::chrono::milliseconds processing);

/// Stores `rec`'s fields and files and the status answered (0: none) in record `index`.
void finish(fake_server::state& st, std::size_t index, request_record&& rec, unsigned status);

}  // namespace detail
}  // namespace openai::images::testing
