// render_request writes a JSON request as Beast's serializer would: the same
// bytes for the same message, so the wire does not change with the path; and
// endpoint::render_api_request writes the same bytes as render_request of the
// request built from the endpoint's target and headers.
#include <boost/test/unit_test.hpp>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sstream>
#include <string>

#include <openai/images/options.hpp>
#include <openai/images/version.hpp>

#include "endpoint.hpp"
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

BOOST_AUTO_TEST_CASE(an_api_request_renders_as_the_request_built_from_its_endpoint) {
    struct setup {
        std::string base_url, organization, project;
    };
    const setup setups[] = {
        {"https://api.openai.com/v1", "", ""},
        {"http://127.0.0.1:8080/proxy/v1/?api-version=2025-04-01", "org-1", "proj_1"},
    };
    for (const auto& s : setups) {
        openai::images::client_options o;
        o.base_url = s.base_url;
        o.api_key = "sk-test";
        o.organization = s.organization;
        o.project = s.project;
        const openai::images::detail::endpoint e(o);
        const std::string body = R"({"prompt":"a red fox","n":1})";
        http::request<http::string_body> req{http::verb::post, e.target("/images/generations"), 11};
        e.api_headers(req);
        req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        const std::string rendered =
            e.render_api_request("POST", "/images/generations", "application/json", body);
        BOOST_TEST(rendered == openai::images::detail::render_request(req));
        BOOST_TEST(rendered == beast_bytes(req));
        BOOST_TEST(rendered.find("Authorization: Bearer sk-test\r\n") != std::string::npos);
        BOOST_TEST((rendered.find("OpenAI-Project: proj_1\r\n") != std::string::npos) ==
                   !s.project.empty());
    }
    openai::images::client_options o;
    o.base_url = "http://127.0.0.1:8080/proxy/v1/?api-version=2025-04-01";
    const openai::images::detail::endpoint e(o);
    BOOST_TEST(e.render_api_request("POST", "/images/edits", "text/plain", "") ==
               "POST /proxy/v1/images/edits?api-version=2025-04-01 HTTP/1.1\r\n"
               "Host: 127.0.0.1:8080\r\nUser-Agent: " +
                   std::string("openai-images-cpp/") + openai::images::version_string +
                   "\r\nAccept: application/json\r\n"
                   "Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
}

BOOST_AUTO_TEST_SUITE_END()
