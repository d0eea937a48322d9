// Checking and writing a batch job's input (batch_job_input.hpp).
#include "batch_job_input.hpp"

#include <openai/images/json.hpp>
#include <openai/images/validate.hpp>

#include <charconv>
#include <system_error>

#include "atomic_file.hpp"
#include "batch_job_state.hpp"

namespace openai::images::detail {

namespace {

constexpr std::string_view id_prefix = "request-";

std::string_view endpoint_of(const batch_job_request& r) {
    return std::holds_alternative<CreateImageRequest>(r) ? BatchEndpoint::images_generations
                                                         : BatchEndpoint::images_edits;
}

std::string line_of(std::size_t index, const batch_job_request& r) {
    std::string line = R"({"custom_id":")";
    line += job_custom_id(index);
    line += R"(","method":"POST","url":")";
    line += endpoint_of(r);
    line += R"(","body":)";
    line += std::visit([](const auto& req) { return to_json(req); }, r);
    line += "}\n";
    return line;
}

}  // namespace

std::string job_custom_id(std::size_t index) {
    std::string id(id_prefix);
    id += std::to_string(index);
    return id;
}

std::optional<std::size_t> job_request_index(std::string_view id, std::size_t requests) {
    if (!id.starts_with(id_prefix))
        return std::nullopt;
    id.remove_prefix(id_prefix.size());
    std::size_t index = 0;
    const auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), index);
    if (ec != std::errc() || p != id.data() + id.size() || index >= requests)
        return std::nullopt;
    return index;
}

error_code check_job_requests(const std::vector<batch_job_request>& requests,
                              const validate_options& vo, diagnostics& diag) {
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const std::string at = "requests[" + std::to_string(i) + "]";
        error_code ec;
        diagnostics d;
        std::visit(
            [&](const auto& req) {
                if (req.stream.value_or(false)) {
                    d.assign("stream", "stream: a batch cannot stream its answers; leave it unset");
                    ec = client_errc::streaming_not_supported;
                    return;
                }
                ec = validate(req, d, vo);
            },
            requests[i]);
        if (ec) {
            diag.assign(at + "." + std::string(d.param()), at + ": " + std::string(d.message()));
            return ec;
        }
    }
    return {};
}

error_code write_job_input(const std::vector<batch_job_request>& requests,
                           const batch_job_options& opts, batch_job_status& st, diagnostics& diag) {
    if (opts.max_requests_per_batch == 0 || opts.max_bytes_per_batch == 0) {
        diag.assign(
            opts.max_requests_per_batch == 0 ? "max_requests_per_batch" : "max_bytes_per_batch",
            "a batch's limits must be at least 1");
        return client_errc::value_out_of_range;
    }
    std::error_code fec;
    std::filesystem::create_directories(opts.directory, fec);
    if (fec) {
        diag.assign("directory",
                    "cannot create '" + opts.directory.string() + "' (" + fec.message() + ")");
        return client_errc::file_write_failed;
    }
    st.parts.clear();
    st.requests = requests.size();
    atomic_file out;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const std::string line = line_of(i, requests[i]);
        if (line.size() > opts.max_bytes_per_batch) {
            diag.assign("requests[" + std::to_string(i) + "]",
                        "requests[" + std::to_string(i) + "] makes a batch line of " +
                            std::to_string(line.size()) + " bytes, over max_bytes_per_batch (" +
                            std::to_string(opts.max_bytes_per_batch) + ")");
            return client_errc::body_too_large;
        }
        const std::string_view endpoint = endpoint_of(requests[i]);
        batch_job_part* cur = st.parts.empty() ? nullptr : &st.parts.back();
        if (!cur || cur->endpoint != endpoint || cur->count == opts.max_requests_per_batch ||
            cur->bytes + line.size() > opts.max_bytes_per_batch) {
            if (cur) {
                if (auto ec = out.commit(diag))
                    return ec;
            }
            batch_job_part p;
            p.first = i;
            p.endpoint = BatchEndpoint(endpoint);
            st.parts.push_back(std::move(p));
            cur = &st.parts.back();
            if (auto ec = out.open(job_input_path(opts.directory, st.parts.size() - 1), diag))
                return ec;
        }
        if (auto ec = out.write(line, diag))
            return ec;
        ++cur->count;
        cur->bytes += line.size();
    }
    if (out.is_open())
        return out.commit(diag);
    return {};
}

}  // namespace openai::images::detail
