// stress/report.h: how a stress run is shown.
//
//   SummaryText       the human summary: rounds, rate, violations per
//                     config, the first violation (who saw it, what, the
//                     values observed, every CPU's steps in timestamp order)
//                     and the command that repeats the run;
//   InterleavingFile  the first violation as an interleaving file (the
//                     shared table format), so it can be replayed;
//   RunJson           the same as JSON (nlohmann).
//
// CPUs are printed 1-based, as in the posted tables: "CPU 1" is scenario
// thread 0. JSON uses the 0-based thread number.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "stress/registry.h"
#include "stress/run.h"

namespace stress {

// "native" or "native+tsan": how this binary was built.
const char* EngineName();

std::string Hex(std::uint64_t v);
std::string Count(std::uint64_t n);   // 1,234,567
std::string Rate(double per_second);  // 823.4k

std::string SummaryText(const ScenarioInfo& s, const RunSpec& spec, const RunResult& r, const std::string& command);
std::string StepTable(const ScenarioInfo& s, const Violation& v, bool with_values);
std::string InterleavingFile(const ScenarioInfo& s, const RunSpec& spec, const Violation& v);
nlohmann::json RunJson(const ScenarioInfo& s, const RunSpec& spec, const RunResult& r, const std::string& command);

// --list: every scenario, its family and the mutations it shows.
std::string ListText();

}  // namespace stress
