#include "connector.hpp"

#include "transport.hpp"

namespace openai::images::detail {
namespace {

class direct_connector final : public connector {
  public:
    asio::awaitable<exchange_result> connect(connection& c, const origin& where,
                                             steady::time_point deadline, const timeouts& t,
                                             stats_counters& stats) override {
        return detail::connect(c, where, deadline, t, stats);
    }
};

}  // namespace

std::unique_ptr<connector> make_direct_connector() {
    return std::make_unique<direct_connector>();
}

}  // namespace openai::images::detail
