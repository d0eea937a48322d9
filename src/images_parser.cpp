// The images response parsed while its body arrives (images_stream.hpp), and
// parse_images_response, which is built on it.
#include <openai/images/json.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cstddef>

#include "images_json_handler.hpp"
#include "images_stream.hpp"
#include "json_convert.hpp"

namespace openai::images {

namespace detail {

struct images_response_stream::impl {
    json::basic_parser<images_response_handler> parser{json::parse_options{}};
    boost::system::error_code ec;
};

images_response_stream::images_response_stream(std::optional<std::uint64_t> body_size,
                                               bool decode_b64_json)
    : impl_(std::make_unique<impl>()) {
    impl_->parser.handler().remaining = body_size;
    impl_->parser.handler().decode = decode_b64_json;
}

images_response_stream::~images_response_stream() = default;

void images_response_stream::write(std::string_view piece) {
    if (impl_->ec || piece.empty())
        return;
    const std::size_t used = impl_->parser.write_some(true, piece.data(), piece.size(), impl_->ec);
    if (!impl_->ec && used != piece.size())
        impl_->ec = json::error::extra_data;
    if (auto& rest = impl_->parser.handler().remaining)
        *rest -= std::min<std::uint64_t>(*rest, piece.size());
}

error_code images_response_stream::finish(ImagesResponse& out, diagnostics& diag) {
    auto& p = impl_->parser;
    if (!impl_->ec)
        p.write_some(false, nullptr, 0, impl_->ec);
    if (impl_->ec) {
        diag.assign({}, "response body is not valid JSON (" + impl_->ec.message() + ")");
        return client_errc::invalid_json;
    }
    auto& h = p.handler();
    const json::value v = h.st.release();
    ImagesResponse tmp{};
    if (const auto ec = read_images_response(v, tmp, diag))
        return ec;
    if (const auto ec = h.take_images(tmp, diag))
        return ec;
    out = std::move(tmp);
    return {};
}

}  // namespace detail

error_code parse_images_response(std::string_view body, ImagesResponse& out, diagnostics& diag,
                                 bool decode_b64_json) {
    detail::images_response_stream s(body.size(), decode_b64_json);
    s.write(body);
    return s.finish(out, diag);
}

}  // namespace openai::images
