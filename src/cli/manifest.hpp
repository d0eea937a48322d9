// The manifest of a batch: a JSON Lines journal in the output folder with one
// record per completed line of the prompts file (done with its files, request
// id and usage, or failed with the error), so that running the same command
// again sends only the lines not done, and never pays twice for an image.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace openai_images_cli {

/// The manifest's file name inside --out.
inline constexpr std::string_view manifest_name = "openai-images-manifest.jsonl";

struct manifest_record {
    std::size_t line = 0;              ///< of the prompts file, from 1
    std::string key{};                 ///< what the line asked for (request_key)
    bool done = false;                 ///< false: the request or its saving failed
    std::vector<std::string> files{};  ///< file names written in --out
    std::string request_id{};
    boost::json::object usage{};
    std::string error{};  ///< why it failed
};

/// A digest of a request as the API receives it: the operation and its
/// fields, whatever their order. A changed line has another key.
std::string request_key(std::string_view operation, const boost::json::object& fields);

/// The journal. Each record is appended with one write() of one whole line
/// and flushed to disk before the next image is counted as saved, so a kill
/// at any moment leaves whole records and at most one torn last line, which
/// the next open() drops.
class manifest {
  public:
    /// Reads `dir`/manifest_name when it exists; the last record of a line
    /// wins. The file is created by the first append(), so a run refused
    /// before sending leaves none. Returns false with `error` when the file
    /// exists but cannot be read or written.
    bool open(const std::filesystem::path& dir, std::string& error);

    /// Whether the file existed when opened: an earlier run of this batch.
    bool existed() const noexcept { return existed_; }

    /// The latest record of `line`, or nullptr.
    const manifest_record* find(std::size_t line) const;

    /// Appends `r` and flushes it. Returns false with `error` on failure.
    bool append(const manifest_record& r, std::string& error);

    const std::filesystem::path& path() const noexcept { return path_; }
    std::size_t records() const noexcept { return latest_.size(); }

    manifest() = default;
    manifest(const manifest&) = delete;
    manifest& operator=(const manifest&) = delete;
    ~manifest();

  private:
    std::filesystem::path path_{};
    int fd_ = -1;
    bool existed_ = false;
    std::map<std::size_t, manifest_record> latest_{};
};

/// The record as one JSON line (with its '\n'), and back. `parse_record`
/// returns false for a line that is not a whole record.
std::string format_record(const manifest_record& r);
bool parse_record(std::string_view line, manifest_record& out);

}  // namespace openai_images_cli
