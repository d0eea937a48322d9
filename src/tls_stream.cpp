#include "tls_stream.hpp"

#include <boost/system/system_error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace openai::images::detail {

// The BIO between OpenSSL and the stream's buffers: reads take ciphertext
// from the input buffer (a retry when it is empty); writes go to the socket
// at once, and what it does not take is appended to the output buffer
// (always whole: OpenSSL never retries a write). Sending from here saves
// copying every record into the output buffer and an asynchronous write per
// record: about a quarter of an upload's CPU.
struct bio_access {
    static tls_stream& of(BIO* b) { return *static_cast<tls_stream*>(BIO_get_data(b)); }

    static int read(BIO* b, char* out, int len) {
        BIO_clear_retry_flags(b);
        tls_stream& s = of(b);
        const std::size_t avail = s.in_end_ - s.in_begin_;
        if (avail == 0 || len <= 0) {
            BIO_set_retry_read(b);
            return -1;
        }
        const std::size_t n = std::min(avail, static_cast<std::size_t>(len));
        std::memcpy(out, s.in_.get() + s.in_begin_, n);
        s.in_begin_ += n;
        return static_cast<int>(n);
    }
    static int write(BIO* b, const char* in, int len) {
        BIO_clear_retry_flags(b);
        if (len <= 0)
            return 0;
        tls_stream& s = of(b);
        auto& out = s.out_;
        const auto* bytes = reinterpret_cast<const unsigned char*>(in);
        std::size_t sent = 0;
        if (out.empty())  // never ahead of bytes already waiting
            sent = send_now(s, bytes, static_cast<std::size_t>(len));
        // From unsigned char, the vector's own type: a memmove. From char,
        // insert() converted one byte at a time (a fifth of an upload's
        // CPU); resize() then memcpy would zero the bytes first.
        out.insert(out.end(), bytes + sent, bytes + len);
        return len;
    }
    // What the socket takes at once, without waiting: the rest is left to
    // the operation's asynchronous write, which also reports any error.
    static std::size_t send_now(tls_stream& s, const unsigned char* p, std::size_t n) {
        const int fd = s.tcp_.socket().native_handle();
        std::size_t sent = 0;
        while (sent < n) {
            const ssize_t r = ::send(fd, p + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (r > 0)
                sent += static_cast<std::size_t>(r);
            else if (r < 0 && errno == EINTR)
                continue;
            else
                break;
        }
        return sent;
    }
    static long ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }
    static int create(BIO* b) {
        BIO_set_init(b, 1);
        return 1;
    }
    static int destroy(BIO*) { return 1; }

    static BIO_METHOD* method() {
        static BIO_METHOD* const m = [] {
            BIO_METHOD* bm =
                BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "openai-images tls");
            if (bm == nullptr || !BIO_meth_set_read(bm, read) || !BIO_meth_set_write(bm, write) ||
                !BIO_meth_set_ctrl(bm, ctrl) || !BIO_meth_set_create(bm, create) ||
                !BIO_meth_set_destroy(bm, destroy))
                return static_cast<BIO_METHOD*>(nullptr);
            return bm;
        }();
        return m;
    }
};

namespace {

[[noreturn]] void throw_ssl(const char* what) {
    throw boost::system::system_error(ssl_error(), what);
}

}  // namespace

tls_stream::tls_stream(executor_type ex, asio::ssl::context& ctx) : tcp_(std::move(ex)) {
    ERR_clear_error();
    ssl_ = SSL_new(ctx.native_handle());
    if (ssl_ == nullptr)
        throw_ssl("creating the TLS connection");
    BIO_METHOD* method = bio_access::method();
    BIO* bio = method ? BIO_new(method) : nullptr;
    if (bio == nullptr) {
        SSL_free(ssl_);
        throw_ssl("creating the TLS connection's BIO");
    }
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);  // one reference, owned by ssl_ from now on
    SSL_set_connect_state(ssl_);
    // OpenSSL's own record buffers are freed whenever they are empty.
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
}

tls_stream::~tls_stream() {
    SSL_free(ssl_);
}

std::size_t tls_stream::write_now(asio::const_buffer b, boost::system::error_code& ec) {
    ec = {};
    if (!out_.empty() || b.size() == 0)
        return 0;
    const call_result r =
        step(&write_call::run, const_cast<void*>(b.data()), std::min(b.size(), max_write));
    if (r.next == want::error)
        ec = r.ec;
    return r.next == want::done ? r.bytes : 0;
}

tls_stream::call_result tls_stream::step(int (*call)(SSL*, void*, std::size_t, std::size_t*),
                                         void* data, std::size_t size) {
    // SSL_get_error() reads the thread's error queue, which must hold
    // nothing older; clearing an empty queue costs more than the check.
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    std::size_t n = 0;
    const int rc = call(ssl_, data, size, &n);
    call_result r;
    if (rc > 0) {
        r.bytes = n;
        return r;
    }
    switch (SSL_get_error(ssl_, rc)) {
        case SSL_ERROR_WANT_READ:
            r.next = want::input;
            return r;
        case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
            r.next = want::error;
            r.ec = asio::error::eof;
            return r;
        case SSL_ERROR_SSL: {
            r.next = want::error;
            const unsigned long e = ERR_get_error();
            if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                r.ec = asio::ssl::error::stream_truncated;
            else
                r.ec = ssl_error(e);
            return r;
        }
        default:  // SSL_ERROR_SYSCALL and the rest: the BIO never fails this way
            r.next = want::error;
            r.ec = asio::ssl::error::stream_truncated;
            return r;
    }
}

bool tls_stream::whole_record_buffered() const noexcept {
    const std::size_t avail = in_end_ - in_begin_;
    if (avail < 5)
        return false;
    const unsigned char* h = in_.get() + in_begin_;
    const std::size_t length = (std::size_t{h[3]} << 8) | h[4];
    return avail >= 5 + length;
}

void tls_stream::read_more_records(call_result& r, unsigned char* data, std::size_t size) {
    // Only while OpenSSL has plaintext or a whole record is in the input:
    // then SSL_read needs no more input, so it gives bytes or an error.
    while (r.bytes < size && (SSL_pending(ssl_) > 0 || whole_record_buffered())) {
        const call_result more = step(&read_call::run, data + r.bytes, size - r.bytes);
        if (more.next == want::done) {
            r.bytes += more.bytes;
            continue;
        }
        if (more.next == want::error)
            read_error_ = more.ec;
        break;
    }
}

}  // namespace openai::images::detail
