// The Files API end to end against the fake server: an upload streamed from
// disk (its fields and file part as sent), the file object, the content to a
// function and to a file (whole, or not at all), deletion, and the failures:
// a missing file, an id that would change the path, a function that throws,
// an answer cut short before and after the caller saw a byte of it.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using namespace std::chrono_literals;
using client_fixture::options_for;
using client_fixture::run_for_value;
using client_fixture::scratch_dir;

// A JSONL file of `lines` lines, about 100 bytes each, written once.
std::filesystem::path jsonl_file(std::size_t lines) {
    auto path = scratch_dir() / ("input-" + std::to_string(lines) + ".jsonl");
    if (!std::filesystem::exists(path)) {
        std::ofstream out(path, std::ios::binary);
        for (std::size_t i = 0; i < lines; ++i)
            out << R"({"custom_id":"r)" << i
                << R"(","method":"POST","url":"/v1/images/generations","body":{"prompt":"a cat"}})"
                << '\n';
    }
    return path;
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t crc_of(const std::string& s) {
    return static_cast<std::uint32_t>(::crc32(::crc32(0L, Z_NULL, 0),
                                              reinterpret_cast<const Bytef*>(s.data()),
                                              static_cast<uInt>(s.size())));
}

struct files_case {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c{ioc.get_executor(), options_for(server)};
    oi::diagnostics diag;

    oi::OpenAIFile upload(const std::filesystem::path& path) {
        auto [ec, f] = run_for_value<oi::OpenAIFile>(ioc, [&](auto h) {
            c.async_upload_file({.file = path, .purpose = oi::FilePurpose::batch}, diag, h);
        });
        BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
        return f;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(client_files)

BOOST_FIXTURE_TEST_CASE(an_upload_streamed_from_disk_is_retrieved_read_and_deleted, files_case) {
    const auto path = jsonl_file(500);
    const std::string bytes = read_all(path);
    auto [ec, uploaded] = run_for_value<oi::OpenAIFile>(ioc, [&](auto h) {
        c.async_upload_file({.file = path,
                             .purpose = oi::FilePurpose::batch,
                             .expires_after = oi::FileExpirationAfter{.seconds = 7200}},
                            diag, h);
    });
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
    // Named: Clang 14 does not let a lambda capture a structured binding.
    const oi::OpenAIFile f = uploaded;
    BOOST_TEST(f.id == "file-1");
    BOOST_TEST(f.object == "file");
    BOOST_TEST(f.bytes == static_cast<std::int64_t>(bytes.size()));
    BOOST_TEST(f.filename == "input-500.jsonl");
    BOOST_TEST(f.purpose == oi::FilePurpose::batch);
    BOOST_TEST(f.expires_at.value_or(0) == f.created_at + 7200);

    const auto recs = server.requests();
    BOOST_REQUIRE_EQUAL(recs.size(), 1u);
    BOOST_TEST(recs[0].method == "POST");
    BOOST_TEST(recs[0].target == "/v1/files");
    BOOST_TEST(recs[0].content_type.starts_with("multipart/form-data; boundary="));
    const std::vector<std::pair<std::string, std::string>> fields{
        {"purpose", "batch"},
        {"expires_after[anchor]", "created_at"},
        {"expires_after[seconds]", "7200"}};
    BOOST_TEST(recs[0].fields == fields);
    BOOST_REQUIRE_EQUAL(recs[0].files.size(), 1u);
    BOOST_TEST(std::get<0>(recs[0].files[0]) == "file");
    BOOST_TEST(std::get<1>(recs[0].files[0]) == "input-500.jsonl");
    BOOST_TEST(std::get<3>(recs[0].files[0]) == bytes.size());
    BOOST_TEST(recs[0].file_crc32.at(0) == crc_of(bytes));

    auto [rec, again] =
        run_for_value<oi::OpenAIFile>(ioc, [&](auto h) { c.async_retrieve_file(f.id, diag, h); });
    BOOST_REQUIRE(!rec);
    BOOST_TEST(oi::to_json(again) == oi::to_json(f));

    std::string received;
    std::size_t pieces = 0;
    auto [cec, n] = run_for_value<std::uint64_t>(ioc, [&](auto h) {
        c.async_file_content(
            f.id,
            [&](std::string_view piece) {
                received.append(piece);
                ++pieces;
            },
            diag, h);
    });
    BOOST_REQUIRE_MESSAGE(!cec, cec.message() << ": " << diag.message());
    BOOST_TEST(n == bytes.size());
    BOOST_TEST(received == bytes);
    BOOST_TEST(pieces >= 1u);

    const auto to = scratch_dir() / "content" / "out.jsonl";
    std::filesystem::create_directories(to.parent_path());
    auto [sec, m] = run_for_value<std::uint64_t>(
        ioc, [&](auto h) { c.async_save_file_content(f.id, to, diag, h); });
    BOOST_REQUIRE_MESSAGE(!sec, sec.message() << ": " << diag.message());
    BOOST_TEST(m == bytes.size());
    BOOST_TEST(read_all(to) == bytes);
    // Nothing but the file: the temporary one was renamed.
    BOOST_TEST(std::distance(std::filesystem::directory_iterator(to.parent_path()),
                             std::filesystem::directory_iterator()) == 1);

    auto [dec, deleted] = run_for_value<oi::DeleteFileResponse>(
        ioc, [&](auto h) { c.async_delete_file(f.id, diag, h); });
    BOOST_REQUIRE(!dec);
    BOOST_TEST(deleted.id == f.id);
    BOOST_TEST(deleted.deleted);

    auto [gone, none] =
        run_for_value<oi::OpenAIFile>(ioc, [&](auto h) { c.async_retrieve_file(f.id, diag, h); });
    BOOST_TEST(gone == oi::api_errc::not_found);
    BOOST_TEST(diag.message() == "No such File object: file-1");
    BOOST_TEST(diag.param() == "id");

    const auto methods = server.requests();
    BOOST_REQUIRE_EQUAL(methods.size(), 6u);
    BOOST_TEST(methods[1].method == "GET");
    BOOST_TEST(methods[1].target == "/v1/files/file-1");
    BOOST_TEST(methods[2].target == "/v1/files/file-1/content");
    BOOST_TEST(methods[4].method == "DELETE");
    BOOST_TEST(methods[4].headers.at("authorization") == "Bearer " + client_fixture::key);
}

BOOST_FIXTURE_TEST_CASE(the_coroutine_forms_return_or_throw, files_case) {
    const auto path = jsonl_file(3);
    const auto to = scratch_dir() / "coroutine.jsonl";
    std::string id;
    std::uint64_t saved = 0;
    bool deleted = false, threw = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            oi::CreateFileRequest req{.file = path, .purpose = oi::FilePurpose::user_data};
            const oi::OpenAIFile f = co_await c.upload_file(std::move(req));
            id = f.id;
            saved = co_await c.save_file_content(f.id, to);
            const oi::DeleteFileResponse d = co_await c.delete_file(f.id);
            deleted = d.deleted;
            try {
                co_await c.retrieve_file(f.id);
            } catch (const oi::api_error& e) {
                threw = e.code() == oi::api_errc::not_found;
            }
        },
        [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    ioc.run_for(30s);
    BOOST_TEST(id == "file-1");
    BOOST_TEST(saved == std::filesystem::file_size(path));
    BOOST_TEST(read_all(to) == read_all(path));
    BOOST_TEST(deleted);
    BOOST_TEST(threw);
}

BOOST_FIXTURE_TEST_CASE(bad_requests_are_refused_before_sending, files_case) {
    auto [ec, f] = run_for_value<oi::OpenAIFile>(
        ioc, [&](auto h) { c.async_retrieve_file("file-1/../../images/edits", diag, h); });
    BOOST_TEST(ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(diag.param() == "file_id");
    BOOST_TEST(diag.message() ==
               "file_id: 'file-1/../../images/edits' holds '/' at offset 6; allowed: letters, "
               "digits, '-', '_' and '.'");

    auto [eec, none] = run_for_value<oi::DeleteFileResponse>(
        ioc, [&](auto h) { c.async_delete_file("", diag, h); });
    BOOST_TEST(eec == oi::client_errc::missing_required_field);

    auto [uec, u] = run_for_value<oi::OpenAIFile>(ioc, [&](auto h) {
        c.async_upload_file({.file = jsonl_file(3), .purpose = "batch_output"}, diag, h);
    });
    BOOST_TEST(uec == oi::client_errc::value_not_allowed);
    BOOST_TEST(diag.param() == "purpose");

    auto [mec, m] = run_for_value<oi::OpenAIFile>(ioc, [&](auto h) {
        c.async_upload_file({.file = scratch_dir() / "no-such.jsonl", .purpose = "batch"}, diag, h);
    });
    BOOST_TEST(mec == oi::client_errc::file_open_failed);
    BOOST_TEST(diag.param() == "file");
    BOOST_TEST(server.requests().empty());
}

BOOST_FIXTURE_TEST_CASE(the_server_refuses_what_the_client_does_not_check, files_case) {
    oi::client_options o = options_for(server);
    o.validation.enabled = false;
    oi::client unchecked(ioc.get_executor(), o);
    auto [ec, f] = run_for_value<oi::OpenAIFile>(ioc, [&](auto h) {
        unchecked.async_upload_file({.file = jsonl_file(3), .purpose = "batch_output"}, diag, h);
    });
    BOOST_TEST(ec == oi::api_errc::bad_request);
    BOOST_TEST(diag.param() == "purpose");
    BOOST_TEST(diag.api_code() == "invalid_value");
}

BOOST_FIXTURE_TEST_CASE(a_throwing_function_ends_the_download_and_nothing_is_sent_again,
                        files_case) {
    const auto f = upload(jsonl_file(500));
    auto [ec, n] = run_for_value<std::uint64_t>(ioc, [&](auto h) {
        c.async_file_content(
            f.id, [](std::string_view) { throw std::runtime_error("disk full"); }, diag, h);
    });
    BOOST_TEST(ec == boost::system::errc::io_error);
    BOOST_TEST(diag.message() == "disk full");
    BOOST_TEST(server.requests().size() == 2u);  // the upload, one download
}

BOOST_FIXTURE_TEST_CASE(an_answer_cut_short_is_sent_again_only_before_the_caller_saw_a_byte,
                        files_case) {
    const auto path = jsonl_file(500);
    const std::string bytes = read_all(path);
    const auto f = upload(path);

    // Into a file: each attempt starts the file again.
    const auto to = scratch_dir() / "cut" / "out.jsonl";
    std::filesystem::create_directories(to.parent_path());
    server.push_fault({.what = t::fault::kind::truncated_body});
    auto [sec, m] = run_for_value<std::uint64_t>(
        ioc, [&](auto h) { c.async_save_file_content(f.id, to, diag, h); });
    BOOST_REQUIRE_MESSAGE(!sec, sec.message() << ": " << diag.message());
    BOOST_TEST(m == bytes.size());
    BOOST_TEST(read_all(to) == bytes);
    BOOST_TEST(server.requests().size() == 3u);

    // Into a function that has seen half of it: never again.
    std::string received;
    server.push_fault({.what = t::fault::kind::truncated_body});
    auto [cec, n] = run_for_value<std::uint64_t>(ioc, [&](auto h) {
        c.async_file_content(
            f.id, [&](std::string_view p) { received.append(p); }, diag, h);
    });
    BOOST_TEST(cec == oi::client_errc::truncated_response);
    BOOST_TEST(received.size() == bytes.size() / 2);
    BOOST_TEST(bytes.starts_with(received));
    BOOST_TEST(server.requests().size() == 4u);

    // A file that cannot be written: its error, and no file left behind.
    const auto nowhere = scratch_dir() / "no-such-dir" / "out.jsonl";
    auto [wec, w] = run_for_value<std::uint64_t>(
        ioc, [&](auto h) { c.async_save_file_content(f.id, nowhere, diag, h); });
    BOOST_TEST(wec == oi::client_errc::file_write_failed);
    BOOST_TEST(diag.param() == "path");
    BOOST_TEST(!std::filesystem::exists(nowhere.parent_path()));
    BOOST_TEST(server.requests().size() == 5u);
}

BOOST_FIXTURE_TEST_CASE(content_is_not_bounded_by_the_response_limit_but_an_error_body_is,
                        files_case) {
    const auto path = jsonl_file(500);
    const std::string bytes = read_all(path);
    const auto f = upload(path);
    oi::client_options o = options_for(server);
    o.limit.max_response_body = 1000;  // the content has about 50 KB
    oi::client small(ioc.get_executor(), o);

    const auto to = scratch_dir() / "unbounded.jsonl";
    auto [ec, n] = run_for_value<std::uint64_t>(
        ioc, [&](auto h) { small.async_save_file_content(f.id, to, diag, h); });
    BOOST_REQUIRE_MESSAGE(!ec, ec.message() << ": " << diag.message());
    BOOST_TEST(n == bytes.size());
    BOOST_TEST(read_all(to) == bytes);

    // The file object is kept as text: bounded, as every answer is.
    auto [rec, none] = run_for_value<oi::OpenAIFile>(
        ioc, [&](auto h) { small.async_retrieve_file(f.id, diag, h); });
    BOOST_TEST(!rec);

    // An error answer to a content request is kept as text: bounded.
    server.push_fault({.what = t::fault::kind::raw_body,
                       .status = 500,
                       .headers = {{"x-should-retry", "false"}},
                       .body = std::string(5000, 'x')});
    std::string received;
    auto [eec, m] = run_for_value<std::uint64_t>(ioc, [&](auto h) {
        small.async_file_content(
            f.id, [&](std::string_view p) { received.append(p); }, diag, h);
    });
    BOOST_TEST(eec == oi::client_errc::response_too_large);
    BOOST_TEST(received.empty());
}

BOOST_AUTO_TEST_SUITE_END()
