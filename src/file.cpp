#include <openai/images/file.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace openai::images {

file_source file_source::from_path(std::filesystem::path path, std::string filename) {
    file_source s(std::move(path));
    s.filename_ = std::move(filename);
    return s;
}

file_source file_source::from_memory(std::span<const unsigned char> bytes, std::string filename) {
    file_source s;
    s.kind_ = kind::memory;
    s.data_ = bytes.data();
    s.size_ = bytes.size();
    s.filename_ = std::move(filename);
    return s;
}

file_source file_source::from_memory(std::string_view bytes, std::string filename) {
    return from_memory(std::span<const unsigned char>(
                           reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()),
                       std::move(filename));
}

file_source file_source::from_owned(std::vector<unsigned char> bytes, std::string filename) {
    auto owner = std::make_shared<const std::vector<unsigned char>>(std::move(bytes));
    file_source s = from_memory(std::span<const unsigned char>(*owner), std::move(filename));
    s.owner_ = std::move(owner);
    return s;
}

file_source file_source::from_owned(std::string bytes, std::string filename) {
    auto owner = std::make_shared<const std::string>(std::move(bytes));
    file_source s = from_memory(std::string_view(*owner), std::move(filename));
    s.owner_ = std::move(owner);
    return s;
}

std::string file_source::describe() const {
    switch (kind_) {
        // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict,
        // a false positive) on a string literal + std::string temporary.
        case kind::path: {
            std::string out = path_.string();
            out.insert(out.begin(), '\'');
            out.push_back('\'');
            return out;
        }
        case kind::memory: {
            std::string out(1, '<');
            out.append(std::to_string(size_)).append(" bytes in memory>");
            return out;
        }
        case kind::none:
            break;
    }
    return "<no file>";
}

namespace {

error_code open_failed(const std::filesystem::path& p, int err, diagnostics& diag) {
    diag.assign({}, "cannot open '" + p.string() + "': " + std::generic_category().message(err));
    return client_errc::file_open_failed;
}

}  // namespace

error_code file_source::size(std::uint64_t& out, diagnostics& diag) const {
    out = 0;
    switch (kind_) {
        case kind::memory:
            out = size_;
            return {};
        case kind::none:
            diag.assign({}, "no file was given");
            return client_errc::missing_required_field;
        case kind::path:
            break;
    }
    std::error_code ec;
    auto st = std::filesystem::status(path_, ec);
    if (ec)
        return open_failed(path_, ec.value(), diag);
    if (!std::filesystem::is_regular_file(st)) {
        diag.assign({}, "cannot open '" + path_.string() + "': not a regular file");
        return client_errc::file_open_failed;
    }
    auto n = std::filesystem::file_size(path_, ec);
    if (ec)
        return open_failed(path_, ec.value(), diag);
    out = n;
    return {};
}

error_code file_source::read_at(std::uint64_t offset, std::span<unsigned char> out,
                                std::size_t& got, diagnostics& diag) const {
    got = 0;
    if (kind_ == kind::memory) {
        if (offset < size_) {
            got = std::min<std::size_t>(out.size(), size_ - static_cast<std::size_t>(offset));
            std::memcpy(out.data(), data_ + offset, got);
        }
        return {};
    }
    if (kind_ == kind::none) {
        diag.assign({}, "no file was given");
        return client_errc::missing_required_field;
    }
    std::FILE* f = std::fopen(path_.c_str(), "rb");
    if (!f)
        return open_failed(path_, errno, diag);
    error_code result;
    if (std::fseek(f, static_cast<long>(offset), SEEK_SET) != 0) {
        diag.assign({}, "cannot read '" + path_.string() + "': seek failed");
        result = client_errc::file_read_failed;
    } else {
        got = std::fread(out.data(), 1, out.size(), f);
        if (got < out.size() && std::ferror(f)) {
            diag.assign({}, "cannot read '" + path_.string() +
                                "': " + std::generic_category().message(errno));
            result = client_errc::file_read_failed;
        }
    }
    std::fclose(f);
    return result;
}

}  // namespace openai::images
