// The Batch API end to end against the fake server, whose batches move one
// state on at each retrieve: a batch of image generations from an uploaded
// JSONL file, polled to completion, its output file holding real images by
// custom_id and its failed lines counted; a cancel; a list by pages; an
// input file the API refuses; ids that would change the path.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace oi = openai::images;
namespace t = openai::images::testing;
using namespace std::chrono_literals;
using client_fixture::options_for;
using client_fixture::run_for_value;

t::server_options small_images() {
    t::server_options o;
    o.max_image_side = 16;
    return o;
}

struct batch_case {
    t::fake_server server{small_images()};
    asio::io_context ioc;
    oi::client c{ioc.get_executor(), options_for(server)};
    oi::diagnostics diag;

    // Uploads `text` as a batch input file.
    std::string upload(std::string text) {
        auto [ec, f] = run_for_value<oi::OpenAIFile>(ioc, [&](auto h) {
            c.async_upload_file({.file = oi::file_source::from_owned(std::move(text), "in.jsonl"),
                                 .purpose = oi::FilePurpose::batch},
                                diag, h);
        });
        BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
        return f.id;
    }
    oi::Batch create(const std::string& file_id) {
        auto [ec, b] = run_for_value<oi::Batch>(ioc, [&](auto h) {
            c.async_create_batch({.input_file_id = file_id,
                                  .endpoint = oi::BatchEndpoint::images_generations,
                                  .metadata = oi::Metadata{{"job", "test"}}},
                                 diag, h);
        });
        BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
        return b;
    }
    oi::Batch retrieve(const std::string& id) {
        auto [ec, b] =
            run_for_value<oi::Batch>(ioc, [&](auto h) { c.async_retrieve_batch(id, diag, h); });
        BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
        return b;
    }
    std::string content(const std::string& file_id) {
        std::string out;
        auto [ec, n] = run_for_value<std::uint64_t>(ioc, [&](auto h) {
            c.async_file_content(
                file_id, [&](std::string_view p) { out.append(p); }, diag, h);
        });
        BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
        return out;
    }
};

// `n` generation lines; those whose index is in `bad` ask for a size the
// model refuses.
std::string generation_lines(int n, std::initializer_list<int> bad = {}) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        const bool refused = std::find(bad.begin(), bad.end(), i) != bad.end();
        out +=
            R"({"custom_id":"line-)" + std::to_string(i) +
            R"(","method":"POST","url":"/v1/images/generations","body":{"model":"gpt-image-1",)" +
            R"("prompt":"picture )" + std::to_string(i) + R"(","size":")" +
            (refused ? "100x100" : "1024x1024") + "\"}}\n";
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_batch_api)

BOOST_FIXTURE_TEST_CASE(a_batch_of_generations_runs_to_completion_with_real_images, batch_case) {
    const auto file_id = upload(generation_lines(40, {3, 17}));
    const auto created = create(file_id);
    BOOST_TEST(created.id == "batch_1");
    BOOST_TEST(created.status == oi::BatchStatus::validating);
    BOOST_TEST(created.endpoint == oi::BatchEndpoint::images_generations);
    BOOST_TEST(created.metadata.value_or(oi::Metadata{}).at("job") == "test");

    std::vector<std::string> seen;
    oi::Batch b = created;
    while (!oi::is_final(b.status)) {
        b = retrieve(b.id);
        seen.push_back(b.status.value());
        BOOST_REQUIRE(seen.size() < 10u);
    }
    const std::vector<std::string> expected{"in_progress", "finalizing", "completed"};
    BOOST_TEST(seen == expected, boost::test_tools::per_element());
    BOOST_REQUIRE(b.request_counts.has_value());
    BOOST_TEST(b.request_counts->total == 40);
    BOOST_TEST(b.request_counts->completed == 38);
    BOOST_TEST(b.request_counts->failed == 2);
    BOOST_REQUIRE(b.output_file_id.has_value());
    BOOST_TEST(!b.error_file_id.has_value());  // every line got an answer

    // The output file: one line per request, the answer by custom_id.
    const std::string out = content(*b.output_file_id);
    std::map<std::string, unsigned> status_by_id;
    std::size_t images = 0;
    for (std::size_t pos = 0; pos < out.size();) {
        const auto end = out.find('\n', pos);
        const auto line = json::parse(out.substr(pos, end - pos)).as_object();
        pos = end + 1;
        const auto& response = line.at("response").as_object();
        const auto status = static_cast<unsigned>(response.at("status_code").to_number<int>());
        status_by_id[std::string(line.at("custom_id").as_string())] = status;
        if (status == 200) {
            oi::ImagesResponse r;
            oi::diagnostics d;
            BOOST_REQUIRE(!oi::parse_images_response(json::serialize(response.at("body")), r, d));
            std::vector<unsigned char> bytes;
            BOOST_REQUIRE(!oi::decode_image(r.data.at(0), bytes, d));
            BOOST_TEST(bytes.size() > 8u);
            BOOST_TEST(bytes[1] == 'P');  // a PNG
            ++images;
        }
    }
    BOOST_TEST(status_by_id.size() == 40u);
    BOOST_TEST(status_by_id.at("line-3") == 400u);
    BOOST_TEST(status_by_id.at("line-17") == 400u);
    BOOST_TEST(images == 38u);
}

BOOST_FIXTURE_TEST_CASE(a_batch_is_cancelled_and_listed_by_pages, batch_case) {
    const auto file_id = upload(generation_lines(2));
    const auto first = create(file_id);
    const auto second = create(file_id);
    const auto third = create(file_id);

    auto [cec, cancelling] =
        run_for_value<oi::Batch>(ioc, [&](auto h) { c.async_cancel_batch(second.id, diag, h); });
    BOOST_REQUIRE(!cec);
    BOOST_TEST(cancelling.status == oi::BatchStatus::cancelling);
    BOOST_TEST(cancelling.cancelling_at.has_value());
    BOOST_TEST(retrieve(second.id).status == oi::BatchStatus::cancelled);
    auto [again, none] =
        run_for_value<oi::Batch>(ioc, [&](auto h) { c.async_cancel_batch(second.id, diag, h); });
    BOOST_TEST(again == oi::api_errc::bad_request);
    BOOST_TEST(diag.message() == "Cannot cancel a batch with status 'cancelled'.");

    auto [lec, page] = run_for_value<oi::ListBatchesResponse>(
        ioc, [&](auto h) { c.async_list_batches({.limit = 2}, diag, h); });
    BOOST_REQUIRE(!lec);
    BOOST_REQUIRE_EQUAL(page.data.size(), 2u);
    BOOST_TEST(page.data[0].id == third.id);  // newest first
    BOOST_TEST(page.data[1].id == second.id);
    BOOST_TEST(page.has_more);
    // Named: Clang 14 does not let a lambda capture a structured binding.
    const std::optional<std::string> last = page.last_id;
    auto [nec, next] = run_for_value<oi::ListBatchesResponse>(
        ioc, [&](auto h) { c.async_list_batches({.after = last, .limit = 2}, diag, h); });
    BOOST_REQUIRE(!nec);
    BOOST_REQUIRE_EQUAL(next.data.size(), 1u);
    BOOST_TEST(next.data[0].id == first.id);
    BOOST_TEST(!next.has_more);
    BOOST_TEST(server.requests().back().target == "/v1/batches?after=batch_2&limit=2");
}

BOOST_FIXTURE_TEST_CASE(an_input_file_the_api_refuses_fails_the_batch, batch_case) {
    const auto file_id =
        upload(R"({"custom_id":"a","method":"POST","url":"/v1/images/edits","body":{"prompt":"x"}})"
               "\n");
    const auto b = create(file_id);
    const auto failed = retrieve(b.id);
    BOOST_TEST(failed.status == oi::BatchStatus::failed);
    BOOST_REQUIRE(failed.errors.has_value());
    BOOST_REQUIRE_EQUAL(failed.errors->data.size(), 1u);
    BOOST_TEST(failed.errors->data[0].code.value_or("") == "mismatched_url");
    BOOST_TEST(failed.errors->data[0].line.value_or(0) == 1);

    // A file uploaded for another purpose is refused at creation.
    auto [ec, f] = run_for_value<oi::OpenAIFile>(ioc, [&](auto h) {
        c.async_upload_file({.file = oi::file_source::from_owned(std::string("{}\n"), "a.jsonl"),
                             .purpose = oi::FilePurpose::user_data},
                            diag, h);
    });
    BOOST_REQUIRE(!ec);
    const std::string other_purpose = f.id;
    auto [bec, none] = run_for_value<oi::Batch>(ioc, [&](auto h) {
        c.async_create_batch(
            {.input_file_id = other_purpose, .endpoint = oi::BatchEndpoint::images_generations},
            diag, h);
    });
    BOOST_TEST(bec == oi::api_errc::bad_request);
    BOOST_TEST(diag.param() == "input_file_id");
}

BOOST_FIXTURE_TEST_CASE(bad_ids_and_limits_are_refused_before_sending, batch_case) {
    auto [ec, b] = run_for_value<oi::Batch>(
        ioc, [&](auto h) { c.async_retrieve_batch("batch_1?x=1", diag, h); });
    BOOST_TEST(ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(diag.param() == "batch_id");
    auto [lec, l] = run_for_value<oi::ListBatchesResponse>(
        ioc, [&](auto h) { c.async_list_batches({.limit = 101}, diag, h); });
    BOOST_TEST(lec == oi::client_errc::value_out_of_range);
    BOOST_TEST(diag.message() == "limit: 101 is out of range; allowed: 1 to 100");
    auto [aec, a] = run_for_value<oi::ListBatchesResponse>(
        ioc, [&](auto h) { c.async_list_batches({.after = "a b"}, diag, h); });
    BOOST_TEST(aec == oi::client_errc::value_not_allowed);
    BOOST_TEST(diag.param() == "after");
    BOOST_TEST(
        diag.message() ==
        "after: 'a b' holds byte 32 at offset 1; allowed: letters, digits, '-', '_' and '.'");
    auto [cec, cb] = run_for_value<oi::Batch>(ioc, [&](auto h) {
        c.async_create_batch({.input_file_id = "file-1", .endpoint = "/v1/images/variations"}, diag,
                             h);
    });
    BOOST_TEST(cec == oi::client_errc::value_not_allowed);
    BOOST_TEST(server.requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()
