// bench/comparisons.h: the five comparisons of issue 16, each a claim of a
// lockless protocol checked on the real core against what the kernel did
// before it (baselines.h), both sides in one process.
//
// A comparison registers Google Benchmark cases in groups (one group runs
// both sides, repetitions interleaved, before the next group starts), then
// turns the runs into rows, ratios and a verdict. Nothing asserts a time;
// what is checked is that both sides ran and did the same work.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mmu::bench {

struct Options {
  bool smoke = false;           // tiny sizes and short runs: both sides ran, same work
  std::uint64_t max_pages = 1000000;
  std::uint64_t mem_available = 0;  // bytes; sizes that do not fit are skipped (0: no limit)
};

// One Google Benchmark run (one repetition of one case).
struct RunRecord {
  std::string comparison;  // "zap-all"
  std::string side;        // "lock-break"
  std::string param;       // the case's argument, as registered ("1000")
  int threads = 1;
  std::int64_t iterations = 0;
  double seconds = 0;  // measured time of the whole run (manual or real), per thread
  std::map<std::string, double> counters;
  std::string error;  // set when the case skipped with an error
};

struct Group {
  std::string label;                      // progress text: "1000000 pages"
  std::function<void()> register_cases;   // benchmark::RegisterBenchmark(...)
};

struct Summary {
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::string> table;  // lines of a readable table
  std::string headline;            // the comparison's answer in one line
  std::string goal_verdict;        // "met", "not met", "reported"
  std::vector<std::string> problems;  // a side missing, different work, an error
  std::vector<std::string> notes;     // sizes skipped and why
};

struct Comparison {
  std::string name;    // "zap-all"
  std::string title;   // "lock-break zap-all"
  std::string measure;
  std::string goal;
  std::string trick;   // the kernel code the core side stands for
  std::string before;  // the kernel code the baseline side stands for
  std::function<std::vector<Group>(const Options&, std::vector<std::string>& notes)> groups;
  std::function<Summary(const std::vector<RunRecord>&, const Options&)> summarize;
};

std::vector<Comparison> AllComparisons();

// Medians over repetitions: runs of (side, param, threads).
std::vector<const RunRecord*> Select(const std::vector<RunRecord>& runs, const std::string& side,
                                     const std::string& param, int threads = 0);
double Median(std::vector<double> v);

// "work differs" problems: every side of every param must report the same
// value of counter `work` (and at least one run each side).
std::vector<std::string> CheckSameWork(const std::vector<RunRecord>& runs, const std::vector<std::string>& sides,
                                       const std::string& work);

}  // namespace mmu::bench
