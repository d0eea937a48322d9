#include "progress.hpp"

#include <cstdio>

namespace openai_images_cli {

namespace oi = openai::images;

progress_reporter::progress_reporter(std::ostream& os, bool terminal, bool quiet,
                                     clock::time_point start)
    : os_(os), terminal_(terminal), quiet_(quiet), start_(start) {}

double progress_reporter::rate(std::size_t saved, double seconds) noexcept {
    return seconds > 0 ? static_cast<double>(saved) / seconds : 0.0;
}

std::string progress_reporter::render(const oi::batch_progress& p, std::size_t saved,
                                      double seconds, bool bar, clock::time_point now,
                                      std::size_t partials) {
    std::string out;
    const std::size_t done = p.done();
    if (bar) {
        constexpr std::size_t width = 20;
        const std::size_t filled = p.total == 0 ? width : done * width / p.total;
        out += '[';
        out.append(filled, '#');
        out.append(width - filled, '.');
        out += "] ";
    }
    char tail[64];
    std::snprintf(tail, sizeof tail, "  %.1f img/s", rate(saved, seconds));
    out += std::to_string(done) + "/" + std::to_string(p.total) + " ok " +
           std::to_string(p.succeeded) + " failed " + std::to_string(p.failed) + " in flight " +
           std::to_string(p.in_flight) + " retrying " + std::to_string(p.retrying) + " saved " +
           std::to_string(saved) + (partials > 0 ? " partials " + std::to_string(partials) : "") +
           tail;
    if (p.paused_until > now) {
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(p.paused_until - now).count();
        char pause[48];
        std::snprintf(pause, sizeof pause, "  paused %.1f s (429)", static_cast<double>(ms) / 1000);
        out += pause;
    }
    return out;
}

void progress_reporter::update(const oi::batch_progress& p, std::size_t saved,
                               std::size_t partials) {
    if (quiet_)
        return;
    const auto now = clock::now();
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const std::size_t done = p.done();
    if (!terminal_) {
        // A line when images were saved or a request failed: a success shows
        // with its save, an instant later, not twice.
        if (p.failed > last_failed_ || saved > last_saved_ || partials > last_partials_) {
            last_failed_ = p.failed;
            last_saved_ = saved;
            last_partials_ = partials;
            os_ << render(p, saved, seconds, false, now, partials) << '\n' << std::flush;
        }
        return;
    }
    // Redraw at most every 50 ms, and at every completion and save.
    if (drawn_ && done == last_done_ && saved == last_saved_ && partials == last_partials_ &&
        now - last_draw_ < std::chrono::milliseconds(50))
        return;
    last_done_ = done;
    last_saved_ = saved;
    last_partials_ = partials;
    last_draw_ = now;
    std::string line = render(p, saved, seconds, true, now, partials);
    const std::size_t width = line.size();
    if (width < last_width_)
        line.append(last_width_ - width, ' ');  // wipe what the longer line left
    last_width_ = width;
    os_ << '\r' << line << std::flush;
    drawn_ = true;
}

void progress_reporter::finish() {
    if (terminal_ && drawn_) {
        os_ << '\n' << std::flush;
        drawn_ = false;
        last_width_ = 0;
    }
}

}  // namespace openai_images_cli
