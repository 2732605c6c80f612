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
  c.trace = {{1, Step::WriteLow, 0},  {0, Step::ReadCount, 0},  {0, Step::ReadLow, 0},
             {0, Step::ReadHigh, 7}, {1, Step::WriteHigh, 0}, {0, Step::CheckLowAndCount, 1},
             {1, Step::UpdateCount, 1}};
  return c;
}

TEST_CASE("a counterexample is written in the interleaving format and reads back as the same table") {
  Counterexample c = PaolosTable();
  c.comments = {"found by a test"};
  c.mutation = "M2.5";
  const std::string text = WriteInterleaving(ToInterleaving(c));
  const Parsed<Interleaving> back = ParseInterleaving(text, "c.txt");
  REQUIRE(back.ok());
  const Interleaving& il = *back.value;
  CHECK(il.scenario.value == "split-tear");
  CHECK(il.config.value == "clear=slow");
  CHECK(il.mutations == Mutations::Inject(Mutation::M2_5));
  REQUIRE(il.columns.size() == 2);
  CHECK(il.columns[0].function == "__get_spte_lockless");
  CHECK(il.columns[1].function == "__update_clear_spte_slow");
  REQUIRE(il.rows.size() == c.trace.size());
  for (std::size_t i = 0; i < il.rows.size(); ++i) {
    CHECK(il.rows[i].thread == c.trace[i].cpu);
    CHECK(il.rows[i].step == c.trace[i].step);
  }
  CHECK(text.rfind("# found by a test\n", 0) == 0);
}

TEST_CASE("threads without a role or without steps still get a column") {
  Counterexample c;
  c.scenario = "x";
  c.trace = {{1, Step::WriteLow, 0}};
  const Parsed<Interleaving> back = ParseInterleaving(WriteInterleaving(ToInterleaving(c)), "c.txt");
  REQUIRE(back.ok());
  REQUIRE(back.value->columns.size() == 2);
  CHECK(back.value->columns[0].function == "thread");
  CHECK(back.value->rows.front().thread == 1);
}

TEST_CASE("values read: per CPU in order, then the scenario's observations") {
  const Counterexample c = PaolosTable();
  const std::string text = FormatValues(c, {{0, "returned", 0x700000000ULL}}, true);
  CHECK(text.find("CPU 1: __get_spte_lockless: read count = 0, read low = 0, read high = 7, check low and count = 1") !=
        std::string::npos);
  CHECK(text.find("CPU 1: returned = 0x700000000") != std::string::npos);
  CHECK(FormatValues(c, {}, false).find("stopped before Check()") != std::string::npos);
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

}  // namespace
}  // namespace mmu::models
