// How a client checks requests before sending them (client_options::validation):
// on or off, and the model rows of its own. validate() itself is in validate.hpp.
#pragma once

#include <openai/images/model_capabilities.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace openai::images {

struct validate_options {
    /// false: every request is accepted as it is (an OpenAI-compatible server
    /// with other rules, or a rule of the API that changed before this library).
    bool enabled = true;
    /// Rows of this client's own, by model name, looked up before the
    /// process-wide registry (model_capabilities.hpp): a model that only this
    /// client's server serves, or a known name that server gives other rules.
    /// A client copies them when it is made; changing them afterwards needs
    /// another client.
    std::map<std::string, model_capabilities, std::less<>> models{};
};

/// The row validate() uses for `name` with these options: opts.models' row,
/// else the registry's; nullopt for a model neither knows. Thread-safe.
std::optional<model_capabilities> capabilities_of(std::string_view name,
                                                  const validate_options& opts);

}  // namespace openai::images
