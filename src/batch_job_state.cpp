// job.json and the collected journal (batch_job_state.hpp).
#include "batch_job_state.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>

#include "atomic_file.hpp"

namespace openai::images::detail {

namespace json = boost::json;
namespace fs = std::filesystem;

fs::path job_state_path(const fs::path& dir) {
    return dir / "job.json";
}

fs::path job_input_path(const fs::path& dir, std::size_t part) {
    return dir / ("input-" + std::to_string(part + 1) + ".jsonl");
}

namespace {

// "'path'". Built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on
// a literal + a temporary string.
std::string quoted(const fs::path& p) {
    std::string out(1, '\'');
    out += p.string();
    out += '\'';
    return out;
}

std::string cannot_write(const fs::path& p) {
    std::string out = "cannot write ";
    out += quoted(p);
    out += " (";
    out += std::strerror(errno);
    out += ')';
    return out;
}

constexpr std::int64_t state_version = 1;

json::value part_json(const batch_job_part& p) {
    return json::object{{"first", p.first},
                        {"count", p.count},
                        {"endpoint", p.endpoint.value()},
                        {"bytes", p.bytes},
                        {"input_file_id", p.input_file_id},
                        {"uploaded_at", p.uploaded_at},
                        {"batch_id", p.batch_id},
                        {"status", p.status.value()},
                        {"total", p.counts.total},
                        {"completed", p.counts.completed},
                        {"failed", p.counts.failed},
                        {"collected", p.collected}};
}

// A member of the expected type, or a thrown message naming it.
struct reader {
    const json::object& o;
    std::string where;

    const json::value& at(std::string_view key) const {
        const auto* v = o.if_contains(key);
        if (!v)
            throw std::runtime_error(where + " has no '" + std::string(key) + "'");
        return *v;
    }
    std::string text(std::string_view key) const {
        const auto& v = at(key);
        if (!v.is_string())
            throw std::runtime_error(where + "." + std::string(key) + " is not a string");
        return std::string(v.get_string());
    }
    std::uint64_t number(std::string_view key) const {
        const auto& v = at(key);
        if (v.is_uint64())
            return v.get_uint64();
        if (v.is_int64() && v.get_int64() >= 0)
            return static_cast<std::uint64_t>(v.get_int64());
        throw std::runtime_error(where + "." + std::string(key) + " is not a count");
    }
    bool flag(std::string_view key) const {
        const auto& v = at(key);
        if (!v.is_bool())
            throw std::runtime_error(where + "." + std::string(key) + " is not true or false");
        return v.get_bool();
    }
};

batch_job_status read_state(const json::value& v) {
    if (!v.is_object())
        throw std::runtime_error("it is not a JSON object");
    reader r{v.get_object(), "the job"};
    if (r.number("version") != state_version)
        throw std::runtime_error("its version is not " + std::to_string(state_version));
    batch_job_status st;
    st.job_id = r.text("job_id");
    st.requests = r.number("requests");
    const auto& parts = r.at("parts");
    if (!parts.is_array())
        throw std::runtime_error("the job's parts are not a list");
    std::size_t next = 0;
    for (const auto& pv : parts.get_array()) {
        if (!pv.is_object())
            throw std::runtime_error("a part is not a JSON object");
        reader pr{pv.get_object(), "part " + std::to_string(st.parts.size() + 1)};
        batch_job_part p;
        p.first = pr.number("first");
        p.count = pr.number("count");
        p.endpoint = BatchEndpoint(pr.text("endpoint"));
        p.bytes = pr.number("bytes");
        p.input_file_id = pr.text("input_file_id");
        p.uploaded_at = static_cast<std::int64_t>(pr.number("uploaded_at"));
        p.batch_id = pr.text("batch_id");
        p.status = BatchStatus(pr.text("status"));
        p.counts.total = static_cast<std::int64_t>(pr.number("total"));
        p.counts.completed = static_cast<std::int64_t>(pr.number("completed"));
        p.counts.failed = static_cast<std::int64_t>(pr.number("failed"));
        p.collected = pr.flag("collected");
        if (p.first != next || p.count == 0)
            throw std::runtime_error(pr.where + " does not follow the previous one");
        next += p.count;
        st.parts.push_back(std::move(p));
    }
    if (next != st.requests)
        throw std::runtime_error("its parts hold " + std::to_string(next) + " requests, not " +
                                 std::to_string(st.requests));
    return st;
}

}  // namespace

error_code load_job(const fs::path& dir, batch_job_status& out, diagnostics& diag) {
    const fs::path path = job_state_path(dir);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diag.assign("directory", quoted(path) + " cannot be read (" + std::strerror(errno) +
                                     "): no batch job there");
        return client_errc::invalid_batch_job;
    }
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    try {
        out = read_state(json::parse(text));
    } catch (const std::exception& e) {
        diag.assign("directory", quoted(path) + " is not a batch job's state: " + e.what());
        return client_errc::invalid_batch_job;
    }
    return {};
}

error_code save_job(const fs::path& dir, const batch_job_status& st, diagnostics& diag) {
    json::array parts;
    for (const auto& p : st.parts)
        parts.push_back(part_json(p));
    const json::object o{{"version", state_version},
                         {"job_id", st.job_id},
                         {"requests", st.requests},
                         {"parts", std::move(parts)}};
    return write_atomically(job_state_path(dir), json::serialize(o) + "\n", diag);
}

collected_journal::~collected_journal() {
    if (file_)
        std::fclose(file_);
}

error_code collected_journal::open(const fs::path& dir, std::size_t requests, diagnostics& diag) {
    path_ = dir / "collected";
    seen_.assign(requests, false);
    count_ = 0;
    std::string text;
    if (std::ifstream in(path_, std::ios::binary); in)
        text.assign(std::istreambuf_iterator<char>(in), {});
    // Only whole lines count: a line torn by a crash is cut off before the
    // next one is appended to it.
    const auto whole = text.rfind('\n');
    const std::size_t keep = whole == std::string::npos ? 0 : whole + 1;
    std::error_code fec;
    if (keep != text.size())
        fs::resize_file(path_, keep, fec);
    for (std::size_t pos = 0; pos < keep;) {
        const auto end = text.find('\n', pos);
        std::size_t index = 0;
        const auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, index);
        if (ec == std::errc() && p == text.data() + end && index < requests && !seen_[index]) {
            seen_[index] = true;
            ++count_;
        }
        pos = end + 1;
    }
    file_ = std::fopen(path_.c_str(), "ab");
    if (!file_ || fec) {
        diag.assign("path", cannot_write(path_));
        return client_errc::file_write_failed;
    }
    return {};
}

error_code collected_journal::add(std::size_t index, diagnostics& diag) {
    const std::string line = std::to_string(index) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
        diag.assign("path", cannot_write(path_));
        return client_errc::file_write_failed;
    }
    if (index < seen_.size() && !seen_[index]) {
        seen_[index] = true;
        ++count_;
    }
    return {};
}

}  // namespace openai::images::detail
