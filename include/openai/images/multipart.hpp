// The multipart/form-data encoder for /images/edits and /images/variations:
// text fields and files, with an exact Content-Length known before sending,
// files streamed from disk in chunks, memory sent without copying, and a body
// that can be produced again, byte for byte, for a retry.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/file.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images {

/// A multipart/form-data body (RFC 7578) being built, then produced any number
/// of times through readers.
///
/// Layout (RFC 2046 section 5.1.1), for a boundary B:
///
///     --B\r\n
///     Content-Disposition: form-data; name="prompt"\r\n
///     \r\n
///     a cat\r\n
///     --B\r\n
///     Content-Disposition: form-data; name="image[]"; filename="a.png"\r\n
///     Content-Type: image/png\r\n
///     \r\n
///     <the file's bytes>\r\n
///     --B--\r\n
///
/// Header encoding: in `name="..."` and `filename="..."`, `"` is sent as %22,
/// CR as %0D, LF as %0A, backslash as %5C, and every other byte below 0x20 or
/// equal to 0x7F as %XX (uppercase hex); bytes of UTF-8 sequences are sent as
/// they are, as browsers do (RFC 7578 section 4.2, WHATWG HTML's form encoding).
/// No name or filename can therefore end the quoted string or inject a header.
/// `%` itself is not escaped (browsers do not either), so `a%22b` and `a"b`
/// are sent alike.
///
/// The content of a part is never scanned for the boundary: the default
/// boundary has 128 random bits, which no input matches by accident. A caller
/// choosing its own boundary is responsible for picking one absent from the data.
///
/// Thread safety: adding parts is not thread safe; once built, a form may be
/// read by several readers at once (each re-opens the files it needs).
/// Lifetimes: borrowed memory parts (file_source::from_memory) must stay alive
/// and unchanged until the last reader is done; owned ones are kept alive by the form.
class multipart_form {
  public:
    /// A random boundary, "openai-images-" and 32 hex digits from OpenSSL's
    /// RAND_bytes (128 bits). Throws std::runtime_error if RAND_bytes fails.
    multipart_form();

    /// A caller-chosen boundary (tests, reproducible bodies). It must be 1 to
    /// 70 characters of RFC 2046's bchars (letters, digits, '()+_,-./:=? and
    /// space) and not end with a space; otherwise throws client_error with
    /// client_errc::invalid_boundary.
    explicit multipart_form(std::string boundary);

    /// Adds a text part; the value is copied. An empty name gives
    /// client_errc::invalid_field_name.
    error_code add_field(std::string_view name, std::string_view value, diagnostics& diag);

    /// Adds a file part. Its size is taken now; its Content-Type is detected
    /// from its first bytes (image/png, image/jpeg, image/webp, else
    /// application/octet-stream). Its filename is file.filename() when set,
    /// else the path's file name, else "image.png" / "image.jpg" /
    /// "image.webp", or "file" when the format is unknown.
    /// Memory is not copied (see the class's lifetimes). Errors: an empty name
    /// gives client_errc::invalid_field_name; a missing or unreadable path
    /// gives file_source's error (file_open_failed, file_read_failed) with a
    /// message naming the path; an empty source gives missing_required_field.
    error_code add_file(std::string_view name, const file_source& file, diagnostics& diag);

    const std::string& boundary() const noexcept { return boundary_; }

    /// "multipart/form-data; boundary=<boundary>"; the boundary is quoted when
    /// it holds characters that RFC 2045 does not allow in a bare token.
    std::string content_type() const;

    /// The exact size of the body, known before any byte is produced.
    std::uint64_t content_length() const noexcept { return length_; }

    std::size_t part_count() const noexcept { return parts_.size(); }

    class reader;

    /// A reader producing the body from its first byte; every call starts
    /// again (a retry replays the body), re-opening files. The form must
    /// outlive the reader and must not be changed while it is in use.
    reader make_reader() const;

    /// The whole body in memory, for tests and small bodies. On error returns
    /// an empty string, sets ec and fills diag.
    std::string to_string(error_code& ec, diagnostics& diag) const;

  private:
    struct part {
        // Everything before the content: the CRLF ending the previous part's
        // content (except for the first part), the delimiter and the headers.
        // A text part's value is appended too, so a text part is one string.
        std::string head;
        file_source file;  // empty for a text part
        std::uint64_t size = 0;
    };

    std::string boundary_;
    std::vector<part> parts_;
    std::uint64_t length_ = 0;
    std::string closing_;  // "\r\n" (after a part) "--B--\r\n"

    std::string delimiter() const;
    void push(part p);
};

/// Produces a form's body as a sequence of buffers, in order.
class multipart_form::reader {
  public:
    /// The size of the reads from a file: two TLS records, small enough to
    /// still be in the cache when they are encrypted (64 KiB was slower).
    static constexpr std::size_t chunk_size = 32 * 1024;

    /// The next piece of the body; an empty span once the body is complete.
    /// Headers and text parts come from the form's precomputed strings, memory
    /// parts are the caller's own bytes (no copy), files are read in chunks of
    /// at most chunk_size bytes into a buffer owned by the reader. The span
    /// stays valid until the next call, or until the form or the reader is
    /// destroyed. Errors, with error_message() naming the path:
    /// client_errc::file_open_failed, client_errc::file_read_failed, and
    /// client_errc::file_size_changed when a file is now shorter or longer
    /// than when it was added. After an error every call returns the same error.
    std::span<const unsigned char> next(error_code& ec);

    /// The message for the last error, empty when there was none.
    std::string_view error_message() const noexcept { return message_; }

    /// How many bytes next() has returned so far.
    std::uint64_t bytes_produced() const noexcept { return produced_; }

  private:
    friend class multipart_form;
    explicit reader(const multipart_form& form) : form_(&form) {}

    enum class phase { head, content, closing, done };

    struct file_closer {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };

    std::span<const unsigned char> fail(error_code& ec, client_errc e, std::string message);
    std::span<const unsigned char> read_file(error_code& ec);
    std::span<const unsigned char> emit(std::span<const unsigned char> s);

    const multipart_form* form_;
    std::size_t index_ = 0;
    phase phase_ = phase::head;
    std::unique_ptr<std::FILE, file_closer> file_;
    std::uint64_t remaining_ = 0;
    std::vector<unsigned char> buffer_;
    std::uint64_t produced_ = 0;
    error_code error_;
    std::string message_;
};

}  // namespace openai::images
