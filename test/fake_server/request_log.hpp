// fake-openai-server --log-requests FILE: one JSON object per line for every
// request, appended and flushed when the request has been read whole, before
// it is answered, so that another process can see which requests arrived.
#pragma once

#include <openai/images/testing/fake_server.hpp>

#include <cstdint>
#include <string>

namespace openai::images::testing {

/// {"n":<arrival number from 1>,"method":"POST","target":"/v1/images/generations",
///  "fields":{...}}: the JSON body's members with their JSON values, or the
/// multipart text fields as strings, in the order received.
std::string request_log_line(std::uint64_t n, const request_record& rec);

/// Appends lines to a file opened with O_APPEND: each line goes in one write(),
/// so it is in the file (the kernel's page cache) as soon as write_line()
/// returns, whatever then happens to this process. Not thread safe.
class request_log {
  public:
    /// Throws std::runtime_error naming the file when it cannot be opened.
    explicit request_log(const std::string& path);
    ~request_log();
    request_log(const request_log&) = delete;
    request_log& operator=(const request_log&) = delete;

    /// Numbers `rec` (1, 2, ... in the order of the calls) and appends its line.
    /// A failed write is reported on stderr, once.
    void write(const request_record& rec);

  private:
    int fd_ = -1;
    std::uint64_t count_ = 0;
    bool failed_ = false;
    std::string path_;
};

}  // namespace openai::images::testing
