// The library's version, also sent in the User-Agent header.
#pragma once

#define OPENAI_IMAGES_VERSION_MAJOR 0
#define OPENAI_IMAGES_VERSION_MINOR 1
#define OPENAI_IMAGES_VERSION_PATCH 0
#define OPENAI_IMAGES_VERSION_STRING "0.1.0"

namespace openai::images {
inline constexpr const char* version_string = OPENAI_IMAGES_VERSION_STRING;
}
