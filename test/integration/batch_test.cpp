// Batch generation and saving against the fake server: input order, bounded
// concurrency, progress, the rate limiter, the batch-wide back-off after a
// 429, cancellation as a whole; atomic saving, url downloads through the pool.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/batch.hpp>
#include <openai/images/save.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <list>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
namespace fs = std::filesystem;
using boost::system::error_code;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using client_fixture::options_for;

struct scratch {
    fs::path path =
        fs::temp_directory_path() / ("openai-images-batch-test-" + std::to_string(::getpid()) +
                                     "-" + std::to_string(counter()++));
    scratch() { fs::create_directories(path); }
    ~scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

oi::CreateImageRequest gen(unsigned side) {
    const std::string size = std::to_string(side) + "x" + std::to_string(side);
    return {.prompt = "batch",
            .model = oi::ImageModel::dall_e_2,
            .response_format = oi::ImageResponseFormat::b64_json,
            .size = oi::ImageSize(size)};
}

struct batch_run {
    error_code ec;
    std::vector<oi::batch_result> results;
    bool done = false;
};

batch_run run_batch_sync(asio::io_context& ioc, oi::client& c, std::vector<oi::batch_request> reqs,
                         oi::batch_options opts) {
    batch_run out;
    oi::async_run_batch(c, std::move(reqs), std::move(opts),
                        [&](error_code ec, std::vector<oi::batch_result> r) {
                            BOOST_TEST(!out.done);
                            out.ec = ec;
                            out.results = std::move(r);
                            out.done = true;
                        });
    ioc.restart();
    ioc.run_for(60s);
    BOOST_REQUIRE_MESSAGE(out.done, "the batch did not complete");
    return out;
}

std::uint32_t decoded_width(const oi::Image& img) {
    std::vector<unsigned char> bytes;
    oi::diagnostics diag;
    BOOST_REQUIRE(!oi::decode_image(img, bytes, diag));
    oi::image_info info;
    BOOST_REQUIRE(!oi::probe_image(oi::file_source::from_memory(std::span(bytes)), info, diag));
    return info.width;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch)

BOOST_AUTO_TEST_CASE(results_in_input_order_and_a_failure_does_not_stop_the_rest) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    scratch dir;
    const auto png = dir.path / "in.png";
    std::ofstream(png, std::ios::binary) << t::make_png(32, 32);

    std::vector<oi::batch_request> reqs;
    for (unsigned i = 0; i < 12; ++i)
        reqs.emplace_back(gen(i % 2 == 0 ? 256 : 512));
    // A request that fails validation, one edit and one variation among them.
    reqs[3] = oi::CreateImageRequest{.prompt = "x", .model = oi::ImageModel::dall_e_3, .n = 2};
    reqs[5] = oi::CreateImageEditRequest{.image = {png},
                                         .prompt = "edit",
                                         .model = oi::ImageModel::dall_e_2,
                                         .size = oi::ImageSize::s256x256,
                                         .response_format = oi::ImageResponseFormat::b64_json};
    reqs[7] = oi::CreateImageVariationRequest{.image = png,
                                              .response_format = oi::ImageResponseFormat::b64_json,
                                              .size = oi::ImageSize::s512x512};
    std::size_t max_in_flight = 0, calls = 0;
    oi::batch_progress last;
    std::vector<std::size_t> completed_indexes;
    auto r = run_batch_sync(ioc, c, reqs,
                            {.concurrency = 3,
                             .on_progress =
                                 [&](const oi::batch_progress& p) {
                                     max_in_flight = std::max(max_in_flight, p.in_flight);
                                     BOOST_TEST(p.done() >= last.done());
                                     last = p;
                                     ++calls;
                                 },
                             .on_result =
                                 [&](std::size_t i, const oi::batch_result& res) {
                                     completed_indexes.push_back(i);
                                     BOOST_TEST((i == 3) == !!res.ec);
                                 }});
    std::sort(completed_indexes.begin(), completed_indexes.end());
    BOOST_TEST(completed_indexes.size() == 12u);
    for (std::size_t i = 0; i < completed_indexes.size(); ++i)
        BOOST_TEST(completed_indexes[i] == i);
    BOOST_TEST(!r.ec);
    BOOST_REQUIRE_EQUAL(r.results.size(), 12u);
    for (std::size_t i = 0; i < 12; ++i) {
        BOOST_TEST_CONTEXT("request " << i) {
            if (i == 3) {
                BOOST_TEST(r.results[i].ec == oi::client_errc::value_out_of_range);
                BOOST_TEST(r.results[i].diag.param() == "n");
                continue;
            }
            BOOST_REQUIRE_MESSAGE(!r.results[i].ec, r.results[i].ec.message());
            BOOST_REQUIRE_EQUAL(r.results[i].response.data.size(), 1u);
            const unsigned want = (i == 5) ? 256u : (i == 7) ? 512u : (i % 2 == 0 ? 256u : 512u);
            BOOST_TEST(decoded_width(r.results[i].response.data[0]) == want);
        }
    }
    BOOST_TEST(max_in_flight <= 3u);
    BOOST_TEST(max_in_flight >= 2u);
    BOOST_TEST(last.total == 12u);
    BOOST_TEST(last.succeeded == 11u);
    BOOST_TEST(last.failed == 1u);
    BOOST_TEST(last.in_flight == 0u);
    BOOST_TEST(last.images == 11u);
    BOOST_TEST(calls >= 24u);  // a start and a completion each
    BOOST_TEST(server.requests().size() == 11u);
    BOOST_TEST(c.stats().connections_opened <= 3u);
}

BOOST_AUTO_TEST_CASE(any_range_and_the_coroutine_form) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    // A list, not a vector: any input range. (Not a std::views pipeline:
    // Clang 14 cannot compile libstdc++ 12's views, and the TSan build uses it.)
    const std::list<oi::CreateImageRequest> view{gen(256), gen(512), gen(256), gen(512)};
    std::vector<oi::batch_result> results;
    oi::async_run_batch(c, view, {.concurrency = 2},
                        [&](error_code ec, std::vector<oi::batch_result> r) {
                            BOOST_TEST(!ec);
                            results = std::move(r);
                        });
    ioc.run_for(30s);
    BOOST_REQUIRE_EQUAL(results.size(), 4u);
    BOOST_TEST(decoded_width(results[1].response.data.at(0)) == 512u);

    std::vector<oi::batch_result> co_results;
    asio::co_spawn(ioc, oi::run_batch(c, {gen(256), gen(512)}),
                   [&](std::exception_ptr e, std::vector<oi::batch_result> r) {
                       BOOST_TEST(!e);
                       co_results = std::move(r);
                   });
    ioc.restart();
    ioc.run_for(30s);
    BOOST_REQUIRE_EQUAL(co_results.size(), 2u);
    BOOST_TEST(decoded_width(co_results[1].response.data.at(0)) == 512u);

    // An empty batch completes at once with no results.
    auto empty = run_batch_sync(ioc, c, {}, {});
    BOOST_TEST(!empty.ec);
    BOOST_TEST(empty.results.empty());
}

BOOST_AUTO_TEST_CASE(on_result_may_take_each_response_so_the_batch_holds_no_images) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    std::vector<oi::ImagesResponse> taken(5);
    auto r =
        run_batch_sync(ioc, c, {gen(256), gen(512), gen(256), gen(512), gen(256)},
                       {.concurrency = 2, .on_result = [&](std::size_t i, oi::batch_result& res) {
                            BOOST_TEST(!res.ec);
                            taken.at(i) = std::move(res.response);
                        }});
    BOOST_TEST(!r.ec);
    BOOST_REQUIRE_EQUAL(r.results.size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) {
        BOOST_TEST_CONTEXT("request " << i) {
            BOOST_TEST(!r.results[i].ec);
            BOOST_TEST(r.results[i].response.data.empty());  // what on_result left
            BOOST_TEST(!r.results[i].diag.response().request_id.empty());
            BOOST_REQUIRE_EQUAL(taken[i].data.size(), 1u);
            BOOST_TEST(decoded_width(taken[i].data[0]) == (i % 2 == 0 ? 256u : 512u));
        }
    }
}

BOOST_AUTO_TEST_CASE(requests_per_minute_spaces_requests) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    // 600 per minute: a burst of 10, then one every 100 ms.
    std::vector<oi::batch_request> reqs(14, gen(256));
    const auto start = steady::now();
    auto r = run_batch_sync(ioc, c, reqs, {.concurrency = 14, .requests_per_minute = 600});
    BOOST_TEST(!r.ec);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 14u);
    // The 14th request cannot have been sent before 4 refills of 100 ms.
    const auto spread = recs.back().received - start;
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(spread).count() >= 400);
}

BOOST_AUTO_TEST_CASE(images_per_minute_counts_n) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    // 1200 images per minute: a burst of 20, then 20 per second; n = 4 each.
    auto req = gen(256);
    req.n = 4;
    std::vector<oi::batch_request> reqs(8, req);
    const auto start = steady::now();
    auto r = run_batch_sync(ioc, c, reqs, {.concurrency = 8, .images_per_minute = 1200});
    BOOST_TEST(!r.ec);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 8u);
    // 32 images: 20 at once, 12 more at 20 per second take at least 600 ms.
    const auto spread = recs.back().received - start;
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(spread).count() >= 600);
}

BOOST_AUTO_TEST_CASE(a_429_slows_the_whole_batch) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    server.push_fault({.what = t::fault::kind::status,
                       .status = 429,
                       .headers = {{"retry-after-ms", "500"},
                                   {"x-ratelimit-remaining-requests", "0"},
                                   {"x-ratelimit-reset-requests", "600ms"}}});
    // The other first request answers late enough for the 429 to be seen first.
    server.push_fault({.latency = 150ms});
    std::vector<oi::batch_request> reqs(6, gen(256));
    std::size_t max_retrying = 0;
    auto r = run_batch_sync(ioc, c, reqs,
                            {.concurrency = 2, .on_progress = [&](const oi::batch_progress& p) {
                                 max_retrying = std::max(max_retrying, p.retrying);
                             }});
    BOOST_TEST(!r.ec);
    for (const auto& res : r.results)
        BOOST_TEST(!res.ec);
    BOOST_TEST(max_retrying == 1u);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 7u);
    BOOST_TEST(recs[0].status == 429u);
    const auto t429 = recs[0].received;
    // After the 429 nothing new starts before the reset the server gave (600 ms),
    // the retry itself waits for retry-after-ms (500 ms).
    for (std::size_t i = 2; i < recs.size(); ++i) {
        const auto after =
            std::chrono::duration_cast<std::chrono::milliseconds>(recs[i].received - t429);
        BOOST_TEST(after.count() >= 495,
                   "request " << i << " came " << after.count() << " ms after");
    }
    const auto new_requests = std::count_if(recs.begin() + 2, recs.end(), [&](const auto& rec) {
        return rec.received - t429 >= 595ms;
    });
    BOOST_TEST(new_requests >= 4);  // the 4 requests not yet started
}

BOOST_AUTO_TEST_CASE(cancelling_the_batch_cancels_in_flight_and_starts_no_more) {
    t::fake_server server({.latency = 10'000ms});
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    std::vector<oi::batch_request> reqs(10, gen(256));
    asio::cancellation_signal signal;
    batch_run out;
    oi::async_run_batch(c, reqs, {.concurrency = 3},
                        asio::bind_cancellation_slot(
                            signal.slot(), [&](error_code ec, std::vector<oi::batch_result> r) {
                                out.ec = ec;
                                out.results = std::move(r);
                                out.done = true;
                            }));
    asio::steady_timer poll(ioc);
    std::function<void(error_code)> check = [&](error_code) {
        if (server.requests().size() >= 3) {
            signal.emit(asio::cancellation_type::terminal);
            return;
        }
        poll.expires_after(2ms);
        poll.async_wait(check);
    };
    check({});
    const auto start = steady::now();
    ioc.run_for(30s);
    BOOST_REQUIRE(out.done);
    BOOST_TEST((steady::now() - start < 5s));
    BOOST_TEST(out.ec == asio::error::operation_aborted);
    BOOST_REQUIRE_EQUAL(out.results.size(), 10u);
    for (const auto& res : out.results)
        BOOST_TEST(res.ec == asio::error::operation_aborted);
    BOOST_TEST(server.requests().size() == 3u);
    BOOST_TEST(c.stats().open_connections == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(save)

BOOST_AUTO_TEST_CASE(extensions_from_magic_bytes_then_output_format) {
    const std::string png = t::make_png(4, 4);
    const auto bytes = std::span(reinterpret_cast<const unsigned char*>(png.data()), png.size());
    BOOST_TEST(oi::image_extension(bytes) == "png");
    BOOST_TEST(oi::image_extension(bytes, "jpeg") == "png");  // the bytes win
    const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1};
    BOOST_TEST(oi::image_extension(jpeg) == "jpg");
    const unsigned char webp[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
    BOOST_TEST(oi::image_extension(webp) == "webp");
    const unsigned char other[] = {1, 2, 3};
    BOOST_TEST(oi::image_extension(other) == "bin");
    BOOST_TEST(oi::image_extension(other, "jpeg") == "jpg");
    BOOST_TEST(oi::image_extension(other, "webp") == "webp");
}

BOOST_AUTO_TEST_CASE(b64_images_are_written_atomically) {
    scratch dir;
    const std::string png = t::make_png(20, 10);
    oi::Image img{.b64_json = oi::base64_encode(
                      std::span(reinterpret_cast<const unsigned char*>(png.data()), png.size()))};
    oi::saved_image saved;
    oi::diagnostics diag;
    const auto target = dir.path / "nested" / "out";
    BOOST_REQUIRE(!oi::save_image(img, target, "cat", saved, diag));
    BOOST_TEST(saved.path == target / "cat.png");
    BOOST_TEST(saved.format == oi::image_format::png);
    BOOST_TEST(saved.width == 20u);
    BOOST_TEST(saved.height == 10u);
    BOOST_TEST(saved.bytes == png.size());
    BOOST_TEST(read_file(saved.path) == png);
    // Saving again replaces the file; no temporary file is left behind.
    BOOST_REQUIRE(!oi::save_image(img, target, "cat", saved, diag));
    BOOST_TEST(std::distance(fs::directory_iterator(target), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(errors_name_the_path_or_the_field) {
    scratch dir;
    oi::saved_image saved;
    oi::diagnostics diag;
    std::ofstream(dir.path / "file") << "x";
    const unsigned char bytes[] = {1, 2, 3};
    BOOST_TEST(oi::save_image_bytes(bytes, dir.path / "file" / "sub", "a", saved, diag) ==
               oi::client_errc::file_write_failed);
    BOOST_TEST(std::string(diag.message()).find("file/sub") != std::string::npos);
    BOOST_TEST(oi::save_image_bytes(bytes, dir.path, "../a", saved, diag) ==
               oi::client_errc::value_not_allowed);
    BOOST_TEST(oi::save_image(oi::Image{.url = "https://x/y.png"}, dir.path, "a", saved, diag) ==
               oi::client_errc::missing_required_field);
    oi::Image bad{.b64_json = "abc!"};
    BOOST_TEST(oi::save_image(bad, dir.path, "a", saved, diag) ==
               oi::client_errc::base64_invalid_character);
}

BOOST_AUTO_TEST_CASE(url_images_are_downloaded_through_the_client) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    scratch dir;
    oi::CreateImageRequest req{.prompt = "url",
                               .model = oi::ImageModel::dall_e_2,
                               .n = 2,
                               .response_format = oi::ImageResponseFormat::url,
                               .size = oi::ImageSize::s256x256};
    std::vector<oi::saved_image> saved;
    oi::diagnostics diag;
    c.async_create_image(req, [&](error_code ec, oi::ImagesResponse r) {
        BOOST_REQUIRE(!ec);
        oi::async_save_images(c, std::move(r), dir.path, "otter", diag,
                              [&](error_code sec, std::vector<oi::saved_image> s) {
                                  BOOST_TEST(!sec, sec.message() << ": " << diag.message());
                                  saved = std::move(s);
                              });
    });
    ioc.run_for(30s);
    BOOST_REQUIRE_EQUAL(saved.size(), 2u);
    BOOST_TEST(saved[0].path == dir.path / "otter-1.png");
    BOOST_TEST(saved[1].path == dir.path / "otter-2.png");
    BOOST_TEST(saved[1].width == 256u);
    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 3u);
    BOOST_TEST(recs[1].method == "GET");
    BOOST_TEST(recs[1].target.starts_with("/v1/generated/"));
    // One connection served the generation and both downloads.
    BOOST_TEST(c.stats().connections_opened == 1u);
}

BOOST_AUTO_TEST_CASE(downloads_from_another_origin_get_no_api_key) {
    t::fake_server api;
    t::fake_server other({.tls = false, .api_key = ""});
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(api));
    // An image url of the other server: generate one there first.
    oi::client plain(ioc.get_executor(), [&] {
        auto o = options_for(other);
        o.api_key = "sk-other";
        return o;
    }());
    std::optional<std::string> url;
    plain.async_create_image(
        {.prompt = "x", .model = oi::ImageModel::dall_e_2, .size = oi::ImageSize::s256x256},
        [&](error_code ec, oi::ImagesResponse r) {
            BOOST_REQUIRE(!ec);
            url = r.data.at(0).url;
        });
    ioc.run_for(30s);
    BOOST_REQUIRE(url.has_value());
    std::string body;
    oi::diagnostics diag;
    c.async_download(*url, diag, [&](error_code ec, std::string b) {
        BOOST_TEST(!ec, ec.message() << ": " << diag.message());
        body = std::move(b);
    });
    ioc.restart();
    ioc.run_for(30s);
    BOOST_TEST(body.starts_with("\x89PNG"));
    const auto recs = other.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 2u);
    BOOST_TEST(recs[1].headers.count("authorization") == 0u);

    // A missing file and a bad URL.
    error_code missing, bad;
    c.async_download(other.base_url() + "/generated/nope.png", diag,
                     [&](error_code ec, std::string) { missing = ec; });
    c.async_download("ftp://127.0.0.1/x", [&](error_code ec, std::string) { bad = ec; });
    ioc.restart();
    ioc.run_for(30s);
    BOOST_TEST(missing == oi::api_errc::not_found);
    BOOST_TEST(bad == oi::client_errc::invalid_url);
}

BOOST_AUTO_TEST_SUITE_END()
