// A small, strict multipart/form-data parser (RFC 7578 over RFC 2046) for the
// fake server: it walks a body already in memory part by part, without copying
// the parts' contents, and says what is wrong with a malformed one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace openai::images::testing::detail {

/// The boundary parameter of a `multipart/form-data; boundary=...` Content-Type
/// (quoted or not); nullopt when the type is another one or the boundary is
/// missing or longer than RFC 2046's 70 characters.
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct multipart_part {
    std::string name;
    std::optional<std::string> filename;  ///< present for file parts (as sent, not decoded)
    std::optional<std::string> content_type;
    std::string_view data;  ///< points into the body
};

class multipart_parser {
  public:
    /// `body` must outlive the parser and the parts it returns.
    multipart_parser(std::string_view body, std::string boundary);

    /// The next part: true and `out` filled, or false at the end of the body or
    /// on an error (then error() is not empty). A body must have at least the
    /// closing delimiter; every part needs a Content-Disposition of form-data
    /// with a name.
    bool next(multipart_part& out);

    const std::string& error() const noexcept { return error_; }

  private:
    bool fail(std::string message);

    std::string_view body_;
    std::string delimiter_;  // "\r\n--" boundary
    std::size_t pos_ = 0;    // at the "--" of the next delimiter, or npos when done
    bool started_ = false;
    std::string error_;
};

}  // namespace openai::images::testing::detail
