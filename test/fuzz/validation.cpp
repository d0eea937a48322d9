// Fuzz target: client-side validation (include/openai/images/validate.hpp)
// of generation, edit and variation requests built from the input.
//
// Input: the request kind, then one or more bytes per field (see the field()
// helpers below): 0 leaves an optional field unset, small values pick one of
// the API's known values (of any enum, so that wrong ones are tried too),
// larger ones read a fuzzed string or number. Input images are PNG, JPEG or
// WEBP headers with fuzzed dimensions, large buffers, raw bytes, a missing
// path or an empty source.
//
// Invariants: validate() succeeds, or fails with a client_errc of the
// validation or file kinds and a diagnostic whose param names the field and
// whose message starts with it; it is deterministic; disabled, it accepts
// everything. What it accepts keeps the documented model-independent rules
// (prompt, n, output_compression, partial_images, size, image count), and an
// accepted generation request goes through to_json and
// parse_create_image_request unchanged.
#include <openai/images/json.hpp>
#include <openai/images/validate.hpp>

#include <array>
#include <deque>
#include <vector>

#include "fuzz_common.hpp"
#include "fuzz_models.hpp"

namespace oi = openai::images;

namespace {

constexpr std::array<std::string_view, 8> models = {"dall-e-2",
                                                    "dall-e-3",
                                                    "gpt-image-1",
                                                    "gpt-image-1-mini",
                                                    "gpt-image-1.5",
                                                    "gpt-image-2",
                                                    "gpt-image-2-2026-04-21",
                                                    "chatgpt-image-latest"};
constexpr std::array<std::string_view, 8> sizes = {
    "auto", "256x256", "512x512", "1024x1024", "1536x1024", "1024x1536", "1792x1024", "1024x1792"};
// Every other enumerated value of the API, whichever field it belongs to.
constexpr std::array<std::string_view, 17> words = {
    "standard", "hd",   "low",         "medium", "high",  "auto",    "url", "b64_json", "png",
    "jpeg",     "webp", "transparent", "opaque", "vivid", "natural", "",    "PNG"};

class builder {
  public:
    explicit builder(fuzz::input& in) : in_(in) {}

    template <class E>
    std::optional<E> word_field() {
        const std::uint8_t b = in_.byte();
        if (b == 0)
            return std::nullopt;
        if (b <= words.size())
            return E(words[b - 1]);
        return E(in_.string(40));
    }

    std::optional<oi::ImageModel> model() {
        const std::uint8_t b = in_.byte();
        if (b == 0)
            return std::nullopt;
        if (b <= models.size())
            return oi::ImageModel(models[b - 1]);
        return oi::ImageModel(in_.string(40));
    }

    std::optional<oi::ImageSize> size() {
        const std::uint8_t b = in_.byte();
        if (b == 0)
            return std::nullopt;
        if (b <= sizes.size())
            return oi::ImageSize(sizes[b - 1]);
        if (b < 128) {
            // WIDTHxHEIGHT, mostly multiples of 16 (gpt-image-2's custom sizes).
            const auto w = in_.integral<std::uint16_t>();
            const auto h = in_.integral<std::uint16_t>();
            const unsigned scale = (b & 1) ? 16u : 1u;
            return oi::ImageSize(std::to_string(w * scale) + "x" + std::to_string(h * scale));
        }
        return oi::ImageSize(in_.string(40));
    }

    std::optional<std::int64_t> number(std::int64_t lo, std::int64_t hi) {
        switch (in_.byte() % 4) {
            case 0:
                return std::nullopt;
            case 1:
            case 2:
                return lo - 2 +
                       static_cast<std::int64_t>(
                           in_.in_range(0, static_cast<std::uint64_t>(hi - lo + 4)));
            default:
                return in_.integral<std::int64_t>();
        }
    }

    std::optional<bool> flag() {
        const std::uint8_t b = in_.byte() % 3;
        if (b == 0)
            return std::nullopt;
        return b == 2;
    }

    std::optional<std::string> text() {
        if (in_.byte() % 2 == 0)
            return std::nullopt;
        return in_.string(200);
    }

    std::string prompt() {
        switch (in_.byte() % 4) {
            case 0:
                return {};
            case 1: {
                // A long prompt of one repeated character, one to four bytes long.
                static constexpr std::array<std::string_view, 4> units = {
                    "a", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x90\xB1"};
                const auto unit = units[in_.byte() % 4];
                const auto count = in_.in_range(0, 33'000);
                std::string p;
                p.reserve(count * unit.size());
                for (std::uint64_t i = 0; i < count; ++i)
                    p += unit;
                return p;
            }
            default:
                return in_.string(2000);
        }
    }

    oi::file_source image() {
        switch (in_.byte() % 8) {
            case 0:
                return {};
            case 1:
                return memory(png(in_.integral<std::uint32_t>(), in_.integral<std::uint32_t>()));
            case 2:
                return memory(jpeg(in_.integral<std::uint16_t>(), in_.integral<std::uint16_t>()));
            case 3:
                return memory(webp(in_.integral<std::uint32_t>(), in_.integral<std::uint32_t>()));
            case 4:
                return large();
            case 5:
                return oi::file_source("/nonexistent/openai-images-fuzz/image.png");
            case 6: {
                // A valid header truncated or followed by fuzzed bytes.
                std::string h = png(in_.integral<std::uint16_t>(), in_.integral<std::uint16_t>());
                h.resize(in_.in_range(0, 40), '\0');
                return memory(h + in_.string(40));
            }
            default:
                return memory(in_.string(64));
        }
    }

  private:
    static void be32(std::string& s, std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            s += static_cast<char>((v >> shift) & 0xFF);
    }
    static void le(std::string& s, std::uint32_t v, int bytes) {
        for (int i = 0; i < bytes; ++i)
            s += static_cast<char>((v >> (8 * i)) & 0xFF);
    }

  public:
    static std::string png(std::uint32_t w, std::uint32_t h) {
        std::string s("\x89PNG\r\n\x1A\n", 8);
        be32(s, 13);
        s += "IHDR";
        be32(s, w);
        be32(s, h);
        s += std::string("\x08\x06\x00\x00\x00\x00\x00\x00\x00", 9);
        return s;
    }
    static std::string jpeg(std::uint16_t w, std::uint16_t h) {
        std::string s("\xFF\xD8\xFF\xE0\x00\x04\x00\x00\xFF\xC0\x00\x11\x08", 13);
        s += static_cast<char>(h >> 8);
        s += static_cast<char>(h & 0xFF);
        s += static_cast<char>(w >> 8);
        s += static_cast<char>(w & 0xFF);
        s += std::string(12, '\0');
        return s;
    }
    static std::string webp(std::uint32_t w, std::uint32_t h) {
        std::string s = "RIFF";
        le(s, 100, 4);
        s += "WEBPVP8X";
        le(s, 10, 4);
        s += std::string(4, '\0');
        le(s, w, 3);
        le(s, h, 3);
        s += std::string(8, '\0');
        return s;
    }

  private:
    oi::file_source memory(std::string bytes) {
        // Owned or borrowed, both ways.
        if (in_.byte() & 1)
            return oi::file_source::from_owned(std::move(bytes), "x.png");
        const std::string& kept = store_.emplace_back(std::move(bytes));
        return oi::file_source::from_memory(kept);
    }

    // A 1024x1024 PNG header at the start of a large buffer, seen through
    // prefixes just under or at the 4 MiB and 50 MiB limits.
    oi::file_source large() {
        static const std::vector<unsigned char> big = [] {
            std::vector<unsigned char> v(50u * 1024 * 1024 + 1, 0);
            const std::string h = png(1024, 1024);
            std::copy(h.begin(), h.end(), v.begin());
            return v;
        }();
        static constexpr std::array<std::size_t, 4> lengths = {
            4u * 1024 * 1024 - 1, 4u * 1024 * 1024, 50u * 1024 * 1024 - 1, 50u * 1024 * 1024};
        return oi::file_source::from_memory(
            std::span<const unsigned char>(big.data(), lengths[in_.byte() % 4]));
    }

    fuzz::input& in_;
    std::deque<std::string> store_;
};

bool validation_error(oi::error_code ec) {
    if (ec.category() != oi::client_category())
        return false;
    const auto v = static_cast<oi::client_errc>(ec.value());
    return (v >= oi::client_errc::missing_required_field && v <= oi::client_errc::invalid_image) ||
           v == oi::client_errc::file_open_failed || v == oi::client_errc::file_read_failed;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (const char c : s)
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

template <class Req>
oi::error_code check(const Req& req) {
    oi::diagnostics diag;
    const auto ec = oi::validate(req, diag);
    if (ec) {
        FUZZ_CHECK_MSG(validation_error(ec), ec.message());
        FUZZ_CHECK(!diag.param().empty());
        FUZZ_CHECK(!diag.message().empty());
        FUZZ_CHECK_MSG(diag.message().starts_with(diag.param()),
                       std::string(diag.param()) + " / " + std::string(diag.message()));
    } else {
        FUZZ_CHECK(diag.param().empty() && diag.message().empty());
    }
    oi::diagnostics again;
    FUZZ_CHECK(oi::validate(req, again) == ec);
    FUZZ_CHECK(again.param() == diag.param() && again.message() == diag.message());

    oi::diagnostics off;
    FUZZ_CHECK(!oi::validate(req, off, oi::validate_options{false}));
    FUZZ_CHECK(off.message().empty());
    return ec;
}

// The model-independent rules, for a request that was accepted.
template <class Req>
void check_common(const Req& r) {
    FUZZ_CHECK(!r.prompt.empty() && utf8_length(r.prompt) <= 32000);
    FUZZ_CHECK(!r.n || (*r.n >= 1 && *r.n <= 10));
    FUZZ_CHECK(!r.output_compression ||
               (*r.output_compression >= 0 && *r.output_compression <= 100));
    FUZZ_CHECK(!r.partial_images || (*r.partial_images >= 0 && *r.partial_images <= 3));
    FUZZ_CHECK(!r.size || *r.size == "auto" || oi::parse_size(r.size->value()));
}

void generation(builder& b) {
    oi::CreateImageRequest r;
    r.prompt = b.prompt();
    r.model = b.model();
    r.n = b.number(1, 10);
    r.quality = b.word_field<oi::ImageQuality>();
    r.response_format = b.word_field<oi::ImageResponseFormat>();
    r.output_format = b.word_field<oi::ImageOutputFormat>();
    r.output_compression = b.number(0, 100);
    r.stream = b.flag();
    r.partial_images = b.number(0, 3);
    r.size = b.size();
    r.moderation = b.word_field<oi::ImageModeration>();
    r.background = b.word_field<oi::ImageBackground>();
    r.style = b.word_field<oi::ImageStyle>();
    r.user = b.text();
    if (check(r))
        return;
    check_common(r);
    if (r.model == "dall-e-3")
        FUZZ_CHECK(!r.n || *r.n == 1);

    // What validation accepts is sent as JSON: it must parse back unchanged.
    const std::string body = oi::to_json(r);
    oi::CreateImageRequest back;
    oi::diagnostics diag;
    const auto ec = oi::parse_create_image_request(body, back, diag);
    FUZZ_CHECK_MSG(!ec, std::string(diag.message()) + " in " + fuzz::escaped(body));
    FUZZ_CHECK_MSG(fuzz::eq(r, back), fuzz::escaped(body));
    FUZZ_CHECK(oi::to_json(back) == body);
}

void edit(builder& b, fuzz::input& in) {
    oi::CreateImageEditRequest r;
    const auto count = in.in_range(0, 17);
    for (std::uint64_t i = 0; i < count; ++i)
        r.image.push_back(b.image());
    if (in.boolean())
        r.mask = b.image();
    r.prompt = b.prompt();
    r.model = b.model();
    r.n = b.number(1, 10);
    r.size = b.size();
    r.quality = b.word_field<oi::ImageQuality>();
    r.response_format = b.word_field<oi::ImageResponseFormat>();
    r.output_format = b.word_field<oi::ImageOutputFormat>();
    r.output_compression = b.number(0, 100);
    r.background = b.word_field<oi::ImageBackground>();
    r.input_fidelity = b.word_field<oi::InputFidelity>();
    r.stream = b.flag();
    r.partial_images = b.number(0, 3);
    r.user = b.text();
    if (check(r))
        return;
    check_common(r);
    FUZZ_CHECK(!r.image.empty() && r.image.size() <= 16);
    FUZZ_CHECK(r.model != "dall-e-3");
}

void variation(builder& b) {
    oi::CreateImageVariationRequest r;
    r.image = b.image();
    r.model = b.model();
    r.n = b.number(1, 10);
    r.response_format = b.word_field<oi::ImageResponseFormat>();
    r.size = b.size();
    r.user = b.text();
    if (check(r))
        return;
    FUZZ_CHECK(!r.image.empty());
    FUZZ_CHECK(!r.n || (*r.n >= 1 && *r.n <= 10));
    // Only dall-e-2 (the default) makes variations; an unknown model is let through.
    for (std::size_t i = 1; i < models.size(); ++i)
        FUZZ_CHECK(!r.model || *r.model != models[i]);
}

oi::error_code validate_generation(std::string prompt, std::string model,
                                   std::optional<std::string> user, oi::diagnostics& diag) {
    oi::CreateImageRequest r;
    r.prompt = std::move(prompt);
    r.model = oi::ImageModel(std::move(model));
    r.user = std::move(user);
    return oi::validate(r, diag);
}

void expect_not_utf8(std::string prompt, std::string model, std::optional<std::string> user,
                     std::string_view param, std::string_view message) {
    oi::diagnostics diag;
    const auto ec = validate_generation(std::move(prompt), std::move(model), std::move(user), diag);
    FUZZ_CHECK_MSG(ec == oi::client_errc::value_not_allowed, ec.message());
    FUZZ_CHECK(diag.param() == param);
    FUZZ_CHECK_MSG(diag.message() == message, std::string(diag.message()));
}

}  // namespace

int fuzz_self_test() {
    // regressions/validation/invalid-utf8-prompt-made-invalid-json: a prompt
    // (or any string) that is not UTF-8 passed validation, and to_json then
    // wrote a body that is not JSON. Every string of a generation request must
    // now be well-formed UTF-8.
    const std::string_view tail = "; the request is sent as JSON, whose strings must be UTF-8";
    expect_not_utf8("caf\xE9", "gpt-image-1", std::nullopt, "prompt",
                    "prompt: not valid UTF-8 (byte 0xE9 at offset 3)" + std::string(tail));
    expect_not_utf8("x\xA4\xC4\xFD", "dall-e-3", std::nullopt, "prompt",
                    "prompt: not valid UTF-8 (byte 0xA4 at offset 1)" + std::string(tail));
    // Overlong, surrogate, above U+10FFFF, truncated.
    expect_not_utf8("ok", "gpt-image-1", std::string("\xC0\xAF"), "user",
                    "user: not valid UTF-8 (byte 0xC0 at offset 0)" + std::string(tail));
    expect_not_utf8("ok", "gpt-image-1", std::string("a\xED\xA0\x80"), "user",
                    "user: not valid UTF-8 (byte 0xED at offset 1)" + std::string(tail));
    expect_not_utf8("ok", "gpt-image-1", std::string("ab\xF4\x90\x80\x80"), "user",
                    "user: not valid UTF-8 (byte 0xF4 at offset 2)" + std::string(tail));
    expect_not_utf8("\xF0\x9F\x90", "gpt-image-1", std::nullopt, "prompt",
                    "prompt: not valid UTF-8 (byte 0xF0 at offset 0)" + std::string(tail));
    expect_not_utf8("ok", "gpt-\xFFimage", std::nullopt, "model",
                    "model: not valid UTF-8 (byte 0xFF at offset 4)" + std::string(tail));
    // Well-formed UTF-8 of every length, up to U+10FFFF, is accepted and
    // round-trips through JSON.
    oi::diagnostics diag;
    const std::string text =
        "\x7F \xC2\x80 \xDF\xBF \xE0\xA0\x80 \xED\x9F\xBF "
        "\xEE\x80\x80 \xF0\x90\x80\x80 \xF4\x8F\xBF\xBF";
    FUZZ_CHECK_MSG(!validate_generation(text, "gpt-image-1", text, diag),
                   std::string(diag.message()));
    oi::CreateImageRequest r;
    r.prompt = text;
    r.user = text;
    oi::CreateImageRequest back;
    FUZZ_CHECK(!oi::parse_create_image_request(oi::to_json(r), back, diag));
    FUZZ_CHECK(fuzz::eq(r, back));
    // Edits and variations are multipart: their strings are sent as bytes.
    oi::CreateImageEditRequest e;
    const std::string png = builder::png(16, 16);
    e.image.push_back(oi::file_source::from_memory(png));
    e.prompt = "caf\xE9";
    FUZZ_CHECK(!oi::validate(e, diag));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    builder b(in);
    switch (in.byte() % 3) {
        case 0:
            generation(b);
            break;
        case 1:
            edit(b, in);
            break;
        default:
            variation(b);
    }
    return 0;
}
