#include "multipart_parser.hpp"

#include <cctype>
#include <utility>

namespace openai::images::testing::detail {
namespace {

constexpr std::string_view crlf = "\r\n";

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Splits `type; a=b; c="d;e"` into its parameters, calling f(name, value)
// for each; quoted values are unquoted (a backslash escapes the next byte).
// Returns false on an unterminated quoted string.
template <class F>
bool for_each_param(std::string_view header, F&& f) {
    std::size_t i = header.find(';');
    while (i != std::string_view::npos && i < header.size()) {
        ++i;  // past ';'
        const std::size_t eq = header.find('=', i);
        if (eq == std::string_view::npos)
            return true;
        const std::string_view name = trim(header.substr(i, eq - i));
        std::size_t j = eq + 1;
        while (j < header.size() && (header[j] == ' ' || header[j] == '\t'))
            ++j;
        std::string value;
        if (j < header.size() && header[j] == '"') {
            ++j;
            bool closed = false;
            for (; j < header.size(); ++j) {
                if (header[j] == '\\' && j + 1 < header.size()) {
                    value.push_back(header[++j]);
                } else if (header[j] == '"') {
                    closed = true;
                    ++j;
                    break;
                } else {
                    value.push_back(header[j]);
                }
            }
            if (!closed)
                return false;
            i = header.find(';', j);
        } else {
            const std::size_t end = header.find(';', j);
            value = std::string(trim(header.substr(j, end - j)));
            i = end;
        }
        f(name, std::move(value));
    }
    return true;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
    const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
    if (!iequals(type, "multipart/form-data"))
        return std::nullopt;
    std::optional<std::string> boundary;
    const bool ok = for_each_param(content_type, [&](std::string_view name, std::string value) {
        if (iequals(name, "boundary"))
            boundary = std::move(value);
    });
    if (!ok || !boundary || boundary->empty() || boundary->size() > 70)
        return std::nullopt;
    return boundary;
}

multipart_parser::multipart_parser(std::string_view body, std::string boundary)
    : body_(body), delimiter_("\r\n--" + std::move(boundary)) {}

bool multipart_parser::fail(std::string message) {
    error_ = std::move(message);
    pos_ = std::string_view::npos;
    return false;
}

bool multipart_parser::next(multipart_part& out) {
    if (pos_ == std::string_view::npos)
        return false;
    const std::string_view dash_boundary = std::string_view(delimiter_).substr(2);
    if (!started_) {
        started_ = true;
        // The first delimiter may open the body; anything before it is a preamble.
        if (body_.starts_with(dash_boundary)) {
            pos_ = 0;
        } else {
            const std::size_t d = body_.find(delimiter_);
            if (d == std::string_view::npos)
                return fail("no multipart boundary in the body");
            pos_ = d + 2;
        }
    }
    // pos_ is at "--boundary".
    std::size_t p = pos_ + dash_boundary.size();
    if (body_.substr(p, 2) == "--") {
        pos_ = std::string_view::npos;  // the close delimiter; the rest is epilogue
        return false;
    }
    while (p < body_.size() && (body_[p] == ' ' || body_[p] == '\t'))
        ++p;  // transport padding
    if (body_.substr(p, 2) != crlf)
        return fail("a multipart boundary line does not end with CRLF");
    p += 2;

    // The part's headers, up to an empty line.
    out = multipart_part{};
    bool disposition = false;
    for (;;) {
        const std::size_t eol = body_.find(crlf, p);
        if (eol == std::string_view::npos)
            return fail("a multipart part's headers do not end");
        const std::string_view line = body_.substr(p, eol - p);
        p = eol + 2;
        if (line.empty())
            break;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            return fail("a multipart part header has no colon");
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "Content-Disposition")) {
            const std::string_view kind = trim(value.substr(0, value.find(';')));
            if (!iequals(kind, "form-data"))
                return fail("a multipart part's Content-Disposition is not form-data");
            disposition = true;
            const bool ok = for_each_param(value, [&](std::string_view n, std::string v) {
                if (iequals(n, "name"))
                    out.name = std::move(v);
                else if (iequals(n, "filename"))
                    out.filename = std::move(v);
            });
            if (!ok)
                return fail("a multipart part's Content-Disposition has an unterminated quote");
        } else if (iequals(name, "Content-Type")) {
            out.content_type = std::string(value);
        }
    }
    if (!disposition)
        return fail("a multipart part has no Content-Disposition");
    if (out.name.empty())
        return fail("a multipart part has no name");

    const std::size_t end = body_.find(delimiter_, p);
    if (end == std::string_view::npos)
        return fail("the multipart body ends without its closing boundary");
    out.data = body_.substr(p, end - p);
    pos_ = end + 2;
    return true;
}

}  // namespace openai::images::testing::detail
