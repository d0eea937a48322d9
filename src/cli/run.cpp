#include "run.hpp"

#include "partials.hpp"
#include "preflight.hpp"
#include "progress.hpp"

#include <openai/images/batch.hpp>
#include <openai/images/json.hpp>
#include <openai/images/save.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/value_from.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <type_traits>
#include <variant>

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

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "out/image.png (1024x1024 png, 1234 bytes)"
std::string describe_saved(const oi::saved_image& s) {
    std::string out = s.path.string() + " (";
    if (s.width > 0)
        out += std::to_string(s.width) + 'x' + std::to_string(s.height) + ' ';
    return out + std::string(format_name(s.format)) + ", " + std::to_string(s.bytes) + " bytes)";
}

// One run on one single-threaded io_context: each request's images are saved
// (and recorded in the batch's manifest) as soon as it completes, and freed,
// while the others are still in flight. A streamed request (generate or edit
// with --stream) also saves each partial image as it arrives.
class runner {
  public:
    runner(asio::io_context& ioc, oi::client& c, const cli_args& args, run_plan plan)
        : ioc_(ioc),
          client_(c),
          args_(args),
          plan_(std::move(plan)),
          signals_(ioc, SIGINT, SIGTERM),
          start_(clock_type::now()),
          progress_(std::cerr, ::isatty(STDERR_FILENO) == 1, args.quiet, start_) {}

    void start() {
        signals_.async_wait([this](const oi::error_code& ec, int) { on_signal(ec); });
        if (plan_.jobs.size() == 1 && plan_.jobs.front().streams && start_stream())
            return;

        // The requests move into the batch: a job keeps its name and line.
        std::vector<oi::batch_request> requests;
        requests.reserve(plan_.jobs.size());
        for (auto& j : plan_.jobs)
            requests.push_back(std::move(j.request));

        oi::batch_options opts;
        opts.concurrency = args_.concurrency;
        opts.on_progress = [this](const oi::batch_progress& p) {
            last_ = p;
            progress_.update(p, images_);
        };
        opts.on_result = [this](std::size_t i, oi::batch_result& r) { on_result(i, r); };
        oi::async_run_batch(
            client_, std::move(requests), std::move(opts),
            asio::bind_cancellation_slot(
                cancel_.slot(),
                asio::bind_executor(ioc_, [this](oi::error_code, std::vector<oi::batch_result>) {
                    batch_done_ = true;
                    maybe_finish();
                })));
    }

    int exit_code() const {
        if (interrupted_)
            return 130;
        return failed_requests_ == 0 && failed_saves_ == 0 && failed_partials_ == 0 ? 0 : 1;
    }

  private:
    std::string label(std::size_t i) const {
        const job& j = plan_.jobs[i];
        if (j.line == 0)
            return std::string(command_name(args_.cmd));
        return "line " + std::to_string(j.line);
    }

    void on_signal(const oi::error_code& ec) {
        if (ec)
            return;  // cancelled at the end of the run
        if (interrupted_)
            std::_Exit(130);  // a second interrupt: leave now; what was saved is recorded
        interrupted_ = true;
        progress_.finish();
        std::cerr << "openai-images: interrupted: cancelling the requests in flight; images "
                     "already received are still saved (again to quit at once)\n";
        if (!batch_done_)
            cancel_.emit(asio::cancellation_type::terminal);
        signals_.async_wait([this](const oi::error_code& e, int) { on_signal(e); });
    }

    // The one request of generate or edit --stream, through async_stream:
    // false when it is not an operation that streams (then it runs as a batch).
    bool start_stream() {
        return std::visit(
            [this](auto& req) {
                using request_type = std::decay_t<decltype(req)>;
                if constexpr (oi::streaming_operation<request_type>) {
                    partials_.emplace(args_.out_dir, plan_.jobs.front().stem, req.n && *req.n > 1);
                    last_.total = 1;
                    last_.in_flight = 1;
                    progress_.update(last_, images_);
                    client_.async_stream(
                        std::move(req), [this](oi::ImageStreamEvent& e) { on_event(e); },
                        stream_diag_,
                        asio::bind_cancellation_slot(
                            cancel_.slot(), asio::bind_executor(ioc_, [this](oi::error_code ec,
                                                                             oi::ImagesResponse r) {
                                on_streamed(ec, std::move(r));
                            })));
                    return true;
                } else {
                    return false;
                }
            },
            plan_.jobs.front().request);
    }

    // Each event of the stream, on this io_context's thread. A partial image
    // is written before the next event is read; a completed event's image is
    // saved with the response, as every request's images are.
    void on_event(const oi::ImageStreamEvent& e) {
        if (!e.partial_image_index)
            return;
        oi::saved_image saved;
        oi::diagnostics diag;
        if (const auto ec = partials_->save(e, saved, diag)) {
            // A draft that could not be written: the final image may still be.
            ++failed_partials_;
            progress_.finish();
            std::cerr << "openai-images: " << label(0)
                      << ": cannot save a partial image: " << describe_error(ec, diag) << '\n';
            return;
        }
        ++partials_saved_;
        if (!args_.quiet) {
            progress_.finish();
            std::cout << "partial " << describe_saved(saved) << '\n' << std::flush;
        }
        progress_.update(last_, images_, partials_saved_);
    }

    void on_streamed(oi::error_code ec, oi::ImagesResponse response) {
        last_.in_flight = 0;
        if (ec) {
            last_.failed = 1;
        } else {
            last_.succeeded = 1;
            last_.images = response.data.size();
        }
        progress_.update(last_, images_, partials_saved_);
        oi::batch_result result{ec, std::move(response), std::move(stream_diag_)};
        on_result(0, result);
        batch_done_ = true;
        maybe_finish();
    }

    // On the batch's strand, which is this io_context's only thread.
    void on_result(std::size_t i, oi::batch_result& r) {
        if (r.ec) {
            ++failed_requests_;
            if (interrupted_ && r.ec == asio::error::operation_aborted) {
                ++cancelled_;
                return;  // not sent, or cut short: the line is simply not done
            }
            const std::string why = describe_error(r.ec, r.diag);
            progress_.finish();
            std::cerr << "openai-images: " << label(i) << ": " << why << '\n';
            record(i, false, {}, r.diag.response().request_id, {}, why);
            return;
        }
        ++succeeded_;
        ++saving_;
        auto meta = std::make_shared<save_meta>();
        meta->request_id = r.diag.response().request_id;
        if (r.response.usage)
            meta->usage = boost::json::value_from(*r.response.usage).as_object();
        oi::async_save_images(
            client_, std::move(r.response), args_.out_dir, plan_.jobs[i].stem, meta->diag,
            asio::bind_executor(
                ioc_, [this, i, meta](oi::error_code ec, std::vector<oi::saved_image> saved) {
                    on_saved(i, ec, std::move(saved), *meta);
                }));
    }

    struct save_meta {
        oi::diagnostics diag{};
        std::string request_id{};
        boost::json::object usage{};
    };

    void on_saved(std::size_t i, oi::error_code ec, std::vector<oi::saved_image> saved,
                  const save_meta& meta) {
        --saving_;
        images_ += saved.size();
        if (!args_.quiet) {
            progress_.finish();
            for (const auto& s : saved) {
                std::cout << "saved " << describe_saved(s) << '\n';
            }
            std::cout << std::flush;
        }
        std::vector<std::string> files;
        for (const auto& s : saved)
            files.push_back(s.path.filename().string());
        std::string why;
        if (ec)
            why = "cannot save: " + describe_error(ec, meta.diag);
        else if (saved.empty())
            why = "the response has no images";
        if (!why.empty()) {
            ++failed_saves_;
            progress_.finish();
            std::cerr << "openai-images: " << label(i) << ": " << why << '\n';
        }
        if (!record(i, why.empty(), std::move(files), meta.request_id, meta.usage, why) &&
            why.empty())
            ++failed_saves_;  // saved, but a rerun would not know it
        progress_.update(last_, images_, partials_saved_);
        maybe_finish();
    }

    // Appends the line's record to the batch's manifest (a single request
    // has none). Returns false when it could not be written.
    bool record(std::size_t i, bool done, std::vector<std::string> files,
                const std::string& request_id, const boost::json::object& usage,
                const std::string& error) {
        if (!plan_.journal)
            return true;
        const job& j = plan_.jobs[i];
        manifest_record rec{j.line, j.key, done, std::move(files), request_id, usage, error};
        std::string why;
        if (plan_.journal->append(rec, why))
            return true;
        std::cerr << "openai-images: " << label(i) << ": " << why << '\n';
        return false;
    }

    void maybe_finish() {
        if (!batch_done_ || saving_ > 0 || finished_)
            return;
        finished_ = true;
        signals_.cancel();
        progress_.finish();
        const double seconds = std::chrono::duration<double>(clock_type::now() - start_).count();
        const std::size_t sent = plan_.jobs.size();
        std::cout << "summary\n"
                  << "  requests  " << sent << " sent: " << succeeded_ << " succeeded, "
                  << failed_requests_ << " failed"
                  << (cancelled_ > 0 ? " (" + std::to_string(cancelled_) + " cancelled)" : "")
                  << '\n';
        if (plan_.journal)
            std::cout << "  skipped   " << plural(plan_.skipped, "line", "lines")
                      << " done in an earlier run\n";
        std::cout << "  saved     " << plural(images_, "image", "images") << " in "
                  << args_.out_dir.string();
        if (failed_saves_ > 0)
            std::cout << "; the images of " << plural(failed_saves_, "request", "requests")
                      << " not saved";
        std::cout << '\n';
        if (partials_)
            std::cout << "  partials  "
                      << plural(partials_saved_, "partial image", "partial images") << " saved"
                      << (failed_partials_ > 0
                              ? ", " + std::to_string(failed_partials_) + " not saved"
                              : std::string())
                      << '\n';
        std::cout << "  seconds   " << fixed(seconds, 2) << '\n'
                  << "  images/s  " << fixed(progress_reporter::rate(images_, seconds), 2)
                  << " (saved per second)\n"
                  << "  retries   " << client_.stats().retries << '\n';
        if (plan_.journal)
            std::cout << "  manifest  " << plan_.journal->path().string() << '\n';
        std::cout << std::flush;
    }

    asio::io_context& ioc_;
    oi::client& client_;
    const cli_args& args_;
    run_plan plan_;
    asio::signal_set signals_;
    asio::cancellation_signal cancel_;
    clock_type::time_point start_;
    progress_reporter progress_;
    oi::batch_progress last_{};

    std::size_t saving_ = 0;
    std::size_t images_ = 0;
    std::size_t succeeded_ = 0;
    std::size_t failed_requests_ = 0;
    std::size_t failed_saves_ = 0;
    std::size_t cancelled_ = 0;
    std::optional<partial_saver> partials_{};  ///< a streamed request's
    oi::diagnostics stream_diag_{};
    std::size_t partials_saved_ = 0;
    std::size_t failed_partials_ = 0;
    bool interrupted_ = false;
    bool batch_done_ = false;
    bool finished_ = false;
};

}  // namespace

int run_jobs(const cli_args& args, const oi::client_options& options, std::vector<job> jobs) {
    run_plan plan;
    std::string error;
    if (!plan_run(args, std::move(jobs), plan, error)) {
        std::cerr << "openai-images: " << error << '\n';
        return 2;
    }
    if (plan.leftovers_removed > 0)
        std::cerr << "openai-images: removed "
                  << plural(plan.leftovers_removed, "temporary file", "temporary files")
                  << " that an interrupted run left in " << args.out_dir.string() << '\n';
    if (plan.drafts_removed > 0)
        std::cerr << "openai-images: --overwrite: removed "
                  << plural(plan.drafts_removed, "partial image", "partial images")
                  << " of an earlier stream in " << args.out_dir.string() << '\n';
    if (plan.skipped > 0)
        std::cerr << "openai-images: resuming: " << plural(plan.skipped, "line", "lines")
                  << " already done in " << plan.journal->path().string() << ", skipped; "
                  << plural(plan.jobs.size(), "request", "requests") << " to send\n";
    if (plan.jobs.empty() && plan.journal) {
        std::cout << "nothing to do: every line of " << args.prompts.string() << " is done (see "
                  << plan.journal->path().string() << ")\n";
        return 0;
    }
    if (plan.server_chooses_model && !args.quiet)
        std::cerr << "openai-images: no model given: the server chooses it, and only the checks "
                     "that hold for every model were made (--model to choose)\n";

    asio::io_context ioc;
    std::optional<oi::client> c;
    if (!make_client(ioc.get_executor(), options, c, error)) {
        std::cerr << "openai-images: " << error << '\n';
        return 2;
    }
    runner r(ioc, *c, args, std::move(plan));
    r.start();
    ioc.run();
    return r.exit_code();
}

}  // namespace openai_images_cli
