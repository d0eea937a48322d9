// The fault soak: many requests at a fixed concurrency against the in-process
// fake server, one request in ten faulted by a fault kind of the server (round
// robin over all of them, every attempt of that request faulted alike). Checks
// that every request completes exactly once with the outcome its fault
// implies, that the client's and the server's counts agree with the script,
// that the pool ends idle, that memory stays flat after warm-up and that the
// io_context runs out of work once the client is gone. Prints a table per
// scenario and outcome and a summary line; exits 1 on any failure.
//
//   short (CTest soak.short, the defaults):
//     <build>/test/soak/soak_test --requests 20000 --concurrency 256 --threads 2
//   full:
//     <build>/test/soak/soak_test --requests 200000 --concurrency 256 --threads 2
// (--max-seconds N, 600 by default, bounds the whole run: past it the soak
// fails, listing the requests still in flight, instead of hanging.)
//
// Every answer is b64_json: a 256x256 PNG is 761 bytes, so the body stays
// small, and unlike url answers it does not make the fake server keep a table
// of image URLs, which would grow through the memory measurement.
#include "fault_script.hpp"

#include <openai/images.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using namespace soak;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr double warm_up_share = 0.2;
// Memory is sampled twice with the load at full concurrency: once 20 % of the
// requests have completed, and when the last request starts ("end").
// Heap in use (malloc's live bytes, both sides of every connection included)
// is the leak check: between two such samples it moves by about ±2 MiB with
// what the requests in flight are doing, while 8 MiB is a leak of 50 bytes
// per request over the full run's 160,000 measured requests (500 bytes over
// the short run's 16,000).
constexpr std::size_t max_heap_growth = 8 * 1024 * 1024;
// RSS creeps while the heap in use stays flat: each thread allocates from its
// own glibc arena, whose high-water mark rises now and then. When this was
// written: +10 to 12 MiB over the short run, +3 to 6 MiB over the full run
// (+3 MiB over the short run with MALLOC_ARENA_MAX=1). The bound catches
// memory outside malloc's accounting (thread stacks, mappings) and a runaway heap.
constexpr std::size_t max_rss_growth = 32 * 1024 * 1024;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// Quarantine and shadow memory grow RSS, and malloc is the sanitizer's own.
constexpr bool sanitizer_owns_memory = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
constexpr bool sanitizer_owns_memory = true;
#else
constexpr bool sanitizer_owns_memory = false;
#endif
#else
constexpr bool sanitizer_owns_memory = false;
#endif

struct settings {
    std::size_t requests = 20'000;
    std::size_t concurrency = 256;
    std::size_t threads = 2;
    std::chrono::seconds max_time{600};  // all requests must complete within this
};

std::string outcome_name(error_code ec) {
    if (!ec)
        return "success";
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

// One 256x256 PNG, whole: a body cut or spliced by the transport would not decode.
bool is_the_image_asked_for(const oi::ImagesResponse& r) {
    std::vector<unsigned char> png;
    oi::diagnostics diag;
    oi::image_info info;
    return r.data.size() == 1 && !oi::decode_image(r.data[0], png, diag) &&
           !oi::probe_image(oi::file_source::from_memory(png), info, diag) &&
           info.format == oi::image_format::png && info.width == 256 && info.height == 256;
}

std::size_t heap_bytes() {
    const auto mi = ::mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

std::size_t rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

double mib(std::size_t bytes) {
    return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

// Failed checks: counted, the first few kept for the report.
class failures {
  public:
    void add(std::string what) {
        std::lock_guard lock(mu_);
        if (++count_ <= 20)
            first_.push_back(std::move(what));
    }
    std::size_t count() const {
        std::lock_guard lock(mu_);
        return count_;
    }
    void print(std::ostream& os) const {
        std::lock_guard lock(mu_);
        for (const auto& f : first_)
            os << "FAIL: " << f << '\n';
        if (count_ > first_.size())
            os << "FAIL: ... and " << count_ - first_.size() << " more\n";
    }

  private:
    mutable std::mutex mu_;
    std::size_t count_ = 0;
    std::vector<std::string> first_;
};

// The client side: keeps `concurrency` requests in flight, each completion
// checked against its scenario and followed by the next request.
class load {
  public:
    load(const settings& s, oi::client& c, failures& f)
        : settings_(s),
          client_(c),
          failures_(f),
          completions_(s.requests),
          outcomes_(scenarios().size()),
          diags_(s.concurrency),
          upload_(t::make_png(64, 64)) {}

    void start() {
        for (std::size_t slot = 0; slot < settings_.concurrency; ++slot)
            start_next(slot);
    }

    // Waits until `count` requests have completed or `until` passed.
    bool wait_for(std::size_t count, steady::time_point until) {
        std::unique_lock lock(mu_);
        return cv_.wait_until(lock, until, [&] { return done_ >= count; });
    }

    std::size_t completed() const {
        std::lock_guard lock(mu_);
        return done_;
    }

    // Checks what only the end can tell: each request completed exactly once.
    void check_exactly_once() const {
        std::size_t missing = 0, repeated = 0;
        for (const auto& c : completions_) {
            const auto n = c.load();
            missing += n == 0;
            repeated += n > 1;
        }
        if (missing || repeated) {
            failures_.add(std::to_string(missing) + " requests never completed, " +
                          std::to_string(repeated) + " completed more than once");
        }
    }

    // Requests started but not completed (for the report of a hang).
    std::string in_flight() const {
        std::string out;
        const std::size_t started = std::min(next_.load(), settings_.requests);
        for (std::size_t i = 0; i < started; ++i) {
            if (completions_[i].load() == 0)
                out += " " + tag(i) + ";";
        }
        return out;
    }

    // Per scenario: requests, of which those with the expected outcome.
    struct tally {
        std::atomic<std::size_t> requests{0}, as_expected{0};
    };
    const std::vector<tally>& outcomes() const { return outcomes_; }

    std::map<std::string, std::size_t> actual() const {
        std::lock_guard lock(mu_);
        return actual_;
    }

  private:
    void start_next(std::size_t slot) {
        const std::size_t i = next_.fetch_add(1);
        if (i >= settings_.requests)
            return;
        auto done = [this, slot, i](error_code ec, oi::ImagesResponse r) {
            complete(slot, i, ec, r);
        };
        if (is_variation(i)) {
            client_.async_create_image_variation(
                oi::CreateImageVariationRequest{
                    .image = oi::file_source::from_memory(upload_, "soak.png"),
                    .model = oi::ImageModel::dall_e_2,
                    .response_format = oi::ImageResponseFormat::b64_json,
                    .size = "256x256",
                    .user = tag(i)},
                diags_[slot], std::move(done));
        } else {
            client_.async_create_image(
                oi::CreateImageRequest{.prompt = "a soak test",
                                       .model = oi::ImageModel::dall_e_2,
                                       .response_format = oi::ImageResponseFormat::b64_json,
                                       .size = "256x256",
                                       .user = tag(i)},
                diags_[slot], std::move(done));
        }
    }

    void complete(std::size_t slot, std::size_t i, error_code ec, const oi::ImagesResponse& r) {
        if (completions_[i].fetch_add(1) != 0)
            failures_.add(tag(i) + ": completed more than once");
        const std::size_t si = scenario_of(i);
        const scenario& s = scenarios()[si];
        const oi::diagnostics& diag = diags_[slot];
        std::string wrong;
        if (ec != s.expected) {
            wrong = "outcome " + outcome_name(ec) + ", expected " + outcome_name(s.expected) +
                    " (" + std::string(diag.message()) + ")";
        } else if (diag.response().attempts != attempts_of(s)) {
            wrong = std::to_string(diag.response().attempts) + " attempts, expected " +
                    std::to_string(attempts_of(s));
        } else if (!ec && !is_the_image_asked_for(r)) {
            wrong = "a success without the image asked for";
        }
        outcomes_[si].requests.fetch_add(1);
        if (wrong.empty())
            outcomes_[si].as_expected.fetch_add(1);
        else
            failures_.add(tag(i) + ": " + wrong);
        {
            std::lock_guard lock(mu_);
            ++actual_[outcome_name(ec)];
        }
        start_next(slot);
        {
            std::lock_guard lock(mu_);
            ++done_;
        }
        cv_.notify_all();
    }

    const settings& settings_;
    oi::client& client_;
    failures& failures_;
    std::vector<std::atomic<std::uint8_t>> completions_;  // per request
    std::vector<tally> outcomes_;                         // per scenario
    std::vector<oi::diagnostics> diags_;                  // per slot of concurrency
    const std::string upload_;
    std::atomic<std::size_t> next_{0};
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::size_t done_ = 0;
    std::map<std::string, std::size_t> actual_;  // outcome -> requests
};

std::optional<settings> parse_args(int argc, char** argv) {
    settings s;
    for (int a = 1; a < argc; ++a) {
        const std::string_view name = argv[a];
        std::size_t value = 0;
        if (a + 1 >= argc ||
            std::from_chars(argv[a + 1], argv[a + 1] + std::string_view(argv[a + 1]).size(), value)
                    .ec != std::errc{} ||
            value == 0)
            return std::nullopt;
        ++a;
        if (name == "--requests")
            s.requests = value;
        else if (name == "--concurrency")
            s.concurrency = value;
        else if (name == "--threads")
            s.threads = value;
        else if (name == "--max-seconds")
            s.max_time = std::chrono::seconds(value);
        else
            return std::nullopt;
    }
    return s;
}

// Runs the io_context on `n` threads; wait_for_exit() bounds the wait for them.
class runners {
  public:
    runners(asio::io_context& ioc, std::size_t n, failures& f) : running_(n) {
        for (std::size_t k = 0; k < n; ++k) {
            threads_.emplace_back([this, &ioc, &f] {
                try {
                    ioc.run();
                } catch (const std::exception& e) {
                    f.add(std::string("exception out of io_context::run: ") + e.what());
                }
                {
                    std::lock_guard lock(mu_);
                    --running_;
                }
                cv_.notify_all();
            });
        }
    }
    ~runners() {
        for (auto& th : threads_)
            th.join();
    }
    runners(const runners&) = delete;
    runners& operator=(const runners&) = delete;

    bool wait_for_exit(std::chrono::seconds timeout) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return running_ == 0; });
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::size_t running_;
    std::vector<std::thread> threads_;
};

[[noreturn]] void abandon(const std::string& why, const load& l, const failures& f) {
    std::cerr << "FAIL: " << why << " (" << l.completed() << " completed)\n";
    f.print(std::cerr);
    std::cerr << "in flight:" << l.in_flight() << std::endl;
    std::_Exit(EXIT_FAILURE);  // the io_context's threads are stuck: no orderly exit
}

// The tables per scenario and per outcome, checking the server's arrivals
// against the script on the way.
void print_tables(const load& l, const fault_script& script, const oi::client_stats& st,
                  failures& f) {
    std::printf("%-30s %8s %11s %9s %9s  %s\n", "scenario", "requests", "as_expected", "arrivals",
                "expected", "expected outcome");
    for (std::size_t s = 0; s < scenarios().size(); ++s) {
        const scenario& sc = scenarios()[s];
        const std::size_t n = l.outcomes()[s].requests.load();
        // Every stale re-send is of a reset_before_headers request: only that
        // fault leaves a kept-alive connection closed without the client knowing.
        const std::size_t resends = sc.fault.what == kind::reset_before_headers
                                        ? static_cast<std::size_t>(st.stale_resends)
                                        : 0;
        const std::size_t arrivals_expected = n * attempts_of(sc) + resends;
        std::printf("%-30s %8zu %11zu %9zu %9zu  %s\n", std::string(sc.name).c_str(), n,
                    l.outcomes()[s].as_expected.load(), script.arrivals(s), arrivals_expected,
                    outcome_name(sc.expected).c_str());
        if (script.arrivals(s) != arrivals_expected) {
            f.add(std::string(sc.name) + ": " + std::to_string(script.arrivals(s)) +
                  " requests reached the server, expected " + std::to_string(arrivals_expected));
        }
    }
    std::map<std::string, std::pair<std::size_t, std::string>> expected;  // count, message
    for (std::size_t s = 0; s < scenarios().size(); ++s) {
        auto& e = expected[outcome_name(scenarios()[s].expected)];
        e.first += l.outcomes()[s].requests.load();
        e.second = scenarios()[s].expected ? scenarios()[s].expected.message() : "";
    }
    const auto actual = l.actual();
    std::printf("%-24s %9s %9s  %s\n", "outcome", "expected", "actual", "message");
    for (const auto& [name, e] : expected) {
        const auto it = actual.find(name);
        const std::size_t got = it == actual.end() ? 0 : it->second;
        std::printf("%-24s %9zu %9zu  %s\n", name.c_str(), e.first, got, e.second.c_str());
    }
    for (const auto& [name, n] : actual) {
        if (!expected.contains(name)) {
            std::printf("%-24s %9d %9zu\n", name.c_str(), 0, n);
            f.add("unexpected outcome " + name);
        }
    }
}

// What every request's completion cannot tell: totals, the pool, connections.
void check_totals(const load& l, const fault_script& script, const oi::client_stats& st,
                  const t::fake_server& server, const settings& cfg, failures& f) {
    l.check_exactly_once();
    if (script.unknown() != 0)
        f.add(std::to_string(script.unknown()) + " requests without a soak tag");
    std::size_t arrivals = 0, retried_requests = 0;
    for (std::size_t s = 0; s < scenarios().size(); ++s) {
        arrivals += script.arrivals(s);
        if (scenarios()[s].retried)
            retried_requests += l.outcomes()[s].requests.load();
    }
    if (st.retries != retried_requests * max_retries) {
        f.add("client counted " + std::to_string(st.retries) + " retries, expected " +
              std::to_string(retried_requests * max_retries));
    }
    if (st.requests != arrivals) {
        f.add("client wrote " + std::to_string(st.requests) + " requests, the server read " +
              std::to_string(arrivals));
    }
    if (st.open_connections != st.idle_connections || st.open_connections > cfg.concurrency) {
        f.add("pool not idle: " + std::to_string(st.open_connections) + " open, " +
              std::to_string(st.idle_connections) + " idle");
    }
    if (st.connections_opened != server.connections_accepted() ||
        st.tls_handshakes != server.tls_handshakes()) {
        f.add("client opened " + std::to_string(st.connections_opened) + " connections (" +
              std::to_string(st.tls_handshakes) + " handshakes), the server accepted " +
              std::to_string(server.connections_accepted()) + " (" +
              std::to_string(server.tls_handshakes()) + ")");
    }
}

struct memory {
    std::size_t rss = 0, heap = 0;
};

memory sample_memory() {
    return {rss_bytes(), heap_bytes()};
}

void check_memory(memory warm, memory end, failures& f) {
    std::printf(
        "memory: RSS %.1f -> %.1f MiB, heap in use %.1f -> %.1f MiB (after warm-up -> "
        "end)%s\n",
        mib(warm.rss), mib(end.rss), mib(warm.heap), mib(end.heap),
        sanitizer_owns_memory ? ", not checked under a sanitizer" : "");
    if (sanitizer_owns_memory)
        return;
    if (end.heap > warm.heap + max_heap_growth)
        f.add("heap in use grew by " + std::to_string(mib(end.heap - warm.heap)) + " MiB");
    if (end.rss > warm.rss + max_rss_growth)
        f.add("RSS grew by " + std::to_string(mib(end.rss - warm.rss)) + " MiB");
}

void print_summary(const settings& cfg, const load& l, const oi::client_stats& st, double wall,
                   memory warm, memory end) {
    std::string faults, outcomes;
    for (std::size_t s = 1; s < scenarios().size(); ++s) {
        faults += (s > 1 ? "," : "") + std::string(scenarios()[s].name) + "=" +
                  std::to_string(l.outcomes()[s].requests.load());
    }
    std::size_t successes = 0;
    for (const auto& [name, n] : l.actual()) {
        outcomes += (outcomes.empty() ? "" : ",") + name + "=" + std::to_string(n);
        if (name == "success")
            successes = n;
    }
    const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    std::printf(
        "soak: requests=%zu concurrency=%zu threads=%zu faults={%s} outcomes={%s} "
        "successes=%zu retries=%llu stale_resends=%llu tls_handshakes=%llu "
        "connections_opened=%llu pool_waits=%llu wall=%.1fs rss_after_warm_up=%.1fMiB "
        "rss_end=%.1fMiB heap_after_warm_up=%.1fMiB heap_end=%.1fMiB\n",
        cfg.requests, cfg.concurrency, cfg.threads, faults.c_str(), outcomes.c_str(), successes,
        u(st.retries), u(st.stale_resends), u(st.tls_handshakes), u(st.connections_opened),
        u(st.pool_waits), wall, mib(warm.rss), mib(end.rss), mib(warm.heap), mib(end.heap));
}

}  // namespace

int main(int argc, char** argv) {
    const auto parsed = parse_args(argc, argv);
    if (!parsed) {
        std::cerr << "usage: soak_test [--requests N] [--concurrency N] [--threads N]"
                     " [--max-seconds N]\n";
        return 2;
    }
    const settings cfg = *parsed;
    failures fail;

    fault_script script;
    t::fake_server server({.threads = 2, .keep_records = false});
    server.set_fault_rule([&script](const t::request_record& r) { return script(r); });
    const auto dir = std::filesystem::temp_directory_path() /
                     ("openai-images-soak-" + std::to_string(::getpid()));
    oi::client_options opts;
    opts.base_url = server.base_url();
    opts.api_key = "sk-test-key";
    opts.tls.ca_file = t::write_ca_file(dir).string();
    opts.retry.max_retries = max_retries;
    opts.retry.initial_backoff = 1ms;
    opts.retry.max_backoff = 1ms;
    opts.pool.max_connections = cfg.concurrency;
    // On several threads, the work is spread over them as a server would.
    opts.strand_per_operation = cfg.threads > 1;

    asio::io_context ioc;
    auto guard = asio::make_work_guard(ioc);
    std::optional<oi::client> client(std::in_place, ioc.get_executor(), opts);
    load l(cfg, *client, fail);

    const auto start = steady::now();
    const auto deadline = start + cfg.max_time;
    const auto timed_out = [&](std::string_view what) {
        abandon(std::string(what) + " within " + std::to_string(cfg.max_time.count()) + " s", l,
                fail);
    };
    l.start();
    std::optional<runners> run(std::in_place, ioc, cfg.threads, fail);

    const auto warm_up =
        static_cast<std::size_t>(static_cast<double>(cfg.requests) * warm_up_share);
    if (!l.wait_for(warm_up, deadline))
        timed_out("warm-up not done");
    const memory warm = sample_memory();
    // After this many completions, the last request has started.
    if (!l.wait_for(std::max(warm_up, cfg.requests - std::min(cfg.requests, cfg.concurrency)),
                    deadline))
        timed_out("the last request not started");
    const memory end = sample_memory();
    if (!l.wait_for(cfg.requests, deadline))
        timed_out("not all requests completed");
    const double wall = std::chrono::duration<double>(steady::now() - start).count();
    const oi::client_stats st = client->stats();

    print_tables(l, script, st, fail);
    check_totals(l, script, st, server, cfg, fail);
    check_memory(warm, end, fail);

    // The client gone and the guard released, the io_context must run out of work.
    client.reset();
    guard.reset();
    if (!run->wait_for_exit(30s))
        abandon("io_context still busy 30 s after the client was destroyed", l, fail);
    run.reset();
    server.stop();
    if (server.open_connections() != 0)
        fail.add(std::to_string(server.open_connections()) + " server connections open after stop");
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);

    print_summary(cfg, l, st, wall, warm, end);
    fail.print(std::cout);
    std::cout << (fail.count() == 0 ? "soak ok" : "soak FAILED") << std::endl;
    return fail.count() == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
