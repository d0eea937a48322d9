#include "manifest.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace openai_images_cli {

namespace json = boost::json;

namespace {

// Members sorted by name at every depth, so that the same request written
// with its fields in another order has the same key.
void canonical(const json::value& v, std::string& out) {
    if (v.is_object()) {
        std::vector<const json::key_value_pair*> members;
        for (const auto& kv : v.get_object())
            members.push_back(&kv);
        std::sort(members.begin(), members.end(),
                  [](const auto* a, const auto* b) { return a->key() < b->key(); });
        out += '{';
        for (const auto* kv : members) {
            if (out.back() != '{')
                out += ',';
            out += json::serialize(json::value(kv->key()));
            out += ':';
            canonical(kv->value(), out);
        }
        out += '}';
    } else if (v.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& item : v.get_array()) {
            if (!first)
                out += ',';
            first = false;
            canonical(item, out);
        }
        out += ']';
    } else {
        out += json::serialize(v);
    }
}

std::string errno_text(int err) {
    return std::strerror(err);
}

std::string_view view(json::string_view s) {
    return {s.data(), s.size()};
}

}  // namespace

std::string request_key(std::string_view operation, const json::object& fields) {
    std::string text(operation);
    text += '\n';
    canonical(fields, text);
    // FNV-1a, 64 bits: a digest to tell lines apart, not a secret.
    std::uint64_t h = 14695981039346656037ull;
    for (char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    char hex[17];
    for (int i = 15; i >= 0; --i) {
        hex[i] = "0123456789abcdef"[h & 0xf];
        h >>= 4;
    }
    hex[16] = '\0';
    return hex;
}

std::string format_record(const manifest_record& r) {
    json::object o;
    o["line"] = r.line;
    o["key"] = r.key;
    o["status"] = r.done ? "done" : "failed";
    json::array files;
    for (const auto& f : r.files)
        files.emplace_back(f);
    o["files"] = std::move(files);
    if (!r.request_id.empty())
        o["request_id"] = r.request_id;
    if (!r.usage.empty())
        o["usage"] = r.usage;
    if (!r.error.empty())
        o["error"] = r.error;
    std::string out = json::serialize(o);
    out += '\n';
    return out;
}

bool parse_record(std::string_view line, manifest_record& out) {
    boost::system::error_code ec;
    const json::value v = json::parse(json::string_view(line.data(), line.size()), ec);
    if (ec || !v.is_object())
        return false;
    const auto& o = v.get_object();
    const auto* l = o.if_contains("line");
    const auto* k = o.if_contains("key");
    const auto* s = o.if_contains("status");
    const auto* f = o.if_contains("files");
    if (!l || !k || !s || !f || !k->is_string() || !s->is_string() || !f->is_array())
        return false;
    if (const auto* u = l->if_uint64())
        out.line = static_cast<std::size_t>(*u);
    else if (const auto* i = l->if_int64(); i && *i > 0)
        out.line = static_cast<std::size_t>(*i);
    else
        return false;
    out.key = std::string(view(k->get_string()));
    out.done = s->get_string() == "done";
    out.files.clear();
    for (const auto& name : f->get_array()) {
        if (!name.is_string())
            return false;
        out.files.emplace_back(view(name.get_string()));
    }
    out.request_id.clear();
    if (const auto* id = o.if_contains("request_id"); id && id->is_string())
        out.request_id = std::string(view(id->get_string()));
    out.usage.clear();
    if (const auto* u = o.if_contains("usage"); u && u->is_object())
        out.usage = u->get_object();
    out.error.clear();
    if (const auto* e = o.if_contains("error"); e && e->is_string())
        out.error = std::string(view(e->get_string()));
    return true;
}

manifest::~manifest() {
    if (fd_ >= 0)
        ::close(fd_);
}

bool manifest::open(const std::filesystem::path& dir, std::string& error) {
    path_ = dir / manifest_name;
    fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd_ < 0 && errno == ENOENT)
        return true;
    if (fd_ < 0) {
        error = path_.string() + ": cannot open the manifest: " + errno_text(errno);
        return false;
    }
    existed_ = true;
    std::string text;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = path_.string() + ": cannot read the manifest: " + errno_text(errno);
            return false;
        }
        if (n == 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    // A record is whole only with its newline: a torn last line (a crash in
    // the middle of its write) is cut off so that the next record starts clean.
    const auto end = text.rfind('\n');
    const std::size_t whole = end == std::string::npos ? 0 : end + 1;
    if (whole < text.size() && ::ftruncate(fd_, static_cast<off_t>(whole)) != 0) {
        error = path_.string() + ": cannot drop a torn last record: " + errno_text(errno);
        return false;
    }
    std::size_t pos = 0;
    while (pos < whole) {
        const auto nl = text.find('\n', pos);
        manifest_record r;
        if (parse_record(std::string_view(text).substr(pos, nl - pos), r))
            latest_[r.line] = std::move(r);
        pos = nl + 1;
    }
    return true;
}

const manifest_record* manifest::find(std::size_t line) const {
    const auto it = latest_.find(line);
    return it == latest_.end() ? nullptr : &it->second;
}

bool manifest::append(const manifest_record& r, std::string& error) {
    if (fd_ < 0)
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        error = path_.string() + ": cannot create the manifest: " + errno_text(errno);
        return false;
    }
    const std::string text = format_record(r);
    // One write() of the whole line: O_APPEND puts it at the end in one piece.
    std::size_t off = 0;
    while (off < text.size()) {
        const ssize_t n = ::write(fd_, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = path_.string() + ": cannot write the manifest: " + errno_text(errno);
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_) != 0) {
        error = path_.string() + ": cannot flush the manifest: " + errno_text(errno);
        return false;
    }
    latest_[r.line] = r;
    return true;
}

}  // namespace openai_images_cli
