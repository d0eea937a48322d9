#include "image_event_reader.hpp"

#include <openai/images/detail/retry.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/string.hpp>

#include <utility>

#include "images_json_handler.hpp"
#include "json_convert.hpp"

namespace openai::images::detail {

namespace {

// Data that is not a JSON object is kept only this far: it can be nothing
// but the `[DONE]` sentinel.
constexpr std::size_t max_text = 64;

constexpr std::string_view json_space = " \t\r\n";

// The first image of a stream has no size to go by (chunked, no
// Content-Length; later ones are sized from the one before). Its memory is
// reserved for this many base64 characters, more than the API's largest
// images: grown by steps instead, each step would copy it and touch new
// pages (half the throughput of an answer with a known length). Pages not
// written are never touched, so only the image's own size becomes resident.
constexpr std::uint64_t first_image_chars = 32u << 20;

std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(json_space);
    if (b == std::string_view::npos)
        return {};
    return s.substr(b, s.find_last_not_of(json_space) - b + 1);
}

// A member of the API's error object as text (a string or an integer).
std::string member_text(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr)
        return {};
    if (const auto* s = v->if_string())
        return std::string(s->data(), s->size());
    if (v->is_int64())
        return std::to_string(v->get_int64());
    return {};
}

// A member that makes the event an error, as the official SDKs read it:
// present and neither null nor false.
const json::value* error_member(const json::value& v) {
    const auto* o = v.if_object();
    const json::value* e = o ? o->if_contains("error") : nullptr;
    if (e == nullptr || e->is_null() || (e->is_bool() && !e->get_bool()))
        return nullptr;
    return e;
}

}  // namespace

// One event's data as JSON, its image kept or decoded on the way.
struct image_event_reader::json_event {
    json::basic_parser<images_response_handler> parser{json::parse_options{}};
    boost::system::error_code ec;

    json_event(bool decode, std::uint64_t expected_chars) {
        auto& h = parser.handler();
        h.decode = decode;
        h.where = images_response_handler::layout::event;
        h.expect_image_chars(expected_chars);
    }
};

image_event_reader::image_event_reader(bool decode_b64_json, image_event_handler& out)
    : out_(out), decode_(decode_b64_json) {}

image_event_reader::~image_event_reader() = default;

void image_event_reader::write(std::string_view piece) {
    if (!ec_ && !done_)
        sse_.write(piece);
}

void image_event_reader::fail(error_code ec, std::string param, std::string message) {
    ec_ = ec;
    diag_.assign(std::move(param), std::move(message));
    json_.reset();
}

void image_event_reader::on_data(std::string_view piece) {
    if (ec_ || done_)
        return;
    if (kind_ == data_kind::none) {
        // JSON may start with white space; what follows it says what the
        // data is.
        const auto first = piece.find_first_not_of(json_space);
        if (first == std::string_view::npos)
            return;
        piece.remove_prefix(first);
        if (piece.front() == '{') {
            kind_ = data_kind::json;
            const std::uint64_t last = json_ ? json_->parser.handler().last_image_chars() : 0;
            json_ = std::make_unique<json_event>(decode_, last > 0 ? last : first_image_chars);
        } else {
            kind_ = data_kind::text;
            text_.clear();
        }
    }
    if (kind_ == data_kind::text) {
        if (text_.size() + piece.size() > max_text) {
            text_.append(piece.substr(0, max_text + 1 - text_.size()));  // enough to show
            fail(client_errc::invalid_json, {},
                 "event " + std::to_string(events_ + 1) +
                     ": data is neither a JSON object nor [DONE]: " + excerpt(text_, max_text));
            return;
        }
        text_.append(piece);
        return;
    }
    auto& j = *json_;
    if (j.ec)
        return;  // reported at the event's end
    const std::size_t used = j.parser.write_some(true, piece.data(), piece.size(), j.ec);
    if (!j.ec && used != piece.size())
        j.ec = json::error::extra_data;
}

void image_event_reader::on_event(std::string_view type) {
    const data_kind kind = std::exchange(kind_, data_kind::none);
    if (ec_ || done_)
        return;
    const std::string where = "event " + std::to_string(events_ + 1);
    if (kind == data_kind::none) {
        // Nothing but white space: no JSON to read. A keep-alive of some
        // servers; an error event says nothing more than that it is one.
        if (type == "error")
            fail(api_errc::stream_error, {}, where + ": an error event without data");
        return;
    }
    if (kind == data_kind::text) {
        if (type == "error") {  // an error event whose data is a bare message
            const json::value message(json::string(trim(text_)));
            return api_failure(message);
        }
        if (trim(text_) == "[DONE]")
            done_ = true;
        else
            fail(client_errc::invalid_json, {},
                 where + ": data is neither a JSON object nor [DONE]: " + excerpt(text_, max_text));
        return;
    }
    auto& j = *json_;
    if (!j.ec)
        j.parser.write_some(false, nullptr, 0, j.ec);
    if (j.ec) {
        fail(client_errc::invalid_json, {},
             where + ": data is not valid JSON (" + j.ec.message() + ")");
        return;
    }
    auto& h = j.parser.handler();
    const json::value v = h.st.release();
    if (const json::value* e = error_member(v))
        return api_failure(*e);
    if (type == "error")
        return api_failure(v);
    ImageStreamEvent event;
    diagnostics shape;
    if (const auto ec = read_stream_event(v, event, shape))
        return fail(ec, std::string(shape.param()), where + ": " + std::string(shape.message()));
    if (!h.images.empty()) {
        auto& image = h.images.back();  // a repeated key: its last value, as the document
        if (!decode_) {
            event.b64_json = std::move(image.b64);
        } else if (image.ec) {
            return fail(image.ec, std::string(image.diag.param()),
                        where + ": " + std::string(image.diag.message()));
        } else {
            event.b64_json.clear();  // the stand-in
            event.bytes = std::move(image.bytes);
        }
    }
    if (event.type.empty() && type != "message")
        event.type = type;
    ++events_;
    out_.on_image_event(std::move(event));
}

// An error event: its `error` object (or the event itself, for an `error`
// event without one; or a bare message string) as the API's error.
void image_event_reader::api_failure(const json::value& e) {
    std::string message, type, code, param;
    if (const auto* o = e.if_object()) {
        message = member_text(*o, "message");
        type = member_text(*o, "type");
        code = member_text(*o, "code");
        param = member_text(*o, "param");
    } else if (const auto* s = e.if_string()) {
        message.assign(s->data(), s->size());
    }
    if (message.empty())
        message = "event " + std::to_string(events_ + 1) + ": an error event";
    api_errc errc = api_errc::stream_error;
    if (code == "insufficient_quota")
        errc = api_errc::insufficient_quota;
    else if (code == "moderation_blocked")
        errc = api_errc::moderation_blocked;
    ec_ = errc;
    diag_.assign_api(std::move(type), std::move(code), std::move(param), std::move(message));
    json_.reset();
}

error_code image_event_reader::finish(diagnostics& diag) {
    if (!ec_ && !done_ && sse_.in_event())
        fail(client_errc::truncated_response, {},
             "the stream ended inside event " + std::to_string(events_ + 1));
    if (!ec_)
        return {};
    if (ec_.category() == api_category())
        diag.assign_api(std::string(diag_.error_type()), std::string(diag_.api_code()),
                        std::string(diag_.param()), std::string(diag_.message()));
    else
        diag.assign(std::string(diag_.param()), std::string(diag_.message()));
    return ec_;
}

}  // namespace openai::images::detail
