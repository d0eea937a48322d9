// The body of a response as the exchange reads it: text (error answers,
// downloads), or, for a successful answer to an images operation, pieces
// handed to an images_response_stream as they are read, so that the body is
// never held whole. Either way the HTTP framing, limits and timeouts are
// Beast's, and a body that is not valid JSON is still read to its end (the
// connection stays usable; the error is reported once the response is
// interpreted).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "images_stream.hpp"

namespace openai::images::detail {

/// What becomes of a 2xx response body.
enum class body_mode : unsigned char {
    text,            ///< kept whole as text (downloads)
    images,          ///< an images response, parsed as it is read
    decoded_images,  ///< the same, each b64_json decoded to bytes as it is read
};

struct response_body {
    /// How many of the first bytes a parsed body keeps as text, for messages
    /// (excerpt() shows at most 120 and marks a longer body).
    static constexpr std::size_t kept_prefix = 128;

    struct value_type {
        /// Set before reading: what becomes of a 2xx body.
        body_mode mode = body_mode::text;
        /// The whole body; only its first kept_prefix bytes when `images`.
        std::string text;
        /// The parser a 2xx images body went to, or null.
        std::unique_ptr<images_response_stream> images;
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
            body_.images.reset();
            const unsigned status = header_ ? header_->result_int() : 0;
            stream_ = body_.mode != body_mode::text && status >= 200 && status < 300;
            if (stream_) {
                std::optional<std::uint64_t> size;
                if (length)
                    size = *length;
                body_.images = std::make_unique<images_response_stream>(
                    size, body_.mode == body_mode::decoded_images);
            } else if (length) {
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
                if (stream_) {
                    if (body_.text.size() < kept_prefix)
                        body_.text.append(piece.substr(0, kept_prefix - body_.text.size()));
                    body_.images->write(piece);
                } else {
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
        bool stream_ = false;
    };
};

}  // namespace openai::images::detail
