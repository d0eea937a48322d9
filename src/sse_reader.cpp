#include "sse_reader.hpp"

#include <cstring>

namespace openai::images::detail {

namespace {

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

bool line_end(char c) noexcept {
    return c == '\n' || c == '\r';
}

}  // namespace

void sse_reader::write(std::string_view piece) {
    if (!started_) {
        while (bom_ < byte_order_mark.size() && !piece.empty() &&
               piece.front() == byte_order_mark[bom_]) {
            ++bom_;
            piece.remove_prefix(1);
        }
        if (bom_ < byte_order_mark.size() && piece.empty())
            return;  // still possibly the mark
        started_ = true;
        if (bom_ < byte_order_mark.size())
            feed(byte_order_mark.substr(0, bom_));  // not the mark: its bytes were text
    }
    feed(piece);
}

// The length of the run before the next line end. Two memchr passes: the
// data of an image event is megabytes of base64 with no line end in it.
std::size_t sse_reader::value_run(std::string_view s) {
    const void* lf = std::memchr(s.data(), '\n', s.size());
    const std::size_t n =
        lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - s.data()) : s.size();
    const void* cr = std::memchr(s.data(), '\r', n);
    return cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - s.data()) : n;
}

void sse_reader::feed(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (skip_lf_) {
            skip_lf_ = false;
            if (c == '\n') {
                ++i;
                continue;
            }
        }
        switch (state_) {
            case state::line_start:
                if (line_end(c)) {
                    // A blank line: the event, if it had data, is complete.
                    if (data_lines_ > 0)
                        h_.on_event(type_.empty() ? std::string_view("message") : type_);
                    data_lines_ = 0;
                    type_.clear();
                    skip_lf_ = c == '\r';
                    ++i;
                } else if (c == ':') {
                    state_ = state::skip_line;
                    ++i;
                } else {
                    name_.clear();
                    state_ = state::name;
                }
                break;
            case state::name:
                if (c == ':' || line_end(c)) {
                    end_field();
                    if (c == ':') {
                        state_ = state::value_start;
                        ++i;
                    }
                    // A field with no colon has an empty value; the line
                    // end is handled as the value's.
                    else {
                        state_ = state::value;
                    }
                } else {
                    if (name_.size() <= max_name)
                        name_.push_back(c);
                    ++i;
                }
                break;
            case state::value_start:
                state_ = state::value;
                if (c == ' ')  // one space after the colon is not part of the value
                    ++i;
                break;
            case state::value:
            case state::skip_line: {
                const std::size_t n = value_run(s.substr(i));
                if (n > 0 && state_ == state::value) {
                    const std::string_view run = s.substr(i, n);
                    if (field_ == field::data) {
                        h_.on_data(run);
                    } else if (field_ == field::event && type_.size() < max_type) {
                        type_.append(run.substr(0, max_type - type_.size()));
                    }
                }
                i += n;
                if (i < s.size()) {
                    skip_lf_ = s[i] == '\r';
                    state_ = state::line_start;
                    ++i;
                }
                break;
            }
        }
    }
}

// The name of a field is complete: what its value is for. Each `data` field
// is a line of the event's data, joined to the one before by LF.
void sse_reader::end_field() {
    if (name_ == "data") {
        field_ = field::data;
        if (data_lines_ > 0)
            h_.on_data("\n");
        ++data_lines_;
    } else if (name_ == "event") {
        field_ = field::event;
        type_.clear();
    } else {
        field_ = field::other;  // id, retry and fields of no meaning here
    }
}

}  // namespace openai::images::detail
