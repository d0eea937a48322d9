// The Batch API's types: the spec's batch object read and written back, a
// create request's exact JSON, and the checks of a create request and of
// batch ids.
#include <openai/images/json.hpp>
#include <openai/images/validate.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

#include "test_common.hpp"

namespace oi = openai::images;

namespace {

using test_images::outcome;

outcome check(const oi::CreateBatchRequest& req) {
    return test_images::checked([&](oi::diagnostics& diag) { return oi::validate(req, diag); });
}

oi::CreateBatchRequest generations() {
    return {.input_file_id = "file-abc123", .endpoint = oi::BatchEndpoint::images_generations};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_api_model)

// The spec's example without the comma after its last metadata pair, which
// no JSON parser takes.
BOOST_AUTO_TEST_CASE(reads_and_writes_the_spec_batch_object) {
    const std::string body = R"({
  "id": "batch_abc123", "object": "batch", "endpoint": "/v1/completions",
  "model": "gpt-5-2025-08-07", "errors": null, "input_file_id": "file-abc123",
  "completion_window": "24h", "status": "completed", "output_file_id": "file-cvaTdG",
  "error_file_id": "file-HOWS94", "created_at": 1711471533, "in_progress_at": 1711471538,
  "expires_at": 1711557933, "finalizing_at": 1711493133, "completed_at": 1711493163,
  "failed_at": null, "expired_at": null, "cancelling_at": null, "cancelled_at": null,
  "request_counts": {"total": 100, "completed": 95, "failed": 5},
  "usage": {"input_tokens": 1500, "input_tokens_details": {"cached_tokens": 1024},
            "output_tokens": 500, "output_tokens_details": {"reasoning_tokens": 300},
            "total_tokens": 2000},
  "metadata": {"customer_id": "user_123456789", "batch_description": "Nightly eval job"}
})";
    oi::Batch b;
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::parse_response(body, b, diag), diag.message());
    BOOST_TEST(b.status == oi::BatchStatus::completed);
    BOOST_TEST(oi::is_final(b.status));
    BOOST_TEST(b.output_file_id.value_or("") == "file-cvaTdG");
    BOOST_TEST(!b.failed_at.has_value());
    BOOST_TEST(!b.errors.has_value());
    BOOST_TEST(b.request_counts->failed == 5);
    BOOST_TEST(b.usage->input_tokens_details->cached_tokens == 1024);
    BOOST_TEST(b.metadata->at("batch_description") == "Nightly eval job");
    oi::Batch back;
    BOOST_TEST_REQUIRE(!oi::parse_response(oi::to_json(b), back, diag), diag.message());
    BOOST_TEST(oi::to_json(back) == oi::to_json(b));
    BOOST_TEST(oi::to_json(b).ends_with(
        R"("metadata":{"batch_description":"Nightly eval job","customer_id":"user_123456789"}})"));
}

BOOST_AUTO_TEST_CASE(a_create_request_is_written_in_spec_order) {
    auto req = generations();
    req.metadata = oi::Metadata{{"job", "covers"}};
    req.output_expires_after = oi::FileExpirationAfter{.seconds = 86400};
    BOOST_TEST(oi::to_json(req) ==
               R"({"input_file_id":"file-abc123","endpoint":"/v1/images/generations",)"
               R"("completion_window":"24h","metadata":{"job":"covers"},)"
               R"("output_expires_after":{"anchor":"created_at","seconds":86400}})");
    oi::ListBatchesResponse list;
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::parse_response(
        R"({"object":"list","data":[{"id":"batch_1","status":"in_progress"}],"has_more":true})",
        list, diag));
    BOOST_TEST(list.data.at(0).status == oi::BatchStatus::in_progress);
    BOOST_TEST(!oi::is_final(list.data.at(0).status));
    BOOST_TEST(list.has_more);
}

BOOST_AUTO_TEST_CASE(a_create_request_is_checked_field_by_field) {
    BOOST_TEST(!check(generations()).ec);
    auto req = generations();
    req.input_file_id = "";
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "input_file_id");

    req = generations();
    req.endpoint = "/v1/images/variations";
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(r.message ==
               "endpoint: '/v1/images/variations' is not an endpoint of the Batch API; allowed: "
               "/v1/images/generations, /v1/images/edits, /v1/responses, /v1/chat/completions, "
               "/v1/embeddings, /v1/completions, /v1/moderations, /v1/videos");

    req = generations();
    req.completion_window = "1h";
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(r.message == "completion_window: '1h' is not allowed; allowed: 24h");

    req = generations();
    req.metadata = oi::Metadata{{"note", std::string(513, 'x')}};
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(r.param == "metadata.note");
    req.metadata = oi::Metadata{};
    for (int i = 0; i < 17; ++i)
        req.metadata->emplace("k" + std::to_string(i), "v");
    BOOST_TEST(check(req).message == "metadata: 17 pairs; allowed: at most 16");

    req = generations();
    req.output_expires_after = oi::FileExpirationAfter{.seconds = 60};
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(r.param == "output_expires_after.seconds");
}

BOOST_AUTO_TEST_CASE(a_batch_id_cannot_change_the_path) {
    oi::diagnostics diag;
    BOOST_TEST(!oi::validate_batch_id("batch_abc123", diag));
    BOOST_TEST(oi::validate_batch_id("batch_1/cancel", diag) == oi::client_errc::value_not_allowed);
    BOOST_TEST(diag.param() == "batch_id");
    BOOST_TEST(diag.message() ==
               "batch_id: 'batch_1/cancel' holds '/' at offset 7; allowed: "
               "letters, digits, '-', '_' and '.'");
}

BOOST_AUTO_TEST_SUITE_END()
