// An input file for an upload (edits, variations): either a path on disk that
// is read in chunks while the request is sent, or bytes in memory. Memory can be
// borrowed from the caller (no copy) or owned by the source (shared, cheap to copy).
#pragma once

#include <openai/images/error.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images {

class file_source {
  public:
    enum class kind { none, path, memory };

    file_source() = default;

    /// A file on disk; its name on the wire is the path's file name.
    file_source(std::filesystem::path path) : kind_(kind::path), path_(std::move(path)) {}

    /// A file on disk, with an explicit file name for the upload (empty: the path's).
    static file_source from_path(std::filesystem::path path, std::string filename = {});

    /// Borrowed bytes: not copied, so they must stay alive and unchanged until
    /// every operation using this source has completed.
    static file_source from_memory(std::span<const unsigned char> bytes, std::string filename = {});
    static file_source from_memory(std::string_view bytes, std::string filename = {});

    /// Owned bytes: moved in and shared by every copy of this source.
    static file_source from_owned(std::vector<unsigned char> bytes, std::string filename = {});
    static file_source from_owned(std::string bytes, std::string filename = {});

    kind source_kind() const noexcept { return kind_; }
    bool empty() const noexcept { return kind_ == kind::none; }

    /// The path (only for kind::path).
    const std::filesystem::path& path() const noexcept { return path_; }

    /// The bytes (only for kind::memory).
    std::span<const unsigned char> bytes() const noexcept { return {data_, size_}; }

    /// The file name given by the caller; empty when the encoder should choose.
    const std::string& filename() const noexcept { return filename_; }

    /// A short description for messages: the path, or "<N bytes in memory>".
    std::string describe() const;

    /// The size in bytes. For a path this asks the file system; a missing file
    /// gives client_errc::file_open_failed with a message naming the path.
    error_code size(std::uint64_t& out, diagnostics& diag) const;

    /// Reads up to `out.size()` bytes at `offset`; `got` is how many were read
    /// (fewer only at the end of the file). Opens and closes the file each time:
    /// meant for header probing, not for streaming.
    error_code read_at(std::uint64_t offset, std::span<unsigned char> out, std::size_t& got,
                       diagnostics& diag) const;

  private:
    kind kind_ = kind::none;
    std::filesystem::path path_;
    const unsigned char* data_ = nullptr;
    std::size_t size_ = 0;
    std::shared_ptr<const void> owner_;
    std::string filename_;
};

}  // namespace openai::images
