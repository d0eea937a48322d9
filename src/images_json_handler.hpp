// The Boost.JSON parser handler behind the streaming images parsers: it
// builds the document as json::parser does, except for the image strings
// (data[i].b64_json of a response, b64_json of a stream event), which go
// straight into strings of their own or are decoded into bytes as they
// arrive. images_parser.cpp and image_event_parser.cpp share it.
#pragma once

#include <openai/images/error.hpp>
#include <openai/images/models.hpp>

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "base64_impl.hpp"

namespace openai::images::detail {

namespace json = boost::json;

// A large image's memory, not yet written, is asked for in huge pages where
// the system gives them on request (Linux transparent huge pages in
// "madvise" mode): one page fault per 2 MiB instead of per 4 KiB, which is
// most of the cost of receiving a large image. Advice only: any failure is
// harmless.
inline void huge_pages([[maybe_unused]] char* p, [[maybe_unused]] std::size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = 2u << 20;
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + size) & ~(huge - 1);
    if (end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

// A json::parser that builds the document as json::parser does, except for
// the strings at data[i].b64_json: those are appended straight into
// std::strings of their own (or, when `decode`, decoded straight into byte
// vectors) and an empty string stands in the document. The images, nearly all
// of a large response, are then copied once from the body (or from each piece
// of it as it is read) instead of three times (into the parser's stack, a
// json::string, the result).
class images_response_handler {
    // The document of a small answer (everything but its images: a url, a
    // few numbers) is built in these bytes, without a call to malloc; a larger
    // one continues on the heap. Both are given back with the parser.
    alignas(std::max_align_t) unsigned char document_memory_[512];
    unsigned char stack_memory_[512];
    json::monotonic_resource document_resource_{document_memory_, sizeof document_memory_};

  public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    struct image_entry {
        std::size_t index = 0;             ///< in data
        std::string b64;                   ///< the text, when not decoding
        std::vector<unsigned char> bytes;  ///< the decoded bytes, when decoding
        /// A decoding error, which ends this entry's decoding (parsing goes
        /// on, so that the body is still read to its end).
        error_code ec;
        diagnostics diag;
    };

    json::value_stack st{json::storage_ptr(), stack_memory_, sizeof stack_memory_};
    /// In document order; a later entry for the same index replaces an earlier
    /// one, as a repeated key does in the document.
    std::vector<image_entry> images;
    /// Bytes of the body not yet given to the parser when the current piece
    /// began, when the body's size is known: an upper bound for an image.
    std::optional<std::uint64_t> remaining;
    /// Decode each image as it arrives instead of keeping its text.
    bool decode = false;
    /// Where the image strings are: data[i].b64_json of an images response,
    /// the top-level b64_json of a stream event (its one image, index 0), or
    /// response.body.data[i].b64_json of a Batch API output line.
    enum class layout { response, event, batch_line } where = layout::response;

    /// Characters of base64 in the last image read: what the next image is
    /// sized for (a stream's events have a parser each, which hands this on
    /// to the next).
    std::uint64_t last_image_chars() const noexcept { return last_image_chars_; }
    void expect_image_chars(std::uint64_t chars) noexcept { last_image_chars_ = chars; }

    images_response_handler() {
        st.reset(json::storage_ptr(&document_resource_));
        frames_.reserve(8);  // an ImagesResponse nests 4 deep: no regrowth
    }

    /// Puts the images read into `r`, the response read from the document
    /// (whose image strings are empty stand-ins): each index's last entry,
    /// as the document keeps a repeated key's last value. A decoding error
    /// of one of them is the result.
    error_code take_images(ImagesResponse& r, diagnostics& diag) {
        std::vector<image_entry*> last(r.data.size());
        for (auto& e : images) {
            if (e.index < last.size())
                last[e.index] = &e;
        }
        for (std::size_t i = 0; i < last.size(); ++i) {
            if (last[i] == nullptr)
                continue;
            auto& e = *last[i];
            Image& img = r.data[i];
            if (!decode) {
                img.b64_json = std::move(e.b64);
                continue;
            }
            if (e.ec) {
                diag.assign(std::string(e.diag.param()), std::string(e.diag.message()));
                return e.ec;
            }
            img.b64_json.reset();  // the stand-in
            img.bytes = std::move(e.bytes);
        }
        return {};
    }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) {
        begin_value();
        frames_.push_back({true, {}, 0});
        return true;
    }
    bool on_object_end(std::size_t n, error_code&) {
        frames_.pop_back();
        st.push_object(n);
        return true;
    }
    bool on_array_begin(error_code&) {
        begin_value();
        frames_.push_back({false, {}, 0});
        return true;
    }
    bool on_array_end(std::size_t n, error_code&) {
        frames_.pop_back();
        st.push_array(n);
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, error_code&) {
        key_.append(s.data(), s.size());
        st.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, error_code&) {
        key_.append(s.data(), s.size());
        frames_.back().key = std::move(key_);
        key_.clear();
        st.push_key(s);
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, error_code&) {
        start_string();
        if (image_string_)
            image_part(s);
        else
            st.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code&) {
        start_string();
        in_string_ = false;
        if (image_string_) {
            image_part(s);
            image_entry& e = images.back();
            if (decode && !e.ec)
                e.ec = decoder_->finish(e.bytes, e.diag);
            last_image_chars_ = decode ? decoder_->size() : e.b64.size();
            decoder_.reset();
            st.push_string({});
        } else {
            st.push_string(s);
        }
        return true;
    }
    bool on_number_part(json::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, error_code&) {
        begin_value();
        st.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, error_code&) {
        begin_value();
        st.push_uint64(u);
        return true;
    }
    bool on_double(double d, json::string_view, error_code&) {
        begin_value();
        st.push_double(d);
        return true;
    }
    bool on_bool(bool b, error_code&) {
        begin_value();
        st.push_bool(b);
        return true;
    }
    bool on_null(error_code&) {
        begin_value();
        st.push_null();
        return true;
    }
    bool on_comment_part(json::string_view, error_code&) { return true; }
    bool on_comment(json::string_view, error_code&) { return true; }

  private:
    struct frame {
        bool object = false;
        std::string key;           ///< objects: the key of the value being read
        std::size_t elements = 0;  ///< arrays: values begun so far
    };

    void begin_value() {
        if (!frames_.empty() && !frames_.back().object)
            ++frames_.back().elements;
    }
    void image_part(json::string_view s) {
        image_entry& e = images.back();
        if (!decode)
            e.b64.append(s.data(), s.size());
        else if (!e.ec)
            e.ec = decoder_->write({s.data(), s.size()}, e.bytes, e.diag);
    }
    // The first part of a string value: is it one of the images?
    void start_string() {
        if (in_string_)
            return;
        in_string_ = true;
        begin_value();
        image_string_ = at_image();
        if (image_string_) {
            const bool event = where == layout::event;
            const std::size_t index = event ? 0 : frames_[data_depth() + 1].elements - 1;
            images.emplace_back().index = index;
            if (decode) {
                std::string name = where == layout::batch_line ? "response.body.data[" : "data[";
                name += std::to_string(index);
                name += "].b64_json";
                decoder_.emplace(event ? std::string("b64_json") : std::move(name));
                reserve(images.back().bytes);
            } else {
                reserve(images.back().b64);
            }
        }
    }
    // Sized once rather than grown by doubling (each step a copy and fresh
    // pages): the images of one answer are of one size and format, so the
    // previous one's size (with some slack) fits the next, and the rest of
    // the body bounds the first. Reserved pages not written stay untouched.
    template <class Container>
    void reserve(Container& c) const {
        std::uint64_t want = 0;  // characters of base64
        if (last_image_chars_ > 0)
            want = last_image_chars_ + last_image_chars_ / 16 + 64;
        if (remaining)
            want = last_image_chars_ > 0 ? std::min(want, *remaining) : *remaining;
        if (decode)
            want = want / 4 * 3 + 3;
        if (want > 0 && want <= c.max_size()) {
            c.reserve(static_cast<std::size_t>(want));
            huge_pages(reinterpret_cast<char*>(c.data()), c.capacity());
        }
    }
    // The string about to be read is the document's data[i].b64_json (or
    // an event's b64_json).
    bool at_image() const {
        if (where == layout::event)
            return frames_.size() == 1 && frames_[0].object && frames_[0].key == "b64_json";
        const std::size_t d = data_depth();
        if (frames_.size() != d + 3)
            return false;
        if (d == 2 && !(frames_[0].object && frames_[0].key == "response" && frames_[1].object &&
                        frames_[1].key == "body"))
            return false;
        return frames_[d].object && frames_[d].key == "data" && !frames_[d + 1].object &&
               frames_[d + 2].object && frames_[d + 2].key == "b64_json";
    }
    // The frame whose key is `data`: the document's (0), or the body's of a
    // batch line (response.body: 2).
    std::size_t data_depth() const noexcept { return where == layout::batch_line ? 2 : 0; }

    std::vector<frame> frames_;
    std::string key_;
    std::optional<detail::base64_stream_decoder> decoder_;  ///< the current image's
    std::uint64_t last_image_chars_ = 0;                    ///< characters of the previous image
    bool in_string_ = false, image_string_ = false;
};

}  // namespace openai::images::detail
