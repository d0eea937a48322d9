// Fuzz target: the multipart/form-data encoder (include/openai/images/
// multipart.hpp, detail/multipart_body.hpp) against the fake server's parser
// (test/fake_server/multipart_parser.cpp).
//
// Input: a flag byte (bit 0: a fuzzed boundary string follows), then parts
// until the input ends: a kind byte (0: text field; 1: borrowed memory file;
// 2: owned memory file; 3: memory file without a filename), the field name,
// then the value, or the filename (kinds 1 and 2) and the content. Strings
// use the FuzzedDataProvider protocol (end at a backslash followed by any
// other byte; "\\\\" is one backslash).
//
// Invariants: a boundary is accepted exactly when RFC 2046 allows it, and
// the Content-Type gives it back; empty names are refused; the body is
// byte for byte the documented layout (names and filenames escaped: '"' %22,
// CR %0D, LF %0A, '\' %5C, other controls %XX), content_length() is its size,
// the chunked reader, a second reader and Beast's serializer all produce it;
// every part's header block is one Content-Disposition line (and a
// Content-Type line for files), with no CR or LF inside a line; the parser
// gives back every part's name, filename, Content-Type and exact content; a
// random boundary never occurs in the content.
#include <openai/images/detail/multipart_body.hpp>
#include <openai/images/image_info.hpp>
#include <openai/images/multipart.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>

#include <deque>
#include <optional>
#include <sstream>
#include <vector>

#include "fuzz_common.hpp"
#include "multipart_parser.hpp"

namespace oi = openai::images;
namespace http = boost::beast::http;
using openai::images::testing::detail::multipart_boundary;
using openai::images::testing::detail::multipart_parser;
using openai::images::testing::detail::multipart_part;

namespace {

// RFC 2046 section 5.1.1: 1 to 70 bchars, not ending with a space.
bool valid_boundary(std::string_view b) {
    if (b.empty() || b.size() > 70 || b.back() == ' ')
        return false;
    for (const char c : b) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && std::string_view("'()+_,-./:=? ").find(c) == std::string_view::npos)
            return false;
    }
    return true;
}

// The escaping documented in multipart.hpp.
std::string escape(std::string_view s) {
    constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u == '"' || u == '\\' || u < 0x20 || u == 0x7F) {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

struct expected_part {
    std::string name;                     // escaped
    std::optional<std::string> filename;  // escaped; files only
    std::optional<std::string> mime;      // files only
    std::string_view content;
};

std::string body_of_reader(const oi::multipart_form& form) {
    std::string out;
    auto r = form.make_reader();
    for (;;) {
        oi::error_code ec;
        const auto s = r.next(ec);
        FUZZ_CHECK_MSG(!ec, std::string(r.error_message()));
        if (s.empty())
            break;
        out.append(reinterpret_cast<const char*>(s.data()), s.size());
        FUZZ_CHECK(r.bytes_produced() == out.size());
    }
    // Once done, it stays done.
    oi::error_code ec;
    FUZZ_CHECK(r.next(ec).empty() && !ec);
    return out;
}

// The header lines of every part, located from the parts' known layout.
void check_header_lines(std::string_view body, const std::string& boundary,
                        const std::vector<expected_part>& parts) {
    std::size_t pos = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string delim = (i == 0 ? "--" : "\r\n--") + boundary + "\r\n";
        FUZZ_CHECK(body.substr(pos, delim.size()) == delim);
        pos += delim.size();
        const std::size_t end = body.find("\r\n\r\n", pos);
        FUZZ_CHECK(end != std::string_view::npos);
        const std::string_view block = body.substr(pos, end - pos);
        std::size_t lines = 0;
        for (std::size_t start = 0;;) {
            const std::size_t eol = block.find("\r\n", start);
            const std::string_view line = block.substr(start, eol - start);
            FUZZ_CHECK_MSG(line.find_first_of("\r\n") == std::string_view::npos,
                           fuzz::escaped(line));
            FUZZ_CHECK_MSG(line.starts_with("Content-Disposition: form-data; name=\"") ||
                               (lines == 1 && line.starts_with("Content-Type: ")),
                           fuzz::escaped(line));
            ++lines;
            if (eol == std::string_view::npos)
                break;
            start = eol + 2;
        }
        FUZZ_CHECK(lines == (parts[i].filename ? 2u : 1u));
        pos = end + 4 + parts[i].content.size();
    }
}

}  // namespace

int fuzz_self_test() {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    const std::uint8_t flags = in.byte();

    std::optional<oi::multipart_form> form;
    bool random = true;
    if (flags & 1) {
        const std::string b = in.string(80);
        try {
            form.emplace(b);
            FUZZ_CHECK_MSG(valid_boundary(b), fuzz::escaped(b));
            random = false;
        } catch (const oi::client_error& e) {
            FUZZ_CHECK_MSG(!valid_boundary(b), fuzz::escaped(b));
            FUZZ_CHECK(e.code() == oi::client_errc::invalid_boundary);
        }
    }
    if (!form)
        form.emplace();
    const std::string boundary = form->boundary();
    FUZZ_CHECK(valid_boundary(boundary));
    FUZZ_CHECK(multipart_boundary(form->content_type()) == boundary);

    std::deque<std::string> storage;  // borrowed contents outlive the form
    std::vector<expected_part> expected;
    while (!in.empty() && expected.size() < 16) {
        const int kind = in.byte() % 4;
        const std::string name = in.string(100);
        oi::diagnostics diag;
        oi::error_code ec;
        expected_part e;
        e.name = escape(name);
        if (kind == 0) {
            const std::string& value = storage.emplace_back(in.string());
            ec = form->add_field(name, value, diag);
            e.content = value;
        } else {
            const std::string filename = kind == 3 ? std::string() : in.string(100);
            const std::string& content = storage.emplace_back(in.string());
            const auto head = std::span(reinterpret_cast<const unsigned char*>(content.data()),
                                        std::min<std::size_t>(content.size(), 16));
            const auto format = oi::detect_format(head);
            oi::file_source f = kind == 2 ? oi::file_source::from_owned(content, filename)
                                          : oi::file_source::from_memory(content, filename);
            ec = form->add_file(name, f, diag);
            e.content = content;
            std::string chosen = filename;
            if (chosen.empty()) {
                chosen = format == oi::image_format::unknown
                             ? "file"
                             : "image." + std::string(oi::file_extension(format));
            }
            e.filename = escape(chosen);
            e.mime = std::string(oi::mime_type(format));
        }
        if (name.empty()) {
            FUZZ_CHECK(ec == oi::client_errc::invalid_field_name);
            FUZZ_CHECK(!diag.message().empty());
            continue;
        }
        FUZZ_CHECK_MSG(!ec, std::string(diag.message()));
        expected.push_back(std::move(e));
    }
    FUZZ_CHECK(form->part_count() == expected.size());

    // The documented layout, byte for byte.
    std::string layout;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& e = expected[i];
        if (i > 0)
            layout += "\r\n";
        layout += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.name + "\"";
        if (e.filename)
            layout += "; filename=\"" + *e.filename + "\"\r\nContent-Type: " + *e.mime;
        layout += "\r\n\r\n";
        layout += e.content;
    }
    layout += (expected.empty() ? "--" : "\r\n--") + boundary + "--\r\n";

    oi::error_code ec;
    oi::diagnostics diag;
    const std::string body = form->to_string(ec, diag);
    FUZZ_CHECK_MSG(!ec, std::string(diag.message()));
    FUZZ_CHECK(body.size() == form->content_length());
    FUZZ_CHECK_MSG(body == layout, fuzz::escaped(body) + "\n  expected " + fuzz::escaped(layout));
    FUZZ_CHECK(body_of_reader(*form) == body);
    FUZZ_CHECK(body_of_reader(*form) == body);  // a retry replays it

    // Through Beast, as the client sends it.
    {
        http::request<openai::images::detail::multipart_body> req{http::verb::post,
                                                                  "/v1/images/edits", 11};
        req.set(http::field::content_type, form->content_type());
        req.body() = *form;
        req.prepare_payload();
        std::ostringstream os;
        os << req;
        const std::string wire = os.str();
        FUZZ_CHECK(wire.size() > body.size() && wire.ends_with(body));
        FUZZ_CHECK(wire.find("Content-Length: " + std::to_string(body.size()) + "\r\n") !=
                   std::string::npos);
    }

    check_header_lines(body, boundary, expected);

    // A content holding the delimiter is the caller's responsibility with a
    // chosen boundary (multipart.hpp); a random one never occurs.
    const std::string delimiter = "\r\n--" + boundary;
    bool delimiter_in_content = false;
    for (const auto& e : expected) {
        if (e.content.find(delimiter) != std::string_view::npos)
            delimiter_in_content = true;
    }
    if (random)
        FUZZ_CHECK(!delimiter_in_content);
    if (delimiter_in_content)
        return 0;

    multipart_parser parser(body, boundary);
    for (const auto& e : expected) {
        multipart_part p;
        FUZZ_CHECK_MSG(parser.next(p), parser.error());
        FUZZ_CHECK_MSG(p.name == e.name, fuzz::escaped(p.name) + " != " + fuzz::escaped(e.name));
        FUZZ_CHECK(p.filename == e.filename);
        FUZZ_CHECK(p.content_type == e.mime);
        FUZZ_CHECK(p.data == e.content);
    }
    multipart_part extra;
    FUZZ_CHECK(!parser.next(extra));
    FUZZ_CHECK_MSG(parser.error().empty(), parser.error());
    return 0;
}
