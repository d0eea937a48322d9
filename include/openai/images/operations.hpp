// The operations of the Images API, one row each: name, HTTP method, path,
// request type, body encoding, whether it can stream. The client, the batch
// runner and the throwing forms are written once for every row: adding an
// operation is adding its request type, its validate() and encoding, and a
// row here.
#pragma once

#include <openai/images/models.hpp>

#include <string_view>
#include <tuple>
#include <variant>

namespace openai::images {

enum class body_encoding : unsigned char {
    json,       ///< application/json
    multipart,  ///< multipart/form-data, files streamed from their sources
};

struct operation_row {
    std::string_view name;    ///< as in messages: "create_image"
    std::string_view method;  ///< "POST"
    std::string_view path;    ///< after the base URL's path: "/images/generations"
    body_encoding encoding;
    bool can_stream;  ///< accepts stream=true (answers server-sent events)
};

/// The row of the operation that takes `Request`.
template <class Request>
struct operation_of;

template <>
struct operation_of<CreateImageRequest> {
    static constexpr operation_row row{"create_image", "POST", "/images/generations",
                                       body_encoding::json, true};
};
template <>
struct operation_of<CreateImageEditRequest> {
    static constexpr operation_row row{"create_image_edit", "POST", "/images/edits",
                                       body_encoding::multipart, true};
};
template <>
struct operation_of<EditImageBodyJsonParam> {
    static constexpr operation_row row{"create_image_edit", "POST", "/images/edits",
                                       body_encoding::json, true};
};
template <>
struct operation_of<CreateImageVariationRequest> {
    static constexpr operation_row row{"create_image_variation", "POST", "/images/variations",
                                       body_encoding::multipart, false};
};

/// Every request type with a row, in the table's order.
using images_operations = std::tuple<CreateImageRequest, CreateImageEditRequest,
                                     CreateImageVariationRequest, EditImageBodyJsonParam>;

namespace detail {
template <class Tuple>
struct variant_of;
template <class... Request>
struct variant_of<std::tuple<Request...>> {
    using type = std::variant<Request...>;
};
}  // namespace detail

/// A request of any operation of the table (what a batch holds).
using any_images_request = detail::variant_of<images_operations>::type;

/// A request type of an operation of the table.
template <class Request>
concept images_operation = requires {
    operation_of<Request>::row;
};

}  // namespace openai::images
