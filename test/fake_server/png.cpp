#include "png.hpp"

#include <openai/images/testing/fake_server.hpp>

#include <openai/images/base64.hpp>

#include <zlib.h>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace openai::images::testing::detail {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>((v >> 24) & 0xFF));
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
    out.push_back(static_cast<char>((v >> 8) & 0xFF));
    out.push_back(static_cast<char>(v & 0xFF));
}

void put_chunk(std::string& out, std::string_view type, std::string_view data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    out.append(type);
    out.append(data);
    // The CRC covers the type and the data, not the length.
    const auto* p = reinterpret_cast<const Bytef*>(out.data() + start);
    const uLong crc = ::crc32(::crc32(0L, Z_NULL, 0), p, static_cast<uInt>(out.size() - start));
    put_u32(out, static_cast<std::uint32_t>(crc));
}

// One channel of the gradient: 0 at the first pixel, 255 at the last.
unsigned char ramp(std::uint64_t i, std::uint64_t n) {
    return static_cast<unsigned char>(n > 1 ? i * 255 / (n - 1) : 0);
}

constexpr unsigned char blue = 160;

// Noise rows: filter None and bytes from a xorshift generator seeded by the
// size, so deflate cannot shrink them and the PNG is as large as a photo gets.
void fill_noise_row(std::vector<unsigned char>& row, std::uint64_t& state) {
    row[0] = 0;  // None
    for (std::size_t i = 1; i < row.size(); ++i) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        row[i] = static_cast<unsigned char>(state >> 24);
    }
}

// Row 0 uses the Sub filter, every later row the Up filter: a later row's
// bytes are all zero but for the green step, so deflate shrinks it to almost nothing.
// `block` > 1: the gradient in squares of block x block pixels (a coarser
// version of the same image, as a streamed partial image is).
void fill_row(std::vector<unsigned char>& row, std::uint32_t y, std::uint32_t w, std::uint32_t h,
              std::uint32_t block) {
    if (y == 0) {
        row[0] = 1;  // Sub
        unsigned char prev_r = 0;
        for (std::uint32_t x = 0; x < w; ++x) {
            const unsigned char r = ramp(x / block * block, w);
            unsigned char* px = &row[1 + 3 * std::size_t{x}];
            px[0] = static_cast<unsigned char>(r - prev_r);
            px[1] = static_cast<unsigned char>(x == 0 ? ramp(0, h) : 0);
            px[2] = static_cast<unsigned char>(x == 0 ? blue : 0);
            prev_r = r;
        }
        return;
    }
    row[0] = 2;  // Up
    const auto dg =
        static_cast<unsigned char>(ramp(y / block * block, h) - ramp((y - 1) / block * block, h));
    for (std::uint32_t x = 0; x < w; ++x) {
        unsigned char* px = &row[1 + 3 * std::size_t{x}];
        px[0] = 0;
        px[1] = dg;
        px[2] = 0;
    }
}

struct deflater {
    z_stream zs{};
    deflater() {
        if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK)
            throw std::runtime_error("fake_server: deflateInit failed");
    }
    ~deflater() { deflateEnd(&zs); }
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;

    void feed(const std::vector<unsigned char>& in, bool last, std::string& out) {
        zs.next_in = const_cast<Bytef*>(in.data());
        zs.avail_in = static_cast<uInt>(in.size());
        unsigned char buf[64 * 1024];
        int rc = Z_OK;
        do {
            zs.next_out = buf;
            zs.avail_out = sizeof buf;
            rc = deflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
            if (rc == Z_STREAM_ERROR)
                throw std::runtime_error("fake_server: deflate failed");
            out.append(reinterpret_cast<const char*>(buf), sizeof buf - zs.avail_out);
        } while (zs.avail_out == 0 || (last && rc != Z_STREAM_END));
    }
};

}  // namespace

std::string encode_png(std::uint32_t width, std::uint32_t height, image_fill fill,
                       std::uint32_t block) {
    block = std::max<std::uint32_t>(block, 1);
    if (width == 0 || height == 0)
        throw std::invalid_argument("fake_server: a PNG needs a positive width and height");
    std::string out("\x89PNG\r\n\x1a\n", 8);

    std::string ihdr;
    put_u32(ihdr, width);
    put_u32(ihdr, height);
    ihdr.push_back(8);  // bit depth
    ihdr.push_back(2);  // colour type: RGB
    ihdr.push_back(0);  // deflate
    ihdr.push_back(0);  // adaptive filtering
    ihdr.push_back(0);  // no interlace
    put_chunk(out, "IHDR", ihdr);

    std::string idat;
    deflater z;
    std::vector<unsigned char> row(1 + 3 * std::size_t{width});
    std::uint64_t state = (std::uint64_t{width} << 32 | height) | 1;
    for (std::uint32_t y = 0; y < height; ++y) {
        if (fill == image_fill::noise)
            fill_noise_row(row, state);
        else
            fill_row(row, y, width, height, block);
        z.feed(row, y + 1 == height, idat);
    }
    put_chunk(out, "IDAT", idat);
    put_chunk(out, "IEND", {});
    return out;
}

std::shared_ptr<const png_image> cached_png(std::uint32_t width, std::uint32_t height,
                                            image_fill fill, std::uint32_t block) {
    using entry = std::shared_future<std::shared_ptr<const png_image>>;
    static std::mutex mu;
    static std::map<std::tuple<std::uint32_t, std::uint32_t, image_fill, std::uint32_t>, entry>
        cache;

    std::promise<std::shared_ptr<const png_image>> promise;
    entry found;
    {
        std::lock_guard lock(mu);
        auto [it, inserted] = cache.try_emplace({width, height, fill, block});
        if (inserted)
            it->second = promise.get_future().share();
        else
            found = it->second;
    }
    if (found.valid())
        return found.get();  // encoded, or being encoded by another thread

    try {
        auto img = std::make_shared<png_image>();
        img->width = width;
        img->height = height;
        img->png = encode_png(width, height, fill, block);
        img->b64 = base64_encode(std::string_view(img->png));
        promise.set_value(img);
        return img;
    } catch (...) {
        promise.set_exception(std::current_exception());
        throw;
    }
}

}  // namespace openai::images::testing::detail

namespace openai::images::testing {

std::string make_png(std::uint32_t width, std::uint32_t height) {
    return detail::cached_png(width, height)->png;
}

std::string make_noise_png(std::uint32_t width, std::uint32_t height) {
    return detail::encode_png(width, height, image_fill::noise);
}

}  // namespace openai::images::testing
