// Shared by the benchmark programs: flag parsing, the process's memory as
// /proc reports it, percentiles and the one JSON line each program prints.
#pragma once

#include <openai/images.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace bench {

namespace oi = openai::images;
using steady = std::chrono::steady_clock;

/// --name value pairs; every flag takes a value.
class flags {
  public:
    flags(int argc, char** argv) {
        for (int i = 1; i < argc; ++i) {
            const std::string_view a = argv[i];
            if (a.size() < 3 || a.substr(0, 2) != "--" || i + 1 >= argc)
                throw std::invalid_argument("expected --name value, got " + std::string(a));
            values_[std::string(a.substr(2))] = argv[++i];
        }
    }
    /// The flag's value; without one, `fallback`, or an error when there is none.
    std::string str(const std::string& name,
                    std::optional<std::string> fallback = std::nullopt) const {
        const auto it = values_.find(name);
        if (it != values_.end())
            return it->second;
        if (!fallback)
            throw std::invalid_argument("missing --" + name);
        return *fallback;
    }
    double number(const std::string& name, double fallback) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : std::stod(it->second);
    }
    std::size_t count(const std::string& name, std::size_t fallback) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : std::stoul(it->second);
    }

  private:
    std::map<std::string, std::string> values_;
};

/// A field of /proc/self/status in bytes (VmRSS, VmHWM…), 0 when absent.
inline std::uint64_t proc_status_bytes(std::string_view field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
            line[field.size()] == ':')
            return std::stoull(line.substr(field.size() + 1)) * 1024;  // reported in kB
    }
    return 0;
}
inline std::uint64_t rss_bytes() {
    return proc_status_bytes("VmRSS");
}
inline std::uint64_t peak_rss_bytes() {
    return proc_status_bytes("VmHWM");
}

/// CPU time (user + system) and page faults of this process so far.
struct cpu_use {
    double seconds = 0;
    std::uint64_t page_faults = 0;

    static cpu_use now() {
        rusage u{};
        ::getrusage(RUSAGE_SELF, &u);
        auto secs = [](const timeval& t) {
            return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
        };
        return {secs(u.ru_utime) + secs(u.ru_stime),
                static_cast<std::uint64_t>(u.ru_minflt + u.ru_majflt)};
    }
};

/// Resets VmHWM to the current RSS (Linux >= 4.0), so that a later peak
/// belongs to what ran in between. Returns false when the kernel refused.
inline bool reset_peak_rss() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return static_cast<bool>(out);
}

/// The q-quantile (0..1) of the samples, sorting them.
inline double quantile(std::vector<double>& v, double q) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto i =
        std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
    return v[i];
}

inline double seconds_between(steady::time_point a, steady::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

inline double mb_per_s(std::uint64_t bytes, double seconds) {
    return static_cast<double>(bytes) / 1e6 / seconds;
}

/// The best of `runs` timings of `fn`, in seconds.
template <class Fn>
double best_of(std::size_t runs, Fn&& fn) {
    double best = 1e9;
    for (std::size_t i = 0; i < runs; ++i) {
        const auto start = steady::now();
        fn();
        best = std::min(best, seconds_between(start, steady::now()));
    }
    return best;
}

/// The best of `runs` plain copies of `src` into memory already written once.
inline double memcpy_seconds(std::string_view src, std::size_t runs) {
    auto dst = std::make_unique_for_overwrite<char[]>(src.size());
    std::memset(dst.get(), 0, src.size());
    return best_of(runs, [&] {
        std::memcpy(dst.get(), src.data(), src.size());
        asm volatile("" : : "r"(dst.get()) : "memory");
    });
}

/// Client options for the test server: its URL, test CA and key, no retries
/// (a benchmark counts failures instead of hiding them). With --threads N
/// (N > 1) each operation and connection gets a strand of its own, so that
/// the N threads share the work; --strand-per-operation 0|1 says otherwise.
/// --single-thread 1 sets client_options::single_thread.
inline oi::client_options options_from(const flags& f) {
    oi::client_options o;
    o.base_url = f.str("url");
    o.api_key = f.str("key", "sk-test-key");
    o.tls.ca_file = f.str("ca", "");  // none: the system's roots
    o.retry.max_retries = 0;
    o.strand_per_operation =
        f.count("strand-per-operation", f.count("threads", 1) > 1 ? 1 : 0) != 0;
    o.single_thread = f.count("single-thread", 0) != 0;  // --single-thread 1: no strand
    return o;
}

/// Runs `ioc` on `threads` threads (this one and threads - 1 more) until it
/// is out of work.
inline void run_threads(boost::asio::io_context& ioc, std::size_t threads) {
    std::vector<std::jthread> more;
    for (std::size_t i = 1; i < threads; ++i)
        more.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
}

/// The requests of one small-request client that completed inside the
/// measured window, which opens after the warm-up and lasts `duration`, and
/// the process's CPU time over that window (see sample_cpu). Requests may be
/// recorded from several threads.
struct rate_tally {
    steady::time_point measure_from, stop_at;
    std::vector<double> latency_ms;
    std::uint64_t ok = 0, errors = 0;
    std::string first_error;
    double cpu_from = -1, cpu_to = -1;  ///< CPU seconds when the window opened and closed
    std::mutex mutex;

    rate_tally(double warmup, double duration)
        : measure_from(steady::now() + std::chrono::duration_cast<steady::duration>(
                                           std::chrono::duration<double>(warmup))),
          stop_at(measure_from + std::chrono::duration_cast<steady::duration>(
                                     std::chrono::duration<double>(duration))) {
        latency_ms.reserve(1 << 20);
    }

    /// Counts a request that started at `start` and ended at `end`, when it
    /// ended inside the window; `error` is called for the first failure's text.
    template <class Error>
    void record(steady::time_point start, steady::time_point end, bool good, Error&& error) {
        if (end < measure_from || end >= stop_at)
            return;
        const std::lock_guard lock(mutex);
        if (good) {
            ++ok;
            latency_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
        } else if (errors++ == 0) {
            first_error = error();
        }
    }

    /// Reads this process's CPU time (user + system, every thread) when the
    /// window opens and when it closes, on timers of `ex`: the CPU time of
    /// the requests recorded, give or take those in flight at both ends.
    /// The timers keep the io_context busy until the window has closed.
    void sample_cpu(const boost::asio::any_io_executor& ex) {
        boost::asio::co_spawn(ex, cpu_sampler(), boost::asio::detached);
    }

    /// The JSON line: requests, errors, rate, latency percentiles, the CPU
    /// time of the window (when sampled) and the process's peak RSS.
    boost::json::object summary(std::string_view client, std::size_t concurrency) {
        const double seconds = seconds_between(measure_from, stop_at);
        boost::json::object out{{"client", client},
                                {"concurrency", concurrency},
                                {"requests", ok},
                                {"errors", errors},
                                {"seconds", seconds},
                                {"rps", static_cast<double>(ok) / seconds},
                                {"p50_ms", quantile(latency_ms, 0.50)},
                                {"p99_ms", quantile(latency_ms, 0.99)},
                                {"peak_rss_bytes", peak_rss_bytes()}};
        if (cpu_from >= 0 && cpu_to >= 0) {
            out["cpu_seconds"] = cpu_to - cpu_from;
            out["cpu_cores"] = (cpu_to - cpu_from) / seconds;
            if (ok)
                out["cpu_us_per_request"] = (cpu_to - cpu_from) * 1e6 / static_cast<double>(ok);
        }
        if (errors)
            out["first_error"] = first_error;
        return out;
    }

  private:
    boost::asio::awaitable<void> cpu_sampler() {
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        timer.expires_at(measure_from);
        co_await timer.async_wait(boost::asio::use_awaitable);
        cpu_from = cpu_use::now().seconds;
        timer.expires_at(stop_at);
        co_await timer.async_wait(boost::asio::use_awaitable);
        cpu_to = cpu_use::now().seconds;
    }
};

/// The rate modes' worker: `req` through `client`, one request after
/// another, until the window of `t` closes; `check(response)` gives the
/// failure of an answer that came (empty: a good one).
template <class Request, class Check>
boost::asio::awaitable<void> rate_worker(oi::client& client, const Request& req, rate_tally& t,
                                         Check check) {
    for (;;) {
        const auto start = steady::now();
        if (start >= t.stop_at)
            co_return;
        oi::diagnostics diag;
        auto [ec, res] = co_await client.async_execute(
            req, diag, boost::asio::as_tuple(boost::asio::use_awaitable));
        const std::string failure =
            ec ? std::string(diag.message()) + " (" + ec.message() + ")" : check(res);
        t.record(start, steady::now(), failure.empty(), [&] { return failure; });
    }
}

/// Runs `task` on `ioc` until the io_context is out of work; rethrows what
/// the coroutine threw.
inline void run_to_end(boost::asio::io_context& ioc, boost::asio::awaitable<void> task) {
    std::exception_ptr failure;
    boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure)
        std::rethrow_exception(failure);
}

/// The small request of the throughput benchmarks: a 256x256 dall-e-2
/// generation, answered by url (wrk and the Node SDK send the same).
inline oi::CreateImageRequest small_request() {
    oi::CreateImageRequest req;
    req.prompt = "a small red fox";
    req.model = oi::ImageModel::dall_e_2;
    req.n = 1;
    req.size = oi::ImageSize::s256x256;
    return req;
}

inline void print(const boost::json::object& o) {
    std::cout << boost::json::serialize(o) << std::endl;
}

}  // namespace bench
