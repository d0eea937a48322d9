// base64_decode alone: ~64 MB of random base64 (the shape of a large b64_json
// image) decoded from memory, best of R runs, as MB/s of base64 input. Timed:
// the public span overload (the dispatching path: AVX2 when the CPU has it),
// the vector overload into a vector kept from run to run, the scalar path
// alone, and a memcpy of the same number of bytes.
//
//   bench_base64 --mb 64 --runs 5
#include "bench_common.hpp"

#include <cstring>
#include <memory>
#include <random>

#include "base64_impl.hpp"

namespace {

using namespace bench;

void check(oi::error_code ec, const oi::diagnostics& diag, const char* what) {
    if (ec)
        throw std::runtime_error(std::string(what) + ": " + std::string(diag.message()));
}

}  // namespace

int main(int argc, char** argv) try {
    const flags f(argc, argv);
    const std::size_t runs = std::max<std::size_t>(1, f.count("runs", 5));
    const std::size_t raw_bytes = f.count("mb", 64) * 1000 * 1000 / 4 * 3 + 1;  // padded tail

    std::vector<unsigned char> raw(raw_bytes);
    std::mt19937_64 rng(42);
    for (auto& b : raw)
        b = static_cast<unsigned char>(rng());
    const std::string text = oi::base64_encode(std::span<const unsigned char>(raw));
    const std::size_t out_size = oi::base64_decoded_size(text);

    auto out = std::make_unique_for_overwrite<unsigned char[]>(out_size);
    std::memset(out.get(), 0, out_size);  // the pages are mapped before the first run
    const std::span<unsigned char> out_span(out.get(), out_size);
    oi::diagnostics diag;
    std::size_t written = 0;

    const double dispatch_s = best_of(
        runs, [&] { check(oi::base64_decode(text, out_span, written, diag), diag, "decode"); });
    if (written != raw.size() || std::memcmp(out.get(), raw.data(), raw.size()) != 0)
        throw std::runtime_error("decode: wrong bytes");

    std::vector<unsigned char> vec;
    const double vector_s =
        best_of(runs, [&] { check(oi::base64_decode(text, vec, diag), diag, "decode (vector)"); });
    if (vec != raw)
        throw std::runtime_error("decode (vector): wrong bytes");

    std::memset(out.get(), 0, out_size);
    const double scalar_s = best_of(runs, [&] {
        check(oi::detail::base64_decode_scalar(text, out_span, written, diag), diag,
              "decode (scalar)");
    });
    if (written != raw.size() || std::memcmp(out.get(), raw.data(), raw.size()) != 0)
        throw std::runtime_error("decode (scalar): wrong bytes");

    const double memcpy_s = memcpy_seconds(text, runs);

    print({{"client", "openai-images"},
           {"b64_bytes", text.size()},
           {"decoded_bytes", out_size},
           {"runs", runs},
           {"avx2", oi::detail::base64_have_avx2()},
           {"decode_mb_s", mb_per_s(text.size(), dispatch_s)},
           {"decode_vector_mb_s", mb_per_s(text.size(), vector_s)},
           {"scalar_mb_s", mb_per_s(text.size(), scalar_s)},
           {"memcpy_mb_s", mb_per_s(text.size(), memcpy_s)}});
    return 0;
} catch (const std::exception& e) {
    std::cerr << "bench_base64: " << e.what() << '\n';
    return 2;
}
