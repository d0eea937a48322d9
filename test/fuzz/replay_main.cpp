// The standalone driver of a fuzz target in builds without libFuzzer (GCC,
// the ASan preset): runs the target's fixed regression checks, then
// LLVMFuzzerTestOneInput over every file of the given directories, so that
// the seed corpus and every crash ever found and fixed are replayed by CTest.
//
//   fuzz_replay_<target> DIR... [--optional DIR...]
//
// A directory after --optional may be missing. Fails when a directory is
// missing or when no input was replayed at all.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "fuzz_common.hpp"

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& p, std::vector<std::uint8_t>& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
    if (const int rc = fuzz_self_test(); rc != 0) {
        std::fprintf(stderr, "fuzz_self_test failed (%d)\n", rc);
        return 1;
    }
    std::size_t replayed = 0;
    bool optional = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--optional") {
            optional = true;
            continue;
        }
        const fs::path dir(arg);
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            if (optional)
                continue;
            std::fprintf(stderr, "replay: %s is not a directory\n", argv[i]);
            return 1;
        }
        std::vector<fs::path> files;
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            if (e.is_regular_file())
                files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        std::size_t here = 0;
        for (const auto& f : files) {
            std::vector<std::uint8_t> bytes;
            if (!read_file(f, bytes)) {
                std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
                return 1;
            }
            const std::string name = f.string();
            fuzz::current_input = name.c_str();
            // An empty input is passed as libFuzzer does: a valid pointer, size 0.
            static const std::uint8_t none = 0;
            LLVMFuzzerTestOneInput(bytes.empty() ? &none : bytes.data(), bytes.size());
            fuzz::current_input = nullptr;
            ++here;
        }
        std::printf("replay: %zu inputs from %s\n", here, argv[i]);
        replayed += here;
    }
    if (replayed == 0) {
        std::fprintf(stderr, "replay: no input replayed\n");
        return 1;
    }
    std::printf("replay: %zu inputs replayed, all invariants held\n", replayed);
    return 0;
}
