// The Boost.JSON conversions of the models. Both directions iterate the
// models' descriptions (models.hpp): a member is the JSON field of its name,
// written in declaration order, left out when it is an unset optional. The
// one member that is no API field (Image::bytes) is the one exception.
#include <openai/images/json.hpp>

#include <openai/images/base64.hpp>

#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/mp11/algorithm.hpp>

#include <charconv>
#include <concepts>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "json_convert.hpp"

namespace openai::images {
namespace json = boost::json;

namespace {

// Declaration order, which models.hpp keeps equal to the wire order.
template <class T>
using members = boost::describe::describe_members<T, boost::describe::mod_public>;

template <class T>
concept open_enum_type = std::derived_from<T, open_enum<T>>;

// A model sent as a JSON object. An open enum is described too, but its
// description lists its known values, and it goes on the wire as a string.
template <class T>
concept object_model = boost::describe::has_describe_members<T>::value && !open_enum_type<T>;

template <class D>
constexpr bool named(std::string_view name) {
    return std::string_view(D::name) == name;
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

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

template <open_enum_type D>
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

// Metadata: an object of strings.
void read(const json::value& v, const std::string& path, std::map<std::string, std::string>& out) {
    const auto& o = object_at(v, path);
    out.clear();
    for (const auto& kv : o) {
        std::string value;
        read(kv.value(), join(path, kv.key()), value);
        out.emplace(std::string(kv.key()), std::move(value));
    }
}

// Declared ahead: models nest (a response holds images and usage).
template <class T>
void read(const json::value& v, const std::string& path, std::vector<T>& out);
template <object_model T>
void read(const json::value& v, const std::string& path, T& out);

// Absent and null both leave `out` as it is.
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

template <class T, class D>
void read_member(const json::object& o, const std::string& path, T& out, D) {
    field(o, D::name, path, out.*D::pointer);
}

// The models that hold an image: their `bytes` is no API field, only
// decoding b64_json as it arrives fills it.
template <class T>
concept holds_image = std::is_same_v<T, Image> || std::is_same_v<T, ImageStreamEvent>;

template <holds_image T, class D>
void read_member(const json::object& o, const std::string& path, T& out, D) {
    if constexpr (!named<D>("bytes"))
        field(o, D::name, path, out.*D::pointer);
}

template <object_model T>
void read(const json::value& v, const std::string& path, T& out) {
    const auto& o = object_at(v, path);
    boost::mp11::mp_for_each<members<T>>([&](auto d) { read_member(o, path, out, d); });
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

template <class T>
error_code read_value(const json::value& v, T& out, diagnostics& diag) {
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

template <class T>
T decode_or_throw(const json::value& v) {
    T out{};
    diagnostics diag;
    if (const auto ec = read_value(v, out, diag))
        throw client_error(ec, diag);
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
    return read_value(v, out, diag);
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
template <open_enum_type D>
json::value to_value(const D& e) {
    return json::string(e.value());
}

json::value to_value(const std::map<std::string, std::string>& m) {
    json::object o;
    for (const auto& [k, v] : m)
        o.emplace(k, v);
    return o;
}

template <class T>
json::value to_value(const std::vector<T>& v);
template <object_model T>
json::value to_value(const T& r);

template <class T>
void put(json::object& o, std::string_view key, const T& v) {
    o.emplace(key, to_value(v));
}
template <class T>
void put(json::object& o, std::string_view key, const std::optional<T>& v) {
    if (v)
        o.emplace(key, to_value(*v));
}

template <class T, class D>
void write_member(json::object& o, const T& r, D) {
    put(o, D::name, r.*D::pointer);
}

// Whether the image's b64_json holds it (an event's b64_json is no
// optional: empty when the bytes hold the image).
bool has_text(const std::optional<std::string>& s) {
    return s.has_value();
}
bool has_text(const std::string& s) {
    return !s.empty();
}

// `bytes` is b64_json decoded on arrival, no API field: it goes back on the
// wire as b64_json, in b64_json's place, so that both forms of an image
// serialize alike.
template <holds_image T, class D>
void write_member(json::object& o, const T& r, D) {
    if constexpr (named<D>("b64_json")) {
        if (!r.bytes || has_text(r.b64_json))
            put(o, D::name, r.b64_json);
        else
            o.emplace(D::name, base64_encode(std::span<const unsigned char>(*r.bytes)));
    } else if constexpr (!named<D>("bytes")) {
        put(o, D::name, r.*D::pointer);
    }
}

template <object_model T>
json::object to_object(const T& r) {
    json::object o;
    boost::mp11::mp_for_each<members<T>>([&](auto d) { write_member(o, r, d); });
    return o;
}

template <object_model T>
json::value to_value(const T& r) {
    return to_object(r);
}

template <class T>
json::value to_value(const std::vector<T>& v) {
    json::array a;
    a.reserve(v.size());
    for (const auto& item : v)
        a.push_back(to_value(item));
    return a;
}

// ---------------------------------------------------------- direct writing
// A request written straight to text: the bytes json::serialize gives for
// the document to_object makes (members in declaration order, an absent
// optional left out, the serializer's escapes), without making the document,
// which costs several times as much for the few members of a request.
void write_text(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t plain = 0;  // the start of the run of characters copied as they are
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        out.push_back('\\');
        if (c == '"' || c == '\\') {
            out.push_back(static_cast<char>(c));
        } else if (c >= '\b' && c <= '\r' && c != '\v') {
            out.push_back("btn_fr"[c - '\b']);  // \b \t \n \f \r ('_': \v, never used)
        } else {
            out.append("u00");
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    out.append(s.data() + plain, s.size() - plain);
    out.push_back('"');
}
void write_json(std::string& out, const std::string& s) {
    write_text(out, s);
}
void write_json(std::string& out, std::int64_t i) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, i).ptr;
    out.append(digits, end);
}
void write_json(std::string& out, bool b) {
    out.append(b ? "true" : "false");
}
template <open_enum_type D>
void write_json(std::string& out, const D& e) {
    write_text(out, e.value());
}

void write_json(std::string& out, const std::map<std::string, std::string>& m) {
    out.push_back('{');
    bool first = true;
    for (const auto& [k, v] : m) {
        if (!first)
            out.push_back(',');
        first = false;
        write_text(out, k);
        out.push_back(':');
        write_text(out, v);
    }
    out.push_back('}');
}

// A JSON edit nests references: an object, a list of them.
template <object_model T>
void write_json(std::string& out, const T& r);
template <class T>
void write_json(std::string& out, const std::vector<T>& v) {
    out.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i > 0)
            out.push_back(',');
        write_json(out, v[i]);
    }
    out.push_back(']');
}

template <class T>
void write_member_json(std::string& out, bool& first, std::string_view key, const T& v) {
    out.push_back(first ? '{' : ',');
    first = false;
    write_text(out, key);
    out.push_back(':');
    write_json(out, v);
}
template <class T>
void write_member_json(std::string& out, bool& first, std::string_view key,
                       const std::optional<T>& v) {
    if (v)
        write_member_json(out, first, key, *v);
}

// Models without an image (requests, files, batches): their members are
// strings, numbers, booleans, enums, metadata, and objects and lists of
// those (Image's b64_json/bytes rule is to_object's alone).
template <object_model T>
void write_json(std::string& out, const T& r) {
    bool first = true;
    boost::mp11::mp_for_each<members<T>>(
        [&](auto d) { write_member_json(out, first, decltype(d)::name, r.*decltype(d)::pointer); });
    out.append(first ? "{}" : "}");
}

template <object_model T>
std::string request_json(const T& r) {
    std::string out;
    out.reserve(256);
    write_json(out, r);
    return out;
}

}  // namespace

void tag_invoke(const json::value_from_tag&, json::value& jv, const CreateImageRequest& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const EditImageBodyJsonParam& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const Image& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const ImageGenUsage& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const ImagesResponse& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const ImageStreamEvent& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const Batch& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const CreateBatchRequest& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const OpenAIFile& r) {
    jv = to_object(r);
}
void tag_invoke(const json::value_from_tag&, json::value& jv, const DeleteFileResponse& r) {
    jv = to_object(r);
}

CreateImageRequest tag_invoke(const json::value_to_tag<CreateImageRequest>&,
                              const json::value& jv) {
    return decode_or_throw<CreateImageRequest>(jv);
}
EditImageBodyJsonParam tag_invoke(const json::value_to_tag<EditImageBodyJsonParam>&,
                                  const json::value& jv) {
    return decode_or_throw<EditImageBodyJsonParam>(jv);
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
Batch tag_invoke(const json::value_to_tag<Batch>&, const json::value& jv) {
    return decode_or_throw<Batch>(jv);
}
CreateBatchRequest tag_invoke(const json::value_to_tag<CreateBatchRequest>&,
                              const json::value& jv) {
    return decode_or_throw<CreateBatchRequest>(jv);
}
OpenAIFile tag_invoke(const json::value_to_tag<OpenAIFile>&, const json::value& jv) {
    return decode_or_throw<OpenAIFile>(jv);
}
DeleteFileResponse tag_invoke(const json::value_to_tag<DeleteFileResponse>&,
                              const json::value& jv) {
    return decode_or_throw<DeleteFileResponse>(jv);
}

std::string to_json(const CreateImageRequest& req) {
    return request_json(req);
}

std::string to_json(const EditImageBodyJsonParam& req) {
    return request_json(req);
}

std::string to_json(const ImagesResponse& resp) {
    return json::serialize(to_object(resp));
}

std::string to_json(const OpenAIFile& file) {
    return request_json(file);
}

std::string to_json(const DeleteFileResponse& resp) {
    return request_json(resp);
}

std::string to_json(const CreateBatchRequest& req) {
    return request_json(req);
}

std::string to_json(const Batch& batch) {
    return request_json(batch);
}

std::string to_json(const ListBatchesResponse& list) {
    return request_json(list);
}

error_code parse_stream_event(std::string_view body, ImageStreamEvent& out, diagnostics& diag) {
    return parse_body(body, out, diag);
}

error_code parse_create_image_request(std::string_view body, CreateImageRequest& out,
                                      diagnostics& diag) {
    return parse_body(body, out, diag);
}

error_code parse_edit_image_json_request(std::string_view body, EditImageBodyJsonParam& out,
                                         diagnostics& diag) {
    return parse_body(body, out, diag);
}

error_code parse_response(std::string_view body, OpenAIFile& out, diagnostics& diag) {
    return parse_body(body, out, diag);
}

error_code parse_response(std::string_view body, DeleteFileResponse& out, diagnostics& diag) {
    return parse_body(body, out, diag);
}

error_code parse_response(std::string_view body, Batch& out, diagnostics& diag) {
    return parse_body(body, out, diag);
}

error_code parse_response(std::string_view body, ListBatchesResponse& out, diagnostics& diag) {
    return parse_body(body, out, diag);
}

error_code parse_create_batch_request(std::string_view body, CreateBatchRequest& out,
                                      diagnostics& diag) {
    return parse_body(body, out, diag);
}

namespace detail {

error_code read_images_response(const json::value& v, ImagesResponse& out, diagnostics& diag) {
    return read_value(v, out, diag);
}

error_code read_stream_event(const json::value& v, ImageStreamEvent& out, diagnostics& diag) {
    return read_value(v, out, diag);
}

}  // namespace detail

}  // namespace openai::images
