// render_request writes a JSON request as Beast's serializer would: the same
// bytes for the same message, so the wire does not change with the path.
#include <boost/test/unit_test.hpp>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sstream>
#include <string>

#include "http_exchange.hpp"

namespace {

namespace http = boost::beast::http;

std::string beast_bytes(const http::request<http::string_body>& req) {
    std::ostringstream out;
    out << req;  // Beast's own serializer
    return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(render_request_bytes)

BOOST_AUTO_TEST_CASE(a_json_request_renders_as_beast_serializes_it) {
    for (const unsigned version : {11u, 10u}) {
        http::request<http::string_body> req{http::verb::post, "/v1/images/generations?x=1",
                                             version};
        req.set(http::field::host, "api.openai.com");
        req.set(http::field::authorization, "Bearer sk-test");
        req.set("OpenAI-Project", "proj_1");
        req.set(http::field::content_type, "application/json");
        req.body() = R"({"prompt":"a red fox","n":1})";
        req.prepare_payload();
        const std::string rendered = openai::images::detail::render_request(req);
        BOOST_TEST(rendered == beast_bytes(req));
        BOOST_TEST(rendered.starts_with("POST /v1/images/generations?x=1 HTTP/1." +
                                        std::to_string(version % 10) +
                                        "\r\nHost: api.openai.com\r\n"));
        BOOST_TEST(
            rendered.ends_with("Content-Length: 28\r\n\r\n{\"prompt\":\"a red fox\",\"n\":1}"));
    }
    http::request<http::string_body> empty{http::verb::get, "/", 11};
    BOOST_TEST(openai::images::detail::render_request(empty) == "GET / HTTP/1.1\r\n\r\n");
    BOOST_TEST(beast_bytes(empty) == "GET / HTTP/1.1\r\n\r\n");
}

BOOST_AUTO_TEST_SUITE_END()
