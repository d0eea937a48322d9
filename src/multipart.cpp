#include <openai/images/image_info.hpp>
#include <openai/images/multipart.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace openai::images {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";
constexpr char lower_hex[] = "0123456789abcdef";

// RFC 7578 section 4.2 as browsers apply it: the quoted-string cannot be ended
// or broken across lines, and UTF-8 is passed through.
std::string escape_param(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u == '"' || u == '\\' || u < 0x20 || u == 0x7F) {
            out += '%';
            out += hex_digits[u >> 4];
            out += hex_digits[u & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

bool is_bchar(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// RFC 2045 tspecials and space: such a boundary must be a quoted-string in
// the Content-Type header.
bool needs_quoting(std::string_view b) noexcept {
    return b.find_first_of(" ()<>@,;:\\\"/[]?=") != std::string_view::npos;
}

std::string random_boundary() {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("openai-images: RAND_bytes failed to make a multipart boundary");
    std::string b = "openai-images-";
    for (const unsigned char u : bytes) {
        b += lower_hex[u >> 4];
        b += lower_hex[u & 0xF];
    }
    return b;
}

std::string file_name_for(const file_source& file, image_format format) {
    if (!file.filename().empty())
        return file.filename();
    if (file.source_kind() == file_source::kind::path) {
        auto name = file.path().filename().string();
        if (!name.empty())
            return name;
    }
    if (format == image_format::unknown)
        return "file";
    return "image." + std::string(file_extension(format));
}

error_code empty_name(diagnostics& diag) {
    diag.assign({}, "a multipart field name must not be empty");
    return client_errc::invalid_field_name;
}

}  // namespace

multipart_form::multipart_form() : multipart_form(random_boundary()) {}

multipart_form::multipart_form(std::string boundary) : boundary_(std::move(boundary)) {
    const bool ok = !boundary_.empty() && boundary_.size() <= 70 && boundary_.back() != ' ' &&
                    std::all_of(boundary_.begin(), boundary_.end(), is_bchar);
    if (!ok) {
        diagnostics diag;
        diag.assign({}, "multipart boundary '" + escape_param(boundary_) +
                            "' breaks RFC 2046: it must be 1 to 70 letters, digits or "
                            "'()+_,-./:=? and spaces, not ending with a space");
        throw client_error(client_errc::invalid_boundary, diag);
    }
    closing_ = delimiter() + "--\r\n";
    length_ = closing_.size();
}

std::string multipart_form::delimiter() const {
    return "--" + boundary_;
}

std::string multipart_form::content_type() const {
    if (needs_quoting(boundary_))
        return "multipart/form-data; boundary=\"" + boundary_ + "\"";
    return "multipart/form-data; boundary=" + boundary_;
}

void multipart_form::push(part p) {
    length_ -= closing_.size();
    if (parts_.empty())
        closing_.insert(0, "\r\n");  // ends the last part's content
    else
        p.head.insert(0, "\r\n");  // ends the previous part's content
    length_ += p.head.size() + p.size + closing_.size();
    parts_.push_back(std::move(p));
}

error_code multipart_form::add_field(std::string_view name, std::string_view value,
                                     diagnostics& diag) {
    if (name.empty())
        return empty_name(diag);
    part p;
    p.head = delimiter() + "\r\nContent-Disposition: form-data; name=\"" + escape_param(name) +
             "\"\r\n\r\n";
    p.head += value;
    push(std::move(p));
    return {};
}

error_code multipart_form::add_file(std::string_view name, const file_source& file,
                                    diagnostics& diag) {
    if (name.empty())
        return empty_name(diag);
    std::uint64_t size = 0;
    if (auto ec = file.size(size, diag))
        return ec;
    std::array<unsigned char, 16> head{};
    std::size_t got = 0;
    if (auto ec = file.read_at(0, head, got, diag))
        return ec;
    const image_format format = detect_format(std::span(head.data(), got));
    part p;
    p.head = delimiter() + "\r\nContent-Disposition: form-data; name=\"" + escape_param(name) +
             "\"; filename=\"" + escape_param(file_name_for(file, format)) +
             "\"\r\nContent-Type: " + std::string(mime_type(format)) + "\r\n\r\n";
    p.file = file;
    p.size = size;
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - 4096;
    if (size > limit - length_ - p.head.size()) {
        diag.assign({}, file.describe() + ": the body would be larger than 2^64 bytes");
        return client_errc::body_too_large;
    }
    push(std::move(p));
    return {};
}

multipart_form::reader multipart_form::make_reader() const {
    return reader(*this);
}

std::string multipart_form::to_string(error_code& ec, diagnostics& diag) const {
    std::string out;
    out.reserve(static_cast<std::size_t>(length_));
    auto r = make_reader();
    for (;;) {
        auto s = r.next(ec);
        if (ec) {
            diag.assign({}, std::string(r.error_message()));
            return {};
        }
        if (s.empty())
            return out;
        out.append(reinterpret_cast<const char*>(s.data()), s.size());
    }
}

std::span<const unsigned char> multipart_form::reader::emit(std::span<const unsigned char> s) {
    produced_ += s.size();
    return s;
}

std::span<const unsigned char> multipart_form::reader::fail(error_code& ec, client_errc e,
                                                            std::string message) {
    file_.reset();
    error_ = e;
    message_ = std::move(message);
    ec = error_;
    return {};
}

// One chunk of the current file part; empty without error once the part is
// complete, the file has been checked for extra bytes and closed.
std::span<const unsigned char> multipart_form::reader::read_file(error_code& ec) {
    const part& p = form_->parts_[index_];
    if (!file_) {
        file_.reset(std::fopen(p.file.path().c_str(), "rb"));
        if (!file_) {
            const int err = errno;
            return fail(
                ec, client_errc::file_open_failed,
                "cannot open " + p.file.describe() + ": " + std::generic_category().message(err));
        }
        // Reads are already chunk_size: stdio's own buffer would only add a copy.
        std::setvbuf(file_.get(), nullptr, _IONBF, 0);
        remaining_ = p.size;
        buffer_.resize(chunk_size);
    }
    if (remaining_ == 0) {
        const int extra = std::fgetc(file_.get());
        if (extra != EOF) {
            return fail(ec, client_errc::file_size_changed,
                        p.file.describe() + " changed size: it is longer than the " +
                            std::to_string(p.size) + " bytes it had when it was added");
        }
        if (std::ferror(file_.get())) {
            const int err = errno;
            return fail(
                ec, client_errc::file_read_failed,
                "cannot read " + p.file.describe() + ": " + std::generic_category().message(err));
        }
        file_.reset();
        return {};
    }
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, remaining_));
    const std::size_t got = std::fread(buffer_.data(), 1, want, file_.get());
    if (got < want) {
        if (std::ferror(file_.get())) {
            const int err = errno;
            return fail(
                ec, client_errc::file_read_failed,
                "cannot read " + p.file.describe() + ": " + std::generic_category().message(err));
        }
        return fail(ec, client_errc::file_size_changed,
                    p.file.describe() + " changed size: it ended after " +
                        std::to_string(p.size - remaining_ + got) + " of the " +
                        std::to_string(p.size) + " bytes it had when it was added");
    }
    remaining_ -= got;
    return emit(std::span<const unsigned char>(buffer_.data(), got));
}

std::span<const unsigned char> multipart_form::reader::next(error_code& ec) {
    ec = error_;
    if (error_)
        return {};
    const auto& parts = form_->parts_;
    for (;;) {
        switch (phase_) {
            case phase::head: {
                if (index_ == parts.size()) {
                    phase_ = phase::closing;
                    continue;
                }
                const part& p = parts[index_];
                if (p.file.empty()) {
                    ++index_;  // a text part is all head
                } else {
                    phase_ = phase::content;
                }
                return emit(std::span(reinterpret_cast<const unsigned char*>(p.head.data()),
                                      p.head.size()));
            }
            case phase::content: {
                const part& p = parts[index_];
                std::span<const unsigned char> s;
                if (p.file.source_kind() == file_source::kind::memory) {
                    s = emit(p.file.bytes());
                } else {
                    s = read_file(ec);
                    if (ec || !s.empty())
                        return s;
                }
                ++index_;
                phase_ = phase::head;
                if (!s.empty())
                    return s;
                continue;
            }
            case phase::closing:
                phase_ = phase::done;
                return emit(
                    std::span(reinterpret_cast<const unsigned char*>(form_->closing_.data()),
                              form_->closing_.size()));
            case phase::done:
                return {};
        }
    }
}

}  // namespace openai::images
