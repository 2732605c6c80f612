// The reduced search against Relacy's own, model by model (README.md).
//
// For every model and configuration: the correct core's final outcomes (what
// the scenario observes at the end) under the reduced search equal those of
// Relacy's full search where it ends in the test's time, and include those of
// a context-bound search where it does not; no combination of the values the
// CPUs' steps read is missing. Every negative twin is caught by the reduced
// search with its expected error. A reduction that loses an outcome fails
// here.
//
// The test cases named "long ..." use the strongest reference searches (the
// full search of split-hw-ad, 12.4M executions; the bounds the main job used
// to run); the default suite runs the others (the "long" target runs those).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "models/testing/run_binary.h"

namespace mmu::models::testing {
namespace {

// Runs --compare-outcomes and checks every configuration's record.
void Compare(const std::string& target, const std::string& reference, const std::string& flags = "") {
  CAPTURE(target);
  CAPTURE(reference);
  CAPTURE(flags);
  static int counter = 0;
  const std::string json = TempFile("compare_" + target + "_" + std::to_string(counter++) + ".json");
  const Ran r =
      Run(Runfile("models/" + target) + " --compare-outcomes " + reference + " " + flags + " --json " + json);
  INFO(r.output);
  CHECK(r.exit_code == 0);
  const nlohmann::json runs = ReadJson(json);
  REQUIRE(!runs.empty());
  for (const nlohmann::json& run : runs) {
    CAPTURE(run.dump());
    CHECK(run["result"] == "passed");
    CHECK(run["missing"] == 0);
    CHECK(run["reads_missing"] == 0);
    CHECK(run["outcomes"].get<int>() >= 1);
    if (reference == "full") CHECK(run["extra"] == 0);
    CHECK(run["reads_extra"] == 0);
    // The reduction reduces.
    CHECK(run["executions"].get<std::uint64_t>() < run["reference_executions"].get<std::uint64_t>());
  }
}

// Every twin of the model is caught by the reduced search, with the error
// its declaration expects (the driver's verdict).
void Twins(const std::string& target) {
  CAPTURE(target);
  static int counter = 0;
  const std::string json = TempFile("twins_" + target + "_" + std::to_string(counter++) + ".json");
  const Ran r = Run(Runfile("models/" + target) + " --search dpor --variant twins --no-history --json " + json);
  INFO(r.output);
  CHECK(r.exit_code == 0);
  const nlohmann::json runs = ReadJson(json);
  REQUIRE(!runs.empty());
  bool any_caught = false;
  for (const nlohmann::json& run : runs) {
    CHECK(run["search"] == "dpor");
    CHECK(run["result"] != "failed");
    any_caught = any_caught || run["result"] == "caught";
  }
  CHECK(any_caught);
}

TEST_CASE("split models: the same outcomes as Relacy's full search") {
  Compare("split_tear", "full");
  Compare("split_pnp", "full");
  Compare("split_slow_clear_d", "full");
  Compare("split_hw_ad", "bound:4");
}

TEST_CASE("spte, walk and fast page fault models: the same outcomes as Relacy's full search") {
  Compare("spte_volatile", "full");
  Compare("walk_free", "full");
  Compare("fastpf_aba", "full");
}

TEST_CASE("zap-root: every outcome of a bounded search (its full search is 3.8M executions: long)") {
  Compare("zap_root", "bound:3");
}

TEST_CASE("models whose full search does not end: every outcome of a bounded search") {
  Compare("fastpf_wp", "bound:3");
  Compare("zap_all", "bound:2");
  Compare("mmio_gen", "bound:4");
  Compare("walk_free_2vcpu", "bound:3");
}

TEST_CASE("with failed load-only loop iterations searched too, the same outcomes and values") {
  // The cut of failed iterations is the one rule that needs the core's
  // loops to carry nothing into the next iteration (README.md): without it
  // the search must agree as well.
  Compare("split_tear", "full", "--dpor-keep-retries");
  Compare("split_pnp", "full", "--dpor-keep-retries");
  Compare("walk_free", "full", "--dpor-keep-retries");
  Compare("fastpf_wp", "bound:3", "--dpor-keep-retries");
  Compare("mmio_gen", "bound:4", "--dpor-keep-retries");
  Compare("walk_free_2vcpu", "bound:3", "--dpor-keep-retries");
}

TEST_CASE("every twin is caught by the reduced search") {
  for (const char* target : {"split_tear", "split_pnp", "split_hw_ad", "split_slow_clear_d", "spte_volatile",
                             "walk_free", "walk_free_2vcpu", "fastpf_wp", "fastpf_aba", "zap_all", "zap_root",
                             "mmio_gen"}) {
    Twins(target);
  }
}

TEST_CASE("long: split-hw-ad, the same outcomes as Relacy's full search (12.4M executions)") {
  Compare("split_hw_ad", "full");
}

TEST_CASE("long: zap-root, the same outcomes as Relacy's full search (3.8M executions)") {
  Compare("zap_root", "full");
}

TEST_CASE("long: the bounds the main job used to run") {
  Compare("fastpf_wp", "bound:5");
  Compare("zap_all", "bound:3");
  Compare("mmio_gen", "bound:6");
  Compare("walk_free_2vcpu", "bound:5");
}

}  // namespace
}  // namespace mmu::models::testing
