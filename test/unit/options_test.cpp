// client_options::from_env: which environment variables fill which options.
#include <openai/images/options.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>

namespace oi = openai::images;

namespace {

// Sets a variable for the scope of a test and restores what was there before.
class scoped_env {
  public:
    scoped_env(const char* name, const char* value) : name_(name) {
        const char* old = std::getenv(name);
        had_ = old != nullptr;
        if (had_)
            old_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~scoped_env() {
        if (had_)
            ::setenv(name_, old_.c_str(), 1);
        else
            ::unsetenv(name_);
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

  private:
    const char* name_;
    std::string old_;
    bool had_ = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(from_env_reads_the_ca_file) {
    const scoped_env ca("OPENAI_IMAGES_CA_FILE", "/etc/private/ca.pem");
    const auto o = oi::client_options::from_env();
    BOOST_TEST(o.tls.ca_file == "/etc/private/ca.pem");
    BOOST_TEST(!o.tls.insecure_skip_verify);
}

BOOST_AUTO_TEST_CASE(from_env_without_the_variable_or_with_it_empty_keeps_the_system_roots) {
    {
        const scoped_env ca("OPENAI_IMAGES_CA_FILE", nullptr);
        BOOST_TEST(oi::client_options::from_env().tls.ca_file == "");
    }
    {
        const scoped_env ca("OPENAI_IMAGES_CA_FILE", "");
        BOOST_TEST(oi::client_options::from_env().tls.ca_file == "");
    }
}

BOOST_AUTO_TEST_SUITE_END()
