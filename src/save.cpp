#include <openai/images/base64.hpp>
#include <openai/images/save.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "atomic_file.hpp"
#include "op_completion.hpp"

namespace openai::images {
namespace asio = boost::asio;

std::string image_extension(std::span<const unsigned char> bytes, std::string_view output_format) {
    const auto format = detect_format(bytes.first(std::min<std::size_t>(bytes.size(), 16)));
    if (format != image_format::unknown)
        return std::string(file_extension(format));
    if (output_format == "png" || output_format == "webp")
        return std::string(output_format);
    if (output_format == "jpeg" || output_format == "jpg")
        return "jpg";
    return "bin";
}

error_code save_image_bytes(std::span<const unsigned char> bytes, const std::filesystem::path& dir,
                            std::string_view stem, saved_image& out, diagnostics& diag,
                            std::string_view output_format) {
    out = {};
    if (stem.empty() || stem.find('/') != std::string_view::npos || stem == "." || stem == "..") {
        diag.assign("stem",
                    "stem: '" + std::string(stem) + "' must be a non-empty file name without '/'");
        return client_errc::value_not_allowed;
    }
    std::error_code fec;
    if (!dir.empty())
        std::filesystem::create_directories(dir, fec);
    if (fec) {
        diag.assign("path", dir.string() + ": cannot create the directory: " + fec.message());
        return client_errc::file_write_failed;
    }
    const auto path = (dir.empty() ? std::filesystem::path(".") : dir) /
                      (std::string(stem) + "." + image_extension(bytes, output_format));
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (auto ec = detail::write_atomically(path, text, diag))
        return ec;
    image_info info;
    diagnostics probe;
    if (!probe_image(file_source::from_memory(bytes), info, probe)) {
        out.width = info.width;
        out.height = info.height;
    }
    out.path = path;
    out.format = detect_format(bytes.first(std::min<std::size_t>(bytes.size(), 16)));
    out.bytes = bytes.size();
    return {};
}

error_code save_image(const Image& img, const std::filesystem::path& dir, std::string_view stem,
                      saved_image& out, diagnostics& diag, std::string_view output_format) {
    if (img.bytes && !img.b64_json)
        return save_image_bytes(*img.bytes, dir, stem, out, diag, output_format);
    std::vector<unsigned char> bytes;
    if (auto ec = decode_image(img, bytes, diag))
        return ec;
    return save_image_bytes(bytes, dir, stem, out, diag, output_format);
}

namespace detail {
namespace {

using save_result = result_of_op<std::vector<saved_image>>;

asio::awaitable<save_result> run_save(client& c, ImagesResponse response, std::filesystem::path dir,
                                      std::string stem, diagnostics* diag) {
    save_result out;
    const std::string format = response.output_format ? response.output_format->value() : "";
    const std::size_t n = response.data.size();
    for (std::size_t i = 0; i < n; ++i) {
        const Image& img = response.data[i];
        const std::string name = n == 1 ? stem : stem + "-" + std::to_string(i + 1);
        saved_image saved;
        if (img.b64_json || img.bytes) {
            out.ec = save_image(img, dir, name, saved, *diag, format);
        } else if (img.url) {
            auto [ec, body] =
                co_await c.async_download(*img.url, *diag, asio::as_tuple(asio::use_awaitable));
            out.ec =
                ec ? ec
                   : save_image_bytes(std::span(reinterpret_cast<const unsigned char*>(body.data()),
                                                body.size()),
                                      dir, name, saved, *diag, format);
        } else {
            diag->assign("data[" + std::to_string(i) + "]",
                         "data[" + std::to_string(i) + "]: neither b64_json nor url");
            out.ec = client_errc::unexpected_json;
        }
        if (out.ec)
            co_return out;
        out.value.push_back(std::move(saved));
    }
    co_return out;
}

}  // namespace

void start_save(client& c, ImagesResponse response, std::filesystem::path dir, std::string stem,
                diagnostics* diag, asio::any_completion_handler<save_signature> handler) {
    asio::co_spawn(
        c.get_executor(), run_save(c, std::move(response), std::move(dir), std::move(stem), diag),
        op_completion<asio::any_completion_handler<save_signature>, std::vector<saved_image>>{
            std::move(handler), std::make_shared<const asio::any_io_executor>(c.get_executor())});
}

}  // namespace detail
}  // namespace openai::images
