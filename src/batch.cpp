#include <openai/images/batch.hpp>
#include <openai/images/detail/retry.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "op_completion.hpp"

#include <algorithm>
#include <cmath>

namespace openai::images {
namespace asio = boost::asio;

namespace detail {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// A token bucket refilled continuously at `per_minute`, holding at most one
// second's worth (and at least one token).
class token_bucket {
  public:
    explicit token_bucket(double per_minute)
        : rate_per_ms_(per_minute / 60'000.0),
          capacity_(std::max(1.0, per_minute / 60.0)),
          tokens_(capacity_) {}

    bool limited() const noexcept { return rate_per_ms_ > 0; }

    // How long until `want` tokens are there (0: now).
    std::chrono::milliseconds wait_for(double want, steady::time_point now) {
        if (!limited())
            return std::chrono::milliseconds(0);
        refill(now);
        want = std::min(want, capacity_);
        if (tokens_ >= want)
            return std::chrono::milliseconds(0);
        return std::chrono::milliseconds(
            static_cast<std::int64_t>(std::ceil((want - tokens_) / rate_per_ms_)));
    }

    void take(double want) {
        if (limited())
            tokens_ -= std::min(want, capacity_);
    }

  private:
    void refill(steady::time_point now) {
        if (last_ != steady::time_point{}) {
            const double ms = std::chrono::duration<double, std::milli>(now - last_).count();
            tokens_ = std::min(capacity_, tokens_ + ms * rate_per_ms_);
        }
        last_ = now;
    }

    double rate_per_ms_;
    double capacity_;
    double tokens_;
    steady::time_point last_{};
};

double images_of(const batch_request& r) {
    return std::visit(
        [](const auto& req) {
            return static_cast<double>(std::max<std::int64_t>(req.n.value_or(1), 1));
        },
        r);
}

struct batch_state {
    batch_state(client& cl, std::vector<batch_request> reqs, batch_options o)
        : c(cl),
          strand(asio::make_strand(cl.get_executor())),
          requests(std::move(reqs)),
          opts(std::move(o)),
          results(requests.size()),
          retried(requests.size(), false),
          request_bucket(opts.requests_per_minute),
          image_bucket(opts.images_per_minute),
          all_done(strand) {
        progress.total = requests.size();
    }

    client& c;
    asio::strand<asio::any_io_executor> strand;
    std::vector<batch_request> requests;
    batch_options opts;
    std::vector<batch_result> results;
    std::vector<bool> retried;
    batch_progress progress;
    token_bucket request_bucket, image_bucket;
    std::size_t next = 0;
    std::size_t active_workers = 0;
    bool cancelled = false;
    std::vector<std::unique_ptr<asio::cancellation_signal>> signals;
    asio::steady_timer all_done;

    void report() {
        if (opts.on_progress)
            opts.on_progress(progress);
    }

    // After a 429: hold back every new request for what the server asked.
    void pause_after_429(std::chrono::milliseconds backoff, const response_metadata& meta) {
        if (!opts.adaptive_backoff)
            return;
        auto wait = backoff;
        // A reset time matters only for the budget that ran out.
        const std::pair<std::string_view, std::string_view> budgets[] = {
            {"x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"},
            {"x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"}};
        for (const auto& [remaining, reset] : budgets) {
            if (meta.rate_limit(remaining) != "0")
                continue;
            if (auto d = parse_reset_duration(meta.rate_limit(reset)))
                wait = std::max(wait, *d);
        }
        if (wait.count() <= 0)
            wait = std::chrono::milliseconds(1'000);
        wait = std::min(wait, opts.max_pause);
        progress.paused_until = std::max(progress.paused_until, steady::now() + wait);
    }
};

bool is_429(error_code ec, unsigned status) {
    return status == 429 && ec != api_errc::insufficient_quota;
}

// Waits until the limiter and any batch-wide pause let one more request go.
// False when the worker was cancelled meanwhile.
asio::awaitable<bool> admit(batch_state& st, double images, asio::steady_timer& timer) {
    const auto cs = co_await asio::this_coro::cancellation_state;
    for (;;) {
        if (st.cancelled || cs.cancelled() != asio::cancellation_type::none)
            co_return false;
        const auto now = steady::now();
        std::chrono::milliseconds wait(0);
        if (now < st.progress.paused_until) {
            wait = std::chrono::ceil<std::chrono::milliseconds>(st.progress.paused_until - now);
        } else {
            st.progress.paused_until = {};
            wait =
                std::max(st.request_bucket.wait_for(1, now), st.image_bucket.wait_for(images, now));
        }
        if (wait.count() == 0) {
            st.request_bucket.take(1);
            st.image_bucket.take(images);
            co_return true;
        }
        timer.expires_after(wait);
        co_await timer.async_wait(tuple_awaitable);
    }
}

// Every operation of the table is a batch_request alternative: one call for all.
asio::awaitable<std::tuple<error_code, ImagesResponse>> perform(client& c, batch_request& req,
                                                                request_options opts,
                                                                diagnostics& diag) {
    co_return co_await std::visit(
        [&](auto& r) { return c.async_execute(r, std::move(opts), diag, tuple_awaitable); }, req);
}

asio::awaitable<void> worker(std::shared_ptr<batch_state> st) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    asio::steady_timer timer(st->strand);
    while (!st->cancelled && st->next < st->requests.size()) {
        const std::size_t i = st->next++;
        if (!co_await admit(*st, images_of(st->requests[i]), timer)) {
            st->results[i].ec = asio::error::operation_aborted;
            st->results[i].diag.assign({}, "the batch was cancelled before this request started");
            ++st->progress.failed;
            break;
        }
        ++st->progress.in_flight;
        st->report();
        batch_result& out = st->results[i];
        // Retries are reported from the operation's strand: hop to the batch's.
        request_options per_request;
        per_request.on_retry = [weak = std::weak_ptr<batch_state>(st), i,
                                also = st->c.options().on_retry](const attempt_record& a,
                                                                 const response_metadata& m) {
            if (also)
                also(a, m);
            if (auto s = weak.lock()) {
                asio::post(s->strand,
                           [s, i, ec = a.ec, status = a.status, backoff = a.backoff, meta = m] {
                               ++s->progress.retries;
                               if (!s->retried[i]) {
                                   s->retried[i] = true;
                                   ++s->progress.retrying;
                               }
                               if (is_429(ec, status))
                                   s->pause_after_429(backoff, meta);
                               s->report();
                           });
            }
        };
        auto [ec, response] =
            co_await perform(st->c, st->requests[i], std::move(per_request), out.diag);
        out.ec = ec;
        out.response = std::move(response);
        --st->progress.in_flight;
        if (st->retried[i])
            --st->progress.retrying;
        if (ec) {
            ++st->progress.failed;
            if (is_429(ec, out.diag.response().status))
                st->pause_after_429(std::chrono::milliseconds(0), out.diag.response());
        } else {
            ++st->progress.succeeded;
            st->progress.images += out.response.data.size();
        }
        if (st->opts.on_result)
            st->opts.on_result(i, out);
        st->report();
    }
}

using batch_outcome = result_of_op<std::vector<batch_result>>;

asio::awaitable<batch_outcome> run(std::shared_ptr<batch_state> st) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await asio::this_coro::throw_if_cancelled(false);
    const std::size_t workers =
        std::min(std::max<std::size_t>(st->opts.concurrency, 1), st->requests.size());
    st->active_workers = workers;
    st->all_done.expires_at(steady::time_point::max());
    for (std::size_t w = 0; w < workers; ++w) {
        st->signals.push_back(std::make_unique<asio::cancellation_signal>());
        asio::co_spawn(
            st->strand, worker(st),
            asio::bind_cancellation_slot(st->signals.back()->slot(), [st](std::exception_ptr) {
                if (--st->active_workers == 0)
                    st->all_done.cancel();
            }));
    }
    st->report();
    const auto cs = co_await asio::this_coro::cancellation_state;
    while (st->active_workers > 0) {
        co_await st->all_done.async_wait(tuple_awaitable);
        if (cs.cancelled() != asio::cancellation_type::none && !st->cancelled) {
            st->cancelled = true;
            for (auto& sig : st->signals)
                sig->emit(asio::cancellation_type::terminal);
            // all_done's wait was what got cancelled; wait for the workers.
            st->all_done.expires_at(steady::time_point::max());
        }
    }
    batch_outcome out;
    if (st->cancelled) {
        out.ec = asio::error::operation_aborted;
        for (std::size_t i = st->next; i < st->requests.size(); ++i) {
            st->results[i].ec = asio::error::operation_aborted;
            st->results[i].diag.assign({}, "the batch was cancelled before this request started");
            ++st->progress.failed;
        }
        st->report();
    }
    out.value = std::move(st->results);
    co_return out;
}

}  // namespace

void start_batch(client& c, std::vector<batch_request> requests, batch_options opts,
                 asio::any_completion_handler<batch_signature> handler) {
    auto st = std::make_shared<batch_state>(c, std::move(requests), std::move(opts));
    asio::co_spawn(
        st->strand, run(st),
        op_completion<asio::any_completion_handler<batch_signature>, std::vector<batch_result>>{
            std::move(handler), std::make_shared<const asio::any_io_executor>(c.get_executor())});
}

}  // namespace detail

asio::awaitable<std::vector<batch_result>> run_batch(client& c, std::vector<batch_request> requests,
                                                     batch_options opts) {
    co_return co_await async_run_batch(c, std::move(requests), std::move(opts),
                                       asio::use_awaitable);
}

}  // namespace openai::images
