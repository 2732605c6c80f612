// Counterexample tables, search names and Relacy report parsing.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "models/model.h"
#include "models/report.h"

namespace mmu::models {
namespace {

// The first of the two tables in the 2013 thread (seeds/001), as a trace.
Counterexample PaolosTable() {
  Counterexample c;
  c.scenario = "split-tear";
  c.config = "clear=slow";
  c.roles = {"__get_spte_lockless", "__update_clear_spte_slow"};
  c.trace = {{1, "write low", 0},  {0, "read count", 0},           {0, "read low", 0},
             {0, "read high", 7}, {1, "write high", 0},            {0, "check low and count", 1},
             {1, "update count", 1}};
  return c;
}

TEST_CASE("a counterexample is the mailing-list table in the interleaving file format") {
  Counterexample c = PaolosTable();
  c.comments = {"found by a test"};
  const std::string want =
      "# found by a test\n"
      "scenario: split-tear\n"
      "config: clear=slow\n"
      "mutation: none\n"
      "\n"
      "    CPU 1: __get_spte_lockless          CPU 2: __update_clear_spte_slow\n"
      "------------------------------------------------------------------------------\n"
      "                                        write low\n"
      "    read count\n"
      "    read low\n"
      "    read high\n"
      "                                        write high\n"
      "    check low and count\n"
      "                                        update count\n";
  CHECK(FormatInterleaving(c) == want);
}

TEST_CASE("every step starts exactly under its own column's header") {
  Counterexample c;
  c.scenario = "x";
  c.roles = {"a-very-long-role-name-that-is-wider-than-the-minimum", "b", "c"};
  c.trace = {{2, "set a/d", 0}, {0, "read low", 0}, {1, "a step name that is long enough to widen", 0}};
  const std::string text = FormatInterleaving(c);
  const std::size_t header_at = text.find("    CPU 1:");
  REQUIRE(header_at != std::string::npos);
  const std::string header = text.substr(header_at, text.find('\n', header_at) - header_at);
  for (int cpu = 0; cpu < 3; ++cpu) {
    const std::size_t col = header.find("CPU " + std::to_string(cpu + 1) + ":");
    REQUIRE(col != std::string::npos);
    const std::string& step = c.trace[static_cast<std::size_t>((cpu + 1) % 3)].step;
    CHECK(text.find("\n" + std::string(col, ' ') + step + "\n") != std::string::npos);
  }
}

TEST_CASE("threads without a role or without steps still get a column") {
  Counterexample c;
  c.scenario = "x";
  c.trace = {{1, "write low", 0}};
  const std::string text = FormatInterleaving(c);
  CHECK(text.find("    CPU 1: thread") != std::string::npos);
  CHECK(text.find("CPU 2: thread") != std::string::npos);
}

TEST_CASE("values read: per CPU in order, then the scenario's observations") {
  const Counterexample c = PaolosTable();
  const std::string text = FormatValues(c, {{0, "returned", 0x700000000ULL}}, true);
  CHECK(text.find("CPU 1: __get_spte_lockless: read count = 0, read low = 0, read high = 7, check low and count = 1") !=
        std::string::npos);
  CHECK(text.find("CPU 1: returned = 0x700000000") != std::string::npos);
  CHECK(FormatValues(c, {}, false).find("stopped before Check()") != std::string::npos);
}

TEST_CASE("roles take values from the configuration") {
  CHECK(ExpandRole("__update_clear_spte_{clear}", "clear=slow cycles=1") == "__update_clear_spte_slow");
  CHECK(ExpandRole("zap({zappers})", "zappers=2,vcpu=idle") == "zap(2)");
  CHECK(ExpandRole("{unknown}", "a=1") == "{unknown}");
  CHECK(ExpandRole("{zappers=2?kvm_mmu_zap_all_fast:idle}", "zappers=2,vcpu=idle") == "kvm_mmu_zap_all_fast");
  CHECK(ExpandRole("{zappers=2?kvm_mmu_zap_all_fast:idle}", "zappers=1,vcpu=faulting") == "idle");
  CHECK(ExpandRole("a{clear}b{x=1?y:z}", "clear=slow x=1") == "aslowby");
  CHECK(ExpandRole("unclosed {brace", "a=1") == "unclosed {brace");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(ConfigPairs("leaf=(1,1,0),A=1") == Pairs{{"leaf", "(1,1,0)"}, {"A", "1"}});
  CHECK(ConfigPairs("clear=fast cycles=1") == Pairs{{"clear", "fast"}, {"cycles", "1"}});
  CHECK(ExpandRole("{leaf}", "leaf=(1,1,0),A=1") == "(1,1,0)");
}

TEST_CASE("search names") {
  CHECK(Search::Parse("full")->ToString() == "full");
  CHECK(Search::Parse("bound:3")->ToString() == "bound:3");
  CHECK(Search::Parse("bound:0")->kind == Search::Kind::kBound);
  CHECK(Search::Parse("random:10")->ToString() == "random:10");
  CHECK_FALSE(Search::Parse("random:0"));
  CHECK_FALSE(Search::Parse("bound:"));
  CHECK_FALSE(Search::Parse("bound:-1"));
  CHECK_FALSE(Search::Parse("full:1"));
  CHECK_FALSE(Search::Parse(""));
  CHECK(Search::Parse("full")->IsTree());
  CHECK_FALSE(Search::Parse("random:5")->IsTree());
}

TEST_CASE("Relacy's report gives the message and where it was raised") {
  RunOutcome o;
  ParseFailure(
      "USER ASSERT FAILED (torn (present) spte)\niteration: 7\n\nexecution history (2):\n"
      "[0] 0: atomic load, in f, ./a.h(1)\n"
      "[1] 0: USER ASSERT FAILED (torn (present) spte), in void S::Thread(int), ./mmu_core/scenarios/s.h(105)\n",
      o);
  CHECK(o.message == "torn (present) spte");
  CHECK(o.where == "mmu_core/scenarios/s.h(105)");
  RunOutcome bare;
  ParseFailure("DEADLOCK\niteration: 3\n", bare);
  CHECK(bare.message.empty());
  CHECK(bare.where.empty());
}

}  // namespace
}  // namespace mmu::models
