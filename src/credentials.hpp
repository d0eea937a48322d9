// How a request to the API proves who sends it. The API key as a Bearer
// token today; Azure's `api-key` header and token providers are further
// implementations of the same interface.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <string>
#include <string_view>

namespace openai::images::detail {

class credentials {
  public:
    virtual ~credentials() = default;
    /// Adds the authentication header(s) to a request for the API's origin.
    virtual void authorize(boost::beast::http::fields& f) const = 0;
    /// Whether there is nothing to authenticate with.
    virtual bool empty() const noexcept = 0;
    /// Text that must never appear in a message: redacted from every diagnostic.
    virtual std::string_view secret() const noexcept = 0;
};

/// `Authorization: Bearer <key>`, the value built once.
class api_key_credentials final : public credentials {
  public:
    explicit api_key_credentials(std::string key)
        : key_(std::move(key)), header_(key_.empty() ? std::string() : "Bearer " + key_) {}

    void authorize(boost::beast::http::fields& f) const override {
        if (!header_.empty())
            f.set(boost::beast::http::field::authorization, header_);
    }
    bool empty() const noexcept override { return key_.empty(); }
    std::string_view secret() const noexcept override { return key_; }

  private:
    std::string key_;
    std::string header_;
};

}  // namespace openai::images::detail
