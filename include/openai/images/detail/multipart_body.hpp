// A Beast body type for multipart_form, so that an
// http::request<multipart_body> streams the form: Content-Length from the
// form, buffers straight from its reader. Serializing the same request again
// replays the body byte for byte.
#pragma once

#include <openai/images/multipart.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

#include <cstdint>
#include <string_view>
#include <utility>

namespace openai::images::detail {

struct multipart_body {
    using value_type = multipart_form;

    /// Lets message::prepare_payload() set Content-Length.
    static std::uint64_t size(const value_type& form) noexcept { return form.content_length(); }

    /// BodyWriter: one buffer per reader chunk. Each writer starts a new reader,
    /// so every serializer built on the message produces the whole body.
    class writer {
      public:
        using const_buffers_type = boost::asio::const_buffer;

        template <bool isRequest, class Fields>
        writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& form)
            : reader_(form.make_reader()) {}

        void init(error_code& ec) { ec = {}; }

        boost::optional<std::pair<const_buffers_type, bool>> get(error_code& ec) {
            const auto s = reader_.next(ec);
            if (ec || s.empty())
                return boost::none;
            return std::pair<const_buffers_type, bool>{const_buffers_type(s.data(), s.size()),
                                                       true};
        }

        /// The message for the error get() reported, naming the file at fault;
        /// reachable through serializer::writer_impl().
        std::string_view error_message() const noexcept { return reader_.error_message(); }

        std::uint64_t bytes_produced() const noexcept { return reader_.bytes_produced(); }

      private:
        multipart_form::reader reader_;
    };
};

}  // namespace openai::images::detail
