// Everything decided before the first request is sent: every request checked
// against its model's rules, --out created and tested for writing, the lines a
// batch's manifest already has done skipped, and no existing image replaced
// without --overwrite. A refusal here costs nothing: exit status 2.
#pragma once

#include "args.hpp"
#include "jobs.hpp"
#include "manifest.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace openai_images_cli {

struct run_plan {
    std::vector<job> jobs{};              ///< to send, in the order of the input
    std::size_t skipped = 0;              ///< lines the manifest has done, not sent again
    std::size_t leftovers_removed = 0;    ///< temporary files of a killed run deleted
    std::size_t drafts_removed = 0;       ///< --overwrite: an earlier stream's partial images
    std::unique_ptr<manifest> journal{};  ///< batch only
    /// Some request has no model: the server chooses, and only the checks
    /// that hold for every model were made.
    bool server_chooses_model = false;
};

/// Decides what to send. Returns false with `error` (naming the flag, the
/// line or the file, and what to do) when nothing may be sent.
bool plan_run(const cli_args& args, std::vector<job> jobs, run_plan& out, std::string& error);

}  // namespace openai_images_cli
