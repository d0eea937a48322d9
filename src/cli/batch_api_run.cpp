#include "batch_api_run.hpp"

#include "manifest.hpp"
#include "preflight.hpp"
#include "run.hpp"

#include <openai/images/base64.hpp>
#include <openai/images/save.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <system_error>
#include <type_traits>
#include <variant>

namespace openai_images_cli {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace oi = openai::images;

namespace {

// The file next to the library's state file that maps each request of the
// job back to its line of the prompts file, its manifest key and its stem.
constexpr std::string_view lines_file_name = "lines.json";

struct job_line {
    std::size_t line = 0;
    std::string key{};
    std::string stem{};
};

bool read_file_bytes(const fs::path& path, std::vector<unsigned char>& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read '" + path.string() + "'";
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) {
        error = "cannot read '" + path.string() + "'";
        return false;
    }
    return true;
}

// An image file as a data: URL, its type from its first bytes.
bool data_url_of(const oi::file_source& src, std::string& out, std::string& error) {
    std::vector<unsigned char> owned;
    std::span<const unsigned char> bytes = src.bytes();
    if (src.source_kind() == oi::file_source::kind::path) {
        if (!read_file_bytes(src.path(), owned, error))
            return false;
        bytes = owned;
    }
    const std::string ext = oi::image_extension(bytes);
    const std::string type = ext == "jpg" ? "jpeg" : ext;
    if (type != "png" && type != "jpeg" && type != "webp") {
        error = "'" + src.path().string() + "' is not a PNG, JPEG or WebP image";
        return false;
    }
    out = "data:image/" + type + ";base64," + oi::base64_encode(bytes);
    return true;
}

bool to_json_edit(const oi::CreateImageEditRequest& e, oi::EditImageBodyJsonParam& out,
                  std::string& error) {
    if (e.response_format) {
        error = "response_format: the Batch API's edits always answer b64_json; leave it out";
        return false;
    }
    for (const auto& img : e.image) {
        oi::ImageRefParam ref;
        ref.image_url.emplace();
        if (!data_url_of(img, *ref.image_url, error))
            return false;
        out.images.push_back(std::move(ref));
    }
    if (e.mask) {
        out.mask.emplace();
        out.mask->image_url.emplace();
        if (!data_url_of(*e.mask, *out.mask->image_url, error))
            return false;
    }
    out.prompt = e.prompt;
    out.model = e.model;
    out.n = e.n;
    out.quality = e.quality;
    out.input_fidelity = e.input_fidelity;
    out.size = e.size;
    out.user = e.user;
    out.output_format = e.output_format;
    out.output_compression = e.output_compression;
    out.background = e.background;
    out.stream = e.stream;
    out.partial_images = e.partial_images;
    return true;
}

bool write_lines(const fs::path& dir, const std::vector<job_line>& lines, std::string& error) {
    json::array a;
    for (const auto& l : lines)
        a.push_back(json::array{l.line, json::string_view(l.key), json::string_view(l.stem)});
    const fs::path path = dir / lines_file_name;
    const fs::path tmp = dir / (std::string(lines_file_name) + ".tmp");
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << json::serialize(a);
        out.flush();
        if (!out) {
            error = "--out: cannot write '" + tmp.string() + "'";
            return false;
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        error = "--out: cannot write '" + path.string() + "': " + ec.message();
        return false;
    }
    return true;
}

bool read_lines(const fs::path& dir, std::size_t requests, std::vector<job_line>& out,
                std::string& error) {
    const fs::path path = dir / lines_file_name;
    std::vector<unsigned char> bytes;
    if (!read_file_bytes(path, bytes, error))
        return false;
    std::error_code ec;
    const json::value v = json::parse(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), ec);
    const auto bad = [&] {
        error = "--out: '" + path.string() + "' is not the list of the job's lines";
        return false;
    };
    if (ec || !v.is_array() || v.as_array().size() != requests)
        return bad();
    for (const auto& e : v.as_array()) {
        const json::array* a = e.if_array();
        if (!a || a->size() != 3 || !(*a)[0].is_number() || !(*a)[1].is_string() ||
            !(*a)[2].is_string())
            return bad();
        out.push_back(job_line{(*a)[0].to_number<std::size_t>(), std::string((*a)[1].as_string()),
                               std::string((*a)[2].as_string())});
    }
    return true;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "part 2/3 batch_abc in_progress, 40/100 done, 2 failed"
std::string describe_part(const oi::batch_job_status& st, std::size_t k) {
    const auto& p = st.parts[k];
    std::string out = "part " + std::to_string(k + 1) + "/" + std::to_string(st.parts.size());
    if (p.batch_id.empty())
        return out + (p.input_file_id.empty() ? " written" : " uploaded as " + p.input_file_id);
    out += " " + p.batch_id + " " + p.status.value();
    if (p.counts.total > 0)
        out += ", " + std::to_string(p.counts.completed) + "/" + std::to_string(p.counts.total) +
               " done, " + std::to_string(p.counts.failed) + " failed";
    if (p.collected)
        out += ", collected";
    return out;
}

// One run of the job on one single-threaded io_context. A result is saved
// and recorded in the manifest inside on_result, before the library records
// it as collected: a kill at any moment loses nothing, and a result handed
// over again after a kill finds its line done and is not written again.
class job_runner {
  public:
    job_runner(asio::io_context& ioc, const cli_args& args, manifest& journal,
               std::vector<job_line> lines)
        : ioc_(ioc),
          args_(args),
          journal_(journal),
          lines_(std::move(lines)),
          signals_(ioc, SIGINT, SIGTERM) {}

    oi::batch_job_options options() {
        oi::batch_job_options o;
        o.directory = args_.out_dir / batch_job_dir_name;
        o.wait = !args_.no_wait;
        const auto poll = std::chrono::duration<double>(args_.poll_seconds.value_or(5.0));
        o.poll_initial = std::chrono::duration_cast<std::chrono::milliseconds>(poll);
        o.poll_max = std::max(o.poll_initial, std::chrono::milliseconds(120'000));
        o.on_status = [this](const oi::batch_job_status& st) { on_status(st); };
        o.on_result = [this](std::size_t i, oi::batch_result& r) { on_result(i, r); };
        return o;
    }

    template <class Start>
    int run(Start start) {
        signals_.async_wait([this](const oi::error_code& ec, int) { on_signal(ec); });
        start(asio::bind_cancellation_slot(
            cancel_.slot(),
            asio::bind_executor(ioc_, [this](oi::error_code ec, oi::batch_job_status st) {
                signals_.cancel();
                ec_ = ec;
                st_ = std::move(st);
            })));
        ioc_.run();
        return finish();
    }

    oi::diagnostics diag{};

  private:
    void on_signal(const oi::error_code& ec) {
        if (ec)
            return;
        if (interrupted_)
            std::_Exit(130);  // a second interrupt: leave now; what was saved is recorded
        interrupted_ = true;
        std::cerr << "openai-images: interrupted: the job stops here; its batches go on at the "
                     "API and the same command resumes it (again to quit at once)\n";
        cancel_.emit(asio::cancellation_type::terminal);
        signals_.async_wait([this](const oi::error_code& e, int) { on_signal(e); });
    }

    void on_status(const oi::batch_job_status& st) {
        if (args_.quiet)
            return;
        shown_.resize(st.parts.size());
        for (std::size_t k = 0; k < st.parts.size(); ++k) {
            std::string line = describe_part(st, k);
            if (line != shown_[k]) {
                std::cerr << "openai-images: job " << st.job_id << ": " << line << '\n';
                shown_[k] = std::move(line);
            }
        }
    }

    void on_result(std::size_t i, oi::batch_result& r) {
        const job_line& l = lines_.at(i);
        const std::string label = "line " + std::to_string(l.line);
        if (const manifest_record* rec = journal_.find(l.line);
            rec && rec->done && rec->key == l.key)
            return;  // saved before a kill, handed over again
        if (r.ec) {
            ++failed_;
            const std::string why = describe_error(r.ec, r.diag);
            std::cerr << "openai-images: " << label << ": " << why << '\n';
            record(l, false, {}, r.diag.response().request_id, {}, why);
            return;
        }
        std::vector<std::string> files;
        std::string why;
        const auto& data = r.response.data;
        const std::string format =
            r.response.output_format ? r.response.output_format->value() : "";
        for (std::size_t k = 0; k < data.size() && why.empty(); ++k) {
            const std::string stem =
                data.size() == 1 ? l.stem : l.stem + "-" + std::to_string(k + 1);
            oi::saved_image saved;
            oi::diagnostics d;
            if (const auto ec = oi::save_image(data[k], args_.out_dir, stem, saved, d, format)) {
                why = "cannot save: " + describe_error(ec, d);
                break;
            }
            ++images_;
            files.push_back(saved.path.filename().string());
            if (!args_.quiet)
                std::cout << "saved " << saved.path.string() << " (" << saved.bytes << " bytes)\n"
                          << std::flush;
        }
        if (why.empty() && data.empty())
            why = "the response has no images";
        boost::json::object usage;
        if (r.response.usage)
            usage = boost::json::value_from(*r.response.usage).as_object();
        if (why.empty()) {
            ++succeeded_;
        } else {
            ++failed_;
            std::cerr << "openai-images: " << label << ": " << why << '\n';
        }
        record(l, why.empty(), std::move(files), r.diag.response().request_id, usage, why);
    }

    void record(const job_line& l, bool done, std::vector<std::string> files,
                const std::string& request_id, const boost::json::object& usage,
                const std::string& error) {
        manifest_record rec{l.line, l.key, done, std::move(files), request_id, usage, error};
        std::string why;
        if (!journal_.append(rec, why))
            // The library must not record the result as collected: the job
            // stops and the same command hands it over again.
            throw std::runtime_error(why);
    }

    int finish() {
        const bool pending = !ec_ && !st_.complete();
        if (args_.cancel_job && !ec_) {
            for (std::size_t k = 0; k < st_.parts.size(); ++k)
                std::cout << "job " << st_.job_id << ": " << describe_part(st_, k) << '\n';
            std::cout << "cancelled: what the batches finished is saved by the same command "
                         "without --cancel\n"
                      << std::flush;
            return 0;
        }
        if (ec_) {
            if (interrupted_)
                return 130;
            std::cerr << "openai-images: the job stopped: " << describe_error(ec_, diag)
                      << "; the same command resumes it\n";
        }
        std::cout << "summary\n"
                  << "  job       " << st_.job_id << " in "
                  << (args_.out_dir / batch_job_dir_name).string() << ", "
                  << plural(st_.parts.size(), "batch", "batches") << '\n'
                  << "  requests  " << st_.collected << " of " << st_.requests
                  << " collected: " << succeeded_ << " succeeded, " << failed_
                  << " failed in this run\n"
                  << "  saved     " << plural(images_, "image", "images") << " in "
                  << args_.out_dir.string() << '\n'
                  << "  manifest  " << journal_.path().string() << '\n'
                  << std::flush;
        if (ec_)
            return 1;
        if (pending) {
            std::cout << "the batches still run: the same command again goes on\n";
            return 3;
        }
        return failed_ == 0 ? 0 : 1;
    }

    asio::io_context& ioc_;
    const cli_args& args_;
    manifest& journal_;
    std::vector<job_line> lines_;
    asio::signal_set signals_;
    asio::cancellation_signal cancel_;
    std::vector<std::string> shown_{};
    oi::error_code ec_{};
    oi::batch_job_status st_{};
    std::size_t succeeded_ = 0;
    std::size_t failed_ = 0;
    std::size_t images_ = 0;
    bool interrupted_ = false;
};

}  // namespace

bool to_batch_job_request(oi::batch_request& request, oi::batch_job_request& out,
                          std::string& error) {
    return std::visit(
        [&](auto& r) {
            using type = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<type, oi::CreateImageRequest> ||
                          std::is_same_v<type, oi::EditImageBodyJsonParam>) {
                out = std::move(r);
                return true;
            } else if constexpr (std::is_same_v<type, oi::CreateImageEditRequest>) {
                oi::EditImageBodyJsonParam e;
                if (!to_json_edit(r, e, error))
                    return false;
                out = std::move(e);
                return true;
            } else {
                error =
                    "the Batch API runs generations and edits, not variations (run them with "
                    "--via sync)";
                return false;
            }
        },
        request);
}

int run_batch_api(const cli_args& args, const oi::client_options& options, std::vector<job> jobs) {
    const fs::path dir = args.out_dir / batch_job_dir_name;
    std::string error;
    oi::batch_job_status existing;
    oi::diagnostics read_diag;
    const bool has_job = fs::exists(dir / "job.json");
    if (has_job && oi::read_batch_job(dir, existing, read_diag)) {
        std::cerr << "openai-images: --out: " << read_diag.message() << '\n';
        return 2;
    }
    const bool resume = has_job && !existing.complete();

    std::vector<job_line> lines;
    std::vector<oi::batch_job_request> requests;
    manifest journal;
    if (resume) {
        if (!read_lines(dir, existing.requests, lines, error) ||
            !journal.open(args.out_dir, error)) {
            std::cerr << "openai-images: " << error << '\n';
            return 2;
        }
        if (!args.quiet)
            std::cerr << "openai-images: resuming job " << existing.job_id << " in " << dir.string()
                      << ": " << existing.collected << " of " << existing.requests
                      << " requests collected\n";
    } else if (args.cancel_job) {
        std::cerr << "openai-images: --cancel: no job runs in " << dir.string() << '\n';
        return 2;
    } else {
        run_plan plan;
        if (!plan_run(args, std::move(jobs), plan, error)) {
            std::cerr << "openai-images: " << error << '\n';
            return 2;
        }
        if (plan.jobs.empty()) {
            std::cout << "nothing to do: every line of " << args.prompts.string()
                      << " is done (see " << plan.journal->path().string() << ")\n";
            return 0;
        }
        for (auto& j : plan.jobs) {
            oi::batch_job_request r;
            if (!to_batch_job_request(j.request, r, error)) {
                std::cerr << "openai-images: " << args.prompts.string() << ":" << j.line << ": "
                          << error << "; nothing was sent\n";
                return 2;
            }
            requests.push_back(std::move(r));
            lines.push_back(job_line{j.line, j.key, j.stem});
        }
        // A finished job's results are all in the manifest: the lines not
        // done make a new job in its place.
        std::error_code ec;
        fs::remove_all(dir, ec);
        fs::create_directories(dir, ec);
        if (ec || !write_lines(dir, lines, error) || !journal.open(args.out_dir, error)) {
            std::cerr << "openai-images: "
                      << (ec ? "--out: cannot create '" + dir.string() + "': " + ec.message()
                             : error)
                      << '\n';
            return 2;
        }
        if (plan.skipped > 0)
            std::cerr << "openai-images: " << plural(plan.skipped, "line", "lines")
                      << " already done in " << journal.path().string() << ", skipped\n";
    }

    asio::io_context ioc;
    std::optional<oi::client> c;
    if (!make_client(ioc.get_executor(), options, c, error)) {
        std::cerr << "openai-images: " << error << '\n';
        return 2;
    }
    job_runner runner(ioc, args, journal, std::move(lines));
    auto opts = runner.options();
    if (args.cancel_job)
        return runner.run([&](auto token) {
            oi::async_cancel_batch_job(*c, std::move(opts), runner.diag, std::move(token));
        });
    if (resume)
        return runner.run([&](auto token) {
            oi::async_resume_batch_job(*c, std::move(opts), runner.diag, std::move(token));
        });
    return runner.run([&](auto token) {
        oi::async_run_batch_job(*c, std::move(requests), std::move(opts), runner.diag,
                                std::move(token));
    });
}

}  // namespace openai_images_cli
