// The streamed operations (client::async_stream, client::stream): the 2xx
// body read as server-sent events (image_event_reader) while it arrives, each
// event handed to the caller's function before the next byte is read, the
// final response built from the `.completed` events. Once an event has been
// delivered the request is never sent again (response_handler::delivered).
#include <openai/images/client.hpp>
#include <openai/images/detail/retry.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <exception>
#include <mutex>
#include <optional>

#include "image_event_reader.hpp"
#include "operation_start.hpp"

namespace openai::images {
namespace asio = boost::asio;

namespace detail {

namespace {

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// What a streamed operation's coroutine carries: the caller's function, how
// many final images the request asked for, and the final response.
struct stream_result {
    image_event_function on_event;
    std::size_t images = 1;
    std::unique_ptr<ImagesResponse> response;

    ImagesResponse take() { return response ? std::move(*response) : ImagesResponse{}; }
};

// A streamed operation's responses: a 2xx body is its events, delivered as
// they are read; any other body is the API's error, as for every operation.
class stream_response_handler final : public response_handler,
                                      private body_sink,
                                      private image_event_handler {
  public:
    stream_response_handler(const client_impl& impl, stream_result& out) : impl_(impl), out_(out) {}

    body_sink* sink() override {
        reader_.reset();
        building_ = ImagesResponse{};
        completed_ = 0;
        return this;
    }

    bool delivered() const noexcept override { return delivered_ || answered_; }

    error_code own_failure(lazy_diagnostics& diag) override {
        if (!callback_error_)
            return {};
        // The caller's function threw: its error ends the operation.
        try {
            std::rethrow_exception(callback_error_);
        } catch (...) {
            return error_from_exception(diag.get());
        }
    }

    error_code finish(exchange_result& r, lazy_diagnostics& diag) override {
        const unsigned status = r.response.result_int();
        if (status < 200 || status >= 300)
            return api_failure(impl_, r, diag.get());
        // A whole 2xx answer: the server did the work, whatever it sent.
        answered_ = true;
        if (const auto own = own_failure(diag))
            return own;
        diagnostics read_diag;
        if (reader_) {
            if (const auto ec = reader_->finish(read_diag)) {
                std::string message(read_diag.message());
                redact(message, impl_.endpoint.secret());
                auto& d = diag.get();
                if (ec.category() == api_category())
                    d.assign_api(std::string(read_diag.error_type()),
                                 std::string(read_diag.api_code()), std::string(read_diag.param()),
                                 std::move(message));
                else
                    d.assign(std::string(read_diag.param()), std::move(message));
                return ec;
            }
        }
        if (completed_ < out_.images) {
            // A server that does not stream answers JSON: say what came.
            const std::string_view type = r.response[http::field::content_type];
            std::string message = "the stream ended after " + std::to_string(completed_) + " of " +
                                  std::to_string(out_.images) + " final images";
            if (!type.starts_with("text/event-stream"))
                message += " (the answer's Content-Type is '" + excerpt(type, 80) +
                           "', not text/event-stream)";
            diag.get().assign({}, std::move(message));
            return client_errc::truncated_response;
        }
        out_.response = std::make_unique<ImagesResponse>(std::move(building_));
        return {};
    }

  private:
    // body_sink: a 2xx body.
    void begin(std::optional<std::uint64_t>) override {
        reader_.emplace(impl_.opts.decode_b64_json, static_cast<image_event_handler&>(*this));
    }
    void write(std::string_view piece) override {
        if (!callback_error_)
            reader_->write(piece);
    }
    bool streams() const noexcept override { return true; }
    bool stopped() const noexcept override { return callback_error_ != nullptr; }

    // image_event_handler: each event, in order; none once cancelled.
    void on_image_event(ImageStreamEvent&& e) override {
        if (cancelled() || callback_error_)
            return;
        delivered_ = true;
        try {
            if (out_.on_event)
                out_.on_event(e);
        } catch (...) {
            callback_error_ = std::current_exception();
            return;
        }
        if (!ends_with(e.type, ".completed"))
            return;
        Image img;
        if (e.bytes)
            img.bytes = std::move(e.bytes);
        else
            img.b64_json = std::move(e.b64_json);
        building_.data.push_back(std::move(img));
        if (++completed_ == 1)
            building_.created = e.created_at;
        building_.size = std::move(e.size);
        building_.quality = std::move(e.quality);
        building_.background = std::move(e.background);
        building_.output_format = std::move(e.output_format);
        if (e.usage)
            building_.usage = std::move(e.usage);
    }

    const client_impl& impl_;
    stream_result& out_;
    std::optional<image_event_reader> reader_;
    ImagesResponse building_;
    std::size_t completed_ = 0;
    bool delivered_ = false;
    bool answered_ = false;
    std::exception_ptr callback_error_;
};

// Validation and encoding at initiation, as for every operation, with
// stream=true; then the operation on `strand`.
template <class Request, class Done>
void start_streamed(const std::shared_ptr<client_impl>& impl, asio::any_io_executor strand,
                    Request req, std::shared_ptr<const request_options> ro, diagnostics* diag,
                    image_event_function on_event, Done done) {
    diagnostics local_diag;
    diagnostics& d = diag ? *diag : local_diag;
    d.clear();
    req.stream = true;
    stream_result start;
    start.on_event = std::move(on_event);
    start.images = static_cast<std::size_t>(std::max<std::int64_t>(1, req.n.value_or(1)));
    error_code ec;
    wire_request wire;
    try {
        ec = impl->endpoint.check_credentials(d);
        if (!ec)
            ec = prepare(*impl, req, wire, d, true);
    } catch (...) {
        ec = error_from_exception(d);
    }
    launch_on<stream_response_handler, stream_result>(std::move(strand), impl, ec, std::move(wire),
                                                      nullptr, diag, std::move(ro), std::move(done),
                                                      std::move(start));
}

}  // namespace

template <class Request>
void start_stream_operation(const std::shared_ptr<client_impl>& impl, Request req,
                            std::shared_ptr<const request_options> ro, diagnostics* diag,
                            image_event_function on_event, images_handler handler) {
    op_completion<images_handler, stream_result> done{std::move(handler), client_executor(impl)};
    start_streamed(impl, operation_strand(*impl), std::move(req), std::move(ro), diag,
                   std::move(on_event), std::move(done));
}

// A next() waiting for an event: its handler, resumed through a post on its
// own executor. (Not an any_completion_handler: Asio 1.81 wraps one made
// from another without end when a copy is attempted.)
struct stream_waiter {
    virtual ~stream_waiter() = default;
    virtual void resume() = 0;
};

template <class Handler>
struct stream_waiter_of final : stream_waiter {
    Handler handler;
    explicit stream_waiter_of(Handler&& h) : handler(std::move(h)) {}
    void resume() override {
        const auto ex = asio::get_associated_executor(handler);
        asio::post(ex, std::move(handler));
    }
};

// The pull form's state, shared by the stream object, the operation's event
// function and its completion: events wait here until pulled.
struct image_stream_state {
    std::mutex mutex;
    std::deque<ImageStreamEvent> events;
    bool finished = false;
    error_code ec;
    ImagesResponse response;
    diagnostics diag;  // the operation's; read by the puller once finished
    std::unique_ptr<stream_waiter> waiter;
    // Emitted on the operation's strand only: a signal is not thread-safe.
    asio::cancellation_signal cancel;
    asio::any_io_executor strand;

    // Wakes a waiting next(), outside the lock.
    void wake(std::unique_lock<std::mutex>& lock) {
        auto w = std::move(waiter);
        lock.unlock();
        if (w)
            w->resume();
    }
};

namespace {

// Waits until an event or the end is there; completes at once (through a
// post) when one is already.
struct wait_for_event {
    std::shared_ptr<image_stream_state> s;
    template <class Handler>
    void operator()(Handler&& h) const {
        std::unique_lock lock(s->mutex);
        using H = std::decay_t<Handler>;
        auto w = std::make_unique<stream_waiter_of<H>>(H(std::forward<Handler>(h)));
        if (s->events.empty() && !s->finished) {
            s->waiter = std::move(w);
            return;
        }
        lock.unlock();
        w->resume();
    }
};

}  // namespace

template <class Request>
std::shared_ptr<image_stream_state> start_image_stream(const std::shared_ptr<client_impl>& impl,
                                                       Request req, request_options opts) {
    auto s = std::make_shared<image_stream_state>();
    s->strand = operation_strand(*impl);
    // Partial images are moved into the queue; a final image stays in the
    // final response and the queue gets a copy.
    image_event_function on_event = [s](ImageStreamEvent& e) {
        std::unique_lock lock(s->mutex);
        if (ends_with(e.type, ".completed"))
            s->events.push_back(e);
        else
            s->events.push_back(std::move(e));
        s->wake(lock);
    };
    auto on_done = [s](error_code ec, ImagesResponse r) {
        std::unique_lock lock(s->mutex);
        s->finished = true;
        s->ec = ec;
        s->response = std::move(r);
        s->wake(lock);
    };
    op_completion<images_handler, stream_result> done{
        images_handler(asio::bind_cancellation_slot(s->cancel.slot(), std::move(on_done))),
        client_executor(impl)};
    auto ro = std::make_shared<const request_options>(std::move(opts));
    start_streamed(impl, s->strand, std::move(req), std::move(ro), &s->diag, std::move(on_event),
                   std::move(done));
    return s;
}

// Every streaming row's forms, compiled here once (explicitly: an address
// taken in an unused constant may be optimised away with its instantiation).
#define OPENAI_IMAGES_STREAMING_ROW(Request)                                                  \
    template void start_stream_operation<Request>(                                            \
        const std::shared_ptr<client_impl>&, Request, std::shared_ptr<const request_options>, \
        diagnostics*, image_event_function, images_handler);                                  \
    template std::shared_ptr<image_stream_state> start_image_stream<Request>(                 \
        const std::shared_ptr<client_impl>&, Request, request_options);                       \
    static_assert(streaming_operation<Request>)
OPENAI_IMAGES_STREAMING_ROW(CreateImageRequest);
OPENAI_IMAGES_STREAMING_ROW(CreateImageEditRequest);
OPENAI_IMAGES_STREAMING_ROW(EditImageBodyJsonParam);
#undef OPENAI_IMAGES_STREAMING_ROW

}  // namespace detail

image_stream::image_stream(std::shared_ptr<detail::image_stream_state> s) noexcept
    : s_(std::move(s)) {}
image_stream::image_stream(image_stream&&) noexcept = default;
image_stream& image_stream::operator=(image_stream&& other) noexcept {
    if (this != &other) {
        cancel();
        s_ = std::move(other.s_);
    }
    return *this;
}
image_stream::~image_stream() {
    cancel();
}

void image_stream::cancel() {
    if (!s_)
        return;
    {
        std::lock_guard lock(s_->mutex);
        if (s_->finished)
            return;
    }
    // On the operation's strand, where its cancellation slot is handled.
    asio::post(s_->strand, [s = s_] { s->cancel.emit(asio::cancellation_type::terminal); });
}

asio::awaitable<std::optional<ImageStreamEvent>> image_stream::next() {
    const auto s = s_;
    for (;;) {
        {
            std::lock_guard lock(s->mutex);
            if (!s->events.empty()) {
                std::optional<ImageStreamEvent> e(std::move(s->events.front()));
                s->events.pop_front();
                co_return e;
            }
            if (s->finished) {
                if (s->ec)
                    detail::throw_failure(s->ec, s->diag);
                co_return std::nullopt;
            }
        }
        // Named: GCC 12 miscompiles a braced temporary in a co_await.
        detail::wait_for_event wait{s};
        co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(std::move(wait),
                                                                             asio::use_awaitable);
    }
}

ImagesResponse& image_stream::response() {
    return s_->response;
}

const diagnostics& image_stream::diag() const {
    return s_->diag;
}

}  // namespace openai::images
