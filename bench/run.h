// bench/run.h: run the comparisons, print progress and tables, write the
// JSON and the plots. main.cc parses the command line; the smoke test calls
// RunAll with tiny sizes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/comparisons.h"

namespace mmu::bench {

struct RunOptions : Options {
  std::vector<std::string> only;  // comparison names; empty: all
  std::string json_path;          // empty: no JSON
  std::string plot_dir;           // empty: no plots
  std::string command;            // how it was started, for the JSON
};

// Runs the selected comparisons. Returns 0 when every comparison ran both
// sides with the same work, 1 otherwise (a side missing or failing, work
// that differs, an unwritable output, gnuplot failing). `results` receives
// what is written to the JSON file.
int RunAll(const RunOptions& o, std::ostream& out, nlohmann::json* results);

// /proc/meminfo's MemAvailable in bytes (0 if unknown).
std::uint64_t MemAvailable();

}  // namespace mmu::bench
