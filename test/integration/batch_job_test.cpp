// The images batch job end to end against the fake server (whose batches
// move one state on at each poll): a few hundred requests over several
// batches with lines that fail, results handed over once each by index and
// saved; a process that stops after submitting, or midway through
// collecting, or just after creating a batch, then another that resumes; a
// cancel; a batch that expires; requests refused before anything is sent.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
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

// Request i: a generation; those in `blocked` are refused by the API's
// safety system, those in `broken` meet a server error (the fake server's
// knobs, through `user`).
std::vector<oi::batch_job_request> generations(std::size_t n,
                                               std::initializer_list<std::size_t> blocked = {},
                                               std::initializer_list<std::size_t> broken = {}) {
    std::vector<oi::batch_job_request> out;
    for (std::size_t i = 0; i < n; ++i) {
        oi::CreateImageRequest r;
        r.model = "gpt-image-1";
        r.prompt = "picture " + std::to_string(i);
        r.size = "1024x1024";
        if (std::find(blocked.begin(), blocked.end(), i) != blocked.end())
            r.user = "fake-server:moderation_blocked";
        if (std::find(broken.begin(), broken.end(), i) != broken.end())
            r.user = "fake-server:server_error";
        out.emplace_back(std::move(r));
    }
    return out;
}

struct job_case {
    t::fake_server server{small_images()};
    asio::io_context ioc;
    oi::client c{ioc.get_executor(), options_for(server)};
    oi::diagnostics diag;
    fs::path dir;
    std::map<std::size_t, std::vector<oi::batch_result>> results;  // by index, each hand-over
    std::vector<std::string> statuses;                             // "part:status" changes seen

    job_case() {
        static int n = 0;
        dir = client_fixture::scratch_dir() / ("job-" + std::to_string(++n));
        fs::remove_all(dir);
    }

    oi::batch_job_options options() {
        oi::batch_job_options o;
        o.directory = dir;
        o.poll_initial = 0ms;  // the fake server's time moves with each poll
        o.poll_max = 1ms;
        o.on_result = [this](std::size_t i, oi::batch_result& r) {
            results[i].push_back(std::move(r));
        };
        o.on_status = [this](const oi::batch_job_status& st) {
            for (std::size_t k = 0; k < st.parts.size(); ++k) {
                const auto s = std::to_string(k + 1) + ":" + st.parts[k].status.value();
                if (std::find(statuses.begin(), statuses.end(), s) == statuses.end())
                    statuses.push_back(s);
            }
        };
        return o;
    }

    std::pair<oi::error_code, oi::batch_job_status> run(std::vector<oi::batch_job_request> reqs,
                                                        oi::batch_job_options o) {
        return run_for_value<oi::batch_job_status>(ioc, [&](auto h) {
            oi::async_run_batch_job(c, std::move(reqs), std::move(o), diag, h);
        });
    }
    std::pair<oi::error_code, oi::batch_job_status> submit(std::vector<oi::batch_job_request> reqs,
                                                           oi::batch_job_options o) {
        return run_for_value<oi::batch_job_status>(ioc, [&](auto h) {
            oi::async_submit_batch_job(c, std::move(reqs), std::move(o), diag, h);
        });
    }
    std::pair<oi::error_code, oi::batch_job_status> resume(oi::batch_job_options o) {
        return run_for_value<oi::batch_job_status>(
            ioc, [&](auto h) { oi::async_resume_batch_job(c, std::move(o), diag, h); });
    }
    std::size_t requests_to(std::string_view method, std::string_view target) const {
        const auto recs = server.requests();
        return static_cast<std::size_t>(std::count_if(recs.begin(), recs.end(), [&](const auto& r) {
            return r.method == method && r.target == target;
        }));
    }
    // Every index handed over exactly once.
    void require_each_once(std::size_t n) {
        BOOST_REQUIRE_EQUAL(results.size(), n);
        for (const auto& [i, rs] : results)
            BOOST_TEST(rs.size() == 1u,
                       "request " << i << " handed over " << rs.size() << " times");
    }
};

bool is_png(const std::optional<std::vector<unsigned char>>& bytes) {
    if (!bytes)
        return false;
    const auto& b = *bytes;
    return b.size() > 8 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_batch_job)

BOOST_FIXTURE_TEST_CASE(a_job_of_hundreds_of_requests_runs_over_several_batches, job_case) {
    const std::size_t n = 300;
    auto o = options();
    o.max_requests_per_batch = 128;  // three batches: 128, 128, 44
    o.save_to = dir / "images";
    auto [ec, st] = run(generations(n, {5, 150}, {299}), o);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());

    BOOST_REQUIRE_EQUAL(st.parts.size(), 3u);
    BOOST_TEST(st.parts[0].first == 0u);
    BOOST_TEST(st.parts[0].count == 128u);
    BOOST_TEST(st.parts[1].first == 128u);
    BOOST_TEST(st.parts[2].count == 44u);
    for (const auto& p : st.parts) {
        BOOST_TEST(p.status == oi::BatchStatus::completed);
        BOOST_TEST(p.collected);
        BOOST_TEST(p.endpoint == oi::BatchEndpoint::images_generations);
    }
    BOOST_TEST(st.parts[1].counts.failed == 1);
    BOOST_TEST(st.parts[2].counts.failed == 1);
    BOOST_TEST(st.requests == n);
    BOOST_TEST(st.collected == n);
    BOOST_TEST(st.complete());
    BOOST_TEST(st.job_id.starts_with("job_"));
    BOOST_TEST(st.job_id.size() == 20u);

    require_each_once(n);
    for (const auto& [i, rs] : results) {
        const auto& r = rs.front();
        if (i == 5 || i == 150) {
            BOOST_TEST(r.ec == oi::api_errc::moderation_blocked, i);
            BOOST_TEST(r.diag.response().status == 400u);
            BOOST_TEST(r.diag.api_code() == "moderation_blocked");
            BOOST_TEST(r.diag.response().request_id.starts_with("req_"));
        } else if (i == 299) {
            BOOST_TEST(r.ec == oi::api_errc::server_error);
            BOOST_TEST(r.diag.response().status == 500u);
        } else {
            BOOST_TEST_REQUIRE(!r.ec, i << ": " << r.ec.message() << ": " << r.diag.message());
            BOOST_REQUIRE_EQUAL(r.response.data.size(), 1u);
            BOOST_TEST(is_png(r.response.data[0].bytes), i);
            BOOST_TEST(!r.response.data[0].b64_json.has_value());
            BOOST_TEST(fs::file_size(dir / "images" / (std::to_string(i) + ".png")) ==
                       r.response.data[0].bytes.value().size());
        }
    }
    BOOST_TEST(!fs::exists(dir / "images" / "5.png"));
    // Each part uploaded once, each batch created once, each polled until it
    // finished (validating -> in_progress -> finalizing -> completed).
    BOOST_TEST(requests_to("POST", "/v1/files") == 3u);
    BOOST_TEST(requests_to("POST", "/v1/batches") == 3u);
    BOOST_TEST(requests_to("GET", "/v1/batches/batch_1") == 3u);
    const std::vector<std::string> first_part{"1:", "1:validating", "1:in_progress", "1:finalizing",
                                              "1:completed"};
    std::vector<std::string> seen1;
    std::copy_if(statuses.begin(), statuses.end(), std::back_inserter(seen1),
                 [](const std::string& s) { return s.starts_with("1:"); });
    BOOST_TEST(seen1 == first_part, boost::test_tools::per_element());

    // The state as another process reads it.
    oi::batch_job_status read;
    BOOST_REQUIRE(!oi::read_batch_job(dir, read, diag));
    BOOST_TEST(read.job_id == st.job_id);
    BOOST_TEST(read.collected == n);
    BOOST_TEST(read.parts[2].batch_id == st.parts[2].batch_id);
}

BOOST_FIXTURE_TEST_CASE(a_process_that_stops_after_submitting_is_resumed_by_another, job_case) {
    auto [ec, st] = submit(generations(20), options());
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
    BOOST_TEST(st.submitted());
    BOOST_TEST(!st.finished());
    BOOST_TEST(results.empty());
    const std::string batch = st.parts.at(0).batch_id;

    // Another client, as another process would have, from the directory only.
    oi::client other{ioc.get_executor(), options_for(server)};
    auto o = options();
    auto [ec2, st2] = run_for_value<oi::batch_job_status>(
        ioc, [&](auto h) { oi::async_resume_batch_job(other, o, diag, h); });
    BOOST_REQUIRE_MESSAGE(!ec2, ec2.message() << ": " << diag.message());
    BOOST_TEST(st2.parts.at(0).batch_id == batch);
    BOOST_TEST(st2.complete());
    require_each_once(20);
    BOOST_TEST(requests_to("POST", "/v1/files") == 1u);
    BOOST_TEST(requests_to("POST", "/v1/batches") == 1u);

    // Submitting again does nothing more: the job is there.
    auto [ec3, st3] = submit(generations(20), options());
    BOOST_REQUIRE_MESSAGE(!ec3, ec3.message() << ": " << diag.message());
    BOOST_TEST(requests_to("POST", "/v1/files") == 1u);
    BOOST_TEST(requests_to("POST", "/v1/batches") == 1u);
    // With other requests, it refuses.
    auto [ec4, st4] = submit(generations(21), options());
    BOOST_TEST(ec4 == oi::client_errc::invalid_batch_job);
    BOOST_TEST(diag.param() == "requests");
    BOOST_TEST(std::string(diag.message()).find("21 requests given") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_collect_stopped_midway_hands_over_the_rest_once, job_case) {
    auto o = options();
    o.save_to = dir / "images";
    std::size_t handed = 0, stopped_at = 0;
    o.on_result = [&](std::size_t i, oi::batch_result& r) {
        if (++handed == 8) {
            stopped_at = i;
            throw std::runtime_error("the process stops");
        }
        results[i].push_back(std::move(r));
    };
    auto [ec, st] = run(generations(30), o);
    BOOST_TEST(ec);
    BOOST_TEST(std::string(diag.message()).find("the process stops") != std::string::npos);
    BOOST_TEST(results.size() == 7u);
    BOOST_TEST(st.collected == 7u);
    BOOST_TEST(!st.parts.at(0).collected);

    // Images of the results handed over before the stop are not written
    // again (the files keep their times); the one being handed over when it
    // stopped is, and the rest.
    std::map<fs::path, fs::file_time_type> before;
    for (const auto& e : fs::directory_iterator(dir / "images")) {
        if (e.path().stem() != std::to_string(stopped_at))
            before[e.path()] = fs::last_write_time(e.path());
    }
    BOOST_TEST(before.size() == 7u);
    auto [ec2, st2] = resume(options());
    BOOST_REQUIRE_MESSAGE(!ec2, ec2.message() << ": " << diag.message());
    BOOST_TEST(st2.collected == 30u);
    require_each_once(30);
    for (const auto& [path, time] : before)
        BOOST_TEST((fs::last_write_time(path) == time), path);
    BOOST_TEST(requests_to("POST", "/v1/batches") == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_batch_created_just_before_a_crash_is_found_not_made_again, job_case) {
    auto [ec, st] = submit(generations(10), options());
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
    // The state as a process leaves it that created the batch but stopped
    // before it could record it.
    const fs::path state = dir / "job.json";
    std::ifstream in(state);
    json::value v = json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
    in.close();
    auto& part = v.as_object()["parts"].as_array()[0].as_object();
    const std::string batch = json::value_to<std::string>(part["batch_id"]);
    part["batch_id"] = "";
    part["status"] = "";
    std::ofstream(state) << json::serialize(v);

    auto [ec2, st2] = resume(options());
    BOOST_REQUIRE_MESSAGE(!ec2, ec2.message() << ": " << diag.message());
    BOOST_TEST(st2.parts.at(0).batch_id == batch);
    BOOST_TEST(requests_to("POST", "/v1/batches") == 1u);
    BOOST_TEST(requests_to("GET", "/v1/batches?limit=100") == 1u);
    require_each_once(10);
}

BOOST_FIXTURE_TEST_CASE(a_cancelled_job_ends_every_request_with_the_reason, job_case) {
    auto [ec, st] = submit(generations(12), options());
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
    auto [ec2, st2] = run_for_value<oi::batch_job_status>(
        ioc, [&](auto h) { oi::async_cancel_batch_job(c, options(), diag, h); });
    BOOST_REQUIRE_MESSAGE(!ec2, ec2.message() << ": " << diag.message());
    BOOST_TEST(st2.parts.at(0).status == oi::BatchStatus::cancelling);
    BOOST_TEST(requests_to("POST", "/v1/batches/" + st.parts.at(0).batch_id + "/cancel") == 1u);

    auto [ec3, st3] = resume(options());
    BOOST_REQUIRE_MESSAGE(!ec3, ec3.message() << ": " << diag.message());
    BOOST_TEST(st3.parts.at(0).status == oi::BatchStatus::cancelled);
    require_each_once(12);
    for (const auto& [i, rs] : results) {
        BOOST_TEST(rs.front().ec == oi::api_errc::batch_request_failed, i);
        BOOST_TEST(rs.front().diag.api_code() == "batch_cancelled");
        BOOST_TEST(std::string(rs.front().diag.message()).find("ended cancelled") !=
                   std::string::npos);
    }
}

BOOST_FIXTURE_TEST_CASE(an_expired_batch_gives_its_answers_and_the_rest_expire, job_case) {
    auto o = options();
    o.metadata = oi::Metadata{{"fake_server_expire_after", "6"}};
    auto [ec, st] = run(generations(15), o);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
    BOOST_TEST(st.parts.at(0).status == oi::BatchStatus::expired);
    BOOST_TEST(st.parts.at(0).counts.completed == 6);
    BOOST_TEST(st.parts.at(0).counts.failed == 9);
    require_each_once(15);
    for (const auto& [i, rs] : results) {
        const auto& r = rs.front();
        if (i < 6) {
            BOOST_TEST(!r.ec, i);
            BOOST_TEST(is_png(r.response.data.at(0).bytes));
        } else {
            BOOST_TEST(r.ec == oi::api_errc::batch_request_failed, i);
            BOOST_TEST(r.diag.api_code() == "batch_expired");
        }
    }
}

BOOST_FIXTURE_TEST_CASE(edits_and_generations_go_to_batches_of_their_own, job_case) {
    std::vector<oi::batch_job_request> reqs = generations(3);
    oi::EditImageBodyJsonParam e;
    e.model = "gpt-image-1";
    e.prompt = "add a hat";
    e.images = {oi::ImageRefParam{.image_url = "https://example.com/cat.png"}};
    reqs.emplace_back(e);
    reqs.emplace_back(e);
    auto more = generations(1);
    reqs.push_back(more[0]);
    auto [ec, st] = run(reqs, options());
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
    BOOST_REQUIRE_EQUAL(st.parts.size(), 3u);
    BOOST_TEST(st.parts[1].endpoint == oi::BatchEndpoint::images_edits);
    BOOST_TEST(st.parts[1].first == 3u);
    BOOST_TEST(st.parts[1].count == 2u);
    BOOST_TEST(st.parts[2].endpoint == oi::BatchEndpoint::images_generations);
    require_each_once(6);

    // The input file as written: one line per request, its custom_id and body.
    std::ifstream in(dir / "input-2.jsonl");
    std::string line;
    std::getline(in, line);
    const auto o = json::parse(line).as_object();
    BOOST_TEST(o.at("custom_id").as_string() == "request-3");
    BOOST_TEST(o.at("method").as_string() == "POST");
    BOOST_TEST(o.at("url").as_string() == "/v1/images/edits");
    BOOST_TEST(o.at("body").at("prompt").as_string() == "add a hat");
}

BOOST_FIXTURE_TEST_CASE(parts_split_at_the_byte_limit, job_case) {
    auto o = options();
    o.max_bytes_per_batch = 300;  // about two lines each
    auto [ec, st] = run(generations(5), o);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
    BOOST_TEST(st.parts.size() == 3u);
    for (std::size_t k = 0; k < st.parts.size(); ++k) {
        BOOST_TEST(st.parts[k].bytes <= 300u);
        BOOST_TEST(fs::file_size(dir / ("input-" + std::to_string(k + 1) + ".jsonl")) ==
                   st.parts[k].bytes);
    }
    require_each_once(5);

    o.max_bytes_per_batch = 50;  // under one line
    o.directory = dir / "too-small";
    auto [ec2, st2] = run(generations(1), o);
    BOOST_TEST(ec2 == oi::client_errc::body_too_large);
    BOOST_TEST(diag.param() == "requests[0]");
}

BOOST_FIXTURE_TEST_CASE(a_request_that_cannot_run_is_refused_before_anything_is_sent, job_case) {
    auto reqs = generations(4);
    std::get<oi::CreateImageRequest>(reqs[2]).size = "100x100";  // not a size of gpt-image-1
    auto [ec, st] = run(reqs, options());
    BOOST_TEST(ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(diag.param() == "requests[2].size");
    BOOST_TEST(std::string(diag.message()).starts_with("requests[2]: "));
    BOOST_TEST(server.requests().empty());
    BOOST_TEST(!fs::exists(dir / "job.json"));

    reqs = generations(2);
    std::get<oi::CreateImageRequest>(reqs[1]).stream = true;
    auto [ec2, st2] = run(reqs, options());
    BOOST_TEST(ec2 == oi::client_errc::streaming_not_supported);
    BOOST_TEST(diag.param() == "requests[1].stream");

    auto [ec3, st3] = run({}, options());
    BOOST_TEST(ec3 == oi::client_errc::missing_required_field);

    auto o = options();
    o.directory = dir / "nothing-here";
    auto [ec4, st4] = resume(o);
    BOOST_TEST(ec4 == oi::client_errc::invalid_batch_job);
    BOOST_TEST(diag.param() == "directory");
    BOOST_TEST(server.requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()
