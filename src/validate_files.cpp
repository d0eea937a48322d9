// Checks of the Files API's requests, before any byte is sent.
#include <openai/images/validate.hpp>

#include <openai/images/detail/retry.hpp>

#include <algorithm>
#include <array>
#include <span>
#include <string>

namespace openai::images {
namespace {

using detail::excerpt;

constexpr std::array<std::string_view, 6> upload_purposes{
    FilePurpose::assistants, FilePurpose::batch,     FilePurpose::fine_tune,
    FilePurpose::vision,     FilePurpose::user_data, FilePurpose::evals};

constexpr std::uint64_t max_file_bytes = 512ull * 1024 * 1024;
constexpr std::uint64_t max_batch_file_bytes = 200ull * 1024 * 1024;
constexpr std::int64_t min_expiry = 3600, max_expiry = 2592000;

std::string listed(std::span<const std::string_view> values) {
    std::string out;
    for (auto v : values) {
        if (!out.empty())
            out += ", ";
        out.append(v);
    }
    return out;
}

bool id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

}  // namespace

error_code validate(const CreateFileRequest& req, diagnostics& diag) {
    if (req.file.empty()) {
        diag.assign("file", "file: required (the file to upload)");
        return client_errc::missing_required_field;
    }
    if (req.purpose.empty()) {
        diag.assign("purpose", "purpose: required, one of " + listed(upload_purposes));
        return client_errc::missing_required_field;
    }
    if (std::find(upload_purposes.begin(), upload_purposes.end(), req.purpose.value()) ==
        upload_purposes.end()) {
        diag.assign("purpose",
                    "purpose: '" + excerpt(req.purpose.value(), 48) +
                        "' is not a purpose of uploads; allowed: " + listed(upload_purposes));
        return client_errc::value_not_allowed;
    }
    if (const auto& e = req.expires_after) {
        if (e->anchor != "created_at") {
            diag.assign("expires_after.anchor", "expires_after.anchor: '" + excerpt(e->anchor, 48) +
                                                    "' is not allowed; allowed: created_at");
            return client_errc::value_not_allowed;
        }
        if (e->seconds < min_expiry || e->seconds > max_expiry) {
            diag.assign("expires_after.seconds",
                        "expires_after.seconds: " + std::to_string(e->seconds) +
                            " is out of range; allowed: 3600 (1 hour) to 2592000 (30 days)");
            return client_errc::value_out_of_range;
        }
    }
    std::uint64_t size = 0;
    diagnostics size_diag;
    if (auto ec = req.file.size(size, size_diag)) {
        diag.assign("file", "file: " + std::string(size_diag.message()));
        return ec;
    }
    const bool batch = req.purpose == FilePurpose::batch;
    const std::uint64_t limit = batch ? max_batch_file_bytes : max_file_bytes;
    if (size > limit) {
        diag.assign("file", "file: " + req.file.describe() + " has " + std::to_string(size) +
                                " bytes; allowed: at most " + std::to_string(limit) +
                                (batch ? " (200 MiB) for purpose batch" : " (512 MiB)"));
        return client_errc::value_out_of_range;
    }
    return {};
}

error_code validate_file_id(std::string_view file_id, diagnostics& diag) {
    if (file_id.empty()) {
        diag.assign("file_id", "file_id: required (an id such as file-abc123)");
        return client_errc::missing_required_field;
    }
    constexpr std::size_t max_id = 256;
    if (file_id.size() > max_id) {
        diag.assign("file_id", "file_id: " + std::to_string(file_id.size()) +
                                   " characters; allowed: at most 256");
        return client_errc::value_not_allowed;
    }
    const auto bad = std::find_if_not(file_id.begin(), file_id.end(), id_char);
    if (bad != file_id.end()) {
        const auto byte = static_cast<unsigned char>(*bad);
        const std::string shown = byte >= 0x21 && byte < 0x7f ? "'" + std::string(1, *bad) + "'"
                                                              : "byte " + std::to_string(byte);
        diag.assign("file_id", "file_id: '" + excerpt(file_id, 48) + "' holds " + shown +
                                   " at offset " + std::to_string(bad - file_id.begin()) +
                                   "; allowed: letters, digits, '-', '_' and '.'");
        return client_errc::value_not_allowed;
    }
    return {};
}

}  // namespace openai::images
