// replay/step_facts.cc: the derived step facts as step sets.
#include "replay/step_facts.h"

namespace mmu::replay {

std::vector<std::vector<StepSet>> StepFactsOf(std::string_view name) {
  std::vector<std::vector<StepSet>> out;
  for (const ScenarioStepFacts& f : DerivedStepFacts()) {
    if (f.scenario != name) continue;
    for (const auto& config : f.cpus) {
      std::vector<StepSet> cpus;
      for (std::string_view list : config) {
        StepSet set;
        while (!list.empty()) {
          const std::size_t comma = list.find(',');
          if (const std::optional<Step> s = StepFromName(list.substr(0, comma))) set.set(static_cast<std::size_t>(*s));
          if (comma == std::string_view::npos) break;
          list.remove_prefix(comma + 1);
        }
        cpus.push_back(set);
      }
      out.push_back(std::move(cpus));
    }
  }
  return out;
}

std::vector<CatalogEntry> WithStepFacts(std::vector<CatalogEntry> catalog) {
  for (CatalogEntry& e : catalog) {
    std::vector<std::vector<StepSet>> facts = StepFactsOf(e.info.name);
    // Facts of another shape (a family changed since the build): none.
    if (facts.size() == e.info.configs.size()) e.steps = std::move(facts);
  }
  return catalog;
}

}  // namespace mmu::replay
