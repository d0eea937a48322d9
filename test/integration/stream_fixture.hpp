// Shared by the streaming tests: one streamed operation run to its end, its
// events collected (or handed to the test's own function).
#pragma once

#include <openai/images.hpp>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <vector>

#include "client_fixture.hpp"

namespace stream_fixture {

/// Runs `req` as client::async_stream on `ioc` until it completes, each
/// event given to `on_event` (by default appended to `events`).
template <class Request, class Token = std::identity>
client_fixture::outcome run_stream(boost::asio::io_context& ioc, openai::images::client& c,
                                   Request req, openai::images::diagnostics& diag,
                                   openai::images::image_event_function on_event, Token bind = {}) {
    return client_fixture::run_one(ioc, [&](auto handler) {
        c.async_stream(std::move(req), std::move(on_event), diag, bind(std::move(handler)));
    });
}

/// An event function that keeps every event in `events`.
inline openai::images::image_event_function collect(
    std::vector<openai::images::ImageStreamEvent>& events) {
    return [&events](openai::images::ImageStreamEvent& e) { events.push_back(e); };
}

}  // namespace stream_fixture
