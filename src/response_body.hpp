// The body of a response as the exchange reads it: a 2xx body goes to the
// operation's sink (body_sink.hpp) piece by piece as it is read, so that it
// is never held whole; any other body (an error answer), or a 2xx body when
// there is no sink (a download), is kept as text. Either way the HTTP
// framing, limits and timeouts are Beast's, and a body the sink cannot parse
// is still read to its end (the connection stays usable; the error is
// reported once the response is interpreted).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "body_sink.hpp"

namespace openai::images::detail {

struct response_body {
    /// How many of the first bytes a sunk body keeps as text, for messages
    /// (excerpt() shows at most 120 and marks a longer body).
    static constexpr std::size_t kept_prefix = 128;

    struct value_type {
        /// Set before reading: where a 2xx body goes (null: kept as text).
        body_sink* sink = nullptr;
        /// The whole body; only its first kept_prefix bytes when sunk.
        std::string text;
        /// The most `text` may hold whole: the parser's own limit does not
        /// apply when a sink that holds nothing takes a 2xx body.
        std::uint64_t text_limit = UINT64_MAX;
    };

    class reader {
      public:
        // Beast makes the reader with the parser, before the header is read:
        // the status is looked at in init(), once the header is complete.
        // Only a response's body with Beast's own fields is ever parsed.
        template <bool IsRequest, class Fields>
        reader(boost::beast::http::header<IsRequest, Fields>& h, value_type& b) : body_(b) {
            if constexpr (std::is_same_v<boost::beast::http::header<IsRequest, Fields>,
                                         boost::beast::http::response_header<>>)
                header_ = &h;
        }

        void init(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) {
            ec = {};
            body_.text.clear();
            const unsigned status = header_ ? header_->result_int() : 0;
            sunk_ = body_.sink != nullptr && status >= 200 && status < 300;
            if (sunk_) {
                std::optional<std::uint64_t> size;
                if (length)
                    size = *length;
                body_.sink->begin(size);
            } else if (length) {
                if (*length > body_.text_limit) {
                    ec = boost::beast::http::error::body_limit;
                    return;
                }
                if (*length > body_.text.max_size()) {
                    ec = boost::beast::http::error::buffer_overflow;
                    return;
                }
                body_.text.reserve(static_cast<std::size_t>(*length));
            }
        }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
            ec = {};
            std::size_t n = 0;
            for (auto it = boost::asio::buffer_sequence_begin(buffers);
                 it != boost::asio::buffer_sequence_end(buffers); ++it) {
                const boost::asio::const_buffer b = *it;
                const std::string_view piece(static_cast<const char*>(b.data()), b.size());
                if (sunk_) {
                    if (body_.text.size() < kept_prefix)
                        body_.text.append(piece.substr(0, kept_prefix - body_.text.size()));
                    body_.sink->write(piece);
                } else {
                    if (piece.size() > body_.text_limit - body_.text.size()) {
                        ec = boost::beast::http::error::body_limit;
                        return n;
                    }
                    body_.text.append(piece);
                }
                n += piece.size();
            }
            return n;
        }

        void finish(boost::system::error_code& ec) { ec = {}; }

      private:
        const boost::beast::http::response_header<>* header_ = nullptr;
        value_type& body_;
        bool sunk_ = false;
    };
};

}  // namespace openai::images::detail
