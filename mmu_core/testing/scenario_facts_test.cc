// Every scenario's facts agree with each other: each member of its family
// parses and is understood by MakeConfig, each twin and role selects some
// member, each CPU has exactly one role in each member. A scenario that
// fails here would give the engines contradicting facts.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mmu_core/catalog/scenario_info.h"
#include "mmu_core/scenarios/all.h"

namespace {

template <class S>
void CheckFacts() {
  const mmu::ScenarioInfo info = mmu::DescribeScenario<S>();
  INFO("scenario " << info.name);
  std::vector<std::string> problems = info.Problems();
  for (const std::string& p : mmu::ConfigProblems<S>()) problems.push_back(p);
  for (const std::string& p : problems) MESSAGE(p);
  CHECK(problems.empty());
  CHECK(info.threads >= 1);
  CHECK(!info.Mutations().empty());
}

}  // namespace

TEST_CASE("every scenario's facts agree") {
#define MMU_FACTS_CASE(Type, target) \
  SUBCASE(#target) { CheckFacts<mmu::scenarios::Type>(); }
  MMU_SCENARIOS(MMU_FACTS_CASE)
#undef MMU_FACTS_CASE
}

namespace {
struct Bad {
  static constexpr mmu::Role kRoles[] = {{0, "a"}, {0, "b"}, {2, "c"}};
  static constexpr mmu::Twin kTwins[] = {{mmu::Mutation::M2_4, "clear=slow"}};
};
}  // namespace

TEST_CASE("a contradicting declaration is found") {
  mmu::ScenarioInfo info;
  info.name = "bad";
  info.threads = 2;
  info.configs = {"clear=fast"};
  info.roles = Bad::kRoles;
  info.twins = Bad::kTwins;
  const std::vector<std::string> p = info.Problems();
  auto has = [&](std::string_view text) {
    for (const std::string& s : p) {
      if (s.find(text) != std::string::npos) return true;
    }
    return false;
  };
  CHECK(has("twin M2.4 selects no configuration"));
  CHECK(has("a role for CPU 2, which it lacks"));
  CHECK(has("CPU 0 has 2 roles"));
  CHECK(has("CPU 1 has 0 roles"));
}
