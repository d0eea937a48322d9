// The request log of fake-openai-server (see request_log.hpp).
#include "request_log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace openai::images::testing {
namespace {

void append_json_string(std::string& out, std::string_view s) {
    out += boost::json::serialize(boost::json::string(s));
}

}  // namespace

std::string request_log_line(std::uint64_t n, const request_record& rec) {
    std::string line = "{\"n\":" + std::to_string(n) + ",\"method\":";
    append_json_string(line, rec.method);
    line += ",\"target\":";
    append_json_string(line, rec.target);
    line += ",\"fields\":{";
    for (std::size_t i = 0; i < rec.fields.size(); ++i) {
        if (i != 0)
            line += ',';
        append_json_string(line, rec.fields[i].first);
        line += ':';
        // A JSON member that is not a string was recorded serialized: written back as it was.
        if (i < rec.field_is_json.size() && rec.field_is_json[i])
            line += rec.fields[i].second;
        else
            append_json_string(line, rec.fields[i].second);
    }
    line += "}}\n";
    return line;
}

request_log::request_log(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw std::runtime_error("cannot open the request log " + path + ": " +
                                 std::strerror(errno));
}

request_log::~request_log() {
    if (fd_ >= 0)
        ::close(fd_);
}

void request_log::write(const request_record& rec) {
    const std::string line = request_log_line(++count_, rec);
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!failed_)
                std::cerr << "fake-openai-server: writing the request log " << path_
                          << " failed: " << std::strerror(errno) << '\n';
            failed_ = true;
            return;
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace openai::images::testing
