// The rows behind validate(): the built-in table (model_table.cpp) and the
// process-wide registry over it (model_registry.cpp).
#pragma once

#include <openai/images/model_capabilities.hpp>
#include <openai/images/validate_options.hpp>

#include <memory>
#include <span>
#include <string_view>

namespace openai::images::detail {

struct builtin_model {
    std::string_view name;
    model_capabilities caps;
};

/// The built-in rows, newest model first.
std::span<const builtin_model> builtin_models();

/// The built-in row of `name`; nullptr when there is none.
const model_capabilities* find_builtin(std::string_view name);

/// The row validate() checks `name` against: opts.models', else the
/// registry's (registered, else built-in); null for a model none of them
/// knows. Shared, so that a row replaced while a request is being checked
/// outlives the check; rows that outlive any call (built-in ones, those of
/// opts) are returned without an owner.
std::shared_ptr<const model_capabilities> find_model(std::string_view name,
                                                     const validate_options& opts);

}  // namespace openai::images::detail
