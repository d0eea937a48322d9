// Batch API output and error files, line by line as they arrive. A line's
// JSON goes through the images parser's handler (images_json_handler.hpp),
// laid out for a batch line: the document is built except for the images,
// which are decoded straight into bytes.
#include "batch_output_reader.hpp"

#include <openai/images/detail/retry.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>

#include <optional>

#include "images_json_handler.hpp"
#include "json_convert.hpp"

namespace openai::images::detail {

namespace {

std::string text_of(const json::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key); v && v->is_string())
        return std::string(v->get_string());
    return {};
}

}  // namespace

struct batch_output_reader::impl {
    std::optional<json::basic_parser<images_response_handler>> parser;
    error_code ec;
    diagnostics diag;
    std::uint64_t image_chars = 0;  ///< the previous line's image, to size the next

    void start() {
        parser.emplace(json::parse_options{});
        auto& h = parser->handler();
        h.decode = true;
        h.where = images_response_handler::layout::batch_line;
        h.expect_image_chars(image_chars);
    }
    void fail(error_code e, std::uint64_t line, const std::string& why) {
        ec = e;
        diag.assign({}, "line " + std::to_string(line) + " of the batch file " + why);
    }
};

batch_output_reader::batch_output_reader(line_function on_line)
    : impl_(std::make_unique<impl>()), on_line_(std::move(on_line)) {}

batch_output_reader::~batch_output_reader() = default;

void batch_output_reader::write(std::string_view piece) {
    while (!piece.empty() && !impl_->ec) {
        const auto nl = piece.find('\n');
        std::string_view part = piece.substr(0, nl);
        if (!in_line_) {
            // Blank lines (and a CR before an LF) are not requests.
            const auto first = part.find_first_not_of(" \t\r");
            part.remove_prefix(first == std::string_view::npos ? part.size() : first);
            if (!part.empty()) {
                in_line_ = true;
                impl_->start();
            }
        }
        if (!part.empty()) {
            error_code ec;
            const auto used = impl_->parser->write_some(true, part.data(), part.size(), ec);
            if (!ec && used != part.size())
                ec = json::error::extra_data;
            if (ec) {
                impl_->fail(client_errc::invalid_json, line_no_,
                            "is not valid JSON (" + ec.message() + ")");
                return;
            }
        }
        if (nl == std::string_view::npos)
            return;
        end_line();
        ++line_no_;
        piece.remove_prefix(nl + 1);
    }
}

void batch_output_reader::end_line() {
    if (!in_line_ || impl_->ec)
        return;
    in_line_ = false;
    auto& p = *impl_->parser;
    error_code ec;
    p.write_some(false, nullptr, 0, ec);
    if (ec) {
        impl_->fail(client_errc::invalid_json, line_no_,
                    "is not valid JSON (" + ec.message() + ")");
        return;
    }
    auto& h = p.handler();
    impl_->image_chars = h.last_image_chars();
    const json::value v = h.st.release();
    const json::object* o = v.if_object();
    const json::value* id = o ? o->if_contains("custom_id") : nullptr;
    if (!id || !id->is_string()) {
        impl_->fail(client_errc::unexpected_json, line_no_, "has no custom_id");
        return;
    }
    batch_output_line line;
    line.custom_id = std::string(id->get_string());
    const json::value* resp = o->if_contains("response");
    const json::value* err = o->if_contains("error");
    if (resp && resp->is_object()) {
        const auto& r = resp->get_object();
        const json::value* status = r.if_contains("status_code");
        const json::value* body = r.if_contains("body");
        if (!status || !status->is_int64() || !body) {
            impl_->fail(client_errc::unexpected_json, line_no_,
                        "has a response without status_code and body");
            return;
        }
        const auto code = static_cast<unsigned>(status->get_int64());
        line.diag.response().status = code;
        line.diag.response().request_id = text_of(r, "request_id");
        line.diag.response().attempts = 1;
        if (code >= 200 && code < 300) {
            // An answer this side cannot read fails its request, not the file.
            line.ec = read_images_response(*body, line.response, line.diag);
            if (!line.ec)
                line.ec = h.take_images(line.response, line.diag);
        } else {
            auto e = parse_error_body(json::serialize(*body), code);
            line.ec = api_errc_from(code, e.code);
            line.diag.assign_api(std::move(e.type), std::move(e.code), std::move(e.param),
                                 std::move(e.message));
        }
    } else if (err && err->is_object()) {
        const auto& e = err->get_object();
        line.ec = api_errc::batch_request_failed;
        line.diag.assign_api({}, text_of(e, "code"), text_of(e, "param"), text_of(e, "message"));
    } else {
        impl_->fail(client_errc::unexpected_json, line_no_, "has neither a response nor an error");
        return;
    }
    ++lines_;
    on_line_(line);
}

error_code batch_output_reader::finish(diagnostics& diag) {
    end_line();
    if (impl_->ec) {
        diag.assign(std::string(impl_->diag.param()), std::string(impl_->diag.message()));
        return impl_->ec;
    }
    return {};
}

}  // namespace openai::images::detail
