// A Batch API output or error file read as it arrives (sans-io): pieces of
// any size go in, each line comes out as the result of one request, named by
// its custom_id. A line's images are decoded while the line is parsed
// (response.body.data[i].b64_json straight into bytes), so a file of tens of
// thousands of images is never held: at most one line's images are.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace openai::images::detail {

/// One line: a request's answer (`ec` clear, `response` set), its API error
/// (a non-2xx status_code: the api_errc of its status and code, the error's
/// detail and the status and request id in `diag`), or an error-file line
/// (api_errc::batch_request_failed, the line's code in diag.api_code()).
struct batch_output_line {
    std::string custom_id;
    error_code ec;
    ImagesResponse response;
    diagnostics diag;
};

class batch_output_reader {
  public:
    using line_function = std::function<void(batch_output_line&)>;

    /// `on_line` runs for each complete line, in file order, from write() or
    /// finish(). An exception it throws leaves the reader through write().
    explicit batch_output_reader(line_function on_line);
    ~batch_output_reader();
    batch_output_reader(const batch_output_reader&) = delete;
    batch_output_reader& operator=(const batch_output_reader&) = delete;

    /// The next piece of the file. After an error the rest is ignored.
    void write(std::string_view piece);

    /// The end of the file (a last line without its LF counts). Errors:
    /// client_errc::invalid_json (a line that is not JSON) or
    /// client_errc::unexpected_json (a line without a custom_id, or whose
    /// fields have the wrong types), naming the line's number in the message.
    error_code finish(diagnostics& diag);

    /// Lines handed over so far.
    std::uint64_t lines() const noexcept { return lines_; }

  private:
    struct impl;
    void end_line();
    std::unique_ptr<impl> impl_;
    line_function on_line_;
    std::uint64_t lines_ = 0, line_no_ = 1;
    bool in_line_ = false;
};

}  // namespace openai::images::detail
