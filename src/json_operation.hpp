// What the Files and Batch APIs' operations share: their requests are
// prepared at initiation as the images operations' are (the credentials
// checked, the request validated and rendered, or the failure delivered
// without a byte sent), and a JSON answer (a file object, a batch, a list)
// is read whole, then parsed by the described conversions.
#pragma once

#include <openai/images/detail/retry.hpp>
#include <openai/images/json.hpp>

#include <boost/beast/http/verb.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "client_impl.hpp"
#include "op_completion.hpp"
#include "operation_start.hpp"
#include "request_driver.hpp"

namespace openai::images::detail {

/// A JSON answer (a file object, a batch, a list) read whole, then parsed.
template <class Model>
class json_response_handler final : public response_handler {
  public:
    json_response_handler(const client_impl& impl, std::unique_ptr<Model>& out)
        : impl_(impl), out_(out) {}

    body_sink* sink() override { return nullptr; }

    error_code finish(exchange_result& r, lazy_diagnostics& diag) override {
        const unsigned status = r.response.result_int();
        if (status < 200 || status >= 300)
            return api_failure(impl_, r, diag.get());
        auto parsed = std::make_unique<Model>();
        diagnostics parse_diag;
        const auto& text = r.response.body().text;
        if (const auto ec = parse_response(text, *parsed, parse_diag))
            return unreadable_answer(impl_, ec, status, text, parse_diag, diag.get());
        out_ = std::move(parsed);
        return {};
    }

  private:
    const client_impl& impl_;
    std::unique_ptr<Model>& out_;
};

/// A request to `path` (the base URL's path before it, its query and then
/// `query` after), with a JSON body when `json` is set (POST), else without
/// a body.
wire_request api_call(const client_impl& impl, http::verb method, const std::string& path,
                      const std::string* json = nullptr, std::string_view query = {});

/// A request without a body about one object (`check` validates its `id`).
template <class Handler, class T, class Completion>
void start_id_request(const std::shared_ptr<client_impl>& impl,
                      error_code (*check)(std::string_view, diagnostics&), const std::string& id,
                      http::verb method, const std::string& path, diagnostics* diag,
                      Completion done, T value = {}) {
    start_prepared<Handler, T>(
        impl,
        [&](diagnostics& d, wire_request& wire) {
            if (auto ec = check(id, d))
                return ec;
            wire = api_call(*impl, method, path);
            return error_code{};
        },
        diag, nullptr, std::move(done), std::move(value));
}

}  // namespace openai::images::detail
