// Where requests go and what every request carries: the base URL parsed once
// (its path prefix and query kept), each operation's target, the common
// headers (Host, User-Agent, authentication through a credentials object,
// organization, project) and the missing-key rule. Operations and downloads
// alike take their headers from here.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/options.hpp>

#include <boost/beast/http/fields.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "credentials.hpp"
#include "pool_core.hpp"

namespace openai::images::detail {

/// An absolute http(s) URL, split for a request.
struct url_parts {
    origin where;
    std::string host_header;  ///< host[:port] as written
    std::string path;         ///< the path, without a trailing slash
    std::string query;        ///< after '?', without it; empty when none
    std::string resource;     ///< path and query as written: a GET's target
};

/// nullopt with `why` set when `url` is not an absolute http(s) URL with a
/// host and, if written, a port from 1 to 65535.
std::optional<url_parts> parse_http_url(std::string_view url, std::string& why);

class endpoint {
  public:
    /// Throws client_error: invalid_base_url (naming base_url, the value and
    /// what is allowed), invalid_header_value (api_key, organization or
    /// project with a control character; the value itself is left out).
    explicit endpoint(const client_options& opts);

    const origin& api_origin() const noexcept { return base_.where; }
    /// The target of an operation's path ("/images/generations"): the base
    /// URL's path, then the operation's, then the base URL's query.
    std::string target(std::string_view path) const;
    /// Host, User-Agent, Accept (JSON), authentication, organization and project.
    void api_headers(boost::beast::http::fields& f) const;
    /// An API request with its body in memory, as HTTP/1.1 puts it on the
    /// wire: the same bytes as a request of `method` to target(path) with
    /// api_headers(), Content-Type and Content-Length, rendered by
    /// render_request(). One allocation: the common header lines are
    /// rendered once, when the endpoint is made.
    std::string render_api_request(std::string_view method, std::string_view path,
                                   std::string_view content_type, std::string_view body) const;
    /// The headers of a GET of `url`: authentication only to the API's own origin.
    void download_headers(boost::beast::http::fields& f, const url_parts& url) const;
    /// missing_api_key when the API is OpenAI's own and no key is configured.
    error_code check_credentials(diagnostics& diag) const;
    /// What every message must have redacted.
    std::string_view secret() const noexcept { return credentials_->secret(); }

  private:
    url_parts base_;
    std::unique_ptr<credentials> credentials_;
    std::string organization_, project_;
    std::string api_lines_;  ///< api_headers() as header lines, each ending in CRLF
};

}  // namespace openai::images::detail
