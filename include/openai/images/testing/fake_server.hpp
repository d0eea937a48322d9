// A fake OpenAI Images server on 127.0.0.1, over TLS (a test PKI generated at
// run time) or plain HTTP, for integration tests, benchmarks and the demo: it
// answers the three Images operations with real PNGs, records every request,
// and plays scripted faults (errors, resets, truncation, slow bodies).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace openai::images::testing {

/// Test PKI generated at run time with OpenSSL (no private key is ever
/// committed): a CA, and leaf certificates signed by it. EC P-256 keys.
struct pki {
    std::string ca_cert_pem;                      ///< trust this
    std::string server_cert_pem, server_key_pem;  ///< SAN: IP 127.0.0.1, DNS localhost
    /// Signed by the CA, SAN only DNS other.example: fails host-name verification.
    std::string wrong_host_cert_pem, wrong_host_key_pem;
    /// Self-signed, SAN 127.0.0.1 + localhost: fails chain verification.
    std::string untrusted_cert_pem, untrusted_key_pem;
};

/// The process's PKI, generated on first use; thread safe. Throws
/// std::runtime_error when OpenSSL fails.
const pki& test_pki();

/// Writes test_pki().ca_cert_pem to `dir`/ca.pem (creating `dir`) and returns its path.
std::filesystem::path write_ca_file(const std::filesystem::path& dir);

/// A decodable 8-bit RGB PNG of the given size (a gradient; compresses well).
/// Cached by size: the same bytes every time. Handy as an upload in tests.
std::string make_png(std::uint32_t width, std::uint32_t height);

/// A decodable PNG of random pixels (deterministic for a size): incompressible,
/// about 3 bytes per pixel. For large uploads in benchmarks; not cached.
std::string make_noise_png(std::uint32_t width, std::uint32_t height);

enum class cert_choice { server, wrong_host, untrusted };

/// What the generated images show: a gradient whose PNG is a few bytes per
/// row, or random pixels whose PNG does not compress (about 3 bytes per
/// pixel, as large as real photos get: for benchmarks of large responses).
enum class image_fill { gradient, noise };

/// One scripted behaviour, applied to one request. Whatever the kind, the
/// request is read whole and recorded first.
struct fault {
    enum class kind {
        none,                  ///< the normal answer (after `latency`)
        status,                ///< `status` with an OpenAI error body + `headers`
        raw_body,              ///< `status` (502 if 0) with `body` verbatim as `content_type`
        reset_before_headers,  ///< no reply: TCP reset (SO_LINGER 0)
        reset_after_headers,   ///< the normal answer's header (Content-Length set), then reset
        truncated_body,        ///< the normal answer with half its body, then a clean close
        malformed_json,        ///< 200 with a body that is not JSON (`body` if set)
        trickle_body,          ///< the normal answer, its body `chunk` bytes every `interval`
        // Streamed answers (stream=true); any other answer is sent as it is.
        stream_error,      ///< `events` events, then an error event (error_type/code/message)
        stream_reset,      ///< `events` events, then a TCP reset
        stream_truncated,  ///< `events` events, then half of the next one, then a clean close
        stream_stall,      ///< `events` events, then nothing more, the connection left open
    };
    kind what = kind::none;
    /// kind::status: the HTTP status (500 if 0); raw_body: 502 if 0.
    unsigned status = 0;
    /// Added to the response, e.g. {"retry-after-ms","150"}, {"x-should-retry","false"}.
    std::vector<std::pair<std::string, std::string>> headers{};
    /// kind::status: the error body's fields. An empty type is derived from the
    /// status (invalid_request_error, requests for 429, server_error for >= 500);
    /// an empty code or param is sent as null; an empty message gets a default.
    std::string error_type{}, error_code{}, error_param{}, error_message{};
    std::string body{}, content_type = "text/html";
    std::chrono::milliseconds latency{0};  ///< wait before replying (any kind, none included)
    std::size_t chunk = 1;                 ///< trickle_body: bytes per write (0 counts as 1)
    std::chrono::milliseconds interval{0};
    std::size_t events = 0;  ///< the stream_* kinds: events sent whole before the fault
};

struct server_options {
    bool tls = true;
    cert_choice cert = cert_choice::server;
    /// The TLS 1.3 suites accepted, in OpenSSL's syntax; empty: OpenSSL's default.
    std::string tls13_ciphersuites{};
    /// Speak TLS 1.2 at most (its sessions resume by session id or ticket).
    bool tls12_only = false;
    /// `Authorization: Bearer <key>` is required, else 401 invalid_api_key.
    /// Empty: no check. GET /v1/generated/... never needs it (as the API's image URLs).
    std::string api_key = "sk-test-key";
    /// Per connection: send `Connection: close` and close after N responses (0: never).
    std::size_t close_after_requests = 0;
    /// Close a kept-alive connection idle for this long (0: never).
    std::chrono::milliseconds idle_close{0};
    std::chrono::milliseconds latency{0};  ///< added to every request
    /// The pause before each event of a streamed answer (stream=true): the
    /// API draws for seconds between partial images.
    std::chrono::milliseconds stream_interval{20};
    std::size_t threads = 1;                 ///< threads running the server's own io_context
    std::size_t max_image_side = 4096;       ///< generated images are capped to this
    image_fill fill = image_fill::gradient;  ///< what generated images show
    std::uint16_t port = 0;                  ///< 0: an ephemeral port
    /// Keep a request_record of every request. A long benchmark turns this off
    /// so memory stays flat; requests() is then empty (wait_for_requests() works).
    bool keep_records = true;
};

struct request_record {
    std::string method{}, target{};
    std::map<std::string, std::string> headers{};  ///< lower-case names; repeats joined by ", "
    std::size_t body_size = 0;
    std::string content_type{};
    /// Multipart text fields, or the JSON body's members (strings as they are,
    /// other values serialized), in the order received.
    std::vector<std::pair<std::string, std::string>> fields{};
    /// Per entry of `fields`: true when the value is a JSON body's member that
    /// is not a string (a number, bool, null, array or object) serialized.
    std::vector<bool> field_is_json{};
    /// Multipart file parts: name, filename, content-type, size.
    std::vector<std::tuple<std::string, std::string, std::string, std::size_t>> files{};
    /// The CRC-32 of each file part's bytes, in the order of `files`.
    std::vector<std::uint32_t> file_crc32{};
    std::chrono::steady_clock::time_point received{};  ///< when the request's headers were complete
    std::uint64_t connection_id = 0;                   ///< which TCP connection carried it (from 1)
    /// The connection's TLS cipher suite (OpenSSL's name); empty for plain HTTP.
    std::string tls_cipher{};
    unsigned status = 0;  ///< what was answered; 0: nothing (a reset, or cut short by stop())
};

/// Decides the fault of one request from what it carries (see set_fault_rule()).
using fault_rule = std::function<fault(const request_record&)>;

/// The server. Endpoints (under /v1): POST /images/generations (JSON),
/// POST /images/edits and /images/variations (multipart/form-data), the
/// Files API (POST /files, GET and DELETE /files/<id>, GET
/// /files/<id>/content; files kept in memory while the server runs), the
/// Batch API (POST and GET /batches, GET /batches/<id>, POST
/// /batches/<id>/cancel; each retrieve moves a batch one state on and, at
/// finalizing, answers its lines as the live endpoint would), and
/// GET /generated/<id>.png for images answered by url (no API key needed). Requests
/// are checked as the API does: the API key (401 invalid_api_key), the body's
/// shape (400 with code unknown_parameter, invalid_type, missing_required_parameter,
/// unsupported_file_mimetype, invalid_image, invalid_image_format), then the
/// library's validate() (400, code invalid_value unless more specific, with its
/// param and message). Other paths get the API's 404 "Invalid URL (METHOD /path)".
///
/// Answers: ImagesResponse JSON with n images (default 1), each a real PNG of
/// the requested size (`auto` or unset: 1024x1024; each side capped at
/// max_image_side), as `b64_json` (GPT image models, or response_format
/// b64_json) or `url` (dall-e models otherwise; the last 65536 url images stay
/// downloadable). An unset model is dall-e-2 for generations (gpt-image-1 when
/// a GPT-only field is set), gpt-image-1.5 for edits and dall-e-2 for
/// variations, as the API. GPT image answers also carry background,
/// output_format, size, quality and usage. JPEG and WEBP output_format are not
/// encoded: the bytes are always PNG and the answer's output_format says "png",
/// the true format. stream=true (GPT image models) is answered with server-sent
/// events (chunked text/event-stream), as the API: for each of the n images,
/// `partial_images` partial images, each a coarser version of the final one
/// (the gradient in squares of 2^(partial_images - index) pixels), then its
/// `.completed` event with usage; each event after stream_interval.
///
/// Every response has x-request-id (req_<n>), openai-processing-ms,
/// x-ratelimit-limit-requests, x-ratelimit-remaining-requests and
/// x-ratelimit-reset-requests. HTTP/1.1 keep-alive; a client's `Connection:
/// close` is honoured (the server then sends a TLS close_notify and a FIN; an
/// idle_close or a stop() closes the TCP connection without close_notify).
/// Request bodies up to 100 MiB.
///
/// Thread safety: every member function may be called from any thread, but
/// stop() and the destructor not from the server's own threads (they join them).
class fake_server {
  public:
    /// Binds 127.0.0.1:opts.port and starts opts.threads threads. Throws on failure.
    explicit fake_server(server_options opts = {});
    ~fake_server();  ///< stop()
    fake_server(const fake_server&) = delete;
    fake_server& operator=(const fake_server&) = delete;

    std::uint16_t port() const;
    /// "https://127.0.0.1:PORT/v1", or "http://..." without TLS.
    std::string base_url() const;
    const server_options& options() const;

    /// FIFO: the next request to arrive (any endpoint) takes the next fault.
    void push_fault(fault f);
    void push_faults(std::size_t count, fault f);
    std::size_t pending_faults() const;

    /// Decides the fault of each request that finds the FIFO empty: `rule` is
    /// called with the request's record (method, target, headers, fields and
    /// files as requests() gives them; status still 0) and its result applies
    /// to that request. Unlike the FIFO, this is deterministic under
    /// concurrency and across a client's transparent re-sends: the same request
    /// always gets the same fault. Works with keep_records off. Replaces the
    /// previous rule; an empty one (the default) means kind::none. Called on
    /// the server's threads, concurrently when opts.threads > 1, without the
    /// server's lock held: it must be thread safe and must not throw.
    void set_fault_rule(fault_rule rule);

    /// Every request so far, in arrival order. A record is added, fields and
    /// files included, when its request has been read whole; its status is
    /// filled in before the response's first byte is sent.
    std::vector<request_record> requests() const;
    /// Waits until at least `count` requests have arrived (been read whole;
    /// their answers may still be under way) or the timeout passed; returns
    /// whether they have.
    bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

    std::size_t connections_accepted() const;
    std::size_t tls_handshakes() const;  ///< successful ones
    std::size_t tls_resumed() const;     ///< of which resumed a client's saved session
    std::size_t open_connections() const;

    /// Closes the listener and every connection, waits for the threads.
    /// Idempotent; must not be called from the server's own threads.
    void stop();

    struct state;  // the implementation, in state.hpp

  private:
    std::unique_ptr<state> state_;
};

}  // namespace openai::images::testing
