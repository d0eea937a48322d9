// The process-wide registry: rows registered at run time over the built-in
// table. Readers take a shared lock for one map look-up and leave with a
// shared_ptr to the row, so registering never waits for a validation to end.
#include <openai/images/model_capabilities.hpp>
#include <openai/images/validate_options.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "model_registry.hpp"

namespace openai::images {
namespace {

class registry {
  public:
    static registry& instance() {
        static registry r;
        return r;
    }

    void add(std::string name, model_capabilities caps) {
        // Swapped in, so that a replaced row is freed after unlocking.
        std::shared_ptr<const model_capabilities> row =
            std::make_shared<const model_capabilities>(std::move(caps));
        std::unique_lock lock(mutex_);
        std::swap(rows_[std::move(name)], row);
    }

    bool remove(std::string_view name) {
        std::shared_ptr<const model_capabilities> removed;  // freed after unlocking
        std::unique_lock lock(mutex_);
        const auto it = rows_.find(name);
        if (it == rows_.end())
            return false;
        removed = std::move(it->second);
        rows_.erase(it);
        return true;
    }

    std::shared_ptr<const model_capabilities> find(std::string_view name) const {
        {
            std::shared_lock lock(mutex_);
            if (const auto it = rows_.find(name); it != rows_.end())
                return it->second;
        }
        return unowned(detail::find_builtin(name));
    }

    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& m : detail::builtin_models())
            out.emplace_back(m.name);
        std::shared_lock lock(mutex_);
        for (const auto& [name, row] : rows_) {
            if (!detail::find_builtin(name))
                out.push_back(name);
        }
        return out;
    }

    static std::shared_ptr<const model_capabilities> unowned(const model_capabilities* row) {
        return {std::shared_ptr<const model_capabilities>(), row};
    }

  private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<const model_capabilities>, std::less<>> rows_;
};

std::optional<model_capabilities> copy_of(const model_capabilities* row) {
    if (!row)
        return std::nullopt;
    return *row;
}

}  // namespace

void register_model(std::string name, model_capabilities caps) {
    registry::instance().add(std::move(name), std::move(caps));
}

bool unregister_model(std::string_view name) {
    return registry::instance().remove(name);
}

std::optional<model_capabilities> capabilities_of(std::string_view name) {
    return copy_of(registry::instance().find(name).get());
}

std::optional<model_capabilities> builtin_capabilities_of(std::string_view name) {
    return copy_of(detail::find_builtin(name));
}

std::vector<std::string> known_models() {
    return registry::instance().names();
}

std::optional<model_capabilities> capabilities_of(std::string_view name,
                                                  const validate_options& opts) {
    return copy_of(detail::find_model(name, opts).get());
}

namespace detail {

std::shared_ptr<const model_capabilities> find_model(std::string_view name,
                                                     const validate_options& opts) {
    if (const auto it = opts.models.find(name); it != opts.models.end())
        return registry::unowned(&it->second);
    return registry::instance().find(name);
}

}  // namespace detail
}  // namespace openai::images
