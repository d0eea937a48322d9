// TLS over a timed_socket, with OpenSSL reading and writing ciphertext
// through a BIO of ours. Asio's ssl::stream keeps four buffers of 17 KiB per
// connection (its own two and a BIO pair's two) and copies every byte through
// the pair; this stream keeps one 17 KiB input buffer, OpenSSL decrypts
// straight from it, and what OpenSSL writes goes to the socket at once from
// the BIO: only what the socket does not take is kept, in an output buffer.
// Every wait on the socket is an operation of the socket (a send that
// completes at once waits for nothing), so its deadline and per-operation
// cancellation apply. Error codes are Asio's: OpenSSL errors in the SSL
// category, a close without close_notify as ssl::error::stream_truncated, a
// close_notify as asio::error::eof; a passed deadline is Beast's timeout.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "timed_socket.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace openai::images::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

/// An OpenSSL error as an error code of Asio's SSL category (by default the
/// thread's oldest queued error).
inline boost::system::error_code ssl_error(unsigned long e = ::ERR_get_error()) {
    return {static_cast<int>(e), asio::error::get_ssl_category()};
}

class tls_stream {
  public:
    using executor_type = timed_socket::executor_type;
    using next_layer_type = timed_socket;
    using lowest_layer_type = timed_socket;

    /// Throws boost::system::system_error when OpenSSL cannot make the SSL object.
    tls_stream(executor_type ex, asio::ssl::context& ctx);
    ~tls_stream();
    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;

    SSL* native_handle() const noexcept { return ssl_; }
    timed_socket& next_layer() noexcept { return tcp_; }
    executor_type get_executor() noexcept { return tcp_.get_executor(); }

    /// The client side of the handshake. Signature void(error_code).
    template <class Token>
    auto async_handshake(Token&& token) {
        return asio::async_compose<Token, void(boost::system::error_code)>(
            io_op<handshake_call, false>{this, {}}, token, tcp_);
    }

    /// Decrypted bytes, at least one unless an error: as many records as were
    /// already read and fit. Signature void(error_code, size_t).
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        asio::mutable_buffer b;
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers) && b.size() == 0; ++it)
            b = *it;
        return asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            io_op<read_call, true>{this, {b.data(), b.size()}}, token, tcp_);
    }

    /// Encrypts and sends up to one TLS record's worth of the buffers (16 KiB),
    /// gathered first when they are several, or up to four records of one
    /// large buffer (an upload's file chunk or memory part) per operation.
    /// Signature void(error_code, size_t).
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        // One pass over the sequence (Beast's serializer hands a view of
        // views, costly to walk): the first non-empty buffer is sent as it
        // is when it fills a record or is the last; otherwise the buffers
        // are gathered into stage_, up to a record.
        auto it = asio::buffer_sequence_begin(buffers);
        const auto end = asio::buffer_sequence_end(buffers);
        asio::const_buffer first;
        for (; it != end && first.size() == 0; ++it)
            first = *it;
        void* data = const_cast<void*>(first.data());
        // A large buffer goes by several records per operation: each
        // operation and send costs as much as encrypting a record.
        std::size_t n = std::min(first.size(), max_write);
        if (n < max_record && it != end) {
            // Grown as needed: a small request keeps a small stage.
            auto append = [this](const void* p, std::size_t size) {
                const auto* b = static_cast<const unsigned char*>(p);
                stage_.insert(stage_.end(), b, b + size);  // same type: a memmove
            };
            stage_.clear();
            append(first.data(), n);
            for (; it != end && n < max_record; ++it) {
                const asio::const_buffer b = *it;
                const std::size_t take = std::min(b.size(), max_record - n);
                append(b.data(), take);
                n += take;
            }
            data = stage_.data();
        }
        return asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            io_op<write_call, true>{this, {data, n}}, token, tcp_);
    }

    /// Encrypts up to four records of `b` and sends them at once, without an
    /// operation: the plaintext bytes taken (0 when the asynchronous write
    /// must do it: output already waits, or OpenSSL needs input; `ec` when
    /// OpenSSL fails). What the socket does not take waits in the output
    /// buffer (pending_output()); an async_write_some of no bytes sends it
    /// and reports the socket's errors. Only with no operation pending.
    std::size_t write_now(asio::const_buffer b, boost::system::error_code& ec);
    /// Ciphertext waits to be sent (see write_now).
    bool pending_output() const noexcept { return !out_.empty(); }

    /// Gives back a large input buffer once it is drained (after a large
    /// body) and the output buffer of a large write, so that an idle
    /// connection keeps only the small ones.
    void trim() noexcept {
        if (in_size_ > input_size && in_begin_ == in_end_) {
            in_.reset();
            in_size_ = 0;
            in_begin_ = in_end_ = 0;
        }
        if (out_.capacity() > input_size && out_.empty())
            std::vector<unsigned char>().swap(out_);
    }

  private:
    // One TLS record's payload: each write encrypts at most this much.
    static constexpr std::size_t max_record = 16 * 1024;
    // What one write of a large buffer encrypts and sends at most.
    static constexpr std::size_t max_write = 4 * max_record;
    // A whole record as sent (payload, header, tag and padding) fits.
    static constexpr std::size_t input_size = 17 * 1024;
    // A read asking for at least this much (a large body) reads ciphertext
    // by large_input_size: several records per system call.
    static constexpr std::size_t large_read = 32 * 1024, large_input_size = 4 * input_size;

    enum class want { done, input, error };
    struct call_result {
        want next = want::done;
        std::size_t bytes = 0;
        boost::system::error_code ec{};
    };
    // One non-blocking step of OpenSSL: what it did, or what it waits for.
    call_result step(int (*call)(SSL*, void*, std::size_t, std::size_t*), void* data,
                     std::size_t size);
    struct handshake_call {
        static int run(SSL* s, void*, std::size_t, std::size_t* n) {
            *n = 0;
            return SSL_do_handshake(s);
        }
    };
    struct read_call {
        static int run(SSL* s, void* data, std::size_t size, std::size_t* n) {
            return SSL_read_ex(s, data, size, n);
        }
    };
    // After a read that gave bytes: more records already read, decrypted
    // into the rest of the buffer (an error among them waits for the next
    // read, so that the bytes before it are delivered first).
    void read_more_records(call_result& r, unsigned char* data, std::size_t size);
    bool whole_record_buffered() const noexcept;
    struct write_call {
        static int run(SSL* s, void* data, std::size_t size, std::size_t* n) {
            return SSL_write_ex(s, data, size, n);  // at most max_write: async_write_some
        }
    };

    // The composed operation: run the OpenSSL call; send what it produced;
    // read more ciphertext when it needs some; repeat until it is done. A
    // result known without any I/O (plaintext OpenSSL already had) is
    // delivered through a post, never from inside the initiating function.
    template <class Call, bool WithSize>
    struct io_op {
        tls_stream* s;
        struct {
            void* data;
            std::size_t size;
        } buf;
        call_result result{};
        enum { starting, writing, reading, deferred } state = starting;
        bool async = false;  // an operation of the next layer or a post has run

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
            if (state == starting) {
                // Every kind of cancellation goes through (async_compose
                // passes only terminal by default).
                self.reset_cancellation_state(asio::enable_total_cancellation());
            } else if (!ec && self.cancelled() != asio::cancellation_type::none) {
                // Cancelled while nothing that listens to it was pending (the
                // post of a result known without I/O): it still ends the op.
                ec = asio::error::operation_aborted;
            }
            if (ec && state == deferred)
                return finish(self, ec, 0);
            switch (state) {
                case starting:
                    if (WithSize && buf.size == 0) {
                        if (std::is_same_v<Call, write_call> && !s->out_.empty())
                            return send_output(self);  // what write_now left, then done
                        return finish(self, {}, 0);    // nothing asked: nothing done
                    }
                    if constexpr (std::is_same_v<Call, read_call>) {
                        if (s->read_error_)  // met by the previous read, after its bytes
                            return finish(self, std::exchange(s->read_error_, {}), 0);
                    }
                    break;
                case deferred:
                    return finish(self, result.ec, result.bytes);
                case writing:
                    s->out_.clear();
                    ec = s->tcp_.timeout_result(ec);
                    if (ec)
                        return finish(self, ec, 0);
                    if (result.next == want::done)
                        return finish(self, {}, result.bytes);
                    if (result.next == want::error)
                        return finish(self, result.ec, 0);
                    return read_more(self);  // want::input
                case reading:
                    ec = s->tcp_.timeout_result(ec);
                    if (ec == asio::error::eof)
                        ec = asio::ssl::error::stream_truncated;  // no close_notify came
                    if (ec)
                        return finish(self, ec, 0);
                    s->in_begin_ = 0;
                    s->in_end_ = n;
                    break;
            }
            result = s->step(&Call::run, buf.data, buf.size);
            if constexpr (std::is_same_v<Call, read_call>) {
                if (result.next == want::done && result.bytes > 0)
                    s->read_more_records(result, static_cast<unsigned char*>(buf.data), buf.size);
            }
            if (!s->out_.empty()) {
                // Sent before anything else: a handshake message, an alert, or
                // the records of a write.
                return send_output(self);
            }
            if (result.next == want::done)
                return finish(self, {}, result.bytes);
            if (result.next == want::error)
                return finish(self, result.ec, 0);
            read_more(self);
        }

        // Sends the output buffer; the step completes in `writing`.
        template <class Self>
        void send_output(Self& self) {
            state = writing;
            async = true;
            asio::async_write(s->tcp_, asio::buffer(s->out_), std::move(self));
        }

        template <class Self>
        void read_more(Self& self) {
            // The input is drained when OpenSSL asks for more: its size can
            // change here.
            const std::size_t want_size = std::is_same_v<Call, read_call> && buf.size >= large_read
                                              ? large_input_size
                                              : input_size;
            if (!s->in_ || s->in_size_ < want_size) {
                s->in_ = std::make_unique_for_overwrite<unsigned char[]>(want_size);
                s->in_size_ = want_size;
            }
            state = reading;
            async = true;
            s->tcp_.async_read_some(asio::buffer(s->in_.get(), s->in_size_), std::move(self));
        }

        template <class Self>
        void finish(Self& self, boost::system::error_code ec, std::size_t n) {
            if (!async) {
                result.ec = ec;
                result.bytes = n;
                state = deferred;
                async = true;
                asio::post(s->tcp_.get_executor(), std::move(self));
                return;
            }
            if constexpr (WithSize)
                self.complete(ec, n);
            else
                self.complete(ec);
        }
    };

    friend struct bio_access;

    timed_socket tcp_;
    SSL* ssl_ = nullptr;
    std::unique_ptr<unsigned char[]> in_;  // ciphertext read, [in_begin_, in_end_) not yet used
    std::size_t in_size_ = 0, in_begin_ = 0, in_end_ = 0;
    boost::system::error_code read_error_;  // met after bytes a read delivered
    std::vector<unsigned char> out_;        // ciphertext to send
    std::vector<unsigned char> stage_;  // a write's plaintext, when gathered from several buffers
};

}  // namespace openai::images::detail
