// bench/testing/smoke_test.cc: every comparison at tiny sizes, through Google
// Benchmark as bench:all runs it: both sides ran and counted the same work.
// No time is asserted.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "bench/comparisons.h"
#include "bench/run.h"

namespace {

using mmu::bench::RunRecord;

RunRecord Run(const std::string& side, const std::string& param, double work) {
  RunRecord r;
  r.comparison = "x";
  r.side = side;
  r.param = param;
  r.iterations = 1;
  r.counters["work"] = work;
  return r;
}

}  // namespace

TEST_CASE("every comparison runs both sides and counts the same work (tiny sizes)") {
  mmu::bench::RunOptions o;
  o.smoke = true;
  o.mem_available = mmu::bench::MemAvailable();
  std::ostringstream out;
  nlohmann::json res;
  const int rc = mmu::bench::RunAll(o, out, &res);
  INFO(out.str());
  CHECK(rc == 0);
  REQUIRE(res["comparisons"].size() == mmu::bench::AllComparisons().size());
  for (const auto& c : res["comparisons"]) {
    INFO(c["name"].get<std::string>());
    CHECK(c["problems"].empty());
    CHECK(!c["rows"].empty());
    std::set<std::string> sides;
    for (const auto& r : res["runs"]) {
      if (r["comparison"] == c["name"]) sides.insert(r["side"].get<std::string>());
    }
    CHECK(sides.size() == 2);
  }
}

TEST_CASE("the same-work check names a missing side, work that differs and a failed run") {
  std::vector<RunRecord> runs = {Run("a", "1", 10), Run("b", "1", 10), Run("a", "2", 10), Run("b", "2", 11),
                                 Run("a", "3", 10)};
  RunRecord failed = Run("b", "4", 10);
  failed.error = "boom";
  runs.push_back(failed);
  runs.push_back(Run("a", "4", 10));
  const auto problems = mmu::bench::CheckSameWork(runs, {"a", "b"}, "work");
  std::ostringstream all;
  for (const auto& p : problems) all << p << "\n";
  INFO(all.str());
  CHECK(problems.size() == 4);  // param 2 differs, 3 lacks b, 4's b failed (and so is missing)
  CHECK(all.str().find("2: work = 10 on side a but 11 on side b") != std::string::npos);
  CHECK(all.str().find("3: side b did not run") != std::string::npos);
  CHECK(all.str().find("boom") != std::string::npos);
  CHECK(mmu::bench::CheckSameWork({Run("a", "1", 5), Run("b", "1", 5)}, {"a", "b"}, "work").empty());
}
