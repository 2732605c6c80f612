// The model binary's command-line contract (README.md "Command line"), as
// ci/models.sh, stress/'s kill matrix and the replay round trip use it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "models/testing/run_binary.h"

namespace mmu::models::testing {
namespace {

const std::string& Tear() {
  static const std::string path = Runfile("models/split_tear");
  return path;
}
const std::string& Pnp() {
  static const std::string path = Runfile("models/split_pnp");
  return path;
}
const std::string& HwAd() {
  static const std::string path = Runfile("models/split_hw_ad");
  return path;
}

TEST_CASE("bad flags: a message naming the problem and exit code 2") {
  struct Bad {
    const char* flags;
    const char* says;
  };
  const Bad cases[] = {
      {"--variant M9.9", "M9.9"},
      {"--variant M2.4", "does not show"},  // a catalogue mutation split-tear does not show
      {"--variant", "--variant"},
      {"--config 2", "--config 2"},
      {"--config -1", "--config"},
      {"--config one", "--config one"},
      {"--search bogus", "--search bogus"},
      {"--search random:0", "random:0"},
      {"--search bound:x", "bound:x"},
      {"--search cii", "--search cii"},
      {"--expect ': torn'", "--expect"},
      {"--shard 2/2", "shard 2/2"},
      {"--shard 1", "shard 1"},
      {"--split-depth 0", "--split-depth"},
      {"--frobnicate", "frobnicate"},
      {"--json /nonexistent-dir/x.json", "/nonexistent-dir/x.json"},
      {"--counterexample-out /nonexistent-dir/x.txt", "/nonexistent-dir/x.txt"},
  };
  for (const Bad& b : cases) {
    CAPTURE(b.flags);
    const Ran r = Run(Tear() + " " + b.flags);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(b.says) != std::string::npos);
  }
  const Ran env = Run(Tear(), "TEST_TOTAL_SHARDS=2 TEST_SHARD_INDEX=5");
  CHECK(env.exit_code == 2);
  CHECK(env.output.find("shard 5/2") != std::string::npos);
}

TEST_CASE("--list describes the model and exits 0") {
  const Ran r = Run(Pnp() + " --list");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("split-pnp") != std::string::npos);
  CHECK(r.output.find("search: full") != std::string::npos);
  CHECK(r.output.find("M2.4") != std::string::npos);
  CHECK(r.output.find("clear=slow") != std::string::npos);
}

TEST_CASE("--json: one entry per run with the contract's fields") {
  const std::string json = TempFile("all.json");
  const Ran r = Run(Tear() + " --no-history --json " + json);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json runs = ReadJson(json);
  REQUIRE(runs.is_array());
  std::set<std::string> variants;
  for (const nlohmann::json& run : runs) {
    for (const char* field : {"scenario", "variant", "config", "search", "result", "error_kind", "iterations",
                              "found_at_iteration", "seconds"}) {
      CAPTURE(field);
      CHECK(run.contains(field));
    }
    CHECK(run["scenario"] == "split-tear");
    variants.insert(run["variant"].get<std::string>());
    if (run["variant"] == "none") {
      CHECK(run["result"] == "passed");
      CHECK(run["error_kind"].is_null());
      CHECK(run["iterations"].get<long>() > 0);
    } else {
      CHECK(run["result"] == "caught");
      CHECK(run["error_kind"] == "USER ASSERT FAILED");
      CHECK(run["found_at_iteration"].get<long>() > 0);
    }
  }
  CHECK(variants == std::set<std::string>{"none", "M2.2", "M2.5"});
}

TEST_CASE("a twin that is not caught fails the run with exit code 1") {
  // M2.4 needs a preemption inside the reader: a search without one misses it.
  const std::string json = TempFile("missed.json");
  const Ran r = Run(Pnp() + " --variant M2.4 --config 0 --search bound:0 --json " + json);
  CHECK(r.exit_code == 1);
  const nlohmann::json runs = ReadJson(json);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["result"] == "missed");
  CHECK(runs[0]["found_at_iteration"].is_null());
}

TEST_CASE("a twin stops at the first configuration that catches it") {
  const std::string json = TempFile("first.json");
  REQUIRE(Run(Pnp() + " --variant M2.2 --json " + json).exit_code == 0);
  const nlohmann::json runs = ReadJson(json);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["config"] == "clear=fast,cycles=1");
  CHECK(runs[0]["result"] == "caught");
}

TEST_CASE("a random search runs and says it is a smoke run") {
  const Ran r = Run(Tear() + " --variant none --search random:200");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("smoke run") != std::string::npos);
  CHECK(r.output.find("random:200") != std::string::npos);
}

TEST_CASE("--counterexample-out writes the interleaving file format") {
  const std::string file = TempFile("m2_4.txt");
  const Ran r = Run(Pnp() + " --variant M2.4 --no-history --counterexample-out " + file);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string text = ReadFile(file);
  INFO(text);
  CHECK(text.find("scenario: split-pnp\n") != std::string::npos);
  CHECK(text.find("config: clear=fast,cycles=1\n") != std::string::npos);
  CHECK(text.find("mutation: M2.4\n") != std::string::npos);
  CHECK(text.find("    CPU 1: __get_spte_lockless") != std::string::npos);
  CHECK(text.find("CPU 2: __update_clear_spte_fast + __set_spte") != std::string::npos);
  CHECK(text.find("\n    read count\n") != std::string::npos);
  CHECK(text.find("check low and count") != std::string::npos);

  // No counterexample (the correct core): no file, not even a stale one.
  const Ran none = Run(Tear() + " --variant none --counterexample-out " + file);
  CHECK(none.exit_code == 0);
  CHECK_FALSE(std::ifstream(file).good());
}

TEST_CASE("a twin fails the run when Relacy reports another kind of error than expected") {
  // M2.2 is caught by the scenario's assert; expecting a use after free instead must fail.
  const std::string json = TempFile("wrong_kind.json");
  const Ran r =
      Run(Tear() + " --variant M2.2 --config 0 --no-history --expect 'ACCESS TO FREED MEMORY' --json " + json);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("expected ACCESS TO FREED MEMORY, got USER ASSERT FAILED") != std::string::npos);
  const nlohmann::json runs = ReadJson(json);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["result"] == "failed");
  CHECK(runs[0]["error_kind"] == "USER ASSERT FAILED");
  CHECK(runs[0]["expected_error"] == "ACCESS TO FREED MEMORY");
  CHECK(runs[0]["found_at_iteration"].get<long>() > 0);

  // The right kind with the wrong message fails too; the right kind alone passes.
  const Ran message =
      Run(Tear() + " --variant M2.2 --config 0 --no-history --expect 'USER ASSERT FAILED: no such message'");
  CHECK(message.exit_code == 1);
  CHECK(message.output.find("expected the message \"no such message...\"") != std::string::npos);
  CHECK(Run(Tear() + " --variant M2.2 --config 0 --no-history --expect 'USER ASSERT FAILED'").exit_code == 0);
}

// Position of `what` in `text`, failing the test when it is absent.
std::size_t At(const std::string& text, const std::string& what) {
  const std::size_t at = text.find(what);
  CAPTURE(what);
  CHECK(at != std::string::npos);
  return at;
}

TEST_CASE("a counterexample: the iteration, the per-CPU table, the values read, then Relacy's history") {
  const std::string json = TempFile("order.json");
  const Ran r = Run(Pnp() + " --variant M2.4 --json " + json);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json runs = ReadJson(json);
  REQUIRE(runs.size() == 1);
  const long found_at = runs[0]["found_at_iteration"].get<long>();
  CHECK(found_at > 0);
  const std::string iteration = "at iteration " + std::to_string(found_at);
  const std::string& o = r.output;
  const std::size_t verdict = At(o, "caught  USER ASSERT FAILED " + iteration);
  const std::size_t begin = At(o, "---- counterexample: split-pnp M2.4");
  const std::size_t comment = At(o, "# Relacy: USER ASSERT FAILED (torn present spte");
  const std::size_t header = At(o, "    CPU 1: __get_spte_lockless ");
  CHECK(o.find("CPU 2: __update_clear_spte_fast + __set_spte\n", header) < o.find('\n', header) + 1);
  const std::size_t first_step = At(o, "\n    read count\n");
  const std::size_t values = At(o, "values read (each step's value, in order):");
  const std::size_t cpu1_values = At(o, "  CPU 1: __get_spte_lockless: read count = ");
  const std::size_t history = At(o, "Relacy's history of the failing execution:");
  const std::size_t relacy_iteration = At(o, "iteration: " + std::to_string(found_at) + "\n");
  const std::size_t end = At(o, "---- end of counterexample ----");
  CHECK(verdict < begin);
  CHECK(begin < comment);
  CHECK(o.find(iteration, comment) < header);  // the comment names the iteration too
  CHECK(comment < header);
  CHECK(header < first_step);
  CHECK(first_step < values);
  CHECK(values < cpu1_values);
  CHECK(cpu1_values < history);
  CHECK(history < relacy_iteration);
  CHECK(relacy_iteration < end);
  // Step names are the core's (mmu_core/steps.h), not Relacy's.
  CHECK(o.substr(header, values - header).find("atomic load") == std::string::npos);

  // --no-history leaves out only Relacy's part.
  const Ran quiet = Run(Pnp() + " --variant M2.4 --no-history");
  CHECK(quiet.output.find("values read") != std::string::npos);
  CHECK(quiet.output.find("Relacy's history") == std::string::npos);
}

TEST_CASE("--search ci: the correct core's stronger search, twins on the declared one") {
  const Ran list = Run(HwAd() + " --list");
  CHECK(list.exit_code == 0);
  CHECK(list.output.find("search: bound:4") != std::string::npos);
  CHECK(list.output.find("main job's search (--search ci, correct core only): dpor") != std::string::npos);

  const std::string json = TempFile("ci_twin.json");
  const Ran twin = Run(HwAd() + " --search ci --variant M2.7 --no-history --json " + json);
  INFO(twin.output);
  CHECK(twin.exit_code == 0);
  CHECK(twin.output.find("search dpor (main job's search:") != std::string::npos);
  CHECK(twin.output.find("twins: search bound:4") != std::string::npos);
  const nlohmann::json runs = ReadJson(json);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["search"] == "bound:4");
  CHECK(runs[0]["result"] == "caught");

  // The correct core runs the main job's search (every model's is the
  // reduced full search, models/dpor/).
  const std::string tear = TempFile("ci_tear.json");
  REQUIRE(Run(Tear() + " --search ci --variant none --json " + tear).exit_code == 0);
  for (const nlohmann::json& run : ReadJson(tear)) CHECK(run["search"] == "dpor");
}

}  // namespace
}  // namespace mmu::models::testing
