#include "models/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace mmu::models {
namespace {

std::size_t Threads(const Counterexample& c) {
  std::size_t threads = c.roles.size();
  for (const StepEvent& e : c.trace) threads = std::max(threads, static_cast<std::size_t>(e.cpu) + 1);
  return threads;
}

std::string Header(std::size_t cpu, const std::vector<std::string>& roles) {
  const std::string role = cpu < roles.size() && !roles[cpu].empty() ? roles[cpu] : "thread";
  return fmt::format("CPU {}: {}", cpu + 1, role);
}

}  // namespace

std::string FormatValue(std::uint64_t v) { return v < 10 ? fmt::format("{}", v) : fmt::format("{:#x}", v); }

Interleaving ToInterleaving(const Counterexample& c) {
  Interleaving il;
  il.comments = c.comments;
  il.scenario = KeyLine{c.scenario, 1};
  if (!c.config.empty()) il.config = KeyLine{c.config, 1};
  il.mutation = KeyLine{c.mutation, 1};
  if (const std::optional<Mutation> m = MutationFromName(c.mutation)) il.mutations = Mutations::Inject(*m);
  for (std::size_t cpu = 0; cpu < Threads(c); ++cpu) {
    il.AddColumn(cpu < c.roles.size() && !c.roles[cpu].empty() ? c.roles[cpu] : "thread");
  }
  for (const StepEvent& e : c.trace) il.AddRow(e.cpu, e.step);
  return il;
}

std::string FormatValues(const Counterexample& c, const std::vector<Observation>& observations, bool observed) {
  std::string out = "values read (each step's value, in order):\n";
  for (std::size_t cpu = 0; cpu < Threads(c); ++cpu) {
    std::string line;
    for (const StepEvent& e : c.trace) {
      if (static_cast<std::size_t>(e.cpu) != cpu) continue;
      if (!line.empty()) line += ", ";
      line += fmt::format("{} = {}", StepName(e.step), FormatValue(e.value));
    }
    out += fmt::format("  {}: {}\n", Header(cpu, c.roles), line.empty() ? "(no steps)" : line);
  }
  if (!observed) {
    out += "scenario's observations: none (the execution stopped before Check())\n";
    return out;
  }
  out += "scenario's observations (S::Observe, before Check()):\n";
  for (const Observation& o : observations) {
    out += fmt::format("  CPU {}: {} = {}\n", o.cpu + 1, o.what, FormatValue(o.value));
  }
  return out;
}

}  // namespace mmu::models
