// The fake server's Batch API. Time moves with the client's polls (time
// fast-forwarded): each retrieve of a batch moves it one state on, so a test
// never waits. When a
// batch reaches finalizing, each line of its input file is answered as the
// live endpoint would answer it (real images), into an output file (answers)
// and an error file (lines that got none).
#include "state.hpp"

#include <openai/images/json.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <set>

namespace openai::images::testing::detail {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

constexpr std::int64_t day = 24 * 3600, thirty_days = 30 * day;

std::int64_t now() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        if (!line.empty())
            out.push_back(line);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return out;
}

// What is wrong with the input file as a whole (the batch then fails): the
// first line that is not an object with a unique custom_id, method POST,
// url equal to the endpoint and an object body.
std::optional<BatchError> invalid_line(const std::vector<std::string_view>& lines,
                                       std::string_view endpoint) {
    std::set<std::string> ids;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto line_no = static_cast<std::int64_t>(i + 1);
        auto fail = [&](std::string code, std::string message) {
            return BatchError{std::move(code), std::move(message), std::nullopt, line_no};
        };
        error_code ec;
        const json::value v = json::parse(lines[i], ec);
        if (ec || !v.is_object())
            return fail("invalid_json_line", "This line is not parseable as valid JSON.");
        const auto& o = v.as_object();
        const auto* id = o.if_contains("custom_id");
        if (!id || !id->is_string())
            return fail("missing_required_parameter", "Missing required parameter: 'custom_id'.");
        if (!ids.emplace(id->as_string()).second)
            return fail("duplicate_custom_id", "The custom_id for this request is a duplicate.");
        const auto* method = o.if_contains("method");
        if (!method || !method->is_string() || method->as_string() != "POST")
            return fail("invalid_method", "The method must be POST.");
        const auto* url = o.if_contains("url");
        if (!url || !url->is_string() || url->as_string() != endpoint)
            return fail("mismatched_url",
                        "The url must match the batch's endpoint: " + std::string(endpoint) + ".");
        const auto* body = o.if_contains("body");
        if (!body || !body->is_object())
            return fail("invalid_body", "The body must be a JSON object.");
    }
    return std::nullopt;
}

// A file the server made (an output or error file).
std::string store_output(fake_server::state& st, std::string content, std::string name) {
    OpenAIFile f;
    f.id = "file-" + std::to_string(st.file_ids.fetch_add(1) + 1);
    f.object = "file";
    f.bytes = static_cast<std::int64_t>(content.size());
    f.created_at = now();
    f.expires_at = f.created_at + thirty_days;
    f.filename = std::move(name);
    f.purpose = FilePurpose::batch_output;
    f.status = "processed";
    std::lock_guard lock(st.mu);
    st.stored[f.id] = {f, std::make_shared<const std::string>(std::move(content))};
    return f.id;
}

// A test's knob in the batch's metadata: the number in `key`, if any.
std::optional<std::int64_t> knob(const Batch& b, const std::string& key) {
    if (!b.metadata)
        return std::nullopt;
    const auto it = b.metadata->find(key);
    if (it == b.metadata->end())
        return std::nullopt;
    return std::atoll(it->second.c_str());
}

// A line the live API would refuse although the request is well formed: its
// `user` asks for it ("fake-server:moderation_blocked", or
// "fake-server:server_error").
std::optional<http_response> scripted_refusal(const json::object& body) {
    const auto* user = body.if_contains("user");
    if (!user || !user->is_string())
        return std::nullopt;
    const std::string_view u = user->as_string();
    if (u == "fake-server:moderation_blocked")
        return error_response(400, "invalid_request_error",
                              "Your request was rejected by the safety system.", {},
                              "moderation_blocked");
    if (u == "fake-server:server_error")
        return error_response(500, "server_error", "The server had an error.", {}, {});
    return std::nullopt;
}

// Answers every line as the live endpoint would, into the batch's files.
// With the knob fake_server_expire_after=k in its metadata, the batch
// expires after k lines: the others go to the error file (batch_expired).
void run_lines(fake_server::state& st, Batch& b, const std::vector<std::string_view>& lines) {
    std::string output, errors;
    std::int64_t completed = 0, failed = 0, n = 0;
    const auto expire_after = knob(b, "fake_server_expire_after");
    for (const auto line : lines) {
        const json::object o = json::parse(line).as_object();
        const std::string id = "batch_req_" + std::to_string(++n);
        json::object out{{"id", id}, {"custom_id", o.at("custom_id")}};
        const auto& body = o.at("body").as_object();
        auto no_answer = [&](std::string_view code, std::string_view message) {
            ++failed;
            out["response"] = nullptr;
            out["error"] = json::object{{"code", code}, {"message", message}};
            errors += json::serialize(out) + "\n";
        };
        if (expire_after && n > *expire_after) {
            no_answer("batch_expired",
                      "This request could not be executed before the "
                      "completion window expired.");
            continue;
        }
        if (const auto* s = body.if_contains("stream"); s && s->is_bool() && s->as_bool()) {
            no_answer("invalid_request", "Streaming is not supported in batches.");
            continue;
        }
        http_request req{http::verb::post, b.endpoint.value(), 11};
        req.set(http::field::content_type, "application/json");
        if (!st.opts.api_key.empty())
            req.set(http::field::authorization, "Bearer " + st.opts.api_key);
        req.body() = json::serialize(body);
        req.prepare_payload();
        auto refused = scripted_refusal(body);
        const http_response res = refused ? std::move(*refused) : answer(st, req, true);
        const unsigned status = res.result_int();
        (status >= 200 && status < 300 ? completed : failed) += 1;
        error_code ec;
        json::value answered = json::parse(res.body(), ec);
        if (ec)
            answered = json::string(res.body());
        out["response"] = json::object{{"status_code", status},
                                       {"request_id", "req_" + std::to_string(++st.request_ids)},
                                       {"body", std::move(answered)}};
        out["error"] = nullptr;
        output += json::serialize(out) + "\n";
    }
    b.request_counts =
        BatchRequestCounts{static_cast<std::int64_t>(lines.size()), completed, failed};
    if (!output.empty())
        b.output_file_id = store_output(st, std::move(output), b.id + "_output.jsonl");
    if (!errors.empty())
        b.error_file_id = store_output(st, std::move(errors), b.id + "_error.jsonl");
}

http_response create(fake_server::state& st, const http_request& req) {
    CreateBatchRequest r;
    diagnostics diag;
    if (auto ec = parse_create_batch_request(req.body(), r, diag))
        return invalid_request(diag.message(), diag.param(), "invalid_type");
    if (r.endpoint != BatchEndpoint::images_generations &&
        r.endpoint != BatchEndpoint::images_edits)
        return invalid_request(
            "This server runs batches of /v1/images/generations and /v1/images/edits "
            "only, not '" +
                r.endpoint.value() + "'.",
            "endpoint", "invalid_value");
    if (r.completion_window != "24h")
        return invalid_request("Invalid value for 'completion_window'.", "completion_window",
                               "invalid_value");
    std::optional<OpenAIFile> input;
    {
        std::lock_guard lock(st.mu);
        if (auto it = st.stored.find(r.input_file_id); it != st.stored.end())
            input = it->second.object;
    }
    if (!input)
        return invalid_request(
            "Invalid 'input_file_id': '" + r.input_file_id + "'. File does not exist.",
            "input_file_id", "invalid_value");
    if (input->purpose != FilePurpose::batch)
        return invalid_request("The input file must be uploaded with purpose 'batch'.",
                               "input_file_id", "invalid_value");
    Batch b;
    b.object = "batch";
    b.endpoint = r.endpoint;
    b.input_file_id = r.input_file_id;
    b.completion_window = r.completion_window;
    b.status = BatchStatus::validating;
    b.created_at = now();
    b.expires_at = b.created_at + day;
    b.request_counts = BatchRequestCounts{};
    b.metadata = r.metadata;
    {
        std::lock_guard lock(st.mu);
        b.id = "batch_" + std::to_string(st.batch_order.size() + 1);
        st.batches[b.id] = b;
        st.batch_order.push_back(b.id);
    }
    return json_response(to_json(b));
}

// The batch one state on, as the API would show it at its next poll.
void advance(fake_server::state& st, Batch& b) {
    const auto t = now();
    if (b.status == BatchStatus::validating) {
        std::shared_ptr<const std::string> content;
        {
            std::lock_guard lock(st.mu);
            if (auto it = st.stored.find(b.input_file_id); it != st.stored.end())
                content = it->second.content;
        }
        const auto lines = lines_of(content ? *content : std::string_view());
        std::optional<BatchError> bad =
            content ? invalid_line(lines, b.endpoint.value())
                    : BatchError{"invalid_file", "The input file was deleted.", std::nullopt,
                                 std::nullopt};
        if (!bad && lines.empty())
            bad = BatchError{"empty_file", "The input file has no requests.", std::nullopt,
                             std::nullopt};
        if (bad) {
            b.status = BatchStatus::failed;
            b.failed_at = t;
            b.errors = BatchErrors{"list", {std::move(*bad)}};
            return;
        }
        b.status = BatchStatus::in_progress;
        b.in_progress_at = t;
        b.request_counts = BatchRequestCounts{static_cast<std::int64_t>(lines.size()), 0, 0};
    } else if (b.status == BatchStatus::in_progress) {
        std::shared_ptr<const std::string> content;
        {
            std::lock_guard lock(st.mu);
            if (auto it = st.stored.find(b.input_file_id); it != st.stored.end())
                content = it->second.content;
        }
        b.status = BatchStatus::finalizing;
        b.finalizing_at = t;
        if (content)
            run_lines(st, b, lines_of(*content));
        if (const auto k = knob(b, "fake_server_expire_after");
            k && b.request_counts && *k < b.request_counts->total) {
            b.status = BatchStatus::expired;
            b.expired_at = t;
        }
    } else if (b.status == BatchStatus::finalizing) {
        b.status = BatchStatus::completed;
        b.completed_at = t;
    } else if (b.status == BatchStatus::cancelling) {
        b.status = BatchStatus::cancelled;
        b.cancelled_at = t;
    }
}

std::optional<Batch> find(fake_server::state& st, const std::string& id) {
    std::lock_guard lock(st.mu);
    if (auto it = st.batches.find(id); it != st.batches.end())
        return it->second;
    return std::nullopt;
}

void keep(fake_server::state& st, const Batch& b) {
    std::lock_guard lock(st.mu);
    st.batches[b.id] = b;
}

http_response no_such_batch(std::string_view id) {
    return error_response(404, "invalid_request_error",
                          "No batch found with id '" + std::string(id) + "'.", {}, {});
}

http_response list(fake_server::state& st, std::string_view query) {
    std::string after;
    std::size_t limit = 20;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
        const auto eq = pair.find('=');
        const auto key = pair.substr(0, eq);
        const auto value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
        if (key == "after")
            after = value;
        else if (key == "limit")
            limit =
                static_cast<std::size_t>(std::clamp(std::atoi(std::string(value).c_str()), 1, 100));
    }
    ListBatchesResponse out;
    out.object = "list";
    std::lock_guard lock(st.mu);
    auto it = st.batch_order.rbegin();
    if (!after.empty()) {
        it = std::find(st.batch_order.rbegin(), st.batch_order.rend(), after);
        if (it != st.batch_order.rend())
            ++it;
    }
    for (; it != st.batch_order.rend() && out.data.size() < limit; ++it)
        out.data.push_back(st.batches.at(*it));
    out.has_more = it != st.batch_order.rend();
    if (!out.data.empty()) {
        out.first_id = out.data.front().id;
        out.last_id = out.data.back().id;
    }
    return json_response(to_json(out));
}

}  // namespace

http_response batches_api(fake_server::state& st, const http_request& req, std::string_view path) {
    const auto method = req.method();
    if (path == "/v1/batches") {
        if (method == http::verb::post)
            return create(st, req);
        if (method == http::verb::get) {
            const std::string_view target = req.target();
            const auto q = target.find('?');
            return list(st, q == std::string_view::npos ? "" : target.substr(q + 1));
        }
    }
    std::string_view rest =
        path.substr(std::min(path.size(), std::string_view("/v1/batches/").size()));
    const bool cancel = rest.ends_with("/cancel");
    if (cancel)
        rest.remove_suffix(std::string_view("/cancel").size());
    const bool known = path.starts_with("/v1/batches/") && !rest.empty() &&
                       rest.find('/') == std::string_view::npos &&
                       method == (cancel ? http::verb::post : http::verb::get);
    if (!known) {
        return error_response(
            404, "invalid_request_error",
            "Invalid URL (" + std::string(req.method_string()) + " " + std::string(path) + ")", {},
            {});
    }
    auto b = find(st, std::string(rest));
    if (!b)
        return no_such_batch(rest);
    if (cancel) {
        if (is_final(b->status) || b->status == BatchStatus::cancelling ||
            b->status == BatchStatus::finalizing)
            return invalid_request("Cannot cancel a batch with status '" + b->status.value() + "'.",
                                   {}, "invalid_state");
        b->status = BatchStatus::cancelling;
        b->cancelling_at = now();
    } else {
        advance(st, *b);
    }
    keep(st, *b);
    return json_response(to_json(*b));
}

}  // namespace openai::images::testing::detail
