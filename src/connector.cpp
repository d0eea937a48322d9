#include "connector.hpp"

#include "transport.hpp"

namespace openai::images::detail {
namespace {

class direct_connector final : public connector {
  public:
    explicit direct_connector(tls_session_cache& sessions) : sessions_(sessions) {}

    asio::awaitable<exchange_result> connect(connection& c, const origin& where,
                                             steady::time_point deadline, const timeouts& t,
                                             stats_counters& stats) override {
        return detail::connect(c, where, deadline, t, stats, &sessions_);
    }

  private:
    tls_session_cache& sessions_;
};

}  // namespace

std::unique_ptr<connector> make_direct_connector(tls_session_cache& sessions) {
    return std::make_unique<direct_connector>(sessions);
}

}  // namespace openai::images::detail
