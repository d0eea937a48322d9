// Checks of the Files and Batch APIs' requests, before any byte is sent.
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

constexpr std::array<std::string_view, 8> batch_endpoints{
    BatchEndpoint::images_generations, BatchEndpoint::images_edits, BatchEndpoint::responses,
    BatchEndpoint::chat_completions,   BatchEndpoint::embeddings,   BatchEndpoint::completions,
    BatchEndpoint::moderations,        BatchEndpoint::videos};

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

bool listed_in(std::span<const std::string_view> values, std::string_view v) {
    return std::find(values.begin(), values.end(), v) != values.end();
}

bool id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

// A file's or a batch's id, before it goes into a path.
error_code check_id(const std::string& field, std::string_view example, std::string_view id,
                    diagnostics& diag) {
    if (id.empty()) {
        diag.assign(field, field + ": required (an id such as " + std::string(example) + ")");
        return client_errc::missing_required_field;
    }
    constexpr std::size_t max_id = 256;
    if (id.size() > max_id) {
        diag.assign(field,
                    field + ": " + std::to_string(id.size()) + " characters; allowed: at most 256");
        return client_errc::value_not_allowed;
    }
    const auto bad = std::find_if_not(id.begin(), id.end(), id_char);
    if (bad != id.end()) {
        const auto byte = static_cast<unsigned char>(*bad);
        // Built piece by piece: GCC 12 at -O3 warns (-Wrestrict, a false
        // positive) on a string literal + std::string temporary.
        std::string shown;
        if (byte >= 0x21 && byte < 0x7f)
            shown.append(1, '\'').append(1, *bad).append(1, '\'');
        else
            shown.append("byte ").append(std::to_string(byte));
        diag.assign(field, field + ": '" + excerpt(id, 48) + "' holds " + shown + " at offset " +
                               std::to_string(bad - id.begin()) +
                               "; allowed: letters, digits, '-', '_' and '.'");
        return client_errc::value_not_allowed;
    }
    return {};
}

error_code check_expiry(const std::string& field, const FileExpirationAfter& e, diagnostics& diag) {
    if (e.anchor != "created_at") {
        diag.assign(field + ".anchor", field + ".anchor: '" + excerpt(e.anchor, 48) +
                                           "' is not allowed; allowed: created_at");
        return client_errc::value_not_allowed;
    }
    if (e.seconds < min_expiry || e.seconds > max_expiry) {
        diag.assign(field + ".seconds",
                    field + ".seconds: " + std::to_string(e.seconds) +
                        " is out of range; allowed: 3600 (1 hour) to 2592000 (30 days)");
        return client_errc::value_out_of_range;
    }
    return {};
}

error_code check_metadata(const Metadata& m, diagnostics& diag) {
    constexpr std::size_t max_pairs = 16, max_key = 64, max_value = 512;
    if (m.size() > max_pairs) {
        diag.assign("metadata",
                    "metadata: " + std::to_string(m.size()) + " pairs; allowed: at most 16");
        return client_errc::value_out_of_range;
    }
    for (const auto& [key, value] : m) {
        if (key.empty() || key.size() > max_key) {
            diag.assign("metadata", "metadata: the key '" + excerpt(key, 80) + "' has " +
                                        std::to_string(key.size()) +
                                        " characters; allowed: 1 to 64");
            return client_errc::value_out_of_range;
        }
        if (value.size() > max_value) {
            diag.assign("metadata." + key, "metadata." + key + ": " + std::to_string(value.size()) +
                                               " characters; allowed: at most 512");
            return client_errc::value_out_of_range;
        }
    }
    return {};
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
    if (!listed_in(upload_purposes, req.purpose.value())) {
        diag.assign("purpose",
                    "purpose: '" + excerpt(req.purpose.value(), 48) +
                        "' is not a purpose of uploads; allowed: " + listed(upload_purposes));
        return client_errc::value_not_allowed;
    }
    if (req.expires_after) {
        if (auto ec = check_expiry("expires_after", *req.expires_after, diag))
            return ec;
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
    return check_id("file_id", "file-abc123", file_id, diag);
}

error_code validate_batch_id(std::string_view batch_id, diagnostics& diag) {
    return check_id("batch_id", "batch_abc123", batch_id, diag);
}

error_code validate(const CreateBatchRequest& req, diagnostics& diag) {
    if (auto ec = check_id("input_file_id", "file-abc123", req.input_file_id, diag))
        return ec;
    if (req.endpoint.empty()) {
        diag.assign("endpoint", "endpoint: required, one of " + listed(batch_endpoints));
        return client_errc::missing_required_field;
    }
    if (!listed_in(batch_endpoints, req.endpoint.value())) {
        diag.assign("endpoint", "endpoint: '" + excerpt(req.endpoint.value(), 48) +
                                    "' is not an endpoint of the Batch API; allowed: " +
                                    listed(batch_endpoints));
        return client_errc::value_not_allowed;
    }
    if (req.completion_window != "24h") {
        diag.assign("completion_window", "completion_window: '" +
                                             excerpt(req.completion_window, 48) +
                                             "' is not allowed; allowed: 24h");
        return client_errc::value_not_allowed;
    }
    if (req.metadata) {
        if (auto ec = check_metadata(*req.metadata, diag))
            return ec;
    }
    if (req.output_expires_after)
        return check_expiry("output_expires_after", *req.output_expires_after, diag);
    return {};
}

}  // namespace openai::images
