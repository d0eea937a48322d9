// The proxy rules as libcurl reads them: which variables count for which
// scheme, NO_PROXY's names, addresses and networks, and proxy URLs with
// their credentials, which no message ever shows.
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

#include "../../src/proxy_rules.hpp"
#include "test_common.hpp"

namespace oi = openai::images;
namespace d = openai::images::detail;

namespace {

d::proxy_environment environment(std::map<std::string, std::string> vars) {
    return d::read_proxy_environment([&vars](const char* name) -> const char* {
        const auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_rules)

BOOST_AUTO_TEST_CASE(each_scheme_reads_the_variables_libcurl_reads) {
    auto env = environment({{"HTTPS_PROXY", "http://upper:1"},
                            {"HTTP_PROXY", "http://cgi-header:2"},
                            {"ALL_PROXY", "http://all:3"}});
    BOOST_TEST(d::proxy_for(env, "https", "api.openai.com").value() == "http://upper:1");
    // HTTP_PROXY may come from a request header under CGI: never read.
    BOOST_TEST(d::proxy_for(env, "http", "localhost.example").value() == "http://all:3");

    env = environment({{"https_proxy", "http://lower:1"},
                       {"HTTPS_PROXY", "http://upper:1"},
                       {"http_proxy", "http://plain:2"},
                       {"all_proxy", "http://all-lower:3"},
                       {"ALL_PROXY", "http://all-upper:3"}});
    BOOST_TEST(d::proxy_for(env, "https", "api.openai.com").value() == "http://lower:1");
    BOOST_TEST(d::proxy_for(env, "http", "api.openai.com").value() == "http://plain:2");
    BOOST_TEST(env.all_proxy.value() == "http://all-lower:3");

    // Empty counts as unset; nothing set: direct.
    env = environment({{"https_proxy", ""}, {"HTTPS_PROXY", "http://upper:1"}});
    BOOST_TEST(d::proxy_for(env, "https", "a.example").value() == "http://upper:1");
    BOOST_TEST(!d::proxy_for(environment({}), "https", "a.example"));
}

BOOST_AUTO_TEST_CASE(no_proxy_names_match_themselves_and_their_subdomains) {
    const std::string list = "localhost, .internal.example,Example.COM  other.test";
    BOOST_TEST(d::no_proxy_matches(list, "localhost"));
    BOOST_TEST(d::no_proxy_matches(list, "example.com"));
    BOOST_TEST(d::no_proxy_matches(list, "api.example.com"));
    BOOST_TEST(d::no_proxy_matches(list, "API.EXAMPLE.COM."));
    BOOST_TEST(d::no_proxy_matches(list, "internal.example"));
    BOOST_TEST(d::no_proxy_matches(list, "a.b.internal.example"));
    BOOST_TEST(d::no_proxy_matches(list, "other.test"));
    BOOST_TEST(!d::no_proxy_matches(list, "notexample.com"));
    BOOST_TEST(!d::no_proxy_matches(list, "example.com.evil.test"));
    BOOST_TEST(!d::no_proxy_matches(list, "api.openai.com"));
    BOOST_TEST(d::no_proxy_matches("*", "api.openai.com"));
    BOOST_TEST(!d::no_proxy_matches("*.example.com", "api.example.com"));  // not a wildcard
    BOOST_TEST(!d::no_proxy_matches("", "localhost"));
    BOOST_TEST(!d::no_proxy_matches(" , ,", "localhost"));

    auto env = environment({{"https_proxy", "http://p:1"}, {"NO_PROXY", "openai.com"}});
    BOOST_TEST(!d::proxy_for(env, "https", "api.openai.com"));
    BOOST_TEST(d::proxy_for(env, "https", "openai.example").value() == "http://p:1");
    env = environment(
        {{"https_proxy", "http://p:1"}, {"no_proxy", "other.test"}, {"NO_PROXY", "openai.com"}});
    BOOST_TEST(d::proxy_for(env, "https", "api.openai.com").value() == "http://p:1");
}

BOOST_AUTO_TEST_CASE(no_proxy_addresses_match_themselves_and_their_networks) {
    const std::string list = "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8, [2001:db8::1]";
    BOOST_TEST(d::no_proxy_matches(list, "127.0.0.1"));
    BOOST_TEST(!d::no_proxy_matches(list, "127.0.0.2"));
    BOOST_TEST(d::no_proxy_matches(list, "10.200.3.4"));
    BOOST_TEST(!d::no_proxy_matches(list, "11.0.0.1"));
    BOOST_TEST(d::no_proxy_matches(list, "::1"));
    BOOST_TEST(d::no_proxy_matches(list, "[::1]"));
    BOOST_TEST(d::no_proxy_matches(list, "fd12:3456::7"));
    BOOST_TEST(!d::no_proxy_matches(list, "fe80::1"));
    BOOST_TEST(d::no_proxy_matches(list, "2001:db8::1"));
    // A name is not an address, an address is not a name.
    BOOST_TEST(!d::no_proxy_matches("127.0.0.1", "localhost"));
    BOOST_TEST(!d::no_proxy_matches("0.1", "10.0.0.1"));
    BOOST_TEST(d::no_proxy_matches("192.168.1.0/24", "192.168.1.77"));
    BOOST_TEST(!d::no_proxy_matches("192.168.1.0/24", "192.168.2.1"));
    BOOST_TEST(d::no_proxy_matches("0.0.0.0/0", "8.8.8.8"));
    BOOST_TEST(!d::no_proxy_matches("10.0.0.0/33", "10.0.0.1"));
    BOOST_TEST(!d::no_proxy_matches("10.0.0.0/x", "10.0.0.1"));
    BOOST_TEST(!d::no_proxy_matches("::/0", "10.0.0.1"));
}

BOOST_AUTO_TEST_CASE(proxy_urls_take_credentials_and_default_to_http_and_port_1080) {
    oi::diagnostics diag;
    d::proxy_url p;
    BOOST_TEST(!d::parse_proxy_url("proxy.corp.example", "HTTPS_PROXY", p, diag));
    BOOST_TEST(p.host == "proxy.corp.example");
    BOOST_TEST(p.port == 1080);
    BOOST_TEST(!p.has_credentials());
    BOOST_TEST(p.authorization().empty());
    BOOST_TEST(p.redacted() == "http://proxy.corp.example:1080");

    BOOST_TEST(!d::parse_proxy_url("HTTP://al%40ice:p%3Ass@10.1.2.3:3128/", "proxy", p, diag));
    BOOST_TEST(p.host == "10.1.2.3");
    BOOST_TEST(p.port == 3128);
    BOOST_TEST(p.user == "al@ice");
    BOOST_TEST(p.password == "p:ss");
    // base64("al@ice:p:ss")
    BOOST_TEST(p.authorization() == "Basic YWxAaWNlOnA6c3M=");
    BOOST_TEST(p.redacted() == "http://10.1.2.3:3128");

    BOOST_TEST(!d::parse_proxy_url("http://[::1]:8080", "proxy", p, diag));
    BOOST_TEST(p.host == "::1");
    BOOST_TEST(p.redacted() == "http://[::1]:8080");
}

BOOST_AUTO_TEST_CASE(a_bad_proxy_url_names_the_option_and_never_the_password) {
    struct bad {
        const char* url;
        const char* says;
    };
    for (const auto& b : {bad{"socks5://user:s3cret@proxy:1080", "only http:// proxies"},
                          bad{"https://user:s3cret@proxy:443", "only http:// proxies"},
                          bad{"http://user:s3cret@proxy:0", "from 1 to 65535"},
                          bad{"http://user:s3cret@proxy:99999", "from 1 to 65535"},
                          bad{"http://user:s3cret@proxy:3128/path", "without a path"},
                          bad{"http://user:s3cret@proxy:3128/?q=1", "without a path"},
                          bad{"http://user:s3cret@:3128", "without a host"},
                          bad{"http://user:s3cret@pro xy:3128", "not a proxy URL"}}) {
        oi::diagnostics diag;
        d::proxy_url p;
        p.host = "unchanged";
        BOOST_TEST(
            d::parse_proxy_url(b.url, "HTTPS_PROXY", p, diag) == oi::client_errc::invalid_url,
            b.url);
        const std::string message(diag.message());
        BOOST_TEST(diag.param() == "HTTPS_PROXY");
        BOOST_TEST(message.starts_with("HTTPS_PROXY: "), message);
        BOOST_TEST(message.find(b.says) != std::string::npos, b.url << ": " << message);
        BOOST_TEST(message.find("s3cret") == std::string::npos, message);
        BOOST_TEST(p.host == "unchanged");
    }
}

BOOST_AUTO_TEST_SUITE_END()
