// openai-images: the command-line tool. Parses the command line, reads the
// prompts file, then runs everything as one batch through one client.
#include "args.hpp"
#include "batch_api_run.hpp"
#include "jobs.hpp"
#include "run.hpp"

#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

namespace cli = openai_images_cli;

int main(int argc, char** argv) {
    try {
        const std::vector<std::string_view> words(argv + 1, argv + argc);
        cli::cli_args args;
        try {
            args = cli::parse_args(words);
        } catch (const cli::usage_error& e) {
            std::cerr << "openai-images: " << e.what() << '\n';
            return 2;
        }
        if (args.help) {
            std::cout << cli::usage_text(args.cmd);
            return 0;
        }

        std::vector<cli::job> jobs;
        std::string error;
        if (!cli::load_jobs(args, jobs, error)) {
            std::cerr << "openai-images: " << error << '\n';
            return 2;
        }
        openai::images::client_options options;
        if (!cli::make_client_options(args, options, error)) {
            std::cerr << "openai-images: " << error << '\n';
            return 2;
        }
        if (args.cmd == cli::command::batch && args.batch_api)
            return cli::run_batch_api(args, options, std::move(jobs));
        return cli::run_jobs(args, options, std::move(jobs));
    } catch (const std::exception& e) {
        std::cerr << "openai-images: " << e.what() << '\n';
        return 1;
    }
}
