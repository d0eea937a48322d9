// The AVX2 block decoder of base64_decode (src/base64.cpp): 32 characters in,
// 24 bytes out per step. Compiled for AVX2 per function (target attribute)
// and chosen at run time, so that the library still runs on any x86-64; other
// targets get stubs and keep the scalar path.
//
// One step: each character's high and low nibbles index two 16-entry tables
// (pshufb). The high nibble gives the character's class as one bit (which of
// 2x, 3x, 4x/6x, 5x/7x, or "never valid"); the low nibble gives the set of
// classes in which it is NOT a base64 character: a byte is invalid exactly when
// the two share a bit. A third table, indexed by the high nibble (one less for
// '/', the only character whose offset differs from its row's), gives the
// offset that turns each character into its 6-bit value. Then multiply-adds
// join 4 x 6 bits into 24 bits per 32-bit lane, a shuffle puts those 3 bytes
// in order at the front of each 128-bit half, and a cross-lane permutation
// packs the 2 x 12 bytes into the low 24 bytes of the 32-byte store.
#include <array>
#include <cstdint>

#include "base64_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace openai::images::detail {
namespace {

// Class bits of the high nibble: 0x01 never valid (0x00-0x1F, 0x80-0xFF),
// 0x02 row 2x ('+' '/'), 0x04 row 3x ('0'-'9'), 0x08 rows 4x and 6x ('A'-'O',
// 'a'-'o'), 0x10 rows 5x and 7x ('P'-'Z', 'p'-'z').
constexpr std::array<std::uint8_t, 16> hi_class = {0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x10,
                                                   0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01};
// For each low nibble, the classes in which it is not a base64 character:
// row 2x allows only B and F, row 3x 0-9, rows 4x/6x 1-F, rows 5x/7x 0-A.
constexpr std::array<std::uint8_t, 16> lo_invalid = {
    0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x15, 0x17, 0x17, 0x17, 0x15};
// The value minus the character, by high nibble; index 1 is '/' (row 2 minus one).
constexpr std::array<std::int8_t, 16> offset = {0, 16, 19, 4, -65, -65, -71, -71,
                                                0, 0,  0,  0, 0,   0,   0,   0};

// The tables against the alphabet, for all 256 byte values.
constexpr bool tables_match_alphabet() {
    for (int c = 0; c < 256; ++c) {
        int value = -1;
        for (int i = 0; i < 64; ++i)
            if (static_cast<unsigned char>(base64_alphabet[i]) == c)
                value = i;
        const bool invalid = (hi_class[static_cast<std::size_t>(c >> 4)] &
                              lo_invalid[static_cast<std::size_t>(c & 15)]) != 0;
        if (invalid != (value < 0))
            return false;
        const int index = (c >> 4) - (c == '/' ? 1 : 0);
        if (value >= 0 && c + offset[static_cast<std::size_t>(index)] != value)
            return false;
    }
    return true;
}
static_assert(tables_match_alphabet());

}  // namespace

#if defined(__x86_64__) || defined(__i386__)

namespace {

#define OPENAI_IMAGES_AVX2 __attribute__((target("avx2")))

// The constants of a step, loaded once per call.
struct constants {
    __m256i hi_class, lo_invalid, offset, nibble, slash, join_pairs, join_halves, order, pack;
};

template <class T>
OPENAI_IMAGES_AVX2 inline __m256i both_lanes(const std::array<T, 16>& t) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data())));
}

OPENAI_IMAGES_AVX2 inline constants make_constants() {
    constants k;
    k.hi_class = both_lanes(hi_class);
    k.lo_invalid = both_lanes(lo_invalid);
    k.offset = both_lanes(offset);
    k.nibble = _mm256_set1_epi8(0x0F);
    k.slash = _mm256_set1_epi8('/');
    // Bytes a b c d (6 bits each) -> 16-bit a*64+b, c*64+d -> 32-bit (a*64+b)*4096 + c*64+d.
    k.join_pairs = _mm256_set1_epi32(0x01400140);
    k.join_halves = _mm256_set1_epi32(0x00011000);
    // The 3 low bytes of each 32-bit lane, most significant first, 12 bytes per half.
    k.order = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,  //
                               2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    // Dwords 0-2 of the low half, then 0-2 of the high half.
    k.pack = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
    return k;
}

// Decodes in[0, 32) into out[0, 24), storing 32 bytes (the last 8 are
// garbage). Returns the invalid-byte mask: zero when all 32 are base64.
OPENAI_IMAGES_AVX2 inline __m256i step(const constants& k, const unsigned char* in,
                                       unsigned char* out) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(c, 4), k.nibble);
    const __m256i lo = _mm256_and_si256(c, k.nibble);
    const __m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(k.hi_class, hi),
                                         _mm256_shuffle_epi8(k.lo_invalid, lo));
    const __m256i index = _mm256_add_epi8(hi, _mm256_cmpeq_epi8(c, k.slash));  // '/': row - 1
    const __m256i values = _mm256_add_epi8(c, _mm256_shuffle_epi8(k.offset, index));
    const __m256i pairs = _mm256_maddubs_epi16(values, k.join_pairs);
    const __m256i groups = _mm256_madd_epi16(pairs, k.join_halves);
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(groups, k.order), k.pack);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), bytes);
    return bad;
}

OPENAI_IMAGES_AVX2 inline bool all_zero(__m256i v) {
    return _mm256_testz_si256(v, v) != 0;
}

}  // namespace

bool base64_have_avx2() noexcept {
    static const bool yes = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return yes;
}

OPENAI_IMAGES_AVX2 std::size_t base64_decode_avx2(const unsigned char* in, std::size_t n,
                                                  unsigned char* out,
                                                  std::size_t out_room) noexcept {
    const constants k = make_constants();
    std::size_t i = 0, o = 0;
    // Four steps at a time, one test for the four; the last store ends at o + 104.
    while (n - i >= 128 && out_room - o >= 104) {
        const __m256i b0 = step(k, in + i, out + o);
        const __m256i b1 = step(k, in + i + 32, out + o + 24);
        const __m256i b2 = step(k, in + i + 64, out + o + 48);
        const __m256i b3 = step(k, in + i + 96, out + o + 72);
        if (!all_zero(_mm256_or_si256(_mm256_or_si256(b0, b1), _mm256_or_si256(b2, b3))))
            break;  // the loop below stops at the block that holds it
        i += 128;
        o += 96;
    }
    while (n - i >= 32 && out_room - o >= 32) {
        if (!all_zero(step(k, in + i, out + o)))
            break;
        i += 32;
        o += 24;
    }
    return i;
}

#undef OPENAI_IMAGES_AVX2

#else  // not x86: the scalar path only

bool base64_have_avx2() noexcept {
    return false;
}

std::size_t base64_decode_avx2(const unsigned char*, std::size_t, unsigned char*,
                               std::size_t) noexcept {
    return 0;
}

#endif

}  // namespace openai::images::detail
