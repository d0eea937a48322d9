// The two ways of writing a request in a co_await: named first (what the
// README's programs do, for every compiler) and as a braced temporary inside
// the co_await. GCC 12 miscompiles the second (the request is freed twice and
// the program aborts with "free(): invalid pointer"); GCC 13 and newer and
// Clang compile it correctly, so there it is checked too.
#include <boost/test/unit_test.hpp>

#include "client_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <cstddef>
#include <future>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace oi = openai::images;
namespace t = openai::images::testing;
using client_fixture::options_for;

// A prompt longer than a std::string's inline buffer: a request that owns heap memory.
constexpr const char* long_prompt =
    "A sea otter floating on its back, holding a small smooth stone, in soft morning light";

asio::awaitable<std::size_t> named_request(oi::client& c) {
    const oi::CreateImageRequest req{
        .prompt = long_prompt, .model = "gpt-image-1-mini", .size = "1024x1024"};
    const oi::ImagesResponse r = co_await c.create_image(req);
    co_return r.data.size();
}

#if defined(__clang__) || !defined(__GNUC__) || __GNUC__ >= 13
asio::awaitable<std::size_t> braced_temporary(oi::client& c) {
    const oi::ImagesResponse r = co_await c.create_image(
        {.prompt = long_prompt, .model = "gpt-image-1-mini", .size = "1024x1024"});
    co_return r.data.size();
}
#endif

// Runs `form` 8 times, one after the other, and returns the image counts.
template <class Form>
std::vector<std::size_t> run(Form form) {
    t::fake_server server;
    asio::io_context ioc;
    oi::client c(ioc.get_executor(), options_for(server));
    std::vector<std::size_t> counts;
    for (int i = 0; i < 8; ++i) {
        std::future<std::size_t> done = asio::co_spawn(ioc, form(c), asio::use_future);
        ioc.restart();
        ioc.run();
        counts.push_back(done.get());
    }
    const auto requests = server.requests();
    BOOST_REQUIRE_EQUAL(requests.size(), 8u);
    for (const auto& r : requests) {
        const auto prompt = std::find_if(r.fields.begin(), r.fields.end(),
                                         [](const auto& f) { return f.first == "prompt"; });
        BOOST_REQUIRE(prompt != r.fields.end());
        BOOST_TEST(prompt->second == long_prompt);
    }
    return counts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(compiler_forms)

BOOST_AUTO_TEST_CASE(a_request_named_before_co_await) {
    BOOST_TEST(run(named_request) == std::vector<std::size_t>(8, 1u),
               boost::test_tools::per_element());
}

#if defined(__clang__) || !defined(__GNUC__) || __GNUC__ >= 13
BOOST_AUTO_TEST_CASE(a_braced_temporary_inside_co_await_where_the_compiler_allows_it) {
    BOOST_TEST(run(braced_temporary) == std::vector<std::size_t>(8, 1u),
               boost::test_tools::per_element());
}
#endif

BOOST_AUTO_TEST_SUITE_END()
