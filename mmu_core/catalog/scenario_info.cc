// mmu_core/catalog/scenario_info.cc: what the engines derive from a scenario's facts.
#include "mmu_core/catalog/scenario_info.h"

#include "mmu_core/step_names.h"

#include <algorithm>

namespace mmu {
namespace {

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

std::vector<RoleItem> ParseRole(std::string_view functions) {
  std::vector<RoleItem> items;
  for (std::string item : Split(functions, ' ')) {
    RoleItem i;
    if (item.back() == '?') {
      i.optional = true;
      item.pop_back();
    }
    i.names = Split(item, '|');
    if (!i.names.empty()) items.push_back(std::move(i));
  }
  return items;
}

std::string RoleText(std::string_view functions) {
  std::string out;
  for (const RoleItem& i : ParseRole(functions)) {
    std::string names;
    for (const std::string& n : i.names) names += (names.empty() ? "" : " | ") + n;
    out += (out.empty() ? "" : " + ") + (i.optional ? "[" + names + "]" : names);
  }
  return out.empty() ? "(nothing)" : out;
}

std::string RoleHeader(std::string_view functions) {
  std::string out;
  for (const RoleItem& i : ParseRole(functions)) out += (out.empty() ? "" : " + ") + i.names.front();
  return out;
}

std::string TargetOf(std::string_view name) {
  std::string t(name);
  std::replace(t.begin(), t.end(), '-', '_');
  return t;
}

std::vector<Mutation> ScenarioInfo::Mutations() const {
  std::vector<Mutation> out;
  for (const Twin& t : twins) out.push_back(t.mutation);
  return out;
}

const Twin* ScenarioInfo::TwinOf(Mutation m) const {
  for (const Twin& t : twins) {
    if (t.mutation == m) return &t;
  }
  return nullptr;
}

bool ScenarioInfo::Shows(Mutation m, int config) const {
  const Twin* t = TwinOf(m);
  return t != nullptr && config >= 0 && config < static_cast<int>(configs.size()) &&
         ConfigMatches(configs[static_cast<std::size_t>(config)], t->configs);
}

std::string_view ScenarioInfo::Functions(int config, int cpu) const {
  if (config < 0 || config >= static_cast<int>(configs.size())) return {};
  for (const Role& r : roles) {
    if (r.cpu == cpu && ConfigMatches(configs[static_cast<std::size_t>(config)], r.when)) return r.functions;
  }
  return {};
}

std::string ScenarioInfo::Header(int config, int cpu) const {
  const std::string h = RoleHeader(Functions(config, cpu));
  return h.empty() ? "thread " + std::to_string(cpu) : h;
}

std::vector<std::string> ScenarioInfo::Problems() const {
  std::vector<std::string> out;
  auto picks_some = [&](std::string_view selector) {
    return std::any_of(configs.begin(), configs.end(),
                       [&](const std::string& c) { return ConfigMatches(c, selector); });
  };
  if (configs.empty()) out.push_back(name + ": no configuration");
  for (const Twin& t : twins) {
    if (!picks_some(t.configs)) {
      out.push_back(name + ": twin " + std::string(Describe(t.mutation).name) + " selects no configuration ('" +
                    std::string(t.configs) + "')");
    }
    if (std::count_if(twins.begin(), twins.end(), [&](const Twin& o) { return o.mutation == t.mutation; }) > 1) {
      out.push_back(name + ": twin " + std::string(Describe(t.mutation).name) + " is declared twice");
    }
  }
  for (const Role& r : roles) {
    if (r.cpu < 0 || r.cpu >= threads)
      out.push_back(name + ": a role for CPU " + std::to_string(r.cpu) + ", which it lacks");
    if (!picks_some(r.when))
      out.push_back(name + ": the role '" + std::string(r.functions) + "' selects no configuration");
    if (ParseRole(r.functions).empty()) out.push_back(name + ": an empty role for CPU " + std::to_string(r.cpu));
  }
  for (const Window& w : windows) {
    const std::string what = name + ": window '" + std::string(w.name) + "'";
    if (w.outer_cpu < 0 || w.outer_cpu >= threads || w.inner_cpu < 0 || w.inner_cpu >= threads) {
      out.push_back(what + " names a CPU the scenario lacks");
    }
    if (w.outer_cpu == w.inner_cpu) out.push_back(what + " has the same CPU inside and outside");
    for (std::string_view step : {w.open, w.close, w.inner}) {
      if (!step.empty() && !StepFromName(step)) out.push_back(what + " names no step '" + std::string(step) + "'");
    }
    if (w.inner.empty()) out.push_back(what + " has no inner step");
  }
  for (int c = 0; c < static_cast<int>(configs.size()); ++c) {
    for (int cpu = 0; cpu < threads; ++cpu) {
      const auto n = std::count_if(roles.begin(), roles.end(), [&](const Role& r) {
        return r.cpu == cpu && ConfigMatches(configs[static_cast<std::size_t>(c)], r.when);
      });
      if (n != 1) {
        out.push_back(name + ": CPU " + std::to_string(cpu) + " has " + std::to_string(n) + " roles in '" +
                      configs[static_cast<std::size_t>(c)] + "' (one is needed)");
      }
    }
  }
  return out;
}

}  // namespace mmu
