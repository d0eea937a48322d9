// A file written atomically: into a new temporary file next to the target,
// flushed to disk, then renamed over the target, so that readers see the old
// file or the whole new one, never a part. Written in pieces as they come
// (a file's content downloaded), or at once (a saved image).
#pragma once

#include <openai/images/error.hpp>

#include <filesystem>
#include <string_view>

namespace openai::images::detail {

class atomic_file {
  public:
    atomic_file() = default;
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;
    /// A file not committed is removed.
    ~atomic_file() { abort(); }

    /// Creates the temporary file for `target` (its directory must exist);
    /// one already open is removed first. Errors: client_errc::file_write_failed
    /// naming the path, with diag.param() "path".
    error_code open(const std::filesystem::path& target, diagnostics& diag);
    /// Appends `bytes`. Errors as open().
    error_code write(std::string_view bytes, diagnostics& diag);
    /// Flushes, closes and renames the file over the target. Errors as open();
    /// the temporary file is removed on failure.
    error_code commit(diagnostics& diag);
    /// Closes and removes the temporary file, if one is open.
    void abort() noexcept;

    bool is_open() const noexcept { return fd_ >= 0; }

  private:
    int fd_ = -1;
    std::filesystem::path target_, tmp_;
};

/// Writes `bytes` to `target` atomically (open, write, commit).
error_code write_atomically(const std::filesystem::path& target, std::string_view bytes,
                            diagnostics& diag);

}  // namespace openai::images::detail
