// The images batch job (batch_job.hpp): one coroutine per call, on a strand
// of its own, that moves the job's state file from step to step. Every step
// is recorded before the next begins, so that a process that stops anywhere
// leaves a job another can resume without uploading, creating or handing
// over anything twice.
#include <openai/images/batch_job.hpp>
#include <openai/images/save.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>

#include "batch_job_input.hpp"
#include "batch_job_state.hpp"
#include "batch_output_reader.hpp"
#include "op_completion.hpp"
#include "operation_start.hpp"
#include "request_driver.hpp"

namespace openai::images {

namespace asio = boost::asio;

bool batch_job_status::submitted() const noexcept {
    return std::all_of(parts.begin(), parts.end(),
                       [](const batch_job_part& p) { return !p.batch_id.empty(); });
}

bool batch_job_status::finished() const noexcept {
    return std::all_of(parts.begin(), parts.end(),
                       [](const batch_job_part& p) { return is_final(p.status); });
}

error_code read_batch_job(const std::filesystem::path& directory, batch_job_status& out,
                          diagnostics& diag) {
    if (auto ec = detail::load_job(directory, out, diag))
        return ec;
    detail::collected_journal journal;
    if (auto ec = journal.open(directory, out.requests, diag))
        return ec;
    out.collected = journal.count();
    return {};
}

namespace detail {
namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
using job_outcome = result_of_op<batch_job_status>;

std::string new_job_id() {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    static constexpr char hex[] = "0123456789abcdef";
    std::string id = "job_";
    auto v = gen();
    for (int i = 0; i < 16; ++i, v >>= 4)
        id += hex[v & 15];
    return id;
}

struct job {
    job(client& cl, batch_job_options o) : c(cl), opts(std::move(o)) {}

    client& c;
    batch_job_options opts;
    diagnostics diag;
    batch_job_status st;
    collected_journal journal;

    void report() const {
        if (opts.on_status)
            opts.on_status(st);
    }
    error_code save() { return save_job(opts.directory, st, diag); }
    // A step done: on disk first, then reported.
    error_code record() {
        if (auto ec = save())
            return ec;
        report();
        return {};
    }
    // A failure of an API call about part k: the call's diagnostics, the
    // message saying which part and step it was.
    error_code failed(error_code ec, const diagnostics& d, std::size_t k, std::string_view step) {
        diag = d;
        diag.assign(std::string(d.param()), std::string(step) + " part " + std::to_string(k + 1) +
                                                " of " + st.job_id + ": " +
                                                std::string(d.message()));
        if (!d.api_code().empty() || !d.error_type().empty())
            diag.assign_api(std::string(d.error_type()), std::string(d.api_code()),
                            std::string(d.param()), std::string(diag.message()));
        return ec;
    }
};

// The job in the directory, or a new one written from `requests`.
error_code open_or_write(job& j, const std::vector<batch_job_request>& requests) {
    const bool exists = std::filesystem::exists(job_state_path(j.opts.directory));
    if (exists) {
        if (auto ec = load_job(j.opts.directory, j.st, j.diag))
            return ec;
        if (requests.size() != j.st.requests) {
            j.diag.assign("requests", std::to_string(requests.size()) +
                                          " requests given, but the job in '" +
                                          j.opts.directory.string() + "' holds " +
                                          std::to_string(j.st.requests));
            return client_errc::invalid_batch_job;
        }
        return {};
    }
    if (requests.empty()) {
        j.diag.assign("requests", "requests: a batch job needs at least one request");
        return client_errc::missing_required_field;
    }
    if (auto ec = check_job_requests(requests, j.c.options().validation, j.diag))
        return ec;
    if (auto ec = write_job_input(requests, j.opts, j.st, j.diag))
        return ec;
    j.st.job_id = new_job_id();
    // The state file last: a directory without it holds no job yet.
    if (auto ec = j.record())
        return ec;
    return {};
}

void take_batch(batch_job_part& p, const Batch& b) {
    p.batch_id = b.id;
    p.status = b.status;
    if (b.request_counts)
        p.counts = *b.request_counts;
}

// A batch made from this part's input file, by an earlier process that
// stopped before it recorded the batch: newest first, back to the upload.
asio::awaitable<error_code> find_batch(job& j, std::size_t k) {
    auto& p = j.st.parts[k];
    ListBatchesParams lp;
    lp.limit = 100;
    for (;;) {
        diagnostics d;
        auto [ec, page] = co_await j.c.async_list_batches(lp, d, tuple_awaitable);
        if (ec)
            co_return j.failed(ec, d, k, "listing batches for");
        for (const auto& b : page.data) {
            if (b.input_file_id == p.input_file_id) {
                take_batch(p, b);
                co_return error_code{};
            }
        }
        // A minute of slack for clocks that disagree.
        const bool older = !page.data.empty() && page.data.back().created_at + 60 < p.uploaded_at;
        if (older || !page.has_more || !page.last_id)
            co_return error_code{};
        lp.after = page.last_id;
    }
}

// Uploads and creates what has not been, part by part, recording each step.
asio::awaitable<error_code> submit(job& j) {
    for (std::size_t k = 0; k < j.st.parts.size(); ++k) {
        auto& p = j.st.parts[k];
        // A file this process uploaded has no batch yet: no need to look.
        bool uploaded_now = false;
        if (p.input_file_id.empty()) {
            uploaded_now = true;
            CreateFileRequest fr;
            fr.file = file_source::from_path(job_input_path(j.opts.directory, k));
            fr.purpose = FilePurpose::batch;
            diagnostics d;
            auto [ec, file] = co_await j.c.async_upload_file(std::move(fr), d, tuple_awaitable);
            if (ec)
                co_return j.failed(ec, d, k, "uploading");
            p.input_file_id = file.id;
            p.uploaded_at = file.created_at;
            if (auto sec = j.record())
                co_return sec;
        }
        if (!p.batch_id.empty())
            continue;
        if (!uploaded_now) {
            if (auto ec = co_await find_batch(j, k))
                co_return ec;
        }
        if (p.batch_id.empty()) {
            CreateBatchRequest br;
            br.input_file_id = p.input_file_id;
            br.endpoint = p.endpoint;
            br.metadata = j.opts.metadata;
            (*br.metadata)["openai_images_job"] = j.st.job_id;
            (*br.metadata)["openai_images_part"] = std::to_string(k + 1);
            diagnostics d;
            auto [ec, b] = co_await j.c.async_create_batch(std::move(br), d, tuple_awaitable);
            if (ec)
                co_return j.failed(ec, d, k, "creating the batch of");
            take_batch(p, b);
        }
        if (auto sec = j.record())
            co_return sec;
    }
    co_return error_code{};
}

// Hands over one result, once per job: saved, given to on_result, recorded.
void hand_over(job& j, std::size_t index, batch_result& r) {
    if (j.journal.has(index))
        return;
    diagnostics d;
    if (!r.ec && j.opts.save_to) {
        const auto& data = r.response.data;
        for (std::size_t i = 0; i < data.size(); ++i) {
            const std::string stem = data.size() == 1
                                         ? std::to_string(index)
                                         : std::to_string(index) + "-" + std::to_string(i + 1);
            saved_image saved;
            const auto fmt =
                r.response.output_format ? r.response.output_format->value() : std::string();
            if (auto ec = save_image(data[i], *j.opts.save_to, stem, saved, d, fmt))
                throw client_error(ec, d);
        }
    }
    if (j.opts.on_result)
        j.opts.on_result(index, r);
    if (auto ec = j.journal.add(index, d))
        throw client_error(ec, d);
    j.st.collected = j.journal.count();
}

// Why a request of a finished batch has no line in its files.
batch_result unanswered(const Batch& b) {
    batch_result r;
    r.ec = api_errc::batch_request_failed;
    std::string why =
        "batch " + b.id + " ended " + b.status.value() + " without an answer for this request";
    if (b.errors && !b.errors->data.empty()) {
        const auto& e = b.errors->data.front();
        why += ": " + e.message.value_or(e.code.value_or("no reason given"));
        if (e.line)
            why += " (input line " + std::to_string(*e.line) + ")";
    }
    const std::string code = b.status == BatchStatus::completed ? std::string("batch_incomplete")
                                                                : "batch_" + b.status.value();
    r.diag.assign_api({}, code, {}, std::move(why));
    return r;
}

// Reads the finished batch's output and error files, then gives every
// request that had no line the batch's reason.
asio::awaitable<error_code> collect(job& j, std::size_t k, const Batch& b) {
    auto& p = j.st.parts[k];
    std::vector<bool> seen(p.count, false);
    const std::optional<std::string> files[] = {b.output_file_id, b.error_file_id};
    for (const auto& file : files) {
        if (!file)
            continue;
        batch_output_reader reader([&j, &p, &seen, &file](batch_output_line& line) {
            const auto index = job_request_index(line.custom_id, j.st.requests);
            if (!index || *index < p.first || *index >= p.first + p.count) {
                diagnostics d;
                d.assign("custom_id", "file " + *file + " has a line for '" +
                                          line.custom_id.substr(0, 64) +
                                          "', not a request of this part of the job");
                throw client_error(client_errc::unexpected_json, d);
            }
            seen[*index - p.first] = true;
            batch_result r{line.ec, std::move(line.response), std::move(line.diag)};
            hand_over(j, *index, r);
        });
        content_function to_reader = [&reader](std::string_view piece) { reader.write(piece); };
        diagnostics d;
        auto [ec, bytes] =
            co_await j.c.async_file_content(*file, std::move(to_reader), d, tuple_awaitable);
        if (!ec)
            ec = reader.finish(d);
        if (ec)
            co_return j.failed(ec, d, k, "reading " + *file + " of");
    }
    for (std::size_t i = 0; i < p.count; ++i) {
        if (!seen[i]) {
            batch_result r = unanswered(b);
            hand_over(j, p.first + i, r);
        }
    }
    p.collected = true;
    if (auto ec = j.record())
        co_return ec;
    co_return error_code{};
}

// One poll of every unfinished batch (and of each finished one not yet
// collected, for its files), collecting those that have finished.
asio::awaitable<error_code> poll(job& j, bool& changed) {
    for (std::size_t k = 0; k < j.st.parts.size(); ++k) {
        auto& p = j.st.parts[k];
        if (p.collected || (is_final(p.status) && !j.opts.collect))
            continue;
        diagnostics d;
        auto [ec, b] = co_await j.c.async_retrieve_batch(p.batch_id, d, tuple_awaitable);
        if (ec)
            co_return j.failed(ec, d, k, "polling");
        const bool moved =
            b.status != p.status ||
            (b.request_counts && (b.request_counts->completed != p.counts.completed ||
                                  b.request_counts->failed != p.counts.failed));
        if (moved) {
            take_batch(p, b);
            changed = true;
            if (auto sec = j.record())
                co_return sec;
        }
        if (is_final(b.status) && j.opts.collect) {
            if (auto cec = co_await collect(j, k, b))
                co_return cec;
            changed = true;
        }
    }
    co_return error_code{};
}

asio::awaitable<error_code> cancel(job& j) {
    for (std::size_t k = 0; k < j.st.parts.size(); ++k) {
        auto& p = j.st.parts[k];
        if (p.batch_id.empty() || is_final(p.status) || p.status == BatchStatus::cancelling)
            continue;
        diagnostics d;
        auto [ec, b] = co_await j.c.async_cancel_batch(p.batch_id, d, tuple_awaitable);
        if (ec)
            co_return j.failed(ec, d, k, "cancelling");
        take_batch(p, b);
        if (auto sec = j.record())
            co_return sec;
    }
    co_return error_code{};
}

asio::awaitable<error_code> run_steps(job& j, batch_job_action action,
                                      const std::vector<batch_job_request>& requests) {
    if (action == batch_job_action::submit || action == batch_job_action::run) {
        if (auto ec = open_or_write(j, requests))
            co_return ec;
    } else if (auto ec = load_job(j.opts.directory, j.st, j.diag)) {
        co_return ec;
    }
    if (auto ec = j.journal.open(j.opts.directory, j.st.requests, j.diag))
        co_return ec;
    j.st.collected = j.journal.count();
    if (action == batch_job_action::cancel)
        co_return co_await cancel(j);
    if (auto ec = co_await submit(j))
        co_return ec;
    if (action == batch_job_action::submit)
        co_return error_code{};
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto delay = j.opts.poll_initial;
    for (;;) {
        bool changed = false;
        if (auto ec = co_await poll(j, changed))
            co_return ec;
        const bool done = j.opts.collect
                              ? std::all_of(j.st.parts.begin(), j.st.parts.end(),
                                            [](const batch_job_part& p) { return p.collected; })
                              : j.st.finished();
        if (done || !j.opts.wait)
            co_return error_code{};
        if (changed)
            delay = j.opts.poll_initial;
        timer.expires_after(delay);
        auto [tec] = co_await timer.async_wait(tuple_awaitable);
        if (tec) {
            j.diag.assign({},
                          "the job was cancelled while waiting for its batches; resume it to "
                          "go on");
            co_return tec;
        }
        if (!changed) {
            const auto next = std::chrono::duration<double, std::milli>(delay) * j.opts.poll_factor;
            delay = std::min(j.opts.poll_max,
                             std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::max(next, std::chrono::duration<double, std::milli>(1))));
        }
    }
}

asio::awaitable<job_outcome> run_job(std::shared_ptr<job> j, batch_job_action action,
                                     std::vector<batch_job_request> requests, diagnostics* out) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    job_outcome r;
    try {
        r.ec = co_await run_steps(*j, action, requests);
    } catch (...) {
        r.ec = error_from_exception(j->diag);
    }
    if (out)
        *out = j->diag;
    r.value = j->st;
    co_return r;
}

}  // namespace

void start_batch_job(client& c, batch_job_action action, std::vector<batch_job_request> requests,
                     batch_job_options opts, diagnostics* diag,
                     asio::any_completion_handler<batch_job_signature> handler) {
    if (diag)
        diag->clear();
    auto j = std::make_shared<job>(c, std::move(opts));
    asio::co_spawn(
        asio::make_strand(c.get_executor()), run_job(j, action, std::move(requests), diag),
        op_completion<asio::any_completion_handler<batch_job_signature>, batch_job_status>{
            std::move(handler), std::make_shared<const asio::any_io_executor>(c.get_executor())});
}

}  // namespace detail

asio::awaitable<batch_job_status> run_batch_job(client& c, std::vector<batch_job_request> requests,
                                                batch_job_options opts) {
    diagnostics diag;
    auto [ec, st] = co_await async_run_batch_job(c, std::move(requests), std::move(opts), diag,
                                                 detail::tuple_awaitable);
    if (ec)
        detail::throw_failure(ec, diag);
    co_return std::move(st);
}

asio::awaitable<batch_job_status> resume_batch_job(client& c, batch_job_options opts) {
    diagnostics diag;
    auto [ec, st] =
        co_await async_resume_batch_job(c, std::move(opts), diag, detail::tuple_awaitable);
    if (ec)
        detail::throw_failure(ec, diag);
    co_return std::move(st);
}

}  // namespace openai::images
