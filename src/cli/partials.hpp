// The partial images of a streamed request, each saved the moment it arrives,
// atomically (a temporary file, then a rename, as every image of the tool), so
// that a draft on disk is always a whole image even when the run is killed.
#pragma once

#include <openai/images/models.hpp>
#include <openai/images/save.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace openai_images_cli {

class partial_saver {
  public:
    /// `several`: the request asks for n > 1 images, whose partial images
    /// each restart at index 0.
    partial_saver(std::filesystem::path dir, std::string stem, bool several);

    /// The file stem of a partial image: "image.partial-1" for index 1 of
    /// the only image; "image-2.partial-1" when it is the second time index 1
    /// arrives and the request asked for several images (named as the final
    /// images are: image-1.png, image-2.png).
    std::string stem_for(std::int64_t index);

    /// Saves `e`, a partial_image event, to the folder as `stem_for(index)`
    /// with the extension of its bytes. Errors as save_image_bytes gives them
    /// (client_errc::file_write_failed naming the path), or the base64 error
    /// of an event whose image came as text.
    openai::images::error_code save(const openai::images::ImageStreamEvent& e,
                                    openai::images::saved_image& out,
                                    openai::images::diagnostics& diag);

  private:
    std::filesystem::path dir_;
    std::string stem_;
    bool several_;
    std::map<std::int64_t, std::size_t> seen_{};  ///< times each index arrived
};

}  // namespace openai_images_cli
