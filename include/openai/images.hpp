// openai-images: an Asio-native C++20 client for the OpenAI Images API.
// Include this header for everything; each component also has its own.
#pragma once

#include <openai/images/base64.hpp>
#include <openai/images/batch.hpp>
#include <openai/images/batch_api.hpp>
#include <openai/images/batch_job.hpp>
#include <openai/images/client.hpp>
#include <openai/images/encode.hpp>
#include <openai/images/error.hpp>
#include <openai/images/file.hpp>
#include <openai/images/files.hpp>
#include <openai/images/image_info.hpp>
#include <openai/images/json.hpp>
#include <openai/images/models.hpp>
#include <openai/images/multipart.hpp>
#include <openai/images/operations.hpp>
#include <openai/images/options.hpp>
#include <openai/images/save.hpp>
#include <openai/images/stats.hpp>
#include <openai/images/stream.hpp>
#include <openai/images/validate.hpp>
#include <openai/images/version.hpp>
