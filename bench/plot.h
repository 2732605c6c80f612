// bench/plot.h: the size sweeps of a results JSON, drawn by gnuplot as SVG.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mmu::bench {

// Writes DIR/zap_all.svg and DIR/mmio_gen.svg for the sweeps present in
// `results` (the JSON bench:all writes). Returns the files written; on a
// failure (gnuplot missing or failing) sets *error and returns what was
// written before it.
std::vector<std::string> WritePlots(const nlohmann::json& results, const std::string& dir, std::string* error);

}  // namespace mmu::bench
