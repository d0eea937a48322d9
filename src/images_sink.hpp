// The sink of an images operation's 2xx body: each response is parsed as it
// arrives (b64_json kept as text or decoded to bytes), never held whole.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>

#include <memory>
#include <optional>

#include "body_sink.hpp"
#include "images_stream.hpp"

namespace openai::images::detail {

class images_sink final : public body_sink {
  public:
    explicit images_sink(bool decode_b64_json) noexcept : decode_(decode_b64_json) {}

    void begin(std::optional<std::uint64_t> length) override {
        parser_ = std::make_unique<images_response_stream>(length, decode_);
    }
    void write(std::string_view piece) override { parser_->write(piece); }

    /// Whether a body was fed to the parser (an empty body never is).
    bool started() const noexcept { return parser_ != nullptr; }
    /// The end of the body: the parsed response, or the parser's error.
    error_code finish(ImagesResponse& out, diagnostics& diag) {
        auto ec = parser_->finish(out, diag);
        parser_.reset();
        return ec;
    }
    /// Forgets a response that will not be used (a failed attempt's).
    void reset() noexcept { parser_.reset(); }

  private:
    bool decode_;
    std::unique_ptr<images_response_stream> parser_;
};

}  // namespace openai::images::detail
