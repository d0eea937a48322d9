// A user's test built against the installed testing kit: the fake server
// in-process (openai::images_testing, over TLS with its test CA, a fault
// scripted in the --fault syntax), then the installed fake-openai-server
// program as a process with a --fault spec, both answering the library's client.
#include <openai/images.hpp>
#include <openai/images/testing/fake_server.hpp>
#include <openai/images/testing/fault_script.hpp>

#include <boost/asio/io_context.hpp>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace oi = openai::images;
namespace fake = openai::images::testing;
using namespace std::chrono_literals;

void require(bool ok, const std::string& what) {
    if (!ok)
        throw std::runtime_error("check failed: " + what);
}

struct outcome {
    boost::system::error_code ec;
    oi::ImagesResponse response;
    oi::diagnostics diag;
};

outcome generate(const oi::client_options& opts) {
    boost::asio::io_context ioc;
    oi::client client(ioc.get_executor(), opts);
    outcome out;
    oi::CreateImageRequest req{.prompt = "a testing kit", .model = "dall-e-2"};
    req.size = "256x256";
    req.response_format = "b64_json";
    bool done = false;
    client.async_create_image(std::move(req), out.diag,
                              [&](boost::system::error_code ec, oi::ImagesResponse r) {
                                  out.ec = ec;
                                  out.response = std::move(r);
                                  done = true;
                              });
    ioc.run_for(60s);
    require(done, "the request completed within 60 s");
    return out;
}

std::pair<std::uint32_t, std::uint32_t> png_size(const outcome& out) {
    require(!out.ec, "success, got " + out.ec.message() + ": " + std::string(out.diag.message()));
    require(out.response.data.size() == 1, "one image");
    std::vector<unsigned char> bytes;
    oi::diagnostics diag;
    oi::image_info info;
    require(!oi::decode_image(out.response.data[0], bytes, diag), "b64_json decodes");
    require(!oi::probe_image(oi::file_source::from_memory(std::span<const unsigned char>(bytes)),
                             info, diag),
            "a readable image");
    require(info.format == oi::image_format::png, "a PNG");
    return {info.width, info.height};
}

// (a) The server in this process, over TLS: a 500 scripted for the first
// request, which the client retries, then the normal answer.
void in_process(const std::filesystem::path& dir) {
    fake::fake_server server;
    server.set_fault_rule(
        fake::make_fault_rule({fake::parse_fault_spec("kind=status,status=500,first=1")}));
    oi::client_options opts;
    opts.base_url = server.base_url();
    opts.api_key = server.options().api_key;
    opts.tls.ca_file = fake::write_ca_file(dir).string();
    opts.retry.initial_backoff = 1ms;
    opts.retry.max_backoff = 5ms;
    const outcome out = generate(opts);
    const auto [width, height] = png_size(out);
    require(width == 256 && height == 256,
            "a 256x256 PNG, got " + std::to_string(width) + "x" + std::to_string(height));
    require(out.diag.response().attempts == 2, "two attempts (the scripted 500, then the image)");
    const auto records = server.requests();
    require(records.size() == 2, "two requests recorded");
    require(records[0].status == 500 && records[1].status == 200, "answered 500 then 200");
    bool prompt_recorded = false;
    for (const auto& [name, value] : records[1].fields)
        prompt_recorded = prompt_recorded || (name == "prompt" && value == "a testing kit");
    require(prompt_recorded, "the prompt recorded");
    std::cout << "in-process: " << width << "x" << height << " PNG after a scripted 500 from "
              << server.base_url() << "\n";
}

// The installed fake-openai-server as a child process; stopped with SIGTERM.
class server_process {
  public:
    explicit server_process(std::vector<std::string> args) {
        int fds[2];
        require(::pipe(fds) == 0, "a pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        posix_spawn_file_actions_addclose(&actions, fds[1]);
        args.insert(args.begin(), FAKE_OPENAI_SERVER);
        std::vector<char*> argv;
        for (std::string& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        const int rc =
            posix_spawn(&pid_, FAKE_OPENAI_SERVER, &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        out_ = fds[0];
        require(rc == 0, std::string("started ") + FAKE_OPENAI_SERVER);
    }
    ~server_process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
    }
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    // Its first line, "listening on URL", read within 30 s.
    std::string url() {
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (line.find('\n') == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{out_, POLLIN, 0};
            require(left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) == 1,
                    "the server printed its URL within 30 s");
            char buf[256];
            const ssize_t n = ::read(out_, buf, sizeof buf);
            require(n > 0, "the server's output");
            line.append(buf, static_cast<std::size_t>(n));
        }
        line.resize(line.find('\n'));
        const std::string prefix = "listening on http://127.0.0.1:";
        require(line.starts_with(prefix) && line.ends_with("/v1"), "its URL, got " + line);
        return line.substr(std::string_view("listening on ").size());
    }

    int stop() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

  private:
    pid_t pid_ = -1;
    int out_ = -1;
};

// (b) The installed program with a --fault spec: the first request gets the
// scripted 400, which the client reports with its code and param; the second
// the normal answer.
void as_process() {
    server_process server({"--plain", "--fault",
                           "kind=status,status=400,code=invalid_value,param=size,"
                           "message=Scripted by the testing kit,first=1"});
    oi::client_options opts;
    opts.base_url = server.url();
    opts.api_key = "sk-test-key";
    const outcome refused = generate(opts);
    require(refused.ec == oi::api_errc::bad_request, "a 400, got " + refused.ec.message());
    require(refused.diag.response().status == 400, "status 400");
    require(refused.diag.api_code() == "invalid_value", "code invalid_value");
    require(refused.diag.param() == "size", "param size");
    require(refused.diag.message() == "Scripted by the testing kit", "the scripted message");
    require(refused.diag.response().attempts == 1, "a 400 is not retried");
    const auto [width, height] = png_size(generate(opts));
    require(width == 256 && height == 256, "then a 256x256 PNG");
    require(server.stop() == 0, "fake-openai-server exits with 0 on SIGTERM");
    std::cout << "process: 400 invalid_value (param size) scripted by --fault, then a " << width
              << "x" << height << " PNG\n";
}

}  // namespace

int main() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("openai-images-testing-kit-" + std::to_string(::getpid()));
    try {
        in_process(dir);
        as_process();
    } catch (const std::exception& e) {
        std::cerr << "testing kit consumer: " << e.what() << "\n";
        std::filesystem::remove_all(dir);
        return 1;
    }
    std::filesystem::remove_all(dir);
    std::cout << "testing kit ok\n";
    return 0;
}
