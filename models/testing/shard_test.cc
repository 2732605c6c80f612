// Shards of a model together explore exactly the interleavings of the
// unsharded run. For each configuration the explored counts of the shards
// add up to the unsharded count, and so do their digests (a sum of a hash of
// every explored execution's scheduling decisions), so the shards explored
// the same set of executions, each once. The unsharded SplitSearch itself is
// checked against Relacy's own scheduler classes (--relacy-scheduler).
// Twins are dealt whole to shards, and so are the configurations of a
// random search: each runs in exactly one shard.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "models/testing/run_binary.h"

namespace mmu::models::testing {
namespace {

// config -> (explored executions, digest), summed over the JSON files' runs.
using Totals = std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;

void Add(Totals& totals, const nlohmann::json& runs) {
  for (const nlohmann::json& r : runs) {
    REQUIRE(r["result"] == "passed");
    auto& [n, digest] = totals[r["config"].get<std::string>()];
    n += r["iterations"].get<std::uint64_t>();
    digest += std::stoull(r["digest"].get<std::string>(), nullptr, 16);
  }
}

Totals RunModel(const std::string& target, const std::string& flags, const std::string& env = "") {
  static int counter = 0;
  const std::string json = TempFile(target + "_" + std::to_string(counter++) + ".json");
  const Ran r = Run(Runfile("models/" + target) + " --variant none --no-history " + flags + " --json " + json, env);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  Totals t;
  Add(t, ReadJson(json));
  return t;
}

void CheckShards(const std::string& target, const std::string& search, int shards) {
  CAPTURE(target);
  CAPTURE(search);
  const Totals whole = RunModel(target, "--search " + search);
  Totals parts;
  for (int i = 0; i < shards; ++i) {
    const Totals part = RunModel(target, "--search " + search + " --shard " + std::to_string(i) + "/" +
                                             std::to_string(shards));
    for (const auto& [config, v] : part) {
      CHECK(v.first > 0);  // every shard gets a share of every configuration
      parts[config].first += v.first;
      parts[config].second += v.second;
    }
  }
  CHECK(parts == whole);

  // Relacy's own scheduler explores as many executions.
  const Totals relacy = RunModel(target, "--search " + search + " --relacy-scheduler");
  REQUIRE(relacy.size() == whole.size());
  for (const auto& [config, v] : whole) CHECK(relacy.at(config).first == v.first);
}

TEST_CASE("shards of a full search explore the unsharded interleavings") { CheckShards("split_tear", "full", 3); }

TEST_CASE("shards of a full search: one configuration, many shards") {
  CheckShards("split_slow_clear_d", "full", 5);
}

TEST_CASE("shards of a context-bound search explore the unsharded interleavings") {
  CheckShards("split_hw_ad", "bound:3", 2);
}

TEST_CASE("a shard split at another depth still adds up") {
  const Totals whole = RunModel("split_tear", "--config 1");
  Totals parts;
  for (int i = 0; i < 4; ++i) {
    for (const auto& [config, v] : RunModel("split_tear", "--config 1 --split-depth 3 --shard " + std::to_string(i) + "/4")) {
      parts[config].first += v.first;
      parts[config].second += v.second;
    }
  }
  CHECK(parts == whole);
}

TEST_CASE("Bazel's sharding protocol: the shard comes from the environment and the status file is touched") {
  const std::string status = TempFile("shard_status");
  std::remove(status.c_str());
  Totals parts;
  for (int i = 0; i < 2; ++i) {
    const std::string env = "TEST_TOTAL_SHARDS=2 TEST_SHARD_INDEX=" + std::to_string(i) + " TEST_SHARD_STATUS_FILE=" + status;
    for (const auto& [config, v] : RunModel("split_tear", "", env)) {
      parts[config].first += v.first;
      parts[config].second += v.second;
    }
  }
  CHECK(std::ifstream(status).good());
  CHECK(parts == RunModel("split_tear", ""));
}

TEST_CASE("twins are dealt whole to shards: each runs in exactly one") {
  std::map<std::string, int> runs_of;  // variant -> shards that ran it
  Totals parts;
  for (int i = 0; i < 3; ++i) {
    const std::string json = TempFile("twins_" + std::to_string(i) + ".json");
    const Ran r = Run(Runfile("models/split_tear") + " --no-history --shard " + std::to_string(i) + "/3 --json " + json);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::set<std::string> here;
    for (const nlohmann::json& run : ReadJson(json)) {
      const std::string variant = run["variant"].get<std::string>();
      if (variant == "none") {
        auto& [n, digest] = parts[run["config"].get<std::string>()];
        n += run["iterations"].get<std::uint64_t>();
        digest += std::stoull(run["digest"].get<std::string>(), nullptr, 16);
      } else {
        CHECK(run["result"] == "caught");
        here.insert(variant);
      }
    }
    for (const std::string& v : here) ++runs_of[v];
  }
  CHECK(runs_of == std::map<std::string, int>{{"M2.2", 1}, {"M2.5", 1}});
  CHECK(parts == RunModel("split_tear", ""));
}

TEST_CASE("a random search deals whole configurations to shards: the family is split, disjoint and complete") {
  std::map<std::string, int> shards_of;  // config -> shards that ran it
  std::map<std::string, std::uint64_t> count;
  for (int i = 0; i < 2; ++i) {
    for (const auto& [config, v] : RunModel("split_tear", "--search random:300 --shard " + std::to_string(i) + "/2")) {
      ++shards_of[config];
      count[config] += v.first;
    }
  }
  const Totals whole = RunModel("split_tear", "--search random:300");
  REQUIRE(whole.size() == 2);
  for (const auto& [config, v] : whole) {
    CAPTURE(config);
    CHECK(shards_of[config] == 1);
    CHECK(count[config] == v.first);
  }
  CHECK(shards_of.size() == whole.size());
}

}  // namespace
}  // namespace mmu::models::testing
