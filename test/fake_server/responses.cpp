// The parts of every answer: the API's error body, the headers every response
// carries, the answers of faults, and the bookkeeping of request records.
#include "state.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <algorithm>

namespace openai::images::testing::detail {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

constexpr std::size_t rate_limit_requests = 10000;

std::string json_or_null(std::string_view s) {
    return s.empty() ? std::string("null") : json::serialize(json::string_view(s));
}

}  // namespace

http_response error_response(unsigned status, std::string_view type, std::string_view message,
                             std::string_view param, std::string_view code) {
    http_response res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.body() = "{\"error\":{\"message\":" + json_or_null(message) +
                 ",\"type\":" + json_or_null(type) + ",\"param\":" + json_or_null(param) +
                 ",\"code\":" + json_or_null(code) + "}}";
    return res;
}

http_response json_response(std::string body) {
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = std::move(body);
    return res;
}

http_response invalid_request(std::string_view message, std::string_view param,
                              std::string_view code) {
    return error_response(400, "invalid_request_error", message, param, code);
}

std::size_t arrive(fake_server::state& st, request_record rec, fault& f) {
    std::size_t index = 0;
    {
        std::lock_guard lock(st.mu);
        if (!st.faults.empty()) {
            f = std::move(st.faults.front());
            st.faults.pop_front();
        }
        ++st.arrived;
        if (st.opts.keep_records) {
            st.records.push_back(std::move(rec));
            index = st.records.size() - 1;
        }
    }
    st.cv.notify_all();
    return index;
}

http_response fault_response(const fault& f) {
    using kind = fault::kind;
    if (f.what == kind::raw_body) {
        http_response res{static_cast<http::status>(f.status ? f.status : 502), 11};
        res.set(http::field::content_type, f.content_type);
        res.body() = f.body;
        return res;
    }
    if (f.what == kind::malformed_json) {
        http_response res{http::status::ok, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = f.body.empty()
                         ? std::string("{\"created\": 1700000000, \"data\": [{\"b64_json")
                         : f.body;
        return res;
    }
    const unsigned status = f.status ? f.status : 500;
    std::string type = f.error_type;
    if (type.empty())
        type = status == 429   ? "requests"
               : status >= 500 ? "server_error"
                               : "invalid_request_error";
    std::string message = f.error_message;
    if (message.empty())
        message = "The fake server was told to answer " + std::to_string(status) + ".";
    return error_response(status, type, message, f.error_param, f.error_code);
}

void add_common_headers(fake_server::state& st, http_response& res,
                        std::chrono::milliseconds processing) {
    std::size_t remaining = 0;
    {
        std::lock_guard lock(st.mu);
        const auto now = std::chrono::steady_clock::now();
        if (now - st.window_start >= std::chrono::seconds(1)) {
            st.window_start = now;
            st.window_count = 0;
        }
        ++st.window_count;
        remaining = rate_limit_requests - std::min(st.window_count, rate_limit_requests);
    }
    res.set("x-request-id", "req_" + std::to_string(++st.request_ids));
    res.set("openai-processing-ms", std::to_string(processing.count()));
    res.set("x-ratelimit-limit-requests", std::to_string(rate_limit_requests));
    res.set("x-ratelimit-remaining-requests", std::to_string(remaining));
    res.set("x-ratelimit-reset-requests", "1s");
    res.set(http::field::server, "fake-openai-server");
}

void finish(fake_server::state& st, std::size_t index, request_record&& rec, unsigned status) {
    std::lock_guard lock(st.mu);
    if (!st.opts.keep_records)
        return;
    request_record& r = st.records.at(index);
    r.fields = std::move(rec.fields);
    r.field_is_json = std::move(rec.field_is_json);
    r.files = std::move(rec.files);
    r.file_crc32 = std::move(rec.file_crc32);
    r.status = status;
}

}  // namespace openai::images::testing::detail
