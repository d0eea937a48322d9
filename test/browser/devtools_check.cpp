// Drives a headless Chromium through the DevTools protocol to check
// image_server's page: opens several pages at once (each draws its own
// prompt through the server's one shared client), waits for what each page
// says it received, checks every partial image and the final one, and saves
// each page's screenshot.
//
//   devtools_check PROFILE_DIR PAGE_URL PAGES PARTIALS SCREENSHOT_DIR
//
// PROFILE_DIR is the browser's --user-data-dir, where Chromium started with
// --remote-debugging-port=0 writes the port it chose (DevToolsActivePort).
// PAGE_URL is image_server's page (http://127.0.0.1:PORT/); page k draws
// "a sea otter, number k" with PARTIALS partial images. Exit 0 when every page
// received PARTIALS partial images (indexes 0..PARTIALS-1, in order) and the
// final image, each decoded by the browser at 1024x1024.
#include <openai/images/base64.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct settings {
    std::filesystem::path profile;
    std::string page_url;
    std::size_t pages = 0;
    std::int64_t partials = 0;
    std::filesystem::path screenshots;
};

// One DevTools connection: commands answered one at a time, events skipped.
class devtools {
  public:
    explicit devtools(asio::any_io_executor ex) : ws_(ex) {}

    asio::awaitable<void> connect(std::uint16_t port, const std::string& path) {
        const tcp::endpoint at{asio::ip::make_address("127.0.0.1"), port};
        co_await beast::get_lowest_layer(ws_).async_connect(at, asio::use_awaitable);
        ws_.read_message_max(256 * 1024 * 1024);  // screenshots, whole images in results
        const std::string host = "127.0.0.1:" + std::to_string(port);
        co_await ws_.async_handshake(host, path, asio::use_awaitable);
    }

    // Sends `method` (to the page of `session`, when given) and returns its
    // result; a protocol error is thrown with its message.
    // (Views and references: GCC 12 miscompiles temporaries with destructors
    // made inside a co_await expression, so callers pass named objects.)
    asio::awaitable<json::object> call(std::string_view method, const json::object& params,
                                       std::string_view session = {}) {
        const std::int64_t id = ++last_id_;
        json::object message{{"id", id}, {"method", method}, {"params", params}};
        if (!session.empty())
            message["sessionId"] = session;
        const std::string text = json::serialize(message);
        co_await ws_.async_write(asio::buffer(text), asio::use_awaitable);
        for (;;) {
            beast::flat_buffer buffer;
            co_await ws_.async_read(buffer, asio::use_awaitable);
            json::value reply = json::parse(beast::buffers_to_string(buffer.data()));
            const json::value* got = reply.as_object().if_contains("id");
            if (!got || got->to_number<std::int64_t>() != id)
                continue;  // an event, or the answer to an earlier command
            if (const json::value* error = reply.as_object().if_contains("error"))
                throw std::runtime_error(std::string(method) + ": " + json::serialize(*error));
            co_return reply.as_object()["result"].as_object();
        }
    }

  private:
    websocket::stream<beast::tcp_stream> ws_;
    std::int64_t last_id_ = 0;
};

// Chromium's DevTools port and the browser's path, from DevToolsActivePort.
std::pair<std::uint16_t, std::string> devtools_address(const std::filesystem::path& profile) {
    std::ifstream in(profile / "DevToolsActivePort");
    std::string port, path;
    std::getline(in, port);
    std::getline(in, path);
    std::uint16_t number = 0;
    if (std::from_chars(port.data(), port.data() + port.size(), number).ec != std::errc{} ||
        path.empty())
        throw std::runtime_error("no DevTools port in " +
                                 (profile / "DevToolsActivePort").string());
    return {number, path};
}

// What the page says it received, once its window.result has resolved.
constexpr std::string_view page_result = R"js(
new Promise(resolve => {
  const wait = () => window.result
    ? resolve(window.result.then(r => ({
        result: r,
        items: document.querySelectorAll("#events li").length,
        state: document.body.dataset.state,
        status: document.getElementById("status").textContent })))
    : setTimeout(wait, 20);
  wait();
}))js";

// The page's own account, checked: partials 0..n-1 in order, then the final
// image, each decoded at 1024x1024. Returns what is wrong, or "".
std::string check_page(const json::value& v, std::int64_t partials) {
    const json::object& o = v.as_object();
    if (o.at("state") != "done")
        return "state " + json::serialize(o.at("state")) + ", status " +
               json::serialize(o.at("status"));
    const json::object& r = o.at("result").as_object();
    const json::array& got = r.at("partials").as_array();
    if (static_cast<std::int64_t>(got.size()) != partials)
        return std::to_string(got.size()) + " partial images, expected " + std::to_string(partials);
    const auto square = [](const json::value& image) {
        return image.at("width") == 1024 && image.at("height") == 1024;
    };
    for (std::size_t k = 0; k < got.size(); ++k) {
        if (got[k].at("index") != static_cast<std::int64_t>(k) || !square(got[k]))
            return "partial image " + std::to_string(k) + ": " + json::serialize(got[k]);
    }
    if (r.at("final").is_null() || !square(r.at("final")))
        return "final image: " + json::serialize(r.at("final"));
    if (o.at("items") != partials + 1)
        return "the page lists " + json::serialize(o.at("items")) + " images";
    return {};
}

std::string page_url(const settings& s, std::size_t k) {
    const std::string prompt = "a sea otter, number " + std::to_string(k);
    return s.page_url + "?prompt=" + boost::urls::encode(prompt, boost::urls::unreserved_chars) +
           "&partial_images=" + std::to_string(s.partials);
}

asio::awaitable<bool> run(const settings& s) {
    devtools dt(co_await asio::this_coro::executor);
    const auto [port, path] = devtools_address(s.profile);
    co_await dt.connect(port, path);

    // Every page opens before any is awaited: the server relays them all at once.
    const json::object none;
    std::vector<std::string> sessions, targets;
    for (std::size_t k = 1; k <= s.pages; ++k) {
        // A window of its own: a page in a background tab is hidden, and a
        // hidden page defers decoding its images.
        const json::object blank{{"url", "about:blank"}, {"newWindow", true}};
        json::object target = co_await dt.call("Target.createTarget", blank);
        targets.emplace_back(target.at("targetId").as_string());
        const json::object attach{{"targetId", target.at("targetId")}, {"flatten", true}};
        json::object attached = co_await dt.call("Target.attachToTarget", attach);
        const std::string session(attached.at("sessionId").as_string());
        co_await dt.call("Page.enable", none, session);
        const json::object navigate{{"url", page_url(s, k)}};
        co_await dt.call("Page.navigate", navigate, session);
        sessions.push_back(session);
        std::cout << "page " << k << " opened: " << page_url(s, k) << std::endl;
    }

    bool ok = true;
    const json::object evaluate{
        {"expression", page_result}, {"awaitPromise", true}, {"returnByValue", true}};
    const json::object png_format{{"format", "png"}};
    for (std::size_t k = 1; k <= s.pages; ++k) {
        const std::string& session = sessions[k - 1];
        json::object evaluated = co_await dt.call("Runtime.evaluate", evaluate, session);
        if (evaluated.contains("exceptionDetails")) {
            std::cerr << "page " << k << ": " << json::serialize(evaluated["exceptionDetails"])
                      << "\n";
            ok = false;
            continue;
        }
        const json::value& value = evaluated.at("result").at("value");
        if (const std::string wrong = check_page(value, s.partials); !wrong.empty()) {
            std::cerr << "page " << k << ": " << wrong << "\n";
            ok = false;
        } else {
            std::cout << "page " << k << ": " << s.partials
                      << " partial images, then the final image, each 1024x1024\n";
        }

        co_await dt.call("Page.bringToFront", none, session);
        json::object shot = co_await dt.call("Page.captureScreenshot", png_format, session);
        std::vector<unsigned char> png;
        openai::images::diagnostics diag;
        const json::string& data = shot.at("data").as_string();
        if (openai::images::base64_decode({data.data(), data.size()}, png, diag))
            throw std::runtime_error("the screenshot is not base64");
        const auto file = s.screenshots / ("page-" + std::to_string(k) + ".png");
        std::ofstream(file, std::ios::binary)
            .write(reinterpret_cast<const char*>(png.data()),
                   static_cast<std::streamsize>(png.size()));
        std::cout << "screenshot " << file.string() << " (" << png.size() << " bytes)\n";
    }
    for (const std::string& target : targets) {
        const json::object close{{"targetId", target}};
        co_await dt.call("Target.closeTarget", close);
    }
    co_return ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: devtools_check PROFILE_DIR PAGE_URL PAGES PARTIALS SCREENSHOT_DIR\n";
        return 2;
    }
    settings s;
    const std::string_view pages = argv[3], partials = argv[4];
    s.profile = argv[1];
    s.page_url = argv[2];
    s.screenshots = argv[5];
    if (std::from_chars(pages.data(), pages.data() + pages.size(), s.pages).ec != std::errc{} ||
        std::from_chars(partials.data(), partials.data() + partials.size(), s.partials).ec !=
            std::errc{}) {
        std::cerr << "devtools_check: PAGES and PARTIALS are numbers\n";
        return 2;
    }
    std::filesystem::create_directories(s.screenshots);

    asio::io_context ioc;
    // However the browser or the server misbehaves, the check ends.
    asio::steady_timer deadline(ioc, 90s);
    deadline.async_wait([](beast::error_code ec) {
        if (!ec) {
            std::cerr << "devtools_check: no answer from every page within 90 s\n";
            std::_Exit(1);
        }
    });
    int status = 1;
    asio::co_spawn(ioc, run(s), [&](std::exception_ptr e, bool ok) {
        deadline.cancel();
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& failure) {
                std::cerr << "devtools_check: " << failure.what() << "\n";
            }
            return;
        }
        status = ok ? 0 : 1;
    });
    ioc.run();
    if (status == 0)
        std::cout << "browser check ok: " << s.pages << " pages\n";
    return status;
}
