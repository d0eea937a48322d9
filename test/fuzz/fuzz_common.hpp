// Shared by the fuzz targets of test/fuzz: invariant checks that abort (so
// that libFuzzer and the CTest replay both see a crash), and a small reader
// that splits the fuzz input into values, like LLVM's FuzzedDataProvider but
// consuming from the front and available under GCC too.
//
// Every target defines LLVMFuzzerTestOneInput and fuzz_self_test(): the
// latter holds the explicit checks of bugs the fuzzers found (each fixed bug
// keeps its input in regressions/<target>/ and an exact assertion here); the
// replay driver (replay_main.cpp) runs it before replaying the corpora.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

/// The target's fixed checks (regressions of the bugs it found); returns 0.
int fuzz_self_test();

namespace fuzz {

/// The file being replayed (replay driver only), named when a check fails.
inline const char* current_input = nullptr;

/// Printable form of a byte string: C escapes for anything but printable ASCII.
inline std::string escaped(std::string_view s, std::size_t max = 400) {
    std::string out;
    constexpr char hex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < s.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\\' || c == '"') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    if (s.size() > max)
        out += "...";
    return out;
}

[[noreturn]] inline void violated(const char* file, int line, const char* expr,
                                  const std::string& detail) {
    std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", file, line, expr);
    if (!detail.empty())
        std::fprintf(stderr, "  %s\n", detail.c_str());
    if (current_input)
        std::fprintf(stderr, "  input: %s\n", current_input);
    std::fflush(stderr);
    std::abort();
}

}  // namespace fuzz

#define FUZZ_CHECK(cond)                                     \
    do {                                                     \
        if (!(cond))                                         \
            ::fuzz::violated(__FILE__, __LINE__, #cond, {}); \
    } while (false)

#define FUZZ_CHECK_MSG(cond, detail)                             \
    do {                                                         \
        if (!(cond))                                             \
            ::fuzz::violated(__FILE__, __LINE__, #cond, detail); \
    } while (false)

namespace fuzz {

/// Consumes the fuzz input from the front. Once it is exhausted every
/// value is zero or empty, so targets need no bounds checks of their own.
class input {
  public:
    input(const std::uint8_t* data, std::size_t size)
        : data_(reinterpret_cast<const char*>(data), size) {}

    std::size_t remaining() const noexcept { return data_.size(); }
    bool empty() const noexcept { return data_.empty(); }

    std::uint8_t byte() noexcept {
        if (data_.empty())
            return 0;
        const auto b = static_cast<std::uint8_t>(data_.front());
        data_.remove_prefix(1);
        return b;
    }

    bool boolean() noexcept { return (byte() & 1) != 0; }

    /// sizeof(T) bytes, little-endian (fewer when the input runs out).
    template <class T>
    T integral() noexcept {
        static_assert(std::is_integral_v<T>);
        using U = std::make_unsigned_t<T>;
        U v = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i)
            v = static_cast<U>(v | static_cast<U>(static_cast<U>(byte()) << (8 * i)));
        return static_cast<T>(v);
    }

    /// A value in [lo, hi] from as few bytes as the range needs.
    std::uint64_t in_range(std::uint64_t lo, std::uint64_t hi) noexcept {
        const std::uint64_t span = hi - lo;
        std::uint64_t v = 0;
        for (std::uint64_t s = span; s != 0; s >>= 8)
            v = (v << 8) | byte();
        return span == UINT64_MAX ? v : lo + v % (span + 1);
    }

    /// FuzzedDataProvider::ConsumeRandomLengthString's protocol: bytes up to
    /// a backslash followed by anything but a backslash; "\\\\" is one
    /// backslash. At most `max` bytes.
    std::string string(std::size_t max = SIZE_MAX) {
        std::string out;
        while (!data_.empty() && out.size() < max) {
            char c = data_.front();
            data_.remove_prefix(1);
            if (c == '\\' && !data_.empty()) {
                c = data_.front();
                data_.remove_prefix(1);
                if (c != '\\')
                    break;
            }
            out += c;
        }
        return out;
    }

    /// Everything that is left.
    std::string_view rest() noexcept {
        const auto r = data_;
        data_ = {};
        return r;
    }

  private:
    std::string_view data_;
};

}  // namespace fuzz
