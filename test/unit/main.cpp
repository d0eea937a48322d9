#define BOOST_TEST_MODULE openai_images_unit
#include <boost/test/unit_test.hpp>
