// Model rows as data: the built-in table, rows registered at run time for the
// whole process or for one client, and validation reading them.
#include <openai/images/model_capabilities.hpp>
#include <openai/images/validate.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "test_common.hpp"

namespace oi = openai::images;
namespace ti = test_images;

namespace {

struct outcome {
    oi::error_code ec;
    std::string param;
    std::string message;
};

template <class Req>
outcome check(const Req& req, const oi::validate_options& opts = {}) {
    oi::diagnostics diag;
    auto ec = oi::validate(req, diag, opts);
    return {ec, std::string(diag.param()), std::string(diag.message())};
}

oi::CreateImageRequest gen(std::string model) {
    return {.prompt = "A cute baby sea otter", .model = std::move(model)};
}

oi::file_source mem(std::vector<unsigned char> bytes) {
    return oi::file_source::from_owned(std::move(bytes), "in.png");
}

// A row registered for the length of a test, even one that fails.
class registered {
  public:
    registered(std::string name, oi::model_capabilities caps) : name_(std::move(name)) {
        oi::register_model(name_, std::move(caps));
    }
    ~registered() { oi::unregister_model(name_); }
    registered(const registered&) = delete;
    registered& operator=(const registered&) = delete;

  private:
    std::string name_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(model_capabilities)

BOOST_AUTO_TEST_CASE(builtin_rows_are_listed_newest_first) {
    const std::vector<std::string> expected = {
        "gpt-image-2",      "gpt-image-2-2026-04-21", "gpt-image-1.5", "gpt-image-1",
        "gpt-image-1-mini", "chatgpt-image-latest",   "dall-e-3",      "dall-e-2"};
    BOOST_TEST(oi::known_models() == expected, boost::test_tools::per_element());
    BOOST_TEST((oi::capabilities_of("gpt-image-1.5") == oi::model_capabilities{}));
    BOOST_TEST((oi::capabilities_of("gpt-image-2")->custom_sizes == oi::custom_size_rules{}));
    BOOST_TEST(oi::capabilities_of("gpt-image-1-mini")->input_fidelities.empty());
    BOOST_TEST(oi::capabilities_of("dall-e-3")->max_n == 1);
    BOOST_TEST(!oi::capabilities_of("dall-e-3")->edits);
    BOOST_TEST(oi::capabilities_of("dall-e-2")->variations);
    BOOST_TEST(!oi::capabilities_of("my-local-diffusion").has_value());
    BOOST_TEST(!oi::builtin_capabilities_of("my-local-diffusion").has_value());
}

BOOST_AUTO_TEST_CASE(a_model_registered_at_run_time_is_validated_by_its_row) {
    auto caps = oi::capabilities_of("gpt-image-2").value();
    caps.sizes = {"auto", "1024x1024", "2048x2048"};
    caps.custom_sizes.reset();
    caps.max_n = 4;
    registered row("gpt-image-2.5", caps);
    BOOST_TEST((oi::capabilities_of("gpt-image-2.5") == caps));
    BOOST_TEST(oi::known_models().back() == "gpt-image-2.5");

    auto req = gen("gpt-image-2.5");
    req.size = "2048x2048";
    BOOST_TEST(!check(req).ec, check(req).message);
    req.size = "1536x864";
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_not_allowed);
    BOOST_TEST(r.param == "size");
    BOOST_TEST(r.message ==
               "size: '1536x864' is not supported by gpt-image-2.5; allowed: auto, 1024x1024, "
               "2048x2048");
    req.size.reset();
    req.n = 5;
    BOOST_TEST(check(req).message == "n: 5 is out of range; must be from 1 to 4 for gpt-image-2.5");
}

BOOST_AUTO_TEST_CASE(overriding_a_builtin_changes_its_checks_until_unregistered) {
    auto req = gen("gpt-image-1");
    req.quality = "ultra";
    BOOST_TEST(check(req).ec == oi::client_errc::value_not_allowed);
    {
        auto caps = oi::builtin_capabilities_of("gpt-image-1").value();
        caps.qualities.push_back("ultra");
        caps.stream = false;
        registered row("gpt-image-1", caps);
        BOOST_TEST(!check(req).ec, check(req).message);
        req.stream = true;
        auto r = check(req);
        BOOST_TEST(r.ec == oi::client_errc::parameter_not_supported);
        BOOST_TEST(r.message ==
                   "stream: not supported by gpt-image-1 (only the GPT image models accept it)");
        req.stream.reset();
        // The built-in row is overridden, not changed.
        BOOST_TEST(oi::builtin_capabilities_of("gpt-image-1")->stream);
        BOOST_TEST(oi::known_models().size() == 8u);
    }
    BOOST_TEST(!oi::unregister_model("gpt-image-1"));
    BOOST_TEST(
        check(req).message ==
        "quality: 'ultra' is not supported by gpt-image-1; allowed: low, medium, high, auto");
}

BOOST_AUTO_TEST_CASE(overriding_the_default_edit_model_changes_unset_model_edits) {
    oi::CreateImageEditRequest req{.image = {mem(ti::png(64, 64)), mem(ti::png(64, 64))},
                                   .prompt = "p"};
    BOOST_TEST(!check(req).ec);
    auto caps = oi::builtin_capabilities_of("gpt-image-1.5").value();
    caps.max_edit_images = 1;
    registered row("gpt-image-1.5", caps);
    BOOST_TEST(check(req).message == "image: 2 images given; gpt-image-1.5 takes at most 1");
}

BOOST_AUTO_TEST_CASE(a_clients_own_rows_come_before_the_registry) {
    oi::validate_options opts;
    opts.models["local-sd"] = {.sizes = {"512x512", "768x768"}, .qualities = {}};
    opts.models["gpt-image-1"] = {.max_prompt_characters = 10};
    auto req = gen("local-sd");
    req.size = "768x768";
    BOOST_TEST(!check(req, opts).ec);
    req.size = "1024x1024";
    BOOST_TEST(check(req, opts).message ==
               "size: '1024x1024' is not supported by local-sd; allowed: 512x512, 768x768");
    req.size.reset();
    req.quality = "high";
    auto r = check(req, opts);
    BOOST_TEST(r.ec == oi::client_errc::parameter_not_supported);
    BOOST_TEST(r.message == "quality: not supported by local-sd");
    // Other clients, and the registry, do not see them.
    BOOST_TEST(!check(req).ec);
    BOOST_TEST(!oi::capabilities_of("local-sd").has_value());
    BOOST_TEST(oi::capabilities_of("local-sd", opts).has_value());

    auto prompt = gen("gpt-image-1");
    prompt.prompt = std::string(11, 'a');
    BOOST_TEST(check(prompt, opts).message ==
               "prompt: 11 characters; gpt-image-1 allows at most 10");
    BOOST_TEST(!check(prompt).ec);
}

BOOST_AUTO_TEST_CASE(an_unknown_model_gets_only_the_model_independent_checks) {
    BOOST_TEST(!oi::capabilities_of("gpt-image-9").has_value());
    oi::CreateImageRequest req{.prompt = "p",
                               .model = "gpt-image-9",
                               .n = 10,
                               .quality = "ultra",
                               .response_format = "url",
                               .output_format = "avif",
                               .stream = true,
                               .size = "640x480",
                               .moderation = "none",
                               .background = "glass",
                               .style = "anything"};
    BOOST_TEST(!check(req).ec, check(req).message);
    req.partial_images = 4;
    auto r = check(req);
    BOOST_TEST(r.ec == oi::client_errc::value_out_of_range);
    BOOST_TEST(r.message == "partial_images: 4 is out of range; must be from 0 to 3");

    oi::CreateImageEditRequest edit{.image = {mem(ti::jpeg(640, 480))},
                                    .prompt = "p",
                                    .model = "gpt-image-9",
                                    .size = "640x480",
                                    .response_format = "url",
                                    .input_fidelity = "max"};
    BOOST_TEST(!check(edit).ec, check(edit).message);
    edit.image.assign(17, mem(ti::png(8, 8)));
    BOOST_TEST(check(edit).message == "image: 17 images given; the API takes at most 16");

    oi::CreateImageVariationRequest variation{
        .image = mem(ti::jpeg(640, 480)), .model = "gpt-image-9", .size = "640x480"};
    BOOST_TEST(!check(variation).ec, check(variation).message);
}

BOOST_AUTO_TEST_CASE(row_fields_beyond_the_builtin_models) {
    oi::validate_options opts;
    opts.models["edit-only"] = {.generations = false,
                                .variations = true,
                                .custom_sizes = oi::custom_size_rules{.multiple_of = 64,
                                                                      .max_aspect_ratio = 2,
                                                                      .largest = {2048, 1024}},
                                .image_formats = {"png", "jpeg"},
                                .image_bytes_limit = 1000};
    auto r = check(gen("edit-only"), opts);
    BOOST_TEST(r.ec == oi::client_errc::model_not_supported);
    BOOST_TEST(r.message == "model: 'edit-only' cannot generate images");

    oi::CreateImageEditRequest edit{
        .image = {mem(ti::png(64, 64))}, .prompt = "p", .model = "edit-only", .size = "1280x640"};
    BOOST_TEST(!check(edit, opts).ec, check(edit, opts).message);
    edit.size = "1000x640";
    BOOST_TEST(check(edit, opts).message ==
               "size: '1000x640' is not supported by edit-only: width and height must be "
               "multiples of 64");
    edit.size = "1920x640";
    BOOST_TEST(check(edit, opts).message ==
               "size: '1920x640' is not supported by edit-only: the aspect ratio must be from 1:2 "
               "to 2:1");
    edit.size = "2048x1088";
    BOOST_TEST(check(edit, opts).message ==
               "size: '2048x1088' is not supported by edit-only: the largest supported "
               "resolution is 2048x1024");
    edit.size.reset();
    edit.image = {mem(ti::webp(64, 64))};
    r = check(edit, opts);
    BOOST_TEST(r.ec == oi::client_errc::image_format_not_supported);
    BOOST_TEST(r.message ==
               "image <64 bytes in memory>: webp given; edit-only takes only png or jpeg");
    edit.image = {mem(ti::png(64, 64, 1000))};
    r = check(edit, opts);
    BOOST_TEST(r.ec == oi::client_errc::image_too_large);
    BOOST_TEST(r.message ==
               "image <1000 bytes in memory>: 1000 bytes; edit-only takes less than 1000 bytes "
               "per image");

    oi::CreateImageVariationRequest variation{.image = mem(ti::jpeg(64, 32)), .model = "edit-only"};
    BOOST_TEST(!check(variation, opts).ec, check(variation, opts).message);
    variation.response_format = "url";
    BOOST_TEST(check(variation, opts).message ==
               "response_format: not supported by edit-only (only dall-e-2 accepts it)");
}

BOOST_AUTO_TEST_SUITE_END()

// Run under ThreadSanitizer too: rows replaced while other threads validate.
BOOST_AUTO_TEST_SUITE(model_registry_threads)

BOOST_AUTO_TEST_CASE(registering_while_validating_from_several_threads_is_race_free) {
    const std::string name = "threaded-model";
    oi::model_capabilities small{.sizes = {"256x256"}};
    oi::model_capabilities large{.sizes = {"1024x1024"}};
    const std::string refused =
        "size: '1024x1024' is not supported by threaded-model; allowed: 256x256";

    constexpr int rounds = 2000;
    std::atomic<int> writers_left{2};
    std::atomic<int> unexpected{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {
        threads.emplace_back([&, w] {
            for (int i = 0; i < rounds; ++i) {
                if (i % 3 == 2)
                    oi::unregister_model(name);
                else
                    oi::register_model(name, (i + w) % 2 ? small : large);
                oi::register_model("threaded-other-" + std::to_string(w), small);
            }
            --writers_left;
        });
    }
    for (int v = 0; v < 3; ++v) {
        threads.emplace_back([&] {
            auto req = gen(name);
            req.size = "1024x1024";
            int seen = 0;
            // At least `rounds` checks, and on until both writers are done.
            while (seen < rounds || writers_left.load() > 0) {
                const outcome r = check(req);
                // Unknown (unregistered) and `large` accept it; `small` refuses it.
                if (r.ec && r.message != refused)
                    ++unexpected;
                if (auto caps = oi::capabilities_of(name); caps && *caps != small && *caps != large)
                    ++unexpected;
                if (oi::known_models().size() < 8)
                    ++unexpected;
                ++seen;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    BOOST_TEST(unexpected.load() == 0);
    oi::unregister_model(name);
    oi::unregister_model("threaded-other-0");
    oi::unregister_model("threaded-other-1");
    BOOST_TEST(!oi::capabilities_of(name).has_value());
    BOOST_TEST(oi::known_models().size() == 8u);
}

BOOST_AUTO_TEST_SUITE_END()
