// Fuzz target: the HTTP response path. The library's own exchange code
// (detail::write_and_read, src/http_exchange.hpp) writes a small request and
// reads the response from an in-memory stream that serves the fuzz input in
// chunks whose sizes also come from the input, then end of stream.
//
// Input: [flags] [chunk seed] [largest chunk] then the bytes the server sends.
//   flags bit 0: the connection was reused (a failure before any byte is stale);
//   flags bits 1-2: the limits (0, 3: header 8 KiB / body 64 KiB; 1: header
//   256 B / body 64 B; 2: header 8 KiB / body 0 B);
//   largest chunk 0: every read gets as much as fits.
//
// Invariants: the coroutine completes exactly once, without an exception; on
// success the status is at most 999, the body within limits.max_response_body,
// a Content-Length body has exactly that length; on failure the message is
// not empty, no timeout is reported (no timer runs), and a stale failure
// needs a reused connection; the counters match what went over the stream;
// the outcome does not depend on how the bytes were split into reads (but for
// a header or chunk header that never ends, and Beast's header limit: see below).
//
// Also: a success is a final response with a real status (at least 200:
// 1xx interim responses are skipped, RFC 9110 section 15.2; Beast takes any
// three digits, "000" too, and 101 is never asked for), and a response left
// kept alive has no unread bytes after it (the client never pipelines, so
// such bytes would be read as the next request's response). These were found
// by this target; the inputs are in regressions/http_response/.
#include <http_exchange.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <charconv>
#include <cstdlib>
#include <exception>
#include <sstream>

#include "fuzz_common.hpp"

namespace oi = openai::images;
namespace detail = openai::images::detail;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

// An AsyncReadStream and AsyncWriteStream in memory: writes are swallowed
// whole; reads serve the data in chunks, then asio::error::eof. Every
// completion is posted to the executor, as a socket's would be.
class memory_stream {
  public:
    using executor_type = asio::io_context::executor_type;

    memory_stream(executor_type ex, std::string_view data, std::uint8_t seed,
                  std::uint8_t max_chunk)
        : ex_(ex), data_(data), state_(seed | 0x100u), max_chunk_(max_chunk) {}

    executor_type get_executor() const noexcept { return ex_; }

    template <class ConstBufferSequence, class WriteToken>
    auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
        return asio::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, std::size_t n) {
                written_ += n;
                complete(std::move(handler), {}, n);
            },
            token, asio::buffer_size(buffers));
    }

    template <class MutableBufferSequence, class ReadToken>
    auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
        return asio::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBufferSequence& b) {
                boost::system::error_code ec;
                std::size_t n = 0;
                if (asio::buffer_size(b) == 0) {
                    // A read into no space completes at once with nothing.
                } else if (pos_ == data_.size()) {
                    ec = asio::error::eof;
                } else {
                    const auto piece = data_.substr(pos_, next_chunk());
                    n = asio::buffer_copy(b, asio::buffer(piece.data(), piece.size()));
                    pos_ += n;
                }
                complete(std::move(handler), ec, n);
            },
            token, buffers);
    }

    std::size_t written() const noexcept { return written_; }
    std::size_t consumed() const noexcept { return pos_; }

  private:
    template <class Handler>
    void complete(Handler handler, boost::system::error_code ec, std::size_t n) {
        auto ex = asio::get_associated_executor(handler, ex_);
        asio::post(ex, asio::append(std::move(handler), ec, n));
    }

    std::size_t next_chunk() noexcept {
        if (max_chunk_ == 0)
            return data_.size();
        // xorshift32: a sequence of sizes in 1..max_chunk from one seed byte.
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        return 1 + state_ % max_chunk_;
    }

    executor_type ex_;
    std::string_view data_;
    std::size_t pos_ = 0;
    std::size_t written_ = 0;
    std::uint32_t state_;
    std::uint8_t max_chunk_;
};

struct no_expire {
    void operator()(detail::steady::time_point) const noexcept {}
};

struct outcome {
    int completions = 0;
    bool threw = false;
    detail::exchange_result result;
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> bytes_sent{0};
    std::atomic<std::uint64_t> bytes_received{0};
};

asio::awaitable<void> exchange(memory_stream& s, http::request<http::string_body>& req,
                               oi::limits l, bool reused, outcome& out) {
    beast::flat_buffer buffer;
    const oi::timeouts t{};
    const auto deadline = detail::steady::now() + std::chrono::hours(24);
    const detail::exchange_counters counters{out.requests, out.bytes_sent, out.bytes_received};
    const no_expire expire;
    detail::rendered_request wire{detail::render_request(req)};
    out.result = co_await detail::write_and_read(s, buffer, expire, reused, wire, deadline, t, l,
                                                 counters, nullptr);
}

http::request<http::string_body> make_request() {
    http::request<http::string_body> req{http::verb::post, "/v1/images/generations", 11};
    req.set(http::field::host, "api.openai.com");
    req.set(http::field::content_type, "application/json");
    req.body() = R"({"prompt":"a cat","model":"gpt-image-1"})";
    req.prepare_payload();
    return req;
}

std::size_t serialized_size(const http::request<http::string_body>& req) {
    std::ostringstream os;
    os << req;
    return os.str().size();
}

asio::io_context& context() {
    static asio::io_context ioc;
    return ioc;
}

struct run_result {
    detail::exchange_result r;
    std::uint64_t requests, sent, received;
    std::size_t written, consumed;
};

run_result run(std::string_view data, std::uint8_t seed, std::uint8_t max_chunk,
               const oi::limits& l, bool reused) {
    auto& ioc = context();
    ioc.restart();
    memory_stream stream(ioc.get_executor(), data, seed, max_chunk);
    auto req = make_request();
    outcome out;
    asio::co_spawn(ioc, exchange(stream, req, l, reused, out), [&out](std::exception_ptr e) {
        ++out.completions;
        out.threw = e != nullptr;
    });
    ioc.run();
    FUZZ_CHECK_MSG(out.completions == 1,
                   "the exchange completed " + std::to_string(out.completions) + " times");
    FUZZ_CHECK(!out.threw);
    return {std::move(out.result),     out.requests.load(), out.bytes_sent.load(),
            out.bytes_received.load(), stream.written(),    stream.consumed()};
}

// No body for 1xx, 204 and 304 whatever the header says (RFC 9110 section 6.4.1).
bool bodiless(unsigned status) {
    return status < 200 || status == 204 || status == 304;
}

void check(const run_result& rr, std::string_view data, const oi::limits& l, bool reused,
           std::size_t request_size) {
    const auto& r = rr.r;
    FUZZ_CHECK(rr.written == request_size);
    FUZZ_CHECK(rr.sent == request_size);
    FUZZ_CHECK(rr.consumed <= data.size());
    FUZZ_CHECK(rr.received <= rr.consumed);
    if (r.ec) {
        FUZZ_CHECK(!r.message.empty());
        FUZZ_CHECK_MSG(r.ec != beast::error::timeout &&
                           r.ec != oi::client_errc::response_header_timeout &&
                           r.ec != oi::client_errc::body_idle_timeout &&
                           r.ec != oi::client_errc::deadline_exceeded &&
                           r.ec != asio::error::operation_aborted,
                       r.message);
        FUZZ_CHECK(!r.stale || reused);
        return;
    }
    FUZZ_CHECK(rr.requests == 1);
    const unsigned status = r.response.result_int();
    FUZZ_CHECK_MSG(status <= 999, std::to_string(status));
    FUZZ_CHECK(r.response.body().text.size() <= l.max_response_body);
    FUZZ_CHECK(!r.keep_alive || r.response.keep_alive());
    FUZZ_CHECK(!r.stale);
    const auto cl = r.response[http::field::content_length];
    if (!cl.empty() && !bodiless(status)) {
        std::uint64_t n = 0;
        const auto [p, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
        if (ec == std::errc() && p == cl.data() + cl.size())
            FUZZ_CHECK_MSG(r.response.body().text.size() == n, std::string(cl));
    }
    FUZZ_CHECK_MSG(status >= 200, std::to_string(status) + " taken as the final response");
    FUZZ_CHECK_MSG(!r.keep_alive || rr.consumed == rr.received,
                   std::to_string(rr.consumed - rr.received) +
                       " unread bytes left on a connection kept alive");
}

// The errors of a header that ended too soon or grew over the limit.
bool ran_out(oi::error_code ec) {
    return ec == oi::client_errc::truncated_response || ec == oi::client_errc::response_too_large ||
           ec == http::error::partial_message || ec == http::error::end_of_stream ||
           ec == asio::error::eof;
}

std::string header_of(const detail::exchange_result& r) {
    std::string out = std::to_string(r.response.version()) + " " +
                      std::to_string(r.response.result_int()) + " " +
                      std::string(r.response.reason()) + "\n";
    for (const auto& f : r.response) {
        out += std::string(f.name_string()) + ": " + std::string(f.value()) + "\n";
    }
    return out;
}

}  // namespace

int fuzz_self_test() {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    const std::uint8_t flags = in.byte();
    const std::uint8_t seed = in.byte();
    const std::uint8_t max_chunk = in.byte();
    const std::string_view response = in.rest();

    const bool reused = (flags & 1) != 0;
    oi::limits l;
    switch ((flags >> 1) & 3) {
        case 1:
            l.max_response_header = 256;
            l.max_response_body = 64;
            break;
        case 2:
            l.max_response_header = 8 * 1024;
            l.max_response_body = 0;
            break;
        default:
            l.max_response_header = 8 * 1024;
            l.max_response_body = 64 * 1024;
    }
    static const std::size_t request_size = serialized_size(make_request());

    const auto chunked = run(response, seed, max_chunk, l, reused);
    check(chunked, response, l, reused, request_size);
    if (max_chunk == 0)
        return 0;

    // The same bytes in as few reads as possible: the outcome must not change.
    const auto whole = run(response, seed, 0, l, reused);
    check(whole, response, l, reused, request_size);
    const auto& a = chunked.r;
    const auto& b = whole.r;
    if (a.ec != b.ec) {
        // Beast parses a header (or a chunk header) as far as the bytes go
        // only on its first pass; after a partial line it waits for the whole
        // header (or line) before parsing again, and its header (or body)
        // limit is checked against the bytes seen so far. So a header or
        // chunk header that never ends may be a parse error, over a limit or
        // truncated, depending on where the reads ended. And a header that
        // arrives whole is held to the limit after its start line (the limit
        // applies to the start line, then again to the fields), so up to
        // about twice the limit passes in one read (and the exchange goes on)
        // that split reads refuse. Those are the only differences reads may make.
        auto phase = [](const detail::exchange_result& r) {
            return r.message.substr(0, r.message.find(':'));
        };
        const bool unfinished =
            a.ec && b.ec && phase(a) == phase(b) && (ran_out(a.ec) || ran_out(b.ec));
        // Any header counts: interim (1xx) headers come before the final
        // one, each read by a parser of its own under the same limit.
        bool long_header = false;
        for (std::size_t start = 0, blocks = 0; blocks < 18; ++blocks) {
            const std::size_t end = response.find("\r\n\r\n", start);
            if (end == std::string_view::npos)
                break;
            long_header = long_header || end + 4 - start > l.max_response_header;
            start = end + 4;
        }
        auto refused = [](const detail::exchange_result& r) {
            return r.ec == oi::client_errc::response_too_large &&
                   r.message.starts_with("reading the response header");
        };
        FUZZ_CHECK_MSG(unfinished || (long_header && (refused(a) || refused(b))),
                       "in chunks: " + a.message + " / in one read: " + b.message);
        return 0;
    }
    FUZZ_CHECK(a.stale == b.stale);
    if (!a.ec) {
        // keep_alive may differ: bytes after the response that one read
        // takes at once are not there yet when read in small chunks.
        FUZZ_CHECK_MSG(header_of(a) == header_of(b), header_of(a) + "/\n" + header_of(b));
        FUZZ_CHECK(a.response.body().text == b.response.body().text);
    }
    return 0;
}
