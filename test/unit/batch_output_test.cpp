// Batch API output and error files read line by line as they arrive (every
// split of the input gives the same lines), the images decoded on the way;
// a job's custom ids; the journal of collected results, torn by a crash.
#include <boost/test/unit_test.hpp>

#include <openai/images/base64.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../../src/batch_job_input.hpp"
#include "../../src/batch_job_state.hpp"
#include "../../src/batch_output_reader.hpp"
#include "test_common.hpp"

namespace {

namespace oi = openai::images;
namespace d = openai::images::detail;
namespace fs = std::filesystem;

const std::string png_bytes("\x89PNG\r\n\x1a\nfake image bytes", 24);
const std::string png_b64 = oi::base64_encode(png_bytes);

// An output file: an answer with two images, an API error, an error-file
// line, with a CRLF and a blank line between them, no LF at the end.
std::string sample_file() {
    return R"({"id":"batch_req_1","custom_id":"request-4","response":{"status_code":200,)"
           R"("request_id":"req_9","body":{"created":7,"data":[{"b64_json":")" +
           png_b64 + R"("},{"b64_json":")" + png_b64 +
           R"("}],"output_format":"png","usage":{"input_tokens":3,"output_tokens":5,)"
           R"("total_tokens":8}}},"error":null})"
           "\r\n\n"
           R"({"id":"batch_req_2","custom_id":"request-0","response":{"status_code":400,)"
           R"("request_id":"req_10","body":{"error":{"message":"Rejected by the safety system.",)"
           R"("type":"invalid_request_error","param":null,"code":"moderation_blocked"}}},)"
           R"("error":null})"
           "\n"
           R"({"id":"batch_req_3","custom_id":"request-2","response":null,)"
           R"("error":{"code":"batch_expired","message":"Not run in time."}})";
}

struct collected {
    std::vector<d::batch_output_line> lines;
    oi::error_code ec;
    oi::diagnostics diag;
};

collected read_in_pieces(const std::string& text, std::size_t first, std::size_t second) {
    collected out;
    d::batch_output_reader r([&](d::batch_output_line& l) { out.lines.push_back(std::move(l)); });
    r.write(std::string_view(text).substr(0, first));
    r.write(std::string_view(text).substr(first, second - first));
    r.write(std::string_view(text).substr(second));
    out.ec = r.finish(out.diag);
    return out;
}

fs::path scratch(const std::string& name) {
    const auto p = fs::temp_directory_path() /
                   ("openai-images-batch-output-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_output)

BOOST_AUTO_TEST_CASE(every_split_of_a_file_gives_the_same_lines) {
    const std::string text = sample_file();
    const std::vector<unsigned char> image(png_bytes.begin(), png_bytes.end());
    // The first cut at every byte, the second at every third (every pair
    // would take 200,000 reads of the whole file).
    for (std::size_t a = 0; a <= text.size(); ++a) {
        for (std::size_t b = a; b <= text.size(); b += 3) {
            const auto got = read_in_pieces(text, a, b);
            BOOST_TEST_REQUIRE(!got.ec, a << "," << b << ": " << got.diag.message());
            BOOST_REQUIRE_EQUAL(got.lines.size(), 3u);
            const auto& ok = got.lines[0];
            BOOST_TEST(ok.custom_id == "request-4");
            BOOST_TEST(!ok.ec);
            BOOST_REQUIRE_EQUAL(ok.response.data.size(), 2u);
            BOOST_TEST(ok.response.data[1].bytes.value() == image,
                       boost::test_tools::per_element());
            BOOST_TEST(!ok.response.data[0].b64_json.has_value());
            BOOST_TEST(ok.response.created == 7);
            BOOST_TEST(ok.response.usage.value().total_tokens == 8);
            BOOST_TEST(ok.diag.response().status == 200u);
            BOOST_TEST(ok.diag.response().request_id == "req_9");

            const auto& refused = got.lines[1];
            BOOST_TEST(refused.custom_id == "request-0");
            BOOST_TEST(refused.ec == oi::api_errc::moderation_blocked);
            BOOST_TEST(refused.diag.api_code() == "moderation_blocked");
            BOOST_TEST(refused.diag.error_type() == "invalid_request_error");
            BOOST_TEST(refused.diag.message() == "Rejected by the safety system.");
            BOOST_TEST(refused.diag.response().status == 400u);

            const auto& expired = got.lines[2];
            BOOST_TEST(expired.custom_id == "request-2");
            BOOST_TEST(expired.ec == oi::api_errc::batch_request_failed);
            BOOST_TEST(expired.diag.api_code() == "batch_expired");
            BOOST_TEST(expired.diag.message() == "Not run in time.");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_bad_line_names_its_number_and_a_bad_image_fails_its_request_only) {
    auto got = read_in_pieces("\n{\"custom_id\":\"request-1\",\"error\":{}}\n{not json}\n", 5, 9);
    BOOST_TEST(got.ec == oi::client_errc::invalid_json);
    BOOST_TEST(std::string(got.diag.message()).starts_with("line 3 of the batch file"));
    BOOST_TEST(got.lines.size() == 1u);

    got = read_in_pieces(R"({"response":null,"error":{"code":"x"}})", 3, 10);
    BOOST_TEST(got.ec == oi::client_errc::unexpected_json);
    BOOST_TEST(got.diag.message() == "line 1 of the batch file has no custom_id");

    got = read_in_pieces(R"({"custom_id":"request-1","response":{"status_code":200,"body":)"
                         R"({"created":1,"data":[{"b64_json":"!!!!"}]}}})",
                         20, 90);
    BOOST_TEST(!got.ec);
    BOOST_REQUIRE_EQUAL(got.lines.size(), 1u);
    BOOST_TEST(got.lines[0].ec == oi::client_errc::base64_invalid_character);
    BOOST_TEST(got.lines[0].diag.param() == "response.body.data[0].b64_json");
}

BOOST_AUTO_TEST_CASE(custom_ids_map_back_to_indices_of_the_job) {
    BOOST_TEST(d::job_custom_id(0) == "request-0");
    BOOST_TEST(d::job_custom_id(49999) == "request-49999");
    BOOST_TEST(d::job_request_index("request-12", 13).value() == 12u);
    BOOST_TEST(!d::job_request_index("request-13", 13).has_value());
    BOOST_TEST(!d::job_request_index("request-", 13).has_value());
    BOOST_TEST(!d::job_request_index("request-1x", 13).has_value());
    BOOST_TEST(!d::job_request_index("line-1", 13).has_value());
}

BOOST_AUTO_TEST_CASE(a_journal_torn_by_a_crash_keeps_its_whole_lines) {
    const auto dir = scratch("journal");
    std::ofstream(dir / "collected") << "3\n7\n1";  // "1" is torn: it may have been 12
    {
        d::collected_journal j;
        oi::diagnostics diag;
        BOOST_REQUIRE(!j.open(dir, 20, diag));
        BOOST_TEST(j.count() == 2u);
        BOOST_TEST(j.has(3));
        BOOST_TEST(j.has(7));
        BOOST_TEST(!j.has(1));
        BOOST_REQUIRE(!j.add(12, diag));
        BOOST_TEST(j.count() == 3u);
    }
    std::ifstream in(dir / "collected");
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    BOOST_TEST(text == "3\n7\n12\n");
    d::collected_journal again;
    oi::diagnostics diag;
    BOOST_REQUIRE(!again.open(dir, 20, diag));
    BOOST_TEST(again.count() == 3u);
    BOOST_TEST(!again.has(1));
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_state_file_that_is_not_a_job_is_refused_naming_it) {
    const auto dir = scratch("state");
    oi::batch_job_status st;
    oi::diagnostics diag;
    BOOST_TEST(d::load_job(dir, st, diag) == oi::client_errc::invalid_batch_job);
    BOOST_TEST(std::string(diag.message()).find("no batch job there") != std::string::npos);

    st.job_id = "job_0123456789abcdef";
    st.requests = 3;
    st.parts.push_back({.first = 0,
                        .count = 3,
                        .endpoint = oi::BatchEndpoint("/v1/images/edits"),
                        .bytes = 99,
                        .input_file_id = "file-1",
                        .uploaded_at = 5,
                        .batch_id = "batch_1",
                        .status = oi::BatchStatus("in_progress"),
                        .counts = {3, 1, 1},
                        .collected = false});
    BOOST_REQUIRE(!d::save_job(dir, st, diag));
    oi::batch_job_status back;
    BOOST_REQUIRE(!d::load_job(dir, back, diag));
    BOOST_TEST(back.job_id == st.job_id);
    BOOST_REQUIRE_EQUAL(back.parts.size(), 1u);
    BOOST_TEST(back.parts[0].endpoint == oi::BatchEndpoint::images_edits);
    BOOST_TEST(back.parts[0].uploaded_at == 5);
    BOOST_TEST(back.parts[0].counts.failed == 1);
    BOOST_TEST(back.parts[0].status == oi::BatchStatus::in_progress);

    std::ofstream(dir / "job.json") << R"({"version":1,"job_id":"j","requests":4,"parts":[]})";
    BOOST_TEST(d::load_job(dir, back, diag) == oi::client_errc::invalid_batch_job);
    BOOST_TEST(std::string(diag.message()).ends_with("its parts hold 0 requests, not 4"));
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
