// The multipart/form-data encoder: exact golden bodies, streaming and replay,
// the Beast body, header escaping, file errors, and a round trip through
// Python's email parser (test/tools/parse_multipart.py).
#include <openai/images/base64.hpp>
#include <openai/images/detail/multipart_body.hpp>
#include <openai/images/multipart.hpp>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "test_common.hpp"

namespace oi = openai::images;
namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

using bytes = std::vector<unsigned char>;

// A PNG start (signature and IHDR for 1x1) followed by bytes meaningful to a
// multipart parser.
const std::string png_bytes("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\0\0\0\x01\0\0\0\x01\r\n--X\r\n", 31);

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::random_device rd;
        path = fs::temp_directory_path() /
               ("openai-images-multipart-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const std::string& name, std::string_view content) const {
        const auto p = path / name;
        std::ofstream(p, std::ios::binary)
            .write(content.data(), static_cast<std::streamsize>(content.size()));
        return p;
    }
};

std::string body_of(const oi::multipart_form& form) {
    oi::error_code ec;
    oi::diagnostics diag;
    auto body = form.to_string(ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.message());
    BOOST_TEST(body.size() == form.content_length());
    return body;
}

// Every chunk of one reader, checking the byte count as it goes.
std::vector<std::string> chunks_of(const oi::multipart_form& form) {
    std::vector<std::string> out;
    auto r = form.make_reader();
    std::uint64_t total = 0;
    for (;;) {
        oi::error_code ec;
        const auto s = r.next(ec);
        BOOST_TEST_REQUIRE(!ec, r.error_message());
        if (s.empty())
            break;
        total += s.size();
        BOOST_TEST(r.bytes_produced() == total);
        out.emplace_back(reinterpret_cast<const char*>(s.data()), s.size());
    }
    BOOST_TEST(total == form.content_length());
    return out;
}

// The first error a reader reports, with its message.
std::pair<oi::error_code, std::string> reader_error(const oi::multipart_form& form) {
    auto r = form.make_reader();
    oi::error_code ec;
    while (!r.next(ec).empty() && !ec) {
    }
    return {ec, std::string(r.error_message())};
}

void add_field(oi::multipart_form& form, std::string_view name, std::string_view value) {
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!form.add_field(name, value, diag), diag.message());
}

void add_file(oi::multipart_form& form, std::string_view name, const oi::file_source& f) {
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!form.add_file(name, f, diag), diag.message());
}

// Serializes a whole message without a socket, as http::write would.
template <class Message>
std::string serialize(Message& msg, oi::error_code& ec) {
    http::serializer<Message::is_request::value, typename Message::body_type,
                     typename Message::fields_type>
        sr(msg);
    std::string out;
    ec = {};
    while (!sr.is_done()) {
        sr.next(ec, [&](oi::error_code& ec2, const auto& buffers) {
            ec2 = {};
            out += boost::beast::buffers_to_string(buffers);
            sr.consume(boost::beast::buffer_bytes(buffers));
        });
        if (ec)
            break;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(multipart)

BOOST_AUTO_TEST_CASE(text_fields_give_the_exact_body) {
    oi::multipart_form form("XyZzy");
    add_field(form, "prompt", "a cat\r\nin a hat");
    add_field(form, "n", "2");
    add_field(form, "user", "");
    BOOST_TEST(form.part_count() == 3u);
    BOOST_TEST(form.content_type() == "multipart/form-data; boundary=XyZzy");
    BOOST_TEST(body_of(form) ==
               "--XyZzy\r\n"
               "Content-Disposition: form-data; name=\"prompt\"\r\n"
               "\r\n"
               "a cat\r\nin a hat\r\n"
               "--XyZzy\r\n"
               "Content-Disposition: form-data; name=\"n\"\r\n"
               "\r\n"
               "2\r\n"
               "--XyZzy\r\n"
               "Content-Disposition: form-data; name=\"user\"\r\n"
               "\r\n"
               "\r\n"
               "--XyZzy--\r\n");
}

BOOST_AUTO_TEST_CASE(empty_form_is_only_the_close_delimiter) {
    oi::multipart_form form("B");
    BOOST_TEST(form.part_count() == 0u);
    BOOST_TEST(form.content_length() == 7u);
    BOOST_TEST(body_of(form) == "--B--\r\n");
}

BOOST_AUTO_TEST_CASE(memory_file_gives_the_exact_body) {
    oi::multipart_form form("XyZzy");
    add_field(form, "model", "gpt-image-1");
    add_file(form, "image", oi::file_source::from_memory(png_bytes));
    BOOST_TEST(body_of(form) ==
               "--XyZzy\r\n"
               "Content-Disposition: form-data; name=\"model\"\r\n"
               "\r\n"
               "gpt-image-1\r\n"
               "--XyZzy\r\n"
               "Content-Disposition: form-data; name=\"image\"; "
               "filename=\"image.png\"\r\n"
               "Content-Type: image/png\r\n"
               "\r\n" +
                   png_bytes +
                   "\r\n"
                   "--XyZzy--\r\n");
}

BOOST_AUTO_TEST_CASE(path_file_gives_the_exact_body) {
    temp_dir dir;
    const auto p = dir.write("photo.jpeg", "\xFF\xD8\xFF\xE0 not really a jpeg");
    const auto q = dir.write("notes.txt", "plain");
    oi::multipart_form form("XyZzy");
    add_file(form, "image[]", oi::file_source(p));
    add_file(form, "image[]", oi::file_source::from_path(q, "renamed.bin"));
    BOOST_TEST(body_of(form) ==
               "--XyZzy\r\n"
               "Content-Disposition: form-data; name=\"image[]\"; "
               "filename=\"photo.jpeg\"\r\n"
               "Content-Type: image/jpeg\r\n"
               "\r\n"
               "\xFF\xD8\xFF\xE0 not really a jpeg\r\n"
               "--XyZzy\r\n"
               "Content-Disposition: form-data; name=\"image[]\"; "
               "filename=\"renamed.bin\"\r\n"
               "Content-Type: application/octet-stream\r\n"
               "\r\n"
               "plain\r\n"
               "--XyZzy--\r\n");
}

BOOST_AUTO_TEST_CASE(filename_defaults_follow_the_detected_format) {
    const std::string jpeg("\xFF\xD8\xFF\xDB", 4);
    const std::string webp("RIFF\0\0\0\0WEBPVP8X", 16);
    oi::multipart_form form("b");
    add_file(form, "a", oi::file_source::from_memory(jpeg));
    add_file(form, "b", oi::file_source::from_memory(webp));
    add_file(form, "c", oi::file_source::from_memory("GIF89a"));
    add_file(form, "d", oi::file_source::from_owned(std::string("GIF89a"), "anim.gif"));
    const auto body = body_of(form);
    BOOST_TEST(body.find("name=\"a\"; filename=\"image.jpg\"\r\nContent-Type: image/jpeg\r\n") !=
               std::string::npos);
    BOOST_TEST(body.find("name=\"b\"; filename=\"image.webp\"\r\nContent-Type: image/webp\r\n") !=
               std::string::npos);
    BOOST_TEST(body.find("name=\"c\"; filename=\"file\"\r\n"
                         "Content-Type: application/octet-stream\r\n") != std::string::npos);
    BOOST_TEST(body.find("name=\"d\"; filename=\"anim.gif\"\r\n"
                         "Content-Type: application/octet-stream\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(names_and_filenames_are_escaped_so_no_header_can_be_injected) {
    oi::multipart_form form("XyZzy");
    add_field(form, "a\"b\\c\r\nd\x01\x1F\x7F \xC3\xA9\xE2\x98\x83", "v");
    add_file(form, "image",
             oi::file_source::from_memory("x", "evil\"\r\nContent-Type: text/html\r\n\r\n.png"));
    add_file(form, "image", oi::file_source::from_memory("y", "na\xC3\xAFve\tfile %41.png"));
    BOOST_TEST(
        body_of(form) ==
        "--XyZzy\r\n"
        "Content-Disposition: form-data; name=\"a%22b%5Cc%0D%0Ad%01%1F%7F \xC3\xA9\xE2\x98\x83\""
        "\r\n\r\nv\r\n"
        "--XyZzy\r\n"
        "Content-Disposition: form-data; name=\"image\"; "
        "filename=\"evil%22%0D%0AContent-Type: text/html%0D%0A%0D%0A.png\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\nx\r\n"
        "--XyZzy\r\n"
        "Content-Disposition: form-data; name=\"image\"; "
        "filename=\"na\xC3\xAFve%09file %41.png\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\ny\r\n"
        "--XyZzy--\r\n");
}

BOOST_AUTO_TEST_CASE(content_length_is_known_before_reading_and_two_readers_replay_it) {
    temp_dir dir;
    const auto p = dir.write("a.png", png_bytes + std::string(5000, 'z'));
    oi::multipart_form form("r3pl4y");
    add_field(form, "prompt", "again");
    add_file(form, "image[]", oi::file_source(p));
    add_file(form, "image[]", oi::file_source::from_memory(png_bytes, "b.png"));
    // 64 (prompt part) + 105 (a.png head) + 5031 + 105 (b.png head) + 31 + 14 (close)
    const std::uint64_t expected_length = 5350;
    BOOST_TEST(form.content_length() == expected_length);
    const auto first = chunks_of(form);
    const auto second = chunks_of(form);
    BOOST_TEST(first == second);
    std::string joined;
    for (const auto& c : first)
        joined += c;
    BOOST_TEST(joined.size() == expected_length);
    BOOST_TEST(joined == body_of(form));
}

BOOST_AUTO_TEST_CASE(memory_parts_are_returned_without_copying) {
    bytes image(100000);
    for (std::size_t i = 0; i < image.size(); ++i)
        image[i] = static_cast<unsigned char>(i * 7);
    oi::multipart_form form("zc");
    add_file(form, "image", oi::file_source::from_memory(std::span(image), "i.bin"));
    auto r = form.make_reader();
    oi::error_code ec;
    int seen = 0;
    for (auto s = r.next(ec); !s.empty(); s = r.next(ec)) {
        if (s.data() == image.data() && s.size() == image.size())
            ++seen;
    }
    BOOST_TEST(!ec);
    BOOST_TEST(seen == 1);
}

BOOST_AUTO_TEST_CASE(large_file_is_read_in_chunks_of_32_kib) {
    temp_dir dir;
    std::string content(1024 * 1024, '\0');
    std::mt19937 gen(42);
    for (auto& c : content)
        c = static_cast<char>(gen());
    const auto p = dir.write("big.bin", content);
    oi::multipart_form form("chunks");
    add_file(form, "image", oi::file_source(p));
    const auto chunks = chunks_of(form);
    // head, 32 chunks of 32 KiB, the closing delimiter
    BOOST_TEST(oi::multipart_form::reader::chunk_size == 32u * 1024);
    BOOST_TEST_REQUIRE(chunks.size() == 34u);
    std::string read;
    for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
        BOOST_TEST(chunks[i].size() == oi::multipart_form::reader::chunk_size);
        read += chunks[i];
    }
    BOOST_TEST((read == content));
    BOOST_TEST(chunks.back() == "\r\n--chunks--\r\n");
}

BOOST_AUTO_TEST_CASE(beast_body_writes_content_length_and_replays_byte_exact) {
    temp_dir dir;
    const auto p = dir.write("a.png", png_bytes);
    oi::multipart_form form("XyZzy");
    add_field(form, "prompt", "a cat");
    add_file(form, "image[]", oi::file_source(p));
    add_file(form, "image[]", oi::file_source::from_memory(png_bytes, "b.png"));
    const auto body = body_of(form);
    http::request<oi::detail::multipart_body> req{http::verb::post, "/v1/images/edits", 11};
    req.set(http::field::host, "api.openai.com");
    req.set(http::field::content_type, form.content_type());
    req.body() = std::move(form);
    req.prepare_payload();
    const std::string expected =
        "POST /v1/images/edits HTTP/1.1\r\n"
        "Host: api.openai.com\r\n"
        "Content-Type: multipart/form-data; boundary=XyZzy\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    oi::error_code ec;
    BOOST_TEST(serialize(req, ec) == expected);
    BOOST_TEST(!ec);
    BOOST_TEST(serialize(req, ec) == expected);  // a retry
    BOOST_TEST(!ec);

    fs::remove(p);
    http::request_serializer<oi::detail::multipart_body> sr(req);
    std::string out;
    while (!sr.is_done() && !ec) {
        sr.next(ec, [&](oi::error_code& ec2, const auto& buffers) {
            ec2 = {};
            sr.consume(boost::beast::buffer_bytes(buffers));
        });
    }
    BOOST_TEST(ec == oi::client_errc::file_open_failed);
    BOOST_TEST(std::string(sr.writer_impl().error_message()).find(p.string()) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_field_name_is_rejected) {
    oi::multipart_form form("b");
    oi::diagnostics diag;
    BOOST_TEST(form.add_field("", "v", diag) == oi::client_errc::invalid_field_name);
    BOOST_TEST(form.add_file("", oi::file_source::from_memory("x"), diag) ==
               oi::client_errc::invalid_field_name);
    BOOST_TEST(diag.message() == "a multipart field name must not be empty");
    BOOST_TEST(form.part_count() == 0u);
}

BOOST_AUTO_TEST_CASE(missing_file_at_add_file_fails_naming_the_path) {
    temp_dir dir;
    const auto p = dir.path / "nope.png";
    oi::multipart_form form("b");
    const auto before = form.content_length();
    oi::diagnostics diag;
    BOOST_TEST(form.add_file("image", oi::file_source(p), diag) ==
               oi::client_errc::file_open_failed);
    BOOST_TEST(std::string(diag.message()).find("'" + p.string() + "'") != std::string::npos);
    BOOST_TEST(form.part_count() == 0u);
    BOOST_TEST(form.content_length() == before);
}

BOOST_AUTO_TEST_CASE(file_deleted_after_add_file_fails_in_the_reader) {
    temp_dir dir;
    const auto p = dir.write("gone.png", png_bytes);
    oi::multipart_form form("b");
    add_file(form, "image", oi::file_source(p));
    fs::remove(p);
    const auto [ec, message] = reader_error(form);
    BOOST_TEST(ec == oi::client_errc::file_open_failed);
    BOOST_TEST(message == "cannot open '" + p.string() + "': No such file or directory");
    oi::error_code ec2;
    oi::diagnostics diag;
    BOOST_TEST(form.to_string(ec2, diag).empty());
    BOOST_TEST(ec2 == oi::client_errc::file_open_failed);
    BOOST_TEST(diag.message() == message);
}

BOOST_AUTO_TEST_CASE(file_that_changed_size_after_add_file_fails_in_the_reader) {
    temp_dir dir;
    const auto p = dir.write("a.png", png_bytes);
    oi::multipart_form form("b");
    add_file(form, "image", oi::file_source(p));
    fs::resize_file(p, 10);
    auto [ec, message] = reader_error(form);
    BOOST_TEST(ec == oi::client_errc::file_size_changed);
    BOOST_TEST(message == "'" + p.string() +
                              "' changed size: it ended after 10 of the 31 bytes it had when it "
                              "was added");
    dir.write("a.png", png_bytes + "!");
    std::tie(ec, message) = reader_error(form);
    BOOST_TEST(ec == oi::client_errc::file_size_changed);
    BOOST_TEST(message == "'" + p.string() +
                              "' changed size: it is longer than the 31 bytes it had when it was "
                              "added");
}

BOOST_AUTO_TEST_CASE(default_boundaries_are_random_and_unique) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        oi::multipart_form form;
        const auto& b = form.boundary();
        BOOST_TEST_REQUIRE(b.size() == 14u + 32u);
        BOOST_TEST_REQUIRE(b.substr(0, 14) == "openai-images-");
        BOOST_TEST_REQUIRE(b.find_first_not_of("0123456789abcdef", 14) == std::string::npos);
        seen.insert(b);
    }
    BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(invalid_boundaries_are_rejected) {
    for (const std::string& bad :
         {std::string(), std::string(71, 'a'), std::string("trailing "), std::string("quo\"te"),
          std::string("semi;colon"), std::string("new\nline"), std::string("\xC3\xA9")}) {
        BOOST_CHECK_EXCEPTION(oi::multipart_form{bad}, oi::client_error,
                              [](const oi::client_error& e) {
                                  return e.code() == oi::client_errc::invalid_boundary;
                              });
    }
    BOOST_TEST(oi::multipart_form(std::string(70, 'a')).boundary() == std::string(70, 'a'));
    BOOST_TEST(oi::multipart_form("'()+_,-./:=? x").content_type() ==
               "multipart/form-data; boundary=\"'()+_,-./:=? x\"");
}

// Python's email package, an independent parser, must read back every part
// byte for byte: binary content with CRLF, "--", boundary-like lines, lone CR
// and LF, NUL and 0xFF; repeated image[] parts; UTF-8 and escaped names.
BOOST_AUTO_TEST_CASE(python_email_parser_reads_back_every_part) {
    struct expected_part {
        std::string name, filename, content_type, content;  // filename empty: a text part
    };
    temp_dir dir;
    oi::multipart_form form;
    const std::string like_boundary = "\r\n--" + form.boundary().substr(0, 20) + "\r\n";
    std::string binary = png_bytes + "\r\n" + "--" + like_boundary + "--" +
                         form.boundary().substr(0, 45) + "x\r\n\r" + "\n\n" +
                         std::string("\0\0\xFF\xFF\r", 5);
    for (int i = 0; i < 256; ++i)
        binary += static_cast<char>(i);
    binary += "\r";
    std::string all_bytes;
    for (int i = 0; i < 256 * 3; ++i)
        all_bytes += static_cast<char>(255 - i % 256);
    const auto path = dir.write("on disk.png", png_bytes + like_boundary + "\n");
    const std::string text = "a cat\r\n--not a boundary\r\n" + like_boundary + "caf\xC3\xA9 \n";

    std::vector<expected_part> expected = {
        {"prompt", "", "", text},
        {"empty", "", "", ""},
        {"na\xC3\xAFve \xE2\x98\x83", "", "", "\n"},
        {"image[]", "snow\xE2\x98\x83.png", "image/png", binary},
        {"image[]", "q%22uo%5Cte%0A.bin", "application/octet-stream", all_bytes},
        {"image[]", "on disk.png", "image/png", png_bytes + like_boundary + "\n"},
        {"image[]", "file", "application/octet-stream", ""},
        {"mask", "m.bin", "application/octet-stream", "\r"},
    };
    add_field(form, "prompt", text);
    add_field(form, "empty", "");
    add_field(form, "na\xC3\xAFve \xE2\x98\x83", "\n");
    add_file(form, "image[]", oi::file_source::from_memory(binary, "snow\xE2\x98\x83.png"));
    add_file(form, "image[]", oi::file_source::from_owned(all_bytes, "q\"uo\\te\n.bin"));
    add_file(form, "image[]", oi::file_source(path));
    add_file(form, "image[]", oi::file_source::from_memory(std::string_view()));
    add_file(form, "mask", oi::file_source::from_memory("\r", "m.bin"));

    const auto body_path = dir.write("body.bin", body_of(form));
    const std::string command = std::string(OPENAI_IMAGES_TEST_PYTHON) + " '" +
                                OPENAI_IMAGES_TEST_TOOLS + "/parse_multipart.py' '" +
                                body_path.string() + "' '" + form.boundary() + "'";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    BOOST_TEST_REQUIRE(pipe != nullptr);
    std::string output;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;)
        output.append(buf, n);
    BOOST_TEST_REQUIRE(::pclose(pipe) == 0, output);

    const auto parts = boost::json::parse(output).as_array();
    BOOST_TEST_REQUIRE(parts.size() == expected.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        BOOST_TEST_CONTEXT("part " << i) {
            const auto& got = parts[i].as_object();
            const auto& want = expected[i];
            BOOST_TEST(got.at("name").as_string() == want.name);
            if (want.filename.empty()) {
                BOOST_TEST(got.at("filename").is_null());
                BOOST_TEST(got.at("content_type").is_null());
            } else {
                BOOST_TEST(got.at("filename").as_string() == want.filename);
                BOOST_TEST(got.at("content_type").as_string() == want.content_type);
            }
            std::vector<unsigned char> content;
            oi::diagnostics diag;
            BOOST_TEST_REQUIRE(
                !oi::base64_decode(got.at("content_b64").as_string(), content, diag));
            BOOST_TEST((std::string(content.begin(), content.end()) == want.content));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
