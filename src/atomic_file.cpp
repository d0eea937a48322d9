#include "atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

namespace openai::images::detail {
namespace {

error_code write_failed(diagnostics& diag, const std::filesystem::path& path, std::string_view what,
                        int err) {
    diag.assign("path", path.string() + ": " + std::string(what) + ": " + std::strerror(err));
    return client_errc::file_write_failed;
}

}  // namespace

error_code atomic_file::open(const std::filesystem::path& target, diagnostics& diag) {
    abort();
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, a
    // false positive) on a string literal + std::string temporary.
    std::string name(1, '.');
    name.append(target.filename().string())
        .append(".tmp-")
        .append(std::to_string(rng() % 1000000007));
    target_ = target;
    tmp_ = target.parent_path() / name;
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0)
        return write_failed(diag, tmp_, "cannot create", errno);
    return {};
}

error_code atomic_file::write(std::string_view bytes, diagnostics& diag) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        const ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            abort();
            return write_failed(diag, tmp_, "cannot write", err);
        }
        off += static_cast<std::size_t>(n);
    }
    return {};
}

error_code atomic_file::commit(diagnostics& diag) {
    const int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp_.c_str());
        return write_failed(diag, tmp_, "cannot flush", err);
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp_.c_str());
        return write_failed(diag, tmp_, "cannot flush", err);
    }
    if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp_.c_str());
        return write_failed(diag, target_, "cannot rename the temporary file to it", err);
    }
    return {};
}

void atomic_file::abort() noexcept {
    if (fd_ < 0)
        return;
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fd_ = -1;
}

error_code write_atomically(const std::filesystem::path& target, std::string_view bytes,
                            diagnostics& diag) {
    atomic_file f;
    if (auto ec = f.open(target, diag))
        return ec;
    if (auto ec = f.write(bytes, diag))
        return ec;
    return f.commit(diag);
}

}  // namespace openai::images::detail
