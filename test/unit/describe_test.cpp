// The models' descriptions (models.hpp), which the JSON conversions, the
// multipart form fields and the command-line tool iterate: every member of
// every model is described, in declaration order, and every described field
// of a request reaches the wire and comes back.
#include <openai/images/encode.hpp>
#include <openai/images/json.hpp>

#include "test_common.hpp"

#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/json/parse.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>
#include <boost/pfr/core.hpp>
#include <boost/pfr/tuple_size.hpp>
#include <boost/test/unit_test.hpp>

#include <concepts>
#include <string>
#include <vector>

namespace oi = openai::images;
namespace json = boost::json;
namespace mp11 = boost::mp11;

namespace {

template <class T>
using members = boost::describe::describe_members<T, boost::describe::mod_public>;

using models = mp11::mp_list<
    oi::CreateImageRequest, oi::CreateImageEditRequest, oi::CreateImageVariationRequest, oi::Image,
    oi::ImageGenInputUsageDetails, oi::ImageGenOutputTokensDetails, oi::ImageGenUsage,
    oi::ImagesResponse, oi::ImageStreamEvent, oi::ImageRefParam, oi::EditImageBodyJsonParam,
    oi::CreateFileRequest, oi::FileExpirationAfter, oi::OpenAIFile, oi::DeleteFileResponse>;

// A value for each kind of member, told apart by the member's name and place.
void fill(std::string& out, std::string_view name, std::size_t) {
    out = "value of " + std::string(name);
}
void fill(std::int64_t& out, std::string_view, std::size_t index) {
    out = static_cast<std::int64_t>(index) + 1;
}
void fill(bool& out, std::string_view, std::size_t) {
    out = true;
}
template <class D>
requires std::derived_from<D, oi::open_enum<D>>
void fill(D& out, std::string_view name, std::size_t) {
    out = D("value-of-" + std::string(name));
}
void fill(oi::file_source& out, std::string_view name, std::size_t) {
    out = oi::file_source::from_memory(std::string_view("x"), std::string(name) + ".png");
}
void fill(std::vector<oi::file_source>& out, std::string_view name, std::size_t index) {
    fill(out.emplace_back(), name, index);
}
template <class T>
void fill(std::optional<T>& out, std::string_view name, std::size_t index) {
    fill(out.emplace(), name, index);
}

template <class Request>
Request every_field_set() {
    Request r;
    std::size_t index = 0;
    mp11::mp_for_each<members<Request>>([&](auto d) { fill(r.*d.pointer, d.name, index++); });
    return r;
}

template <class T>
std::vector<std::string> described_names() {
    std::vector<std::string> out;
    mp11::mp_for_each<members<T>>([&](auto d) { out.emplace_back(d.name); });
    return out;
}

template <class T>
constexpr bool is_file =
    std::same_as<T, oi::file_source> || std::same_as<T, std::optional<oi::file_source>> ||
    std::same_as<T, std::vector<oi::file_source>>;

// The names a multipart request sends as text fields: all but its files.
template <class Request>
std::vector<std::string> text_field_names() {
    std::vector<std::string> out;
    mp11::mp_for_each<members<Request>>([&](auto d) {
        using member = std::remove_cvref_t<decltype(std::declval<Request&>().*d.pointer)>;
        if constexpr (!is_file<member>)
            out.emplace_back(d.name);
    });
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(descriptions)

// Boost.PFR counts an aggregate's members without a description: a member
// added to a model but not to its description, or described out of its
// declared place (the wire order), is caught here.
BOOST_AUTO_TEST_CASE(every_member_of_every_model_is_described_in_declaration_order) {
    mp11::mp_for_each<mp11::mp_transform<mp11::mp_identity, models>>([](auto type) {
        using T = typename decltype(type)::type;
        using described = members<T>;
        constexpr std::size_t declared = boost::pfr::tuple_size_v<T>;
        const std::string model = boost::core::demangle(typeid(T).name());
        BOOST_TEST_REQUIRE(mp11::mp_size<described>::value == declared,
                           model << ": " << declared << " members, "
                                 << mp11::mp_size<described>::value << " described");
        const T value{};
        mp11::mp_for_each<mp11::mp_iota_c<declared>>([&](auto i) {
            using D = mp11::mp_at_c<described, decltype(i)::value>;
            const void* at_description = &(value.*D::pointer);
            const void* at_declaration = &boost::pfr::get<decltype(i)::value>(value);
            BOOST_TEST(at_description == at_declaration, model << ": member " << decltype(i)::value
                                                               << " is described as " << D::name
                                                               << ", out of its declared place");
        });
    });
}

BOOST_AUTO_TEST_CASE(generation_request_with_every_field_set_round_trips_through_json) {
    const auto req = every_field_set<oi::CreateImageRequest>();
    const std::string body = oi::to_json(req);

    // Every field on the wire, under its member's name, in declaration order.
    std::vector<std::string> keys;
    const json::value parsed = json::parse(body);
    for (const auto& kv : parsed.as_object())
        keys.emplace_back(kv.key());
    BOOST_TEST(keys == described_names<oi::CreateImageRequest>(), boost::test_tools::per_element());

    oi::CreateImageRequest back;
    oi::diagnostics diag;
    BOOST_TEST_REQUIRE(!oi::parse_create_image_request(body, back, diag), diag.message());
    mp11::mp_for_each<members<oi::CreateImageRequest>>([&](auto d) {
        BOOST_TEST((back.*d.pointer == req.*d.pointer), d.name << " came back changed");
    });
    BOOST_TEST(oi::to_json(back) == body);
}

BOOST_AUTO_TEST_CASE(edit_request_with_every_field_set_sends_every_text_field) {
    const auto req = every_field_set<oi::CreateImageEditRequest>();
    const auto fields = oi::form_fields(req);
    std::vector<std::string> names;
    for (const auto& [name, value] : fields)
        names.push_back(name);
    BOOST_TEST(names == text_field_names<oi::CreateImageEditRequest>(),
               boost::test_tools::per_element());
    BOOST_TEST(names.size() + 2 == described_names<oi::CreateImageEditRequest>().size());
    BOOST_TEST_REQUIRE(!fields.empty());
    BOOST_TEST(fields.front().second == "value of prompt");
    BOOST_TEST(fields.back().second == "value-of-quality");
}

BOOST_AUTO_TEST_CASE(variation_request_with_every_field_set_sends_every_text_field) {
    const auto req = every_field_set<oi::CreateImageVariationRequest>();
    const auto fields = oi::form_fields(req);
    std::vector<std::string> names;
    for (const auto& [name, value] : fields)
        names.push_back(name);
    BOOST_TEST(names == text_field_names<oi::CreateImageVariationRequest>(),
               boost::test_tools::per_element());
    BOOST_TEST(names.size() + 1 == described_names<oi::CreateImageVariationRequest>().size());
    BOOST_TEST_REQUIRE(fields.size() >= 2u);
    BOOST_TEST(fields[1].first == "n");
    BOOST_TEST(fields[1].second == "3");  // the third member: image, model, n
}

// The command-line tool offers an open enum's described constants as the
// allowed values: the description holds the values, not the C++ names.
BOOST_AUTO_TEST_CASE(open_enum_descriptions_list_the_known_values) {
    std::vector<std::string_view> values;
    using constants =
        boost::describe::describe_members<oi::ImageBackground, boost::describe::mod_public |
                                                                   boost::describe::mod_static>;
    mp11::mp_for_each<constants>([&](auto d) { values.push_back(*d.pointer); });
    const std::vector<std::string_view> expected = {"transparent", "opaque", "auto"};
    BOOST_TEST(values == expected, boost::test_tools::per_element());
    BOOST_TEST(mp11::mp_size<members<oi::ImageBackground>>::value == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
