// The Files API's types, as far as images and batches need them: a file
// uploaded (CreateFileRequest, multipart), the file object the API answers
// (OpenAIFile), and the answer to a deletion. Named after the official
// spec's schemas; described (Boost.Describe) as models.hpp's are, so the
// JSON conversions and the multipart fields follow their declarations.
#pragma once

#include <openai/images/file.hpp>
#include <openai/images/models.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openai::images {

/// What a file is for. Uploads take assistants, batch, fine-tune, vision,
/// user_data or evals; the API's own files are batch_output and the like.
struct FilePurpose : open_enum<FilePurpose> {
    using open_enum::open_enum;
    static constexpr std::string_view batch = "batch";  ///< a Batch API input file
    static constexpr std::string_view batch_output = "batch_output";
    static constexpr std::string_view user_data = "user_data";
    static constexpr std::string_view vision = "vision";
    static constexpr std::string_view assistants = "assistants";
    static constexpr std::string_view fine_tune = "fine-tune";
    static constexpr std::string_view evals = "evals";
};
BOOST_DESCRIBE_STRUCT(FilePurpose, (),
                      (batch, batch_output, user_data, vision, assistants, fine_tune, evals))

/// When an uploaded file expires: `seconds` (3600 to 2592000) after the
/// anchor, which is always created_at. By default batch files expire after
/// 30 days and other files are kept until deleted.
struct FileExpirationAfter {
    std::string anchor = "created_at";
    std::int64_t seconds = 0;
};
BOOST_DESCRIBE_STRUCT(FileExpirationAfter, (), (anchor, seconds))

/// POST /files (multipart/form-data). The file is streamed from its source
/// (from disk in chunks, as an edit's images are) and replayed on a retry.
/// Fields go first (purpose, expires_after[anchor], expires_after[seconds]),
/// then the file part `file`.
struct CreateFileRequest {
    file_source file{};     ///< required; at most 512 MiB (200 MiB for purpose batch)
    FilePurpose purpose{};  ///< required
    std::optional<FileExpirationAfter> expires_after{};
};
BOOST_DESCRIBE_STRUCT(CreateFileRequest, (), (file, purpose, expires_after))

/// A file stored by the API (the spec's OpenAIFile).
struct OpenAIFile {
    std::string id{};
    std::string object{};  ///< "file"
    std::int64_t bytes = 0;
    std::int64_t created_at = 0;  ///< Unix seconds
    std::optional<std::int64_t> expires_at{};
    std::string filename{};
    FilePurpose purpose{};
    std::optional<std::string> status{};  ///< deprecated by the API
    std::optional<std::string> status_details{};
};
BOOST_DESCRIBE_STRUCT(OpenAIFile, (),
                      (id, object, bytes, created_at, expires_at, filename, purpose, status,
                       status_details))
/// The name the Files API's guides give it.
using FileObject = OpenAIFile;

/// The answer of DELETE /files/{file_id}.
struct DeleteFileResponse {
    std::string id{};
    std::string object{};  ///< "file"
    bool deleted = false;
};
BOOST_DESCRIBE_STRUCT(DeleteFileResponse, (), (id, object, deleted))

}  // namespace openai::images
