// nginx (Debian's package) as a peer server for tests: started on 127.0.0.1
// with a configuration of the test's own, stopped when the object goes. Its
// listening sockets are made here and handed to it (nginx takes sockets
// named in the NGINX environment variable, as in its binary upgrade), so a
// client can connect at once: no waiting for nginx to be ready.
#pragma once

#include <openai/images/testing/fake_server.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace peer {

/// One TLS server of nginx: `directives` go into its server block.
struct nginx_site {
    std::string directives;
};

class nginx_server {
  public:
    /// Starts nginx with one server per site, each on a port of its own,
    /// serving the test PKI's server certificate (127.0.0.1 and localhost).
    explicit nginx_server(const std::vector<nginx_site>& sites) {
        dir_ = std::filesystem::temp_directory_path() /
               ("openai-images-nginx-" + std::to_string(::getpid()) + "-" +
                std::to_string(++instances()));
        std::filesystem::create_directories(dir_);
        const auto& pki = openai::images::testing::test_pki();
        write("cert.pem", pki.server_cert_pem);
        write("key.pem", pki.server_key_pem);
        write("ca.pem", pki.ca_cert_pem);

        std::string servers, inherited;
        for (const auto& site : sites) {
            const int fd = listen_socket();
            fds_.push_back(fd);
            ports_.push_back(port_of(fd));
            inherited += std::to_string(fd) + ";";
            servers += "server { listen 127.0.0.1:" + std::to_string(ports_.back()) +
                       " ssl; ssl_certificate " + path("cert.pem") + "; ssl_certificate_key " +
                       path("key.pem") + "; " + site.directives + " }\n";
        }
        const std::string d = dir_.string();
        write("nginx.conf", "daemon off; master_process on; worker_processes 1; pid " + d +
                                "/nginx.pid; error_log " + d + "/error.log;\n" +
                                "events { worker_connections 256; }\n" +
                                "http { access_log off; client_body_temp_path " + d +
                                "/body; proxy_temp_path " + d + "/proxy; fastcgi_temp_path " + d +
                                "/fastcgi; uwsgi_temp_path " + d + "/uwsgi; scgi_temp_path " + d +
                                "/scgi;\n" + servers + "}\n");

        const std::string env_sockets = "NGINX=" + inherited;
        std::vector<std::string> env_text{env_sockets};
        for (char** e = environ; *e != nullptr; ++e)
            if (std::strncmp(*e, "NGINX=", 6) != 0)
                env_text.emplace_back(*e);
        std::vector<char*> env;
        for (auto& s : env_text)
            env.push_back(s.data());
        env.push_back(nullptr);
        std::string exe = "/usr/sbin/nginx", p = "-p", c = "-c", e = "-e";
        std::string prefix = d + "/", conf = path("nginx.conf"), log = path("error.log");
        char* argv[] = {exe.data(),  p.data(), prefix.data(), c.data(),
                        conf.data(), e.data(), log.data(),    nullptr};
        if (::posix_spawn(&pid_, exe.c_str(), nullptr, nullptr, argv, env.data()) != 0) {
            pid_ = -1;
            throw std::runtime_error("cannot start " + exe);
        }
        // nginx has its copies: the client's connections wait in their backlog.
        for (int fd : fds_)
            ::close(fd);
        fds_.clear();
    }

    ~nginx_server() {
        for (int fd : fds_)
            ::close(fd);
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);  // fast shutdown; the master waits for its worker
            int status = 0;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    nginx_server(const nginx_server&) = delete;
    nginx_server& operator=(const nginx_server&) = delete;

    std::uint16_t port(std::size_t site) const { return ports_.at(site); }
    std::string base_url(std::size_t site) const {
        return "https://127.0.0.1:" + std::to_string(port(site)) + "/v1";
    }
    /// The CA that issued nginx's certificate, for the client's tls.ca_file.
    std::string ca_file() const { return path("ca.pem"); }
    /// nginx's error log so far (why a test failed).
    std::string error_log() const {
        std::ifstream in(dir_ / "error.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

  private:
    static int& instances() {
        static int n = 0;
        return n;
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir_ / name, std::ios::binary) << text;
    }
    // A socket listening on an ephemeral port of 127.0.0.1, inherited by nginx.
    static int listen_socket() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);  // no CLOEXEC: nginx inherits it
        if (fd < 0)
            throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 511) != 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            throw std::runtime_error("bind/listen on 127.0.0.1: " + why);
        }
        return fd;
    }
    static std::uint16_t port_of(int fd) {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        return ntohs(a.sin_port);
    }

    std::filesystem::path dir_;
    std::vector<int> fds_;
    std::vector<std::uint16_t> ports_;
    pid_t pid_ = -1;
};

}  // namespace peer
