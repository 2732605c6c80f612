// bench/run.cc: drive Google Benchmark group by group and report.
#include "bench/run.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "bench/plot.h"

namespace mmu::bench {
namespace {

using json = nlohmann::json;

// Collects every repetition's run; Google Benchmark's own aggregates are
// left out (the comparisons take medians themselves).
class Collector : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& context) override {
    const benchmark::CPUInfo& cpu = context.cpu_info;
    machine_ = json{{"cpus", cpu.num_cpus},
                    {"mhz", cpu.cycles_per_second / 1e6},
                    {"load_avg", cpu.load_avg},
                    {"cpu_scaling", cpu.scaling == benchmark::CPUInfo::ENABLED ? "enabled"
                                    : cpu.scaling == benchmark::CPUInfo::DISABLED ? "disabled"
                                                                                  : "unknown"}};
    return true;
  }
  void ReportRuns(const std::vector<Run>& report) override {
    for (const Run& run : report) {
      if (run.run_type != Run::RT_Iteration) continue;
      RunRecord r;
      const std::string& fn = run.run_name.function_name;
      const std::size_t slash = fn.find('/');
      r.comparison = fn.substr(0, slash);
      r.side = slash == std::string::npos ? "" : fn.substr(slash + 1);
      r.param = run.run_name.args;
      r.threads = static_cast<int>(run.threads);
      r.iterations = run.iterations;
      r.seconds = run.real_accumulated_time;
      for (const auto& [k, c] : run.counters) r.counters[k] = c.value;
      if (run.error_occurred) r.error = run.error_message.empty() ? "skipped with an error" : run.error_message;
      runs_.push_back(std::move(r));
    }
  }
  std::vector<RunRecord>& runs() { return runs_; }
  const json& machine() const { return machine_; }

 private:
  std::vector<RunRecord> runs_;
  json machine_;
};

void InitializeBenchmarkOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Repetitions of the two sides of a group run in random order, so a
    // slow spell of the machine falls on both sides.
    static char arg0[] = "bench";
    static char arg1[] = "--benchmark_enable_random_interleaving=true";
    static char* argv[] = {arg0, arg1, nullptr};
    int argc = 2;
    benchmark::Initialize(&argc, argv);
  });
}

json RunToJson(const RunRecord& r) {
  json j{{"comparison", r.comparison}, {"side", r.side},          {"param", r.param},
         {"threads", r.threads},       {"iterations", r.iterations}, {"seconds", r.seconds},
         {"counters", r.counters}};
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

std::string Now() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::uint64_t MemAvailable() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

int RunAll(const RunOptions& o, std::ostream& out, json* results) {
  InitializeBenchmarkOnce();
  const auto start = std::chrono::steady_clock::now();
#if defined(__OPTIMIZE__) && defined(NDEBUG)
  const bool optimized = true;
#else
  const bool optimized = false;
#endif
  std::vector<Comparison> all = AllComparisons();
  std::vector<Comparison> chosen;
  for (Comparison& c : all) {
    if (o.only.empty() || std::find(o.only.begin(), o.only.end(), c.name) != o.only.end()) chosen.push_back(std::move(c));
  }
  out << fmt::format("bench: {} comparison(s), sizes up to {} pages{}; memory available {:.1f} GiB\n", chosen.size(),
                     o.max_pages, o.smoke ? " (smoke: tiny sizes)" : "",
                     static_cast<double>(o.mem_available) / (1ull << 30));
  if (!optimized) out << "bench: built without -c opt: the times below say little (bazel run -c opt //bench:all)\n";
  out.flush();

  Collector collector;
  json comparisons = json::array();
  json runs = json::array();
  int problems = 0;
  std::vector<std::string> verdicts;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const Comparison& c = chosen[i];
    const auto t0 = std::chrono::steady_clock::now();
    out << fmt::format("[{}/{}] {}: {}\n", i + 1, chosen.size(), c.name, c.title);
    out.flush();
    std::vector<std::string> notes;
    const std::vector<Group> groups = c.groups(o, notes);
    collector.runs().clear();
    for (const Group& g : groups) {
      const auto tg = std::chrono::steady_clock::now();
      const std::size_t before = collector.runs().size();
      benchmark::ClearRegisteredBenchmarks();
      g.register_cases();
      benchmark::RunSpecifiedBenchmarks(&collector);
      out << fmt::format("      {:<22} {:>3} runs {:>7.1f} s\n", g.label, collector.runs().size() - before, Since(tg));
      out.flush();
    }
    benchmark::ClearRegisteredBenchmarks();
    Summary s = c.summarize(collector.runs(), o);
    for (const std::string& n : notes) s.notes.push_back(n);
    for (const std::string& line : s.table) out << "      " << line << "\n";
    for (const std::string& n : s.notes) out << "      note: " << n << "\n";
    for (const std::string& p : s.problems) out << "      PROBLEM: " << p << "\n";
    const double secs = Since(t0);
    out << fmt::format("      => {} (goal: {}: {}) [{:.1f} s]\n", s.headline, c.goal, s.goal_verdict, secs);
    out.flush();
    problems += static_cast<int>(s.problems.size());
    verdicts.push_back(fmt::format("  {:<11} {:<14} {}", c.name, s.goal_verdict, s.headline));
    comparisons.push_back(json{{"name", c.name},       {"title", c.title},
                               {"measure", c.measure}, {"goal", c.goal},
                               {"trick", c.trick},     {"before", c.before},
                               {"rows", s.rows},       {"table", s.table},
                               {"headline", s.headline}, {"goal_verdict", s.goal_verdict},
                               {"problems", s.problems}, {"notes", s.notes},
                               {"seconds", secs}});
    for (const RunRecord& r : collector.runs()) runs.push_back(RunToJson(r));
  }

  json res{{"tool", "bench:all"},
           {"date", Now()},
           {"command", o.command},
           {"optimized", optimized},
           {"smoke", o.smoke},
           {"max_pages", o.max_pages},
           {"machine", collector.machine()},
           {"comparisons", comparisons},
           {"runs", runs}};
  res["machine"]["mem_available_bytes"] = o.mem_available;
  res["seconds"] = Since(start);
  int rc = problems > 0 ? 1 : 0;

  out << "summary (goal verdict, answer):\n";
  for (const std::string& v : verdicts) out << v << "\n";
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path);
    f << res.dump(2) << "\n";
    if (!f) {
      out << "bench: cannot write " << o.json_path << "\n";
      rc = 1;
    } else {
      out << "JSON: " << o.json_path << "\n";
    }
  }
  if (!o.plot_dir.empty()) {
    std::string error;
    const std::vector<std::string> plots = WritePlots(res, o.plot_dir, &error);
    for (const std::string& p : plots) out << "plot: " << p << "\n";
    if (!error.empty()) {
      out << "bench: plots not written: " << error << "\n";
      rc = 1;
    }
  }
  out << fmt::format("bench: {} comparison(s), {} problem(s), {:.0f} s\n", chosen.size(), problems, Since(start));
  if (results != nullptr) *results = std::move(res);
  return rc;
}

}  // namespace mmu::bench
