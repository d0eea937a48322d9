// The fake server's Files API: uploads (multipart, checked as the API checks
// them), file objects, deletions and contents, kept in memory.
#include "multipart_parser.hpp"
#include "state.hpp"

#include <openai/images/json.hpp>

#include <boost/beast/http/field.hpp>

#include <charconv>
#include <ctime>

namespace openai::images::testing::detail {
namespace {

namespace http = boost::beast::http;

constexpr std::int64_t thirty_days = 30 * 24 * 3600;

http_response no_such_file(std::string_view id) {
    return error_response(404, "invalid_request_error", "No such File object: " + std::string(id),
                          "id", {});
}

bool upload_purpose(std::string_view p) {
    for (std::string_view known :
         {FilePurpose::assistants, FilePurpose::batch, FilePurpose::fine_tune, FilePurpose::vision,
          FilePurpose::user_data, FilePurpose::evals})
        if (p == known)
            return true;
    return false;
}

http_response upload(fake_server::state& st, const http_request& req) {
    const auto boundary = multipart_boundary(req[http::field::content_type]);
    if (!boundary)
        return invalid_request("Uploads must be multipart/form-data.", {}, "invalid_content_type");
    multipart_parser parser(req.body(), *boundary);
    multipart_part part;
    std::optional<multipart_part> file;
    std::string purpose, anchor;
    std::optional<std::int64_t> seconds;
    while (parser.next(part)) {
        if (part.name == "file") {
            file = part;
        } else if (part.name == "purpose") {
            purpose = part.data;
        } else if (part.name == "expires_after[anchor]") {
            anchor = part.data;
        } else if (part.name == "expires_after[seconds]") {
            std::int64_t v = 0;
            const auto* end = part.data.data() + part.data.size();
            if (std::from_chars(part.data.data(), end, v).ptr != end)
                return invalid_request("Invalid value for 'expires_after[seconds]'.",
                                       "expires_after.seconds", "invalid_type");
            seconds = v;
        } else {
            return invalid_request("Unknown parameter: '" + part.name + "'.", part.name,
                                   "unknown_parameter");
        }
    }
    if (!parser.error().empty())
        return invalid_request("Invalid multipart body: " + parser.error(), {}, "invalid_request");
    if (!file)
        return invalid_request("Missing required parameter: 'file'.", "file",
                               "missing_required_parameter");
    if (purpose.empty())
        return invalid_request("Missing required parameter: 'purpose'.", "purpose",
                               "missing_required_parameter");
    if (!upload_purpose(purpose))
        return invalid_request("Invalid value for 'purpose': '" + purpose + "'.", "purpose",
                               "invalid_value");
    if (!anchor.empty() && anchor != "created_at")
        return invalid_request("Invalid value for 'expires_after.anchor'.", "expires_after.anchor",
                               "invalid_value");
    if (seconds && (*seconds < 3600 || *seconds > thirty_days))
        return invalid_request("'expires_after.seconds' must be between 3600 and 2592000.",
                               "expires_after.seconds", "invalid_value");

    OpenAIFile f;
    f.id = "file-" + std::to_string(st.file_ids.fetch_add(1) + 1);
    f.object = "file";
    f.bytes = static_cast<std::int64_t>(file->data.size());
    f.created_at = static_cast<std::int64_t>(std::time(nullptr));
    if (seconds)
        f.expires_at = f.created_at + *seconds;
    else if (purpose == FilePurpose::batch)
        f.expires_at = f.created_at + thirty_days;
    f.filename = file->filename.value_or("file");
    f.purpose = purpose;
    f.status = "processed";
    auto content = std::make_shared<const std::string>(file->data);
    {
        std::lock_guard lock(st.mu);
        st.stored[f.id] = {f, std::move(content)};
    }
    return json_response(to_json(f));
}

}  // namespace

http_response files_api(fake_server::state& st, const http_request& req, std::string_view path) {
    const auto method = req.method();
    if (path == "/v1/files" && method == http::verb::post)
        return upload(st, req);
    std::string_view rest =
        path.substr(std::min(path.size(), std::string_view("/v1/files/").size()));
    const bool content = rest.ends_with("/content");
    if (content)
        rest.remove_suffix(std::string_view("/content").size());
    const bool known = path.starts_with("/v1/files/") && !rest.empty() &&
                       rest.find('/') == std::string_view::npos &&
                       (method == http::verb::get || (!content && method == http::verb::delete_));
    if (!known) {
        return error_response(
            404, "invalid_request_error",
            "Invalid URL (" + std::string(req.method_string()) + " " + std::string(path) + ")", {},
            {});
    }
    std::optional<fake_server::state::stored_file> found;
    {
        std::lock_guard lock(st.mu);
        auto it = st.stored.find(std::string(rest));
        if (it != st.stored.end()) {
            found = it->second;
            if (method == http::verb::delete_)
                st.stored.erase(it);
        }
    }
    if (!found)
        return no_such_file(rest);
    if (method == http::verb::delete_) {
        DeleteFileResponse d{found->object.id, "file", true};
        return json_response(to_json(d));
    }
    if (!content)
        return json_response(to_json(found->object));
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/octet-stream");
    res.body() = *found->content;
    return res;
}

}  // namespace openai::images::testing::detail
