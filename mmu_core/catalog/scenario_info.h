// mmu_core/catalog/scenario_info.h: a scenario's facts, as the engines' front
// ends read them.
//
// DescribeScenario<S>() copies the facts a scenario class declares
// (mmu_core/scenario.h) into a ScenarioInfo, which is engine-free: the model
// driver, stress, replay's resolver and reports, and the kill matrix are
// compiled once and work from it. Everything they need to know about a
// scenario is here or derived here (which members a twin runs, the column
// header of a CPU, what a twin must fail with).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mmu_core/scenario.h"

namespace mmu {

// One item of a role: alternative names of one kernel function.
struct RoleItem {
  std::vector<std::string> names;  // as written ("__get_spte_lockless")
  bool optional = false;
};
std::vector<RoleItem> ParseRole(std::string_view functions);
// "a | b + [c]": the role for a message.
std::string RoleText(std::string_view functions);
// "a + b": the first name of each item, for a column header.
std::string RoleHeader(std::string_view functions);

struct ScenarioInfo {
  std::string name;    // kName ("split-pnp")
  std::string target;  // the Bazel target name ("split_pnp")
  std::string section;
  std::string invariant;
  int threads = 0;
  std::vector<std::string> configs;  // kConfigs
  std::span<const Role> roles;
  std::span<const Twin> twins;
  ModelSearch search;
  Posted posted;
  std::span<const Window> windows;

  // The mutations of its twins, in order.
  std::vector<Mutation> Mutations() const;
  const Twin* TwinOf(Mutation m) const;
  // Does some member show mutation m (is it one of its twins)?
  bool Shows(Mutation m) const { return TwinOf(m) != nullptr; }
  // Does member `config` show mutation m (m is a twin and its selector picks the member)?
  bool Shows(Mutation m, int config) const;
  // What CPU `cpu` runs in member `config` (its Role's functions; "" if none).
  std::string_view Functions(int config, int cpu) const;
  // "CPU 2: __update_clear_spte_fast + __set_spte" without the "CPU 2: ".
  std::string Header(int config, int cpu) const;
  // Facts that contradict each other (a twin or role selector that picks no
  // member, a CPU without a role, a role for a CPU the scenario lacks); empty
  // when the scenario is well declared. The scenario facts test checks it.
  std::vector<std::string> Problems() const;
};

// "split-pnp" -> "split_pnp".
std::string TargetOf(std::string_view name);

template <Scenario S>
ScenarioInfo DescribeScenario() {
  ScenarioInfo i;
  i.name = std::string(S::kName);
  i.target = TargetOf(S::kName);
  i.section = std::string(S::kSection);
  i.invariant = std::string(S::kInvariant);
  i.threads = S::kThreads;
  for (std::string_view c : std::span<const std::string_view>(S::kConfigs)) i.configs.emplace_back(c);
  i.roles = S::kRoles;
  i.twins = S::kTwins;
  i.search = S::kSearch;
  i.posted = PostedOf<S>();
  i.windows = S::kWindows;
  return i;
}

// Member `index` of S's family as S's Config.
template <Scenario S>
typename S::Config ConfigOf(const ScenarioInfo& info, int index) {
  return S::MakeConfig(*ConfigPairs::Parse(info.configs[static_cast<std::size_t>(index)]));
}

// Problems of S's family: members that do not parse, or that MakeConfig does
// not understand (unknown keys or values).
template <Scenario S>
std::vector<std::string> ConfigProblems() {
  std::vector<std::string> out;
  for (std::string_view c : std::span<const std::string_view>(S::kConfigs)) {
    std::string error;
    const std::optional<ConfigPairs> pairs = ConfigPairs::Parse(c, &error);
    if (!pairs) {
      out.push_back(std::string(S::kName) + " config '" + std::string(c) + "': " + error);
      continue;
    }
    (void)S::MakeConfig(*pairs);
    for (const std::string& p : pairs->Problems()) {
      out.push_back(std::string(S::kName) + " config '" + std::string(c) + "': " + p);
    }
  }
  return out;
}

}  // namespace mmu
