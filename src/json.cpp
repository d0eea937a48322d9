#include <openai/images/json.hpp>

#include <openai/images/base64.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <concepts>
#include <limits>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "base64_impl.hpp"
#include "images_stream.hpp"

namespace openai::images {
namespace json = boost::json;

namespace {

// ---------------------------------------------------------------- decoding
// Shape errors unwind to the public entry points, which turn them into an
// error_code (parse_*) or a client_error (value_to).
struct shape_error {
    std::string path;
    std::string expected;
};

std::string join(const std::string& path, std::string_view key) {
    std::string out = path;
    if (!out.empty())
        out += '.';
    out += key;
    return out;
}

[[noreturn]] void fail(const std::string& path, std::string expected) {
    throw shape_error{path, std::move(expected)};
}

void read(const json::value& v, const std::string& path, std::string& out) {
    const auto* s = v.if_string();
    if (!s)
        fail(path, "a string");
    out.assign(s->data(), s->size());
}

void read(const json::value& v, const std::string& path, std::int64_t& out) {
    if (const auto* i = v.if_int64()) {
        out = *i;
        return;
    }
    if (const auto* u = v.if_uint64()) {
        if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            fail(path, "an integer that fits in 64 bits");
        }
        out = static_cast<std::int64_t>(*u);
        return;
    }
    if (const auto* d = v.if_double()) {
        // Some servers write integral numbers as 1.0; accept exactly those.
        if (*d >= -9.0e18 && *d <= 9.0e18 &&
            static_cast<double>(static_cast<std::int64_t>(*d)) == *d) {
            out = static_cast<std::int64_t>(*d);
            return;
        }
    }
    fail(path, "an integer");
}

void read(const json::value& v, const std::string& path, bool& out) {
    const auto* b = v.if_bool();
    if (!b)
        fail(path, "a boolean");
    out = *b;
}

template <class D>
requires std::derived_from<D, open_enum<D>>
void read(const json::value& v, const std::string& path, D& out) {
    std::string s;
    read(v, path, s);
    out = D(std::move(s));
}

const json::object& object_at(const json::value& v, const std::string& path) {
    const auto* o = v.if_object();
    if (!o)
        fail(path.empty() ? "(root)" : path, "an object");
    return *o;
}

template <class T>
void field(const json::object& o, std::string_view key, const std::string& path, T& out);

void read(const json::value& v, const std::string& path, ImageGenInputUsageDetails& out) {
    const auto& o = object_at(v, path);
    field(o, "text_tokens", path, out.text_tokens);
    field(o, "image_tokens", path, out.image_tokens);
}

void read(const json::value& v, const std::string& path, ImageGenOutputTokensDetails& out) {
    const auto& o = object_at(v, path);
    field(o, "image_tokens", path, out.image_tokens);
    field(o, "text_tokens", path, out.text_tokens);
}

void read(const json::value& v, const std::string& path, ImageGenUsage& out) {
    const auto& o = object_at(v, path);
    field(o, "input_tokens", path, out.input_tokens);
    field(o, "total_tokens", path, out.total_tokens);
    field(o, "output_tokens", path, out.output_tokens);
    field(o, "output_tokens_details", path, out.output_tokens_details);
    field(o, "input_tokens_details", path, out.input_tokens_details);
}

void read(const json::value& v, const std::string& path, Image& out) {
    const auto& o = object_at(v, path);
    field(o, "b64_json", path, out.b64_json);
    field(o, "url", path, out.url);
    field(o, "revised_prompt", path, out.revised_prompt);
}

template <class T>
void read(const json::value& v, const std::string& path, std::vector<T>& out) {
    const auto* a = v.if_array();
    if (!a)
        fail(path, "an array");
    out.clear();
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        T item{};
        read((*a)[i], path + "[" + std::to_string(i) + "]", item);
        out.push_back(std::move(item));
    }
}

void read(const json::value& v, const std::string& path, ImagesResponse& out) {
    const auto& o = object_at(v, path);
    field(o, "created", path, out.created);
    field(o, "data", path, out.data);
    field(o, "background", path, out.background);
    field(o, "output_format", path, out.output_format);
    field(o, "size", path, out.size);
    field(o, "quality", path, out.quality);
    field(o, "usage", path, out.usage);
}

void read(const json::value& v, const std::string& path, ImageStreamEvent& out) {
    const auto& o = object_at(v, path);
    field(o, "type", path, out.type);
    field(o, "b64_json", path, out.b64_json);
    field(o, "created_at", path, out.created_at);
    field(o, "size", path, out.size);
    field(o, "quality", path, out.quality);
    field(o, "background", path, out.background);
    field(o, "output_format", path, out.output_format);
    field(o, "partial_image_index", path, out.partial_image_index);
    field(o, "usage", path, out.usage);
}

void read(const json::value& v, const std::string& path, CreateImageRequest& out) {
    const auto& o = object_at(v, path);
    field(o, "prompt", path, out.prompt);
    field(o, "model", path, out.model);
    field(o, "n", path, out.n);
    field(o, "quality", path, out.quality);
    field(o, "response_format", path, out.response_format);
    field(o, "output_format", path, out.output_format);
    field(o, "output_compression", path, out.output_compression);
    field(o, "stream", path, out.stream);
    field(o, "partial_images", path, out.partial_images);
    field(o, "size", path, out.size);
    field(o, "moderation", path, out.moderation);
    field(o, "background", path, out.background);
    field(o, "style", path, out.style);
    field(o, "user", path, out.user);
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
void field(const json::object& o, std::string_view key, const std::string& path, T& out) {
    const json::value* p = o.if_contains(key);
    if (!p || p->is_null())
        return;
    if constexpr (is_optional<T>::value) {
        typename T::value_type item{};
        read(*p, join(path, key), item);
        out = std::move(item);
    } else {
        read(*p, join(path, key), out);
    }
}

template <class T>
T decode_or_throw(const json::value& v) {
    T out{};
    try {
        read(v, {}, out);
    } catch (const shape_error& e) {
        diagnostics diag;
        diag.assign(e.path, e.path + ": expected " + e.expected);
        throw client_error(client_errc::unexpected_json, diag);
    }
    return out;
}

template <class T>
error_code parse_body(std::string_view body, T& out, diagnostics& diag) {
    boost::system::error_code jec;
    json::value v = json::parse(json::string_view(body.data(), body.size()), jec);
    if (jec) {
        diag.assign({}, "response body is not valid JSON (" + jec.message() + ")");
        return client_errc::invalid_json;
    }
    try {
        T tmp{};
        read(v, {}, tmp);
        out = std::move(tmp);
    } catch (const shape_error& e) {
        diag.assign(e.path, e.path + ": expected " + e.expected);
        return client_errc::unexpected_json;
    }
    return {};
}

// ---------------------------------------------------------------- encoding
json::value to_value(const std::string& s) {
    return json::string(s);
}
json::value to_value(std::int64_t i) {
    return i;
}
json::value to_value(bool b) {
    return b;
}
template <class D>
requires std::derived_from<D, open_enum<D>> json::value to_value(const D& e) {
    return json::string(e.value());
}
template <class T>
requires(!std::derived_from<T, open_enum<T>>) json::value to_value(const T& t) {
    return json::value_from(t);
}

template <class T>
void put(json::object& o, std::string_view key, const std::optional<T>& v) {
    if (v)
        o.emplace(key, to_value(*v));
}

}  // namespace

void tag_invoke(const json::value_from_tag&, json::value& jv, const CreateImageRequest& r) {
    json::object o;
    o.emplace("prompt", r.prompt);
    put(o, "model", r.model);
    put(o, "n", r.n);
    put(o, "quality", r.quality);
    put(o, "response_format", r.response_format);
    put(o, "output_format", r.output_format);
    put(o, "output_compression", r.output_compression);
    put(o, "stream", r.stream);
    put(o, "partial_images", r.partial_images);
    put(o, "size", r.size);
    put(o, "moderation", r.moderation);
    put(o, "background", r.background);
    put(o, "style", r.style);
    put(o, "user", r.user);
    jv = std::move(o);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const Image& r) {
    json::object o;
    if (r.b64_json || !r.bytes)
        put(o, "b64_json", r.b64_json);
    else
        o.emplace("b64_json", base64_encode(std::span<const unsigned char>(*r.bytes)));
    put(o, "url", r.url);
    put(o, "revised_prompt", r.revised_prompt);
    jv = std::move(o);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const ImageGenUsage& r) {
    json::object o;
    o.emplace("input_tokens", r.input_tokens);
    o.emplace("total_tokens", r.total_tokens);
    o.emplace("output_tokens", r.output_tokens);
    if (r.output_tokens_details) {
        o.emplace("output_tokens_details",
                  json::object{{"image_tokens", r.output_tokens_details->image_tokens},
                               {"text_tokens", r.output_tokens_details->text_tokens}});
    }
    o.emplace("input_tokens_details",
              json::object{{"text_tokens", r.input_tokens_details.text_tokens},
                           {"image_tokens", r.input_tokens_details.image_tokens}});
    jv = std::move(o);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const ImagesResponse& r) {
    json::object o;
    o.emplace("created", r.created);
    json::array data;
    data.reserve(r.data.size());
    for (const auto& img : r.data)
        data.push_back(json::value_from(img));
    o.emplace("data", std::move(data));
    put(o, "background", r.background);
    put(o, "output_format", r.output_format);
    put(o, "size", r.size);
    put(o, "quality", r.quality);
    put(o, "usage", r.usage);
    jv = std::move(o);
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const ImageStreamEvent& r) {
    json::object o;
    o.emplace("type", r.type);
    o.emplace("b64_json", r.b64_json);
    o.emplace("created_at", r.created_at);
    put(o, "size", r.size);
    put(o, "quality", r.quality);
    put(o, "background", r.background);
    put(o, "output_format", r.output_format);
    put(o, "partial_image_index", r.partial_image_index);
    put(o, "usage", r.usage);
    jv = std::move(o);
}

CreateImageRequest tag_invoke(const json::value_to_tag<CreateImageRequest>&,
                              const json::value& jv) {
    return decode_or_throw<CreateImageRequest>(jv);
}
Image tag_invoke(const json::value_to_tag<Image>&, const json::value& jv) {
    return decode_or_throw<Image>(jv);
}
ImageGenUsage tag_invoke(const json::value_to_tag<ImageGenUsage>&, const json::value& jv) {
    return decode_or_throw<ImageGenUsage>(jv);
}
ImagesResponse tag_invoke(const json::value_to_tag<ImagesResponse>&, const json::value& jv) {
    return decode_or_throw<ImagesResponse>(jv);
}
ImageStreamEvent tag_invoke(const json::value_to_tag<ImageStreamEvent>&, const json::value& jv) {
    return decode_or_throw<ImageStreamEvent>(jv);
}

std::string to_json(const CreateImageRequest& req) {
    return json::serialize(json::value_from(req));
}

std::string to_json(const ImagesResponse& resp) {
    return json::serialize(json::value_from(resp));
}

namespace {

// A large image's memory, not yet written, is asked for in huge pages where
// the system gives them on request (Linux transparent huge pages in
// "madvise" mode): one page fault per 2 MiB instead of per 4 KiB, which is
// most of the cost of receiving a large image. Advice only: any failure is
// harmless.
void huge_pages([[maybe_unused]] char* p, [[maybe_unused]] std::size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = 2u << 20;
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + size) & ~(huge - 1);
    if (end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

// A json::parser that builds the document as json::parser does, except for
// the strings at data[i].b64_json: those are appended straight into
// std::strings of their own (or, when `decode`, decoded straight into byte
// vectors) and an empty string stands in the document. The images, nearly all
// of a large response, are then copied once from the body (or from each piece
// of it as it is read) instead of three times (into the parser's stack, a
// json::string, the result).
class images_response_handler {
  public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    struct image_entry {
        std::size_t index = 0;             ///< in data
        std::string b64;                   ///< the text, when not decoding
        std::vector<unsigned char> bytes;  ///< the decoded bytes, when decoding
        /// A decoding error, which ends this entry's decoding (parsing goes
        /// on, so that the body is still read to its end).
        error_code ec;
        diagnostics diag;
    };

    json::value_stack st;
    /// In document order; a later entry for the same index replaces an earlier
    /// one, as a repeated key does in the document.
    std::vector<image_entry> images;
    /// Bytes of the body not yet given to the parser when the current piece
    /// began, when the body's size is known: an upper bound for an image.
    std::optional<std::uint64_t> remaining;
    /// Decode each image as it arrives instead of keeping its text.
    bool decode = false;

    images_response_handler() { st.reset(); }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) {
        begin_value();
        frames_.push_back({true, {}, 0});
        return true;
    }
    bool on_object_end(std::size_t n, error_code&) {
        frames_.pop_back();
        st.push_object(n);
        return true;
    }
    bool on_array_begin(error_code&) {
        begin_value();
        frames_.push_back({false, {}, 0});
        return true;
    }
    bool on_array_end(std::size_t n, error_code&) {
        frames_.pop_back();
        st.push_array(n);
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, error_code&) {
        key_.append(s.data(), s.size());
        st.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, error_code&) {
        key_.append(s.data(), s.size());
        frames_.back().key = std::move(key_);
        key_.clear();
        st.push_key(s);
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, error_code&) {
        start_string();
        if (image_string_)
            image_part(s);
        else
            st.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code&) {
        start_string();
        in_string_ = false;
        if (image_string_) {
            image_part(s);
            image_entry& e = images.back();
            if (decode && !e.ec)
                e.ec = decoder_->finish(e.bytes, e.diag);
            last_image_chars_ = decode ? decoder_->size() : e.b64.size();
            decoder_.reset();
            st.push_string({});
        } else {
            st.push_string(s);
        }
        return true;
    }
    bool on_number_part(json::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, error_code&) {
        begin_value();
        st.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, error_code&) {
        begin_value();
        st.push_uint64(u);
        return true;
    }
    bool on_double(double d, json::string_view, error_code&) {
        begin_value();
        st.push_double(d);
        return true;
    }
    bool on_bool(bool b, error_code&) {
        begin_value();
        st.push_bool(b);
        return true;
    }
    bool on_null(error_code&) {
        begin_value();
        st.push_null();
        return true;
    }
    bool on_comment_part(json::string_view, error_code&) { return true; }
    bool on_comment(json::string_view, error_code&) { return true; }

  private:
    struct frame {
        bool object = false;
        std::string key;           ///< objects: the key of the value being read
        std::size_t elements = 0;  ///< arrays: values begun so far
    };

    void begin_value() {
        if (!frames_.empty() && !frames_.back().object)
            ++frames_.back().elements;
    }
    void image_part(json::string_view s) {
        image_entry& e = images.back();
        if (!decode)
            e.b64.append(s.data(), s.size());
        else if (!e.ec)
            e.ec = decoder_->write({s.data(), s.size()}, e.bytes, e.diag);
    }
    // The first part of a string value: is it one of the images?
    void start_string() {
        if (in_string_)
            return;
        in_string_ = true;
        begin_value();
        image_string_ = at_image();
        if (image_string_) {
            const std::size_t index = frames_[1].elements - 1;
            images.emplace_back().index = index;
            if (decode) {
                decoder_.emplace("data[" + std::to_string(index) + "].b64_json");
                reserve(images.back().bytes);
            } else {
                reserve(images.back().b64);
            }
        }
    }
    // Sized once rather than grown by doubling (each step a copy and fresh
    // pages): the images of one answer are of one size and format, so the
    // previous one's size (with some slack) fits the next, and the rest of
    // the body bounds the first. Reserved pages not written stay untouched.
    template <class Container>
    void reserve(Container& c) const {
        std::uint64_t want = 0;  // characters of base64
        if (last_image_chars_ > 0)
            want = last_image_chars_ + last_image_chars_ / 16 + 64;
        if (remaining)
            want = last_image_chars_ > 0 ? std::min(want, *remaining) : *remaining;
        if (decode)
            want = want / 4 * 3 + 3;
        if (want > 0 && want <= c.max_size()) {
            c.reserve(static_cast<std::size_t>(want));
            huge_pages(reinterpret_cast<char*>(c.data()), c.capacity());
        }
    }
    // The string about to be read is the document's data[i].b64_json.
    bool at_image() const {
        return frames_.size() == 3 && frames_[0].object && frames_[0].key == "data" &&
               !frames_[1].object && frames_[2].object && frames_[2].key == "b64_json";
    }

    std::vector<frame> frames_;
    std::string key_;
    std::optional<detail::base64_stream_decoder> decoder_;  ///< the current image's
    std::uint64_t last_image_chars_ = 0;                    ///< characters of the previous image
    bool in_string_ = false, image_string_ = false;
};

}  // namespace

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
    try {
        ImagesResponse tmp{};
        read(v, {}, tmp);
        // Each index's last entry, as the document keeps a repeated key's last value.
        std::vector<images_response_handler::image_entry*> last(tmp.data.size());
        for (auto& e : h.images) {
            if (e.index < last.size())
                last[e.index] = &e;
        }
        for (std::size_t i = 0; i < last.size(); ++i) {
            if (last[i] == nullptr)
                continue;
            auto& e = *last[i];
            Image& img = tmp.data[i];
            if (!h.decode) {
                img.b64_json = std::move(e.b64);
                continue;
            }
            if (e.ec) {
                diag.assign(std::string(e.diag.param()), std::string(e.diag.message()));
                return e.ec;
            }
            img.b64_json.reset();  // the stand-in
            img.bytes = std::move(e.bytes);
        }
        out = std::move(tmp);
    } catch (const shape_error& e) {
        diag.assign(e.path, e.path + ": expected " + e.expected);
        return client_errc::unexpected_json;
    }
    return {};
}

}  // namespace detail

error_code parse_images_response(std::string_view body, ImagesResponse& out, diagnostics& diag,
                                 bool decode_b64_json) {
    detail::images_response_stream s(body.size(), decode_b64_json);
    s.write(body);
    return s.finish(out, diag);
}

error_code parse_stream_event(std::string_view body, ImageStreamEvent& out, diagnostics& diag) {
    return parse_body(body, out, diag);
}

error_code parse_create_image_request(std::string_view body, CreateImageRequest& out,
                                      diagnostics& diag) {
    return parse_body(body, out, diag);
}

}  // namespace openai::images
