// Progress of a batch on stderr: on a terminal one line redrawn in place
// ("[#####.....] 12/24 ok 11 failed 1 in flight 4 retrying 0 saved 11  3.2 img/s"),
// otherwise one plain line as each request's images are saved or it fails.
// A streamed request adds the partial images received ("partials 2").
#pragma once

#include <openai/images/batch.hpp>

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

namespace openai_images_cli {

class progress_reporter {
  public:
    using clock = std::chrono::steady_clock;

    /// `terminal`: redraw one line with \r; else a line per completion.
    /// `quiet`: print nothing.
    progress_reporter(std::ostream& os, bool terminal, bool quiet, clock::time_point start);

    /// A new snapshot (called on every start, retry and completion, as each
    /// request's images are saved, and as each partial image of a stream is
    /// saved), with the images and partial images saved so far.
    void update(const openai::images::batch_progress& p, std::size_t saved,
                std::size_t partials = 0);

    /// Ends the bar's line, so that what follows starts on a new one.
    void finish();

    /// The line shown for a snapshot at `now`, without \r or newline.
    static std::string render(const openai::images::batch_progress& p, std::size_t saved,
                              double seconds, bool bar, clock::time_point now,
                              std::size_t partials = 0);

    /// The one images/s of the tool, in the progress line and the summary:
    /// images saved per second since the run started.
    static double rate(std::size_t saved, double seconds) noexcept;

  private:
    std::ostream& os_;
    bool terminal_;
    bool quiet_;
    clock::time_point start_;
    clock::time_point last_draw_{};
    std::size_t last_done_ = 0;
    std::size_t last_saved_ = 0;
    std::size_t last_failed_ = 0;
    std::size_t last_partials_ = 0;
    std::size_t last_width_ = 0;
    bool drawn_ = false;
};

}  // namespace openai_images_cli
