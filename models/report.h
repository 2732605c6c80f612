// models/report.h: counterexamples as the kernel's mailing lists draw them.
//
// A counterexample is written in the interleaving file format
// (mmu_core/catalog/interleaving.h, the format replay reads back): optional
// "key: value" lines, then a table with one column per CPU headed
// "CPU N: <the CPU's role>", one step per row, time going down.
#pragma once

#include <string>
#include <vector>

#include "mmu_core/catalog/interleaving.h"
#include "models/model.h"

namespace mmu::models {

struct Counterexample {
  std::string scenario;               // kName
  std::string config;                 // the failing member of the family
  std::string mutation = "none";      // catalogue name or "none"
  std::vector<std::string> roles;     // one column header per thread
  std::vector<StepEvent> trace;       // in time order
  std::vector<std::string> comments;  // written as "# ..." lines first
};

// The table, ready for WriteInterleaving.
Interleaving ToInterleaving(const Counterexample& c);

// "values read" block: per CPU, each step's value in order, then the
// scenario's own observations when the round got as far as Check().
std::string FormatValues(const Counterexample& c, const std::vector<Observation>& observations, bool observed);

// A value as a report shows it: decimal below 10, else 0x-hex.
std::string FormatValue(std::uint64_t v);

}  // namespace mmu::models
