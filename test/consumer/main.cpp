// A program outside the project that uses it only through its installed
// headers and CMake target.
#include <openai/images.hpp>

#include <iostream>

int main() {
    namespace oi = openai::images;
    oi::CreateImageRequest req{.prompt = "A cute baby sea otter", .model = "gpt-image-1"};
    oi::diagnostics diag;
    if (auto ec = oi::validate(req, diag)) {
        std::cerr << "validation failed: " << diag.message() << "\n";
        return 1;
    }
    std::cout << oi::to_json(req) << "\nconsumer ok\n";
    return 0;
}
