// The Files API's types: the spec's examples of a file object and of a
// deletion read and written back, an upload's exact multipart body, and the
// checks of an upload and of a file id.
#include <openai/images/encode.hpp>
#include <openai/images/json.hpp>
#include <openai/images/validate.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "test_common.hpp"

namespace oi = openai::images;

namespace {

using test_images::outcome;

outcome check(const oi::CreateFileRequest& req) {
    return test_images::checked([&](oi::diagnostics& diag) { return oi::validate(req, diag); });
}

outcome check_id(std::string_view id) {
    return test_images::checked(
        [&](oi::diagnostics& diag) { return oi::validate_file_id(id, diag); });
}

oi::CreateFileRequest upload(std::string purpose) {
    return {.file = oi::file_source::from_memory(std::string_view("{}\n"), "in.jsonl"),
            .purpose = std::move(purpose)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(files_model)

// The spec's examples end their objects with a comma, which no JSON parser
// takes: they are read here without it.
BOOST_AUTO_TEST_CASE(reads_and_writes_the_spec_file_object) {
    const std::string body = R"({
  "id": "file-abc123",
  "object": "file",
  "bytes": 120000,
  "created_at": 1677610602,
  "expires_at": 1677614202,
  "filename": "mydata.jsonl",
  "purpose": "fine-tune"
})";
    oi::OpenAIFile f;
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::parse_response(body, f, diag), diag.message());
    BOOST_TEST(f.id == "file-abc123");
    BOOST_TEST(f.bytes == 120000);
    BOOST_TEST(f.created_at == 1677610602);
    BOOST_TEST(f.expires_at.value_or(0) == 1677614202);
    BOOST_TEST(f.purpose == oi::FilePurpose::fine_tune);
    BOOST_TEST(!f.status.has_value());
    BOOST_TEST(oi::to_json(f) ==
               R"({"id":"file-abc123","object":"file","bytes":120000,"created_at":1677610602,)"
               R"("expires_at":1677614202,"filename":"mydata.jsonl","purpose":"fine-tune"})");
}

BOOST_AUTO_TEST_CASE(reads_a_deletion_and_names_a_field_of_the_wrong_type) {
    oi::DeleteFileResponse d;
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(
        !oi::parse_response(R"({"id":"file-abc123","object":"file","deleted":true})", d, diag));
    BOOST_TEST(d.id == "file-abc123");
    BOOST_TEST(d.deleted);

    oi::OpenAIFile f;
    BOOST_TEST(oi::parse_response(R"({"id":"file-1","bytes":"12"})", f, diag) ==
               oi::client_errc::unexpected_json);
    BOOST_TEST(diag.param() == "bytes");
    BOOST_TEST(oi::parse_response("{", f, diag) == oi::client_errc::invalid_json);
}

BOOST_AUTO_TEST_CASE(an_upload_sends_its_fields_then_the_file) {
    oi::CreateFileRequest req{
        .file = oi::file_source::from_memory(std::string_view("{\"a\":1}\n"), "lines.jsonl"),
        .purpose = oi::FilePurpose::batch,
        .expires_after = oi::FileExpirationAfter{.seconds = 86400}};
    oi::multipart_form form("B");
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::encode(req, form, diag), diag.message());
    oi::error_code ec;
    const std::string body = form.to_string(ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(body ==
               "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
               "--B\r\nContent-Disposition: form-data; name=\"expires_after[anchor]\""
               "\r\n\r\ncreated_at\r\n"
               "--B\r\nContent-Disposition: form-data; name=\"expires_after[seconds]\""
               "\r\n\r\n86400\r\n"
               "--B\r\nContent-Disposition: form-data; name=\"file\"; "
               "filename=\"lines.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n"
               "{\"a\":1}\n\r\n--B--\r\n");
}

BOOST_AUTO_TEST_CASE(an_upload_needs_a_file_and_a_purpose_uploads_take) {
    BOOST_TEST(!check(upload("batch")).ec);
    BOOST_TEST(!check(upload("user_data")).ec);

    auto r = check({.purpose = oi::FilePurpose::batch});
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "file");

    r = check(upload(""));
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.message ==
               "purpose: required, one of assistants, batch, fine-tune, vision, user_data, evals");

    r = check(upload("batch_output"));
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(r.message ==
               "purpose: 'batch_output' is not a purpose of uploads; allowed: "
               "assistants, batch, fine-tune, vision, user_data, evals");
}

BOOST_AUTO_TEST_CASE(expiry_is_an_hour_to_thirty_days_after_creation) {
    auto req = upload("batch");
    req.expires_after = oi::FileExpirationAfter{.seconds = 3600};
    BOOST_TEST(!check(req).ec);
    req.expires_after->seconds = 2592000;
    BOOST_TEST(!check(req).ec);
    req.expires_after->seconds = 3599;
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(r.param == "expires_after.seconds");
    BOOST_TEST(r.message ==
               "expires_after.seconds: 3599 is out of range; allowed: 3600 (1 hour) "
               "to 2592000 (30 days)");
    req.expires_after = oi::FileExpirationAfter{.anchor = "last_active_at", .seconds = 3600};
    r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(r.param == "expires_after.anchor");
}

BOOST_AUTO_TEST_CASE(a_batch_file_holds_at_most_200_mib) {
    // A sparse file: its size without its bytes.
    const auto path = std::filesystem::temp_directory_path() /
                      ("openai-images-files-test-" + std::to_string(::getpid()) + ".jsonl");
    std::ofstream(path).close();
    std::filesystem::resize_file(path, 200ull * 1024 * 1024 + 1);
    auto r = check({.file = path, .purpose = oi::FilePurpose::batch});
    BOOST_TEST(r.ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(r.param == "file");
    BOOST_TEST(r.message == "file: '" + path.string() + "'" +
                                " has 209715201 bytes; allowed: at most 209715200 (200 MiB) for "
                                "purpose batch");
    BOOST_TEST(!check({.file = path, .purpose = oi::FilePurpose::user_data}).ec);
    std::filesystem::remove(path);
    r = check({.file = path, .purpose = oi::FilePurpose::batch});
    BOOST_TEST(r.ec == oi::client_errc::file_open_failed);
    BOOST_TEST(r.param == "file");
}

BOOST_AUTO_TEST_CASE(a_file_id_cannot_change_the_path) {
    BOOST_TEST(!check_id("file-abc123").ec);
    BOOST_TEST(!check_id("file_A.b-9").ec);
    auto r = check_id("");
    BOOST_TEST(r.ec == oi::client_errc::missing_required_field);
    BOOST_TEST(r.param == "file_id");
    r = check_id("file-1?purpose=batch");
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(r.message ==
               "file_id: 'file-1?purpose=batch' holds '?' at offset 6; allowed: "
               "letters, digits, '-', '_' and '.'");
    r = check_id(std::string_view("file-\n", 6));
    BOOST_TEST(r.message ==
               "file_id: 'file-.' holds byte 10 at offset 5; allowed: letters, "
               "digits, '-', '_' and '.'");
    BOOST_TEST(check_id(std::string(257, 'a')).ec == oi::client_errc::value_not_allowed);
}

BOOST_AUTO_TEST_SUITE_END()
