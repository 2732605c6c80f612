// models/report.h: counterexamples as the kernel's mailing lists draw them.
//
// A counterexample is written in the interleaving file format (README.md
// "Counterexamples"), the format models/replay reads back: optional
// "key: value" lines, then a table with one column per CPU headed
// "CPU N: <function or role>", one step per row, time going down. Column k
// (from the left) is scenario thread k-1; every step is printed exactly at
// its column's header position, so "the header starting nearest at or to the
// left of the step" is always its own.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/model.h"

namespace mmu::models {

struct Counterexample {
  std::string scenario;               // kName
  std::string config;                 // DescribeConfig of the failing member
  std::string mutation = "none";      // catalogue name or "none"
  std::vector<std::string> roles;     // one per thread
  std::vector<StepEvent> trace;       // in time order
  std::vector<std::string> comments;  // written as "# ..." lines first
};

// The interleaving file text (ends with a newline).
std::string FormatInterleaving(const Counterexample& c);

// "values read" block: per CPU, each step's value in order, then the
// scenario's own observations when the round got as far as Check().
std::string FormatValues(const Counterexample& c, const std::vector<Observation>& observations, bool observed);

// "clear=fast cycles=1" or "a=1,b=2" -> {{"clear","fast"},{"cycles","1"}}.
std::vector<std::pair<std::string, std::string>> ConfigPairs(std::string_view description);

// Fills a role from the configuration: "{key}" becomes key's value, and
// "{key=value?then:else}" becomes then if key has that value, else else.
std::string ExpandRole(std::string_view role, std::string_view config_description);

// A value as a report shows it: decimal below 10, else 0x-hex.
std::string FormatValue(std::uint64_t v);

}  // namespace mmu::models
