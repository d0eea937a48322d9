// A batch job's directory: its state file (job.json, replaced atomically
// after every step), its parts' input files, and the journal of the results
// handed over (collected: one index per line, appended and flushed as each
// result is handed over, so that a crash loses at most the line being
// written).
#pragma once

#include <openai/images/batch_job.hpp>

#include <cstdio>
#include <filesystem>
#include <vector>

namespace openai::images::detail {

std::filesystem::path job_state_path(const std::filesystem::path& dir);
std::filesystem::path job_input_path(const std::filesystem::path& dir, std::size_t part);

/// Errors: client_errc::invalid_batch_job naming the file and what is wrong.
error_code load_job(const std::filesystem::path& dir, batch_job_status& out, diagnostics& diag);
/// Errors: client_errc::file_write_failed.
error_code save_job(const std::filesystem::path& dir, const batch_job_status& st,
                    diagnostics& diag);

/// The journal of collected results.
class collected_journal {
  public:
    collected_journal() = default;
    collected_journal(const collected_journal&) = delete;
    collected_journal& operator=(const collected_journal&) = delete;
    ~collected_journal();

    /// Reads what the journal holds (indices at or over `requests` and a
    /// torn last line are ignored) and opens it for appending.
    error_code open(const std::filesystem::path& dir, std::size_t requests, diagnostics& diag);
    bool has(std::size_t index) const { return index < seen_.size() && seen_[index]; }
    std::size_t count() const noexcept { return count_; }
    /// Records `index` as handed over. Errors: client_errc::file_write_failed.
    error_code add(std::size_t index, diagnostics& diag);

  private:
    std::FILE* file_ = nullptr;
    std::filesystem::path path_;
    std::vector<bool> seen_;
    std::size_t count_ = 0;
};

}  // namespace openai::images::detail
