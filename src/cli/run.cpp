#include "run.hpp"

#include "progress.hpp"

#include <openai/images/batch.hpp>
#include <openai/images/save.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/url/parse.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

namespace openai_images_cli {

namespace asio = boost::asio;
namespace oi = openai::images;
using clock_type = std::chrono::steady_clock;

namespace {

std::string_view format_name(oi::image_format f) {
    switch (f) {
        case oi::image_format::png:
            return "png";
        case oi::image_format::jpeg:
            return "jpeg";
        case oi::image_format::webp:
            return "webp";
        case oi::image_format::unknown:
            break;
    }
    return "unknown format";
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// One run: the batch, then the saves, on one single-threaded io_context.
class runner {
  public:
    runner(asio::io_context& ioc, oi::client& c, const cli_args& args, std::vector<job> jobs)
        : ioc_(ioc),
          client_(c),
          args_(args),
          jobs_(std::move(jobs)),
          signals_(ioc, SIGINT, SIGTERM),
          start_(clock_type::now()),
          progress_(std::cerr, ::isatty(STDERR_FILENO) == 1, args.quiet, start_) {}

    void start() {
        signals_.async_wait([this](const oi::error_code& ec, int) { on_signal(ec); });

        std::vector<oi::batch_request> requests;
        requests.reserve(jobs_.size());
        for (const auto& j : jobs_)
            requests.push_back(j.request);

        oi::batch_options opts;
        opts.concurrency = args_.concurrency;
        opts.on_progress = [this](const oi::batch_progress& p) { progress_.update(p); };
        oi::async_run_batch(
            client_, std::move(requests), std::move(opts),
            asio::bind_cancellation_slot(
                cancel_.slot(),
                asio::bind_executor(
                    ioc_, [this](oi::error_code ec, std::vector<oi::batch_result> results) {
                        on_batch_done(ec, std::move(results));
                    })));
    }

    int exit_code() const { return failures() == 0 && !interrupted_ ? 0 : 1; }

  private:
    std::size_t failures() const { return failed_requests_ + failed_saves_; }

    std::string label(std::size_t i) const {
        if (jobs_[i].line == 0)
            return std::string(command_name(args_.cmd));
        return "line " + std::to_string(jobs_[i].line);
    }

    void on_signal(const oi::error_code& ec) {
        if (ec)
            return;  // cancelled at the end of the run
        if (interrupted_)
            std::_Exit(130);  // a second interrupt: leave now
        interrupted_ = true;
        progress_.finish();
        std::cerr << "openai-images: interrupted: cancelling the requests in flight (again to "
                     "quit at once)\n";
        if (!batch_done_)
            cancel_.emit(asio::cancellation_type::terminal);
        signals_.async_wait([this](const oi::error_code& e, int) { on_signal(e); });
    }

    void on_batch_done(oi::error_code, std::vector<oi::batch_result> results) {
        batch_done_ = true;
        progress_.finish();
        results_ = std::move(results);
        if (results_.size() != jobs_.size()) {
            std::cerr << "openai-images: the batch returned " << results_.size() << " results for "
                      << jobs_.size() << " requests\n";
            failed_requests_ += jobs_.size() > results_.size() ? jobs_.size() - results_.size() : 0;
            results_.resize(std::min(results_.size(), jobs_.size()));
        }
        std::size_t cancelled = 0;
        for (std::size_t i = 0; i < results_.size(); ++i) {
            const auto& r = results_[i];
            if (!r.ec)
                continue;
            ++failed_requests_;
            if (interrupted_ && r.ec == asio::error::operation_aborted) {
                ++cancelled;
                continue;
            }
            std::cerr << "openai-images: " << label(i) << ": " << describe_error(r.ec, r.diag)
                      << '\n';
        }
        if (cancelled > 0)
            std::cerr << "openai-images: " << cancelled << " requests cancelled\n";
        cancelled_ = cancelled;

        save_diags_.resize(results_.size());
        const std::size_t chains = std::max<std::size_t>(1, args_.concurrency);
        for (std::size_t k = 0; k < chains && !finished_; ++k)
            save_next();
    }

    // Saves the next successful response; `chains` of these run at once.
    void save_next() {
        while (next_save_ < results_.size() && results_[next_save_].ec)
            ++next_save_;
        if (next_save_ >= results_.size()) {
            if (saving_ == 0)
                finish();
            return;
        }
        const std::size_t i = next_save_++;
        ++saving_;
        oi::async_save_images(
            client_, std::move(results_[i].response), args_.out_dir, jobs_[i].stem, save_diags_[i],
            asio::bind_executor(ioc_,
                                [this, i](oi::error_code ec, std::vector<oi::saved_image> saved) {
                                    on_saved(i, ec, std::move(saved));
                                }));
    }

    void on_saved(std::size_t i, oi::error_code ec, std::vector<oi::saved_image> saved) {
        --saving_;
        images_ += saved.size();
        if (!args_.quiet) {
            for (const auto& s : saved) {
                std::cout << "saved " << s.path.string() << " (";
                if (s.width > 0)
                    std::cout << s.width << 'x' << s.height << ' ';
                std::cout << format_name(s.format) << ", " << s.bytes << " bytes)\n";
            }
        }
        if (ec) {
            ++failed_saves_;
            std::cerr << "openai-images: " << label(i)
                      << ": cannot save: " << describe_error(ec, save_diags_[i]) << '\n';
        } else if (saved.empty()) {
            ++failed_saves_;
            std::cerr << "openai-images: " << label(i) << ": the response has no images\n";
        }
        save_next();
    }

    void finish() {
        if (finished_)
            return;
        finished_ = true;
        signals_.cancel();
        const double seconds = std::chrono::duration<double>(clock_type::now() - start_).count();
        const double rate = seconds > 0 ? static_cast<double>(images_) / seconds : 0.0;
        const std::size_t requests = jobs_.size();
        std::cout << "summary: " << requests << (requests == 1 ? " request, " : " requests, ")
                  << (requests - std::min(requests, failed_requests_)) << " succeeded, "
                  << failed_requests_ << " failed"
                  << (cancelled_ > 0 ? " (" + std::to_string(cancelled_) + " cancelled)" : "")
                  << '\n'
                  << "  images    " << images_ << " in " << args_.out_dir.string() << '\n'
                  << "  failures  " << failures() << '\n'
                  << "  seconds   " << fixed(seconds, 2) << '\n'
                  << "  images/s  " << fixed(rate, 1) << '\n'
                  << "  retries   " << client_.stats().retries << '\n'
                  << std::flush;
    }

    asio::io_context& ioc_;
    oi::client& client_;
    const cli_args& args_;
    std::vector<job> jobs_;
    asio::signal_set signals_;
    asio::cancellation_signal cancel_;
    clock_type::time_point start_;
    progress_reporter progress_;

    std::vector<oi::batch_result> results_;
    std::vector<oi::diagnostics> save_diags_;
    std::size_t next_save_ = 0;
    std::size_t saving_ = 0;
    std::size_t images_ = 0;
    std::size_t failed_requests_ = 0;
    std::size_t failed_saves_ = 0;
    std::size_t cancelled_ = 0;
    bool interrupted_ = false;
    bool batch_done_ = false;
    bool finished_ = false;
};

}  // namespace

std::string describe_error(oi::error_code ec, const oi::diagnostics& diag) {
    std::string out = ec.message();
    if (!diag.message().empty()) {
        out += ": ";
        out += diag.message();
    }
    std::string extra;
    const auto add = [&](const std::string& s) {
        if (!extra.empty())
            extra += ", ";
        extra += s;
    };
    if (!diag.param().empty())
        add("param " + std::string(diag.param()));
    if (!diag.api_code().empty())
        add("code " + std::string(diag.api_code()));
    const auto& r = diag.response();
    if (r.status != 0)
        add("HTTP " + std::to_string(r.status));
    if (!r.request_id.empty())
        add("request " + r.request_id);
    if (r.attempts > 1)
        add(std::to_string(r.attempts) + " attempts");
    if (!extra.empty())
        out += " [" + extra + "]";
    return out;
}

bool make_client_options(const cli_args& args, oi::client_options& out, std::string& error) {
    out = oi::client_options::from_env();
    if (args.base_url)
        out.base_url = *args.base_url;
    if (args.api_key)
        out.api_key = *args.api_key;
    if (args.ca_file)
        out.tls.ca_file = *args.ca_file;
    if (args.retries)
        out.retry.max_retries = *args.retries;
    if (args.timeout_seconds) {
        const auto total = std::chrono::milliseconds(std::llround(*args.timeout_seconds * 1000.0));
        out.timeout.total = std::max(total, std::chrono::milliseconds(1));
        out.timeout.response_header = std::min(out.timeout.response_header, out.timeout.total);
    }
    out.validation.enabled = !args.no_validate;
    out.decode_b64_json = true;  // every image is saved: decoded as it arrives
    out.pool.max_connections = std::max(out.pool.max_connections, args.concurrency);

    const auto url = boost::urls::parse_uri(out.base_url);
    if (!url) {
        error = "--base-url: '" + out.base_url + "' is not a URL (e.g. https://api.openai.com/v1)";
        return false;
    }
    if (out.api_key.empty() && url->host() == "api.openai.com") {
        error = "no API key: set OPENAI_API_KEY (or pass --api-key)";
        return false;
    }
    return true;
}

int run_jobs(const cli_args& args, const oi::client_options& options, std::vector<job> jobs) {
    asio::io_context ioc;
    std::optional<oi::client> c;
    try {
        c.emplace(ioc.get_executor(), options);
    } catch (const std::exception& e) {
        std::cerr << "openai-images: " << e.what() << '\n';
        return 2;
    }
    runner r(ioc, *c, args, std::move(jobs));
    r.start();
    ioc.run();
    return r.exit_code();
}

}  // namespace openai_images_cli
