#include "preflight.hpp"

#include <openai/images/validate.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>
#include <variant>

namespace openai_images_cli {

namespace fs = std::filesystem;
namespace oi = openai::images;

namespace {

bool is_image_extension(std::string_view ext) {
    return ext == "png" || ext == "jpg" || ext == "webp" || ext == "bin";
}

// "0007-2" -> "0007"; "0007" -> "0007" (save_images' names: stem, or stem-N for n > 1).
std::string stem_of(std::string_view base) {
    const auto dash = base.rfind('-');
    if (dash != std::string_view::npos && dash > 0 && dash + 1 < base.size() &&
        std::all_of(base.begin() + static_cast<std::ptrdiff_t>(dash) + 1, base.end(),
                    [](char c) { return c >= '0' && c <= '9'; }))
        return std::string(base.substr(0, dash));
    return std::string(base);
}

// save_image's temporary files (".0007.png.tmp-123"), left behind when a run
// was killed in the middle of writing one: never an image under its own name.
bool is_save_temporary(std::string_view name) {
    if (!name.starts_with('.'))
        return false;
    const auto tmp = name.rfind(".tmp-");
    if (tmp == std::string_view::npos || tmp + 5 == name.size())
        return false;
    return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(tmp) + 5, name.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
}

bool prepare_out_dir(const fs::path& dir, std::string& error) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        error = "--out: " + dir.string() + ": cannot create the directory: " + ec.message();
        return false;
    }
    if (!fs::is_directory(dir, ec)) {
        error = "--out: " + dir.string() + " is not a directory";
        return false;
    }
    // Written and removed at once, so that an unwritable folder is found
    // before any image is paid for, not after.
    const fs::path probe = dir / (".openai-images-write-test-" + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, "x", 1) != 1) {
        const int err = errno;
        if (fd >= 0) {
            ::close(fd);
            ::unlink(probe.c_str());
        }
        error = "--out: " + dir.string() + ": cannot write there: " + std::strerror(err);
        return false;
    }
    ::close(fd);
    ::unlink(probe.c_str());
    return true;
}

std::size_t remove_save_temporaries(const fs::path& dir) {
    std::size_t removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code e;
        if (entry.is_regular_file(e) && is_save_temporary(entry.path().filename().string()) &&
            fs::remove(entry.path(), e))
            ++removed;
    }
    return removed;
}

// The first rule a request breaks, as "--size: ..." for one request or
// "FILE:LINE: size: ..." for a line of a prompts file.
bool validate_jobs(const cli_args& args, const std::vector<job>& jobs, std::string& error) {
    std::vector<std::string> messages;
    std::size_t bad = 0;
    for (const auto& j : jobs) {
        oi::diagnostics diag;
        const oi::error_code ec =
            std::visit([&](const auto& r) { return oi::validate(r, diag); }, j.request);
        if (!ec)
            continue;
        ++bad;
        std::string message(diag.message());
        if (message.empty())
            message = ec.message();
        if (j.line == 0) {
            const std::string param(diag.param());
            if (!param.empty() && message.starts_with(param + ":"))
                message = flag_of(param) + message.substr(param.size());
            error = message + " (nothing was sent; --no-validate sends it as it is)";
            return false;
        }
        if (messages.size() < 20)
            messages.push_back(args.prompts.string() + ":" + std::to_string(j.line) + ": " +
                               message);
    }
    if (bad == 0)
        return true;
    error.clear();
    for (const auto& m : messages)
        error += m + "\n";
    if (bad > messages.size())
        error += "... and " + std::to_string(bad - messages.size()) + " more\n";
    error += std::to_string(bad) + (bad == 1 ? " line breaks" : " lines break") +
             " the model's rules; nothing was sent (--no-validate sends them as they are)";
    return false;
}

std::string listed(const fs::path& dir, const std::vector<std::string>& files) {
    std::string out;
    for (std::size_t i = 0; i < files.size() && i < 3; ++i)
        out += (i ? ", " : "") + (dir / files[i]).string();
    if (files.size() > 3)
        out += " and " + std::to_string(files.size() - 3) + " more";
    return out;
}

// The image files of `dir` by the stem they were saved under ("0007" for
// 0007.png and 0007-2.png), each list sorted.
std::map<std::string, std::vector<std::string>> images_by_stem(const fs::path& dir) {
    std::map<std::string, std::vector<std::string>> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code e;
        if (!entry.is_regular_file(e))
            continue;
        const std::string name = entry.path().filename().string();
        const auto dot = name.rfind('.');
        if (name.starts_with('.') || dot == std::string::npos ||
            !is_image_extension(std::string_view(name).substr(dot + 1)))
            continue;
        const std::string_view base = std::string_view(name).substr(0, dot);
        out[std::string(base)].push_back(name);
        if (const std::string stem = stem_of(base); stem != base)
            out[stem].push_back(name);
    }
    for (auto& [stem, files] : out)
        std::sort(files.begin(), files.end());
    return out;
}

// The partial images a stream of `stem` would write: "image.partial-0.png",
// or "image-2.partial-0.png" for the second image of n > 1 (their stems are
// "image.partial" and "image-2.partial").
bool is_partials_of(std::string_view key, std::string_view stem) {
    constexpr std::string_view suffix = ".partial";
    if (!key.starts_with(stem) || !key.ends_with(suffix) ||
        key.size() < stem.size() + suffix.size())
        return false;
    const std::string_view middle =
        key.substr(stem.size(), key.size() - stem.size() - suffix.size());
    return middle.empty() || (middle.size() > 1 && middle.front() == '-' &&
                              std::all_of(middle.begin() + 1, middle.end(),
                                          [](char c) { return c >= '0' && c <= '9'; }));
}

template <class Map>
auto find_partials(const Map& existing, const std::string& stem) {
    return std::find_if(existing.begin(), existing.end(),
                        [&](const auto& entry) { return is_partials_of(entry.first, stem); });
}

// With --overwrite, a stream's earlier drafts go before it is sent: a rerun
// with fewer partial images (or another n) would otherwise leave drafts of
// two generations side by side. Returns how many files were removed.
template <class Map>
std::size_t remove_partials(const fs::path& dir, const Map& existing, const std::string& stem) {
    std::size_t removed = 0;
    for (const auto& [key, files] : existing) {
        if (!is_partials_of(key, stem))
            continue;
        for (const auto& name : files) {
            std::error_code ec;
            if (fs::remove(dir / name, ec))
                ++removed;
        }
    }
    return removed;
}

}  // namespace

bool plan_run(const cli_args& args, std::vector<job> jobs, run_plan& out, std::string& error) {
    out = {};
    if (!args.no_validate && !validate_jobs(args, jobs, error))
        return false;
    if (!prepare_out_dir(args.out_dir, error))
        return false;
    out.leftovers_removed = remove_save_temporaries(args.out_dir);

    bool resuming = false;
    if (args.cmd == command::batch) {
        out.journal = std::make_unique<manifest>();
        if (!out.journal->open(args.out_dir, error))
            return false;
        resuming = out.journal->existed();
    }

    const auto existing = images_by_stem(args.out_dir);
    std::vector<std::string> conflicts;
    std::size_t conflicting = 0;
    for (auto& j : jobs) {
        const manifest_record* rec = out.journal ? out.journal->find(j.line) : nullptr;
        if (rec && rec->done && rec->key == j.key) {
            ++out.skipped;
            continue;
        }
        auto it = existing.find(j.stem);
        if (it == existing.end() && j.streams)
            it = find_partials(existing, j.stem);
        // Files of a line the manifest does not have done are what a killed
        // run left of that same line (resuming), unless the line changed.
        const bool changed = rec && rec->key != j.key;
        if (it != existing.end() && !args.overwrite && (!resuming || changed)) {
            ++conflicting;
            if (conflicts.size() < 5) {
                conflicts.push_back(changed
                                        ? args.prompts.string() + ":" + std::to_string(j.line) +
                                              " changed since " + listed(args.out_dir, it->second) +
                                              " was saved from it"
                                        : listed(args.out_dir, it->second) + " already exists");
            }
            continue;
        }
        if (!j.model_given)
            out.server_chooses_model = true;
        if (j.streams && args.overwrite)
            out.drafts_removed += remove_partials(args.out_dir, existing, j.stem);
        out.jobs.push_back(std::move(j));
    }
    if (conflicting > 0) {
        error.clear();
        for (const auto& c : conflicts)
            error += "--out: " + c + "\n";
        if (conflicting > conflicts.size())
            error += "... and " + std::to_string(conflicting - conflicts.size()) + " more\n";
        error +=
            "nothing was sent: existing images are never replaced silently (pass "
            "--overwrite to replace them, or choose another --out)";
        return false;
    }
    return true;
}

}  // namespace openai_images_cli
