// stress/registry.cc: the scenario table, one native instantiation each.
#include "stress/registry.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "mmu_core/scenarios/all.h"
#include "stress/runner.h"

namespace stress {
namespace {

template <class S>
ScenarioEntry Entry(std::string_view target) {
  ScenarioEntry e;
  e.info.name = std::string(S::kName);
  e.info.target = std::string(target);
  e.info.section = std::string(S::kSection);
  e.info.invariant = std::string(S::kInvariant);
  e.info.threads = S::kThreads;
  for (mmu::Mutation m : S::kMutations) e.info.mutations.push_back(m);
  for (int i = 0; i < S::NumConfigs(); ++i) e.info.configs.push_back(S::DescribeConfig(S::GetConfig(i)));
  e.run = &RunScenario<S>;
  return e;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

}  // namespace

bool ScenarioInfo::Shows(mmu::Mutation m) const {
  return std::find(mutations.begin(), mutations.end(), m) != mutations.end();
}

const std::vector<ScenarioEntry>& Scenarios() {
  static const std::vector<ScenarioEntry> all = [] {
    std::vector<ScenarioEntry> v;
#define STRESS_SCENARIO_ENTRY(Type, target) v.push_back(Entry<mmu::scenarios::Type>(#target));
    MMU_SCENARIOS(STRESS_SCENARIO_ENTRY)
#undef STRESS_SCENARIO_ENTRY
    return v;
  }();
  return all;
}

const ScenarioEntry* FindScenario(std::string_view name) {
  for (const ScenarioEntry& e : Scenarios()) {
    if (e.info.name == name || e.info.target == name) return &e;
  }
  return nullptr;
}

ConfigSelection SelectConfigs(const ScenarioInfo& s, std::string_view spec) {
  ConfigSelection sel;
  const int n = static_cast<int>(s.configs.size());
  const std::vector<std::string> want = Words(spec);
  if (want.empty() || (want.size() == 1 && want[0] == "all")) {
    for (int i = 0; i < n; ++i) sel.indices.push_back(i);
    return sel;
  }
  auto family = [&] {
    std::string list;
    for (int i = 0; i < n; ++i) list += "\n  " + std::to_string(i) + ": " + s.configs[static_cast<std::size_t>(i)];
    return list;
  };
  if (want.size() == 1 && std::all_of(want[0].begin(), want[0].end(), [](unsigned char c) { return std::isdigit(c); })) {
    const int i = want[0].size() <= 4 ? std::stoi(want[0]) : n;
    if (i >= n) {
      sel.error = "config index " + want[0] + " is out of range for " + s.name + ", whose family is:" + family();
      return sel;
    }
    sel.indices.push_back(i);
    return sel;
  }
  for (const std::string& w : want) {
    if (w.find('=') == std::string::npos || w.front() == '=' || w.back() == '=') {
      sel.error = "config '" + std::string(spec) + "': '" + w + "' is not key=value (or use an index or 'all')";
      return sel;
    }
  }
  for (int i = 0; i < n; ++i) {
    const std::vector<std::string> have = Words(s.configs[static_cast<std::size_t>(i)]);
    const bool subset = std::all_of(want.begin(), want.end(), [&](const std::string& w) {
      return std::find(have.begin(), have.end(), w) != have.end();
    });
    if (subset) sel.indices.push_back(i);
  }
  if (sel.indices.empty()) {
    sel.error = "config '" + std::string(spec) + "' matches no member of " + s.name + "'s family:" + family();
  } else if (sel.indices.size() > 1) {
    sel.error = "config '" + std::string(spec) + "' matches several members of " + s.name +
                "'s family (name more pairs, an index, or 'all'):" + family();
    sel.indices.clear();
  }
  return sel;
}

}  // namespace stress
