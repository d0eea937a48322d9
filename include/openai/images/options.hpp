// Everything a client can be configured with: where to send requests and with
// which credentials, timeouts per phase, the retry policy, connection pool
// limits and TLS. Every field has a default that works against api.openai.com.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/validate_options.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace openai::images {

struct timeouts {
    /// Resolving the host name and connecting the TCP socket.
    std::chrono::milliseconds connect{10'000};
    /// The TLS handshake.
    std::chrono::milliseconds tls_handshake{10'000};
    /// From the request's last byte to the response header's last byte: the
    /// time the API spends generating. gpt-image at high quality can take minutes.
    std::chrono::milliseconds response_header{600'000};
    /// The longest pause between two bytes while sending the request or
    /// receiving the response body.
    std::chrono::milliseconds body_idle{60'000};
    /// The longest pause between two bytes of a streamed answer's events
    /// (async_stream): the API may work for minutes between a partial image
    /// and the next.
    std::chrono::milliseconds stream_idle{300'000};
    /// The whole operation, retries and back-off included.
    std::chrono::milliseconds total{900'000};
};

struct retry_policy {
    /// Retries after the first attempt (the official SDKs' default is 2).
    std::size_t max_retries = 2;
    /// Back-off before retry n (0-based): min(initial * 2^n, max), minus up to
    /// 25 % of random jitter.
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{8'000};
    /// retry-after-ms / retry-after from the server are honoured up to this;
    /// a longer or missing one falls back to the computed back-off.
    std::chrono::milliseconds max_retry_after{60'000};
};

struct pool_options {
    /// Connections per origin (scheme, host, port). Requests beyond this wait
    /// in FIFO order for a connection to be returned.
    std::size_t max_connections = 64;
    /// How long a request may wait for a free connection.
    std::chrono::milliseconds wait_timeout{60'000};
    /// A kept-alive connection idle for longer is closed instead of reused.
    std::chrono::milliseconds idle_timeout{30'000};
    /// A connection is closed after this many requests (0: no limit).
    std::size_t max_requests_per_connection = 1000;
};

struct tls_options {
    /// The server's certificate chain and host name are always verified unless
    /// this is set. Setting it makes every connection open to interception:
    /// only for local testing, never in production. (Named so that turning
    /// verification off cannot happen by accident.)
    bool insecure_skip_verify = false;
    /// A PEM file of trusted CAs, used instead of the system's (a private CA,
    /// a corporate proxy's). The client's constructor throws client_error when
    /// it cannot be read (file_open_failed) or holds no PEM certificate
    /// (invalid_ca_file). From the environment: OPENAI_IMAGES_CA_FILE.
    std::string ca_file;
    /// A context of the caller's (client certificates, pinned CAs…). When set,
    /// insecure_skip_verify, ca_file and the library's TLS 1.3 suite order
    /// (AES-128-GCM first) are not applied to it; SNI, host-name verification
    /// and the TLS 1.2 minimum still are.
    std::shared_ptr<boost::asio::ssl::context> context;
};

struct limits {
    /// The largest response body accepted. The default fits n=10 images of
    /// gpt-image-2's largest size as PNG in b64_json.
    std::uint64_t max_response_body = 512ull * 1024 * 1024;
    /// The largest response header accepted.
    std::uint32_t max_response_header = 64 * 1024;
};

/// Called before the wait of each retry, with the attempt that failed and the
/// metadata of its response (status 0 when none came). Runs on the
/// operation's strand; must not block. It may be called from several threads
/// at once for different operations.
using retry_observer = std::function<void(const attempt_record&, const response_metadata&)>;

/// What one operation may set for itself (client::async_execute), each unset
/// field taking the client's: the official SDKs' per-request options.
struct request_options {
    std::optional<timeouts> timeout{};
    std::optional<retry_policy> retry{};
    /// Called instead of client_options::on_retry when set.
    retry_observer on_retry{};
};

struct client_options {
    /// Where the API lives; http:// works for local OpenAI-compatible servers.
    std::string base_url = "https://api.openai.com/v1";
    /// Sent as "Authorization: Bearer <key>"; never logged or put in a message.
    std::string api_key;
    std::string organization;  ///< OpenAI-Organization, when not empty
    std::string project;       ///< OpenAI-Project, when not empty
    timeouts timeout;
    retry_policy retry;
    pool_options pool;
    tls_options tls;
    limits limit;
    validate_options validation;
    /// Decode each b64_json image while the answer arrives, into
    /// Image::bytes (b64_json is then left unset): the base64 text is never
    /// kept, so a large answer needs about 0.75x its size in memory instead of
    /// 1.75x with decode_image afterwards, and its images are ready as bytes
    /// when the body ends. Invalid base64 fails the operation with the
    /// base64_decode error, its param `data[i].b64_json`.
    bool decode_b64_json = false;
    /// Called before the wait of each retry of every operation (see
    /// retry_observer); request_options::on_retry replaces it for one.
    retry_observer on_retry{};
    /// How the client's work is spread over the threads that run the
    /// io_context. false: every operation and connection of the client on
    /// one strand (the cheapest on one thread: no hand-over between
    /// strands). true: each operation on a strand of its own and each
    /// connection's I/O (TLS, HTTP parsing, base64 decoding) on the
    /// connection's own strand, only the pool's bookkeeping shared, so that
    /// an io_context run by N threads uses N cores; costs a strand hand-over
    /// per step (see bench/RESULTS.md).
    bool strand_per_operation = false;
    /// A promise that one thread at a time runs the client's executor (an
    /// io_context run by one thread, or an executor that is a strand
    /// already): the client's operations and connections then run straight
    /// on it, with no strand of the client's own, the cheapest there is
    /// (about a tenth less CPU a small request; see bench/RESULTS.md).
    /// Broken promises are data races. Not with strand_per_operation.
    bool single_thread = false;

    /// Defaults, overridden where set (and not empty) by OPENAI_API_KEY
    /// (api_key), OPENAI_BASE_URL (base_url), OPENAI_ORG_ID (organization),
    /// OPENAI_PROJECT_ID (project) and OPENAI_IMAGES_CA_FILE (tls.ca_file).
    static client_options from_env();
};

}  // namespace openai::images
