// The Batch API's operations: create (a JSON request), retrieve and cancel
// (requests without a body about one batch) and list (a query), each answered
// with JSON read whole and parsed (json_operation.hpp).
#include <openai/images/client.hpp>
#include <openai/images/validate.hpp>

#include "json_operation.hpp"

namespace openai::images {
namespace asio = boost::asio;

namespace detail {
namespace {

using batch_handler = asio::any_completion_handler<batch_object_signature>;
using list_handler = asio::any_completion_handler<batch_list_signature>;

// The query of a list: its values checked first (an id and a number, so
// nothing in them needs escaping).
error_code list_query(const ListBatchesParams& p, std::string& query, diagnostics& diag) {
    if (p.after) {
        if (auto ec = validate_batch_id(*p.after, diag)) {
            // The same rules, said of the field they were given in.
            constexpr std::string_view checked = "batch_id";
            std::string message(diag.message());
            message.replace(0, checked.size(), "after");
            diag.assign("after", std::move(message));
            return ec;
        }
        query = "after=" + *p.after;
    }
    if (p.limit) {
        if (*p.limit < 1 || *p.limit > 100) {
            diag.assign("limit", "limit: " + std::to_string(*p.limit) +
                                     " is out of range; allowed: 1 to 100");
            return client_errc::value_out_of_range;
        }
        query += (query.empty() ? "" : "&") + std::string("limit=") + std::to_string(*p.limit);
    }
    return {};
}

}  // namespace

void start_create_batch(const std::shared_ptr<client_impl>& impl, CreateBatchRequest req,
                        diagnostics* diag, batch_handler handler) {
    op_completion<batch_handler, std::unique_ptr<Batch>> done{std::move(handler),
                                                              client_executor(impl)};
    start_prepared<json_response_handler<Batch>, std::unique_ptr<Batch>>(
        impl,
        [&](diagnostics& d, wire_request& wire) {
            if (impl->opts.validation.enabled) {
                if (auto ec = validate(req, d))
                    return ec;
            }
            const std::string body = to_json(req);
            wire = api_call(*impl, http::verb::post, "/batches", &body);
            return error_code{};
        },
        diag, nullptr, std::move(done));
}

void start_batch_call(const std::shared_ptr<client_impl>& impl, std::string batch_id, bool cancel,
                      diagnostics* diag, batch_handler handler) {
    op_completion<batch_handler, std::unique_ptr<Batch>> done{std::move(handler),
                                                              client_executor(impl)};
    const std::string path = "/batches/" + batch_id + (cancel ? "/cancel" : "");
    start_id_request<json_response_handler<Batch>, std::unique_ptr<Batch>>(
        impl, validate_batch_id, batch_id, cancel ? http::verb::post : http::verb::get, path, diag,
        std::move(done));
}

void start_list_batches(const std::shared_ptr<client_impl>& impl, ListBatchesParams params,
                        diagnostics* diag, list_handler handler) {
    op_completion<list_handler, std::unique_ptr<ListBatchesResponse>> done{std::move(handler),
                                                                           client_executor(impl)};
    start_prepared<json_response_handler<ListBatchesResponse>,
                   std::unique_ptr<ListBatchesResponse>>(
        impl,
        [&](diagnostics& d, wire_request& wire) {
            std::string query;
            if (auto ec = list_query(params, query, d))
                return ec;
            wire = api_call(*impl, http::verb::get, "/batches", nullptr, query);
            return error_code{};
        },
        diag, nullptr, std::move(done));
}

}  // namespace detail

asio::awaitable<Batch> client::create_batch(CreateBatchRequest req) {
    return detail::value_or_throw<Batch>([this, r = std::move(req)](auto& diag, auto token) {
        return async_create_batch(r, diag, token);
    });
}

asio::awaitable<Batch> client::retrieve_batch(std::string batch_id) {
    return detail::value_or_throw<Batch>([this, id = std::move(batch_id)](auto& diag, auto token) {
        return async_retrieve_batch(id, diag, token);
    });
}

asio::awaitable<Batch> client::cancel_batch(std::string batch_id) {
    return detail::value_or_throw<Batch>([this, id = std::move(batch_id)](auto& diag, auto token) {
        return async_cancel_batch(id, diag, token);
    });
}

asio::awaitable<ListBatchesResponse> client::list_batches(ListBatchesParams params) {
    return detail::value_or_throw<ListBatchesResponse>(
        [this, p = std::move(params)](auto& diag, auto token) {
            return async_list_batches(p, diag, token);
        });
}

}  // namespace openai::images
