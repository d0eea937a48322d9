// Saving images: b64_json decoded and written atomically (a temporary file in
// the same directory, then a rename), the extension taken from the response's
// output_format or from the image's own magic bytes; url images downloaded
// through the client with its retries and timeouts.
#pragma once

#include <openai/images/client.hpp>
#include <openai/images/image_info.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openai::images {

struct saved_image {
    std::filesystem::path path{};  ///< where it was written
    image_format format = image_format::unknown;
    std::uint32_t width = 0, height = 0;  ///< from the header; 0 when unknown
    std::uint64_t bytes = 0;
};

/// The extension (without the dot) for `bytes`: "png", "jpg", "webp" from the
/// magic bytes; else from `output_format` ("jpeg" gives "jpg"); else "bin".
std::string image_extension(std::span<const unsigned char> bytes,
                            std::string_view output_format = {});

/// Writes `bytes` to `dir`/`stem`.`ext` atomically (creating `dir`); an
/// existing file is replaced. Errors: client_errc::file_write_failed naming
/// the path.
error_code save_image_bytes(std::span<const unsigned char> bytes, const std::filesystem::path& dir,
                            std::string_view stem, saved_image& out, diagnostics& diag,
                            std::string_view output_format = {});

/// Decodes `img.b64_json` (or takes `img.bytes`, already decoded) and saves it
/// as save_image_bytes does. An image with only a url gives
/// client_errc::missing_required_field (use async_save_images).
error_code save_image(const Image& img, const std::filesystem::path& dir, std::string_view stem,
                      saved_image& out, diagnostics& diag, std::string_view output_format = {});

using save_signature = void(error_code, std::vector<saved_image>);

namespace detail {
void start_save(client& c, ImagesResponse response, std::filesystem::path dir, std::string stem,
                diagnostics* diag, boost::asio::any_completion_handler<save_signature> handler);
}

/// Saves every image of `response` to `dir`: `stem`.ext for one image,
/// `stem`-1.ext, `stem`-2.ext… for several. b64_json images are decoded; url
/// images are downloaded with `c.async_download`. Stops at the first error.
template <class CompletionToken>
auto async_save_images(client& c, ImagesResponse response, std::filesystem::path dir,
                       std::string stem, diagnostics& diag, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, save_signature>(
        [&c, &diag](auto handler, ImagesResponse r, std::filesystem::path d, std::string s) {
            detail::start_save(
                c, std::move(r), std::move(d), std::move(s), &diag,
                boost::asio::any_completion_handler<save_signature>(std::move(handler)));
        },
        token, std::move(response), std::move(dir), std::move(stem));
}

}  // namespace openai::images
