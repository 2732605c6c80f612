// Shards of a reduced search together explore exactly the executions of the
// unsharded search at the same split depth (README.md "Splitting for
// shards"): per configuration, the shards' explored counts and digests (a sum
// of a hash of each explored execution's decisions) add up to the unsharded
// run's, and each subtree belongs to one shard. Bazel's sharding variables
// select the shard as --shard does.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "models/testing/run_binary.h"

namespace mmu::models::testing {
namespace {

struct Totals {
  std::uint64_t explored = 0;
  std::uint64_t digest = 0;
  std::uint64_t subtrees = 0;
  bool operator==(const Totals& o) const { return explored == o.explored && digest == o.digest; }
};
using ByConfig = std::map<std::string, Totals>;

ByConfig RunModel(const std::string& target, const std::string& flags, const std::string& env = "") {
  static int counter = 0;
  const std::string json = TempFile(target + "_dpor_" + std::to_string(counter++) + ".json");
  const Ran r =
      Run(Runfile("models/" + target) + " --variant none --search dpor --no-history " + flags + " --json " + json, env);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  ByConfig t;
  for (const nlohmann::json& run : ReadJson(json)) {
    REQUIRE(run["result"] == "passed");
    Totals& x = t[run["config"].get<std::string>()];
    x.explored += run["iterations"].get<std::uint64_t>();
    x.digest += std::stoull(run["digest"].get<std::string>(), nullptr, 16);
  }
  return t;
}

void CheckShards(const std::string& target, int depth, int shards) {
  CAPTURE(target);
  CAPTURE(depth);
  CAPTURE(shards);
  const std::string split = " --dpor-split-depth " + std::to_string(depth);
  const ByConfig whole = RunModel(target, split);
  ByConfig parts;
  for (int i = 0; i < shards; ++i) {
    const ByConfig part = RunModel(target, split + " --shard " + std::to_string(i) + "/" + std::to_string(shards));
    for (const auto& [config, v] : part) {
      parts[config].explored += v.explored;
      parts[config].digest += v.digest;
    }
  }
  CHECK(parts == whole);
}

TEST_CASE("shards of a reduced search add up to the unsharded search at the same split depth") {
  CheckShards("split_pnp", 2, 2);
  CheckShards("split_pnp", 3, 3);
  CheckShards("split_hw_ad", 3, 3);  // three threads
  CheckShards("zap_root", 1, 2);
  CheckShards("fastpf_wp", 2, 4);
}

TEST_CASE("splitting does not lose the unsplit search's verdict or outcomes") {
  // A split search explores more executions (its top levels branch fully),
  // never fewer, and passes.
  const ByConfig plain = RunModel("split_pnp", "");
  const ByConfig split = RunModel("split_pnp", " --dpor-split-depth 3");
  REQUIRE(plain.size() == split.size());
  for (const auto& [config, v] : plain) CHECK(split.at(config).explored >= v.explored);
}

TEST_CASE("Bazel's sharding variables select the shard") {
  const ByConfig by_flag = RunModel("split_pnp", " --shard 1/2");
  const ByConfig by_env = RunModel("split_pnp", "", "TEST_TOTAL_SHARDS=2 TEST_SHARD_INDEX=1");
  CHECK(by_flag == by_env);
  const ByConfig other = RunModel("split_pnp", " --shard 0/2");
  const ByConfig whole = RunModel("split_pnp", " --dpor-split-depth 3");  // sharded runs split at 3 by default
  for (const auto& [config, v] : whole) {
    CHECK(by_flag.at(config).explored + other.at(config).explored == v.explored);
    CHECK(by_flag.at(config).digest + other.at(config).digest == v.digest);
  }
}

}  // namespace
}  // namespace mmu::models::testing
