// bazel run //stress:timing_bench -- [--seeds 5] [--budget 5] [--modes delays,pct:3] [--mutation M]... [--json FILE]
//
// Which timing mode finds the catalogue's bugs sooner: random delays
// (stress/timing.h) or PCT (stress/pct.h), side by side in one run. For
// every catalogue mutation that native stress can show on this host (x86
// visible, a scenario that shows it, not a livelock), and every mode, the
// stress binary runs once per seed with --stop-on-violation; the table gives
// the median number of rounds and the median time to the first violation
// over the seeds (a seed that misses within the budget counts as later than
// any catch, so the median is "missed" when half the seeds or more miss),
// how many seeds caught it, and which of the scenario's race windows the
// runs opened. Each run is a child process, so a stall or a crash is a cell.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mmu_core/mutations.h"
#include "stress/expectations.h"
#include "stress/options.h"
#include "stress/output_path.h"
#include "stress/registry.h"
#include "stress/report.h"
#include "stress/subprocess.h"

namespace stress {
namespace {

struct Mode {
  std::string label;               // "delays", "pct:3"
  std::vector<std::string> args;   // for the stress binary
};

struct Sample {
  bool caught = false;
  std::uint64_t rounds = 0;  // to the first violation, inclusive
  double seconds = 0;        // into the run
  std::string error;         // a run that did not end in a catch or a miss
  std::set<std::string> windows;  // opened (inside) in this run
  std::size_t total_windows = 0;  // the scenario's
};

struct Cell {
  std::vector<Sample> samples;
  int caught() const {
    return static_cast<int>(std::count_if(samples.begin(), samples.end(), [](const Sample& s) { return s.caught; }));
  }
  // Median with misses sorted last; nullopt when the median is a miss.
  template <class F>
  std::optional<double> Median(F value) const {
    std::vector<double> v;
    for (const Sample& s : samples) v.push_back(s.caught ? value(s) : 1e300);
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    const double m = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    if (m >= 1e299) return std::nullopt;
    return m;
  }
  std::size_t TotalWindows() const {
    std::size_t n = 0;
    for (const Sample& s : samples) n = std::max(n, s.total_windows);
    return n;
  }
  std::set<std::string> Windows() const {
    std::set<std::string> all;
    for (const Sample& s : samples) all.insert(s.windows.begin(), s.windows.end());
    return all;
  }
};

std::optional<nlohmann::json> ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Sample RunOnce(const std::string& stress, const ScenarioInfo& s, mmu::Mutation m, const Mode& mode,
               std::uint64_t seed, double budget) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string base = dir != nullptr ? dir : std::filesystem::temp_directory_path().string();
  const std::string json = fmt::format("{}/timing_bench_{}.json", base, getpid());
  std::filesystem::remove(json);
  std::vector<std::string> argv = {stress,      "--scenario", s.name, "--mutation", std::string(mmu::Describe(m).name),
                                   "--seconds", fmt::format("{:g}", budget), "--seed", std::to_string(seed),
                                   "--stop-on-violation", "--quiet", "--json", json};
  argv.insert(argv.end(), mode.args.begin(), mode.args.end());
  const ChildResult r = RunChild(argv, {}, budget * 4 + 60);
  Sample out;
  const std::optional<nlohmann::json> j = ReadJson(json);
  std::filesystem::remove(json);
  if (r.timed_out || r.signaled || !j || !j->is_array() || j->empty() || (r.exit_code != 0 && r.exit_code != 1)) {
    out.error = r.Describe();
    return out;
  }
  const nlohmann::json& run = j->back();
  if (run.contains("windows") && run["windows"].is_array()) {
    out.total_windows = run["windows"].size();
    for (const nlohmann::json& w : run["windows"]) {
      if (w.value("inside", std::uint64_t{0}) > 0) out.windows.insert(w.value("name", ""));
    }
  }
  const nlohmann::json& f = run["first_violation"];
  if (r.exit_code == 1 && f.is_object()) {
    out.caught = true;
    out.rounds = f.value("round", std::uint64_t{0}) + 1;
    out.seconds = f.value("seconds", 0.0);
  }
  return out;
}

std::string Rounds(std::optional<double> v) { return v ? Count(static_cast<std::uint64_t>(*v + 0.5)) : "missed"; }
std::string Secs(std::optional<double> v) { return v ? fmt::format("{:.4f}", *v) : "-"; }

int Main(int argc, char** argv) {
  std::string stress;
  int seeds = 5;
  double budget = 5;
  std::string modes_text = "delays,pct:3";
  std::vector<std::string> only;
  std::string json_out;
  CLI::App app{"Rounds and time to the first violation of each catalogue twin, per timing mode, over several seeds.",
               "timing_bench"};
  app.add_option("--stress", stress, "the native stress binary")->required();
  app.add_option("--seeds", seeds, "seeds per twin and mode (default 5)");
  app.add_option("--budget", budget, "seconds per run before it counts as a miss (default 5)");
  app.add_option("--modes", modes_text,
                 "timing modes, comma-separated: delays, pct:D, mixed:D (default delays,pct:3)");
  app.add_option("--mutation", only, "only these mutations (repeatable)");
  app.add_option("--json", json_out, "also write the results as JSON to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "timing_bench: " << e.what() << "\n";
    return 2;
  }
  if (seeds < 1 || seeds > 1000) {
    std::cerr << fmt::format("timing_bench: --seeds {} is not a seed count (1 to 1000)\n", seeds);
    return 2;
  }
  if (!(budget > 0 && budget <= kMaxSeconds)) {
    std::cerr << fmt::format("timing_bench: --budget {:g} is not a duration in seconds (0, {:g}]\n", budget, kMaxSeconds);
    return 2;
  }
  if (access(stress.c_str(), X_OK) != 0) {
    std::cerr << "timing_bench: cannot execute " << stress << "\n";
    return 2;
  }
  if (!json_out.empty()) {
    if (const std::string bad = CheckOutputPath("--json", json_out); !bad.empty()) {
      std::cerr << "timing_bench: " << bad << "\n";
      return 2;
    }
  }
  std::vector<Mode> modes;
  {
    std::istringstream in(modes_text);
    std::string m;
    while (std::getline(in, m, ',')) {
      if (m == "delays") {
        modes.push_back(Mode{"delays", {"--timing", "delays"}});
      } else if (m.rfind("mixed:", 0) == 0 && m.size() == 7 && m[6] >= '1' && m[6] <= '8') {
        modes.push_back(Mode{m, {"--timing", "mixed", "--pct-depth", m.substr(6)}});
      } else if (m.rfind("pct:", 0) == 0 && m.size() == 5 && m[4] >= '1' && m[4] <= '8') {
        modes.push_back(Mode{m, {"--timing", "pct", "--pct-depth", m.substr(4)}});
      } else {
        std::cerr << fmt::format("timing_bench: --modes: '{}' is not a mode (delays, pct:D or mixed:D with D in 1..8)\n", m);
        return 2;
      }
    }
    if (modes.empty()) {
      std::cerr << "timing_bench: --modes names no mode\n";
      return 2;
    }
  }
  std::vector<mmu::Mutation> wanted;
  for (const std::string& name : only) {
    const std::optional<mmu::Mutation> m = mmu::MutationFromName(name);
    if (!m) {
      std::cerr << fmt::format("timing_bench: unknown mutation '{}'\n", name);
      return 2;
    }
    wanted.push_back(*m);
  }
  if (wanted.empty()) {
    for (const mmu::MutationInfo& i : mmu::kMutations) wanted.push_back(i.id);
  }

  struct Row {
    mmu::Mutation m;
    const ScenarioInfo* s;
    std::vector<Cell> cells;  // per mode
  };
  std::vector<Row> rows;
  const bool terminal = isatty(STDERR_FILENO) != 0;
  for (mmu::Mutation m : wanted) {
    const MutationExpectation x = ExpectationFor(m);
    if (!x.x86_visible) continue;                       // TSO: no native run can show it
    if (x.why.find("livelock") != std::string::npos) continue;  // a stall, not a violation
    const ScenarioInfo* s = nullptr;
    for (const ScenarioEntry& e : Scenarios()) {
      if (e.info.Shows(m)) {
        s = &e.info;
        break;
      }
    }
    if (s == nullptr) continue;
    Row row{m, s, std::vector<Cell>(modes.size())};
    for (std::size_t k = 0; k < modes.size(); ++k) {
      for (int seed = 1; seed <= seeds; ++seed) {
        if (terminal) {
          std::fprintf(stderr, "\r\033[K  %s %s seed %d", std::string(mmu::Describe(m).name).c_str(),
                       modes[k].label.c_str(), seed);
        }
        row.cells[k].samples.push_back(RunOnce(stress, *s, m, modes[k], static_cast<std::uint64_t>(seed), budget));
      }
    }
    if (terminal) std::fprintf(stderr, "\r\033[K");
    std::string line = fmt::format("  {}:", mmu::Describe(m).name);
    for (std::size_t k = 0; k < modes.size(); ++k) {
      line += fmt::format(" {} {} rounds;", modes[k].label, Rounds(row.cells[k].Median([](const Sample& x) {
                                                                   return static_cast<double>(x.rounds);
                                                                 })));
    }
    std::fprintf(stderr, "%s\n", line.c_str());
    rows.push_back(std::move(row));
  }

  // The table: per mode, median rounds, median seconds, seeds that caught,
  // windows opened (of the scenario's).
  std::vector<std::string> head = {"mutation", "scenario"};
  for (const Mode& mo : modes) {
    head.push_back(mo.label + " rounds");
    head.push_back(mo.label + " s");
    head.push_back(mo.label + " caught");
    head.push_back(mo.label + " windows");
  }
  std::vector<std::vector<std::string>> cells;
  std::vector<int> wins(modes.size(), 0);
  std::vector<int> all_caught(modes.size(), 0);
  std::vector<double> log_rounds(modes.size(), 0);
  std::vector<double> log_seconds(modes.size(), 0);
  int compared = 0;
  for (const Row& r : rows) {
    std::vector<std::string> line = {std::string(mmu::Describe(r.m).name), r.s->name};
    std::optional<double> best;
    std::vector<std::optional<double>> med(modes.size());
    for (std::size_t k = 0; k < modes.size(); ++k) {
      const Cell& c = r.cells[k];
      med[k] = c.Median([](const Sample& x) { return x.seconds; });
      const std::optional<double> rounds = c.Median([](const Sample& x) { return static_cast<double>(x.rounds); });
      line.push_back(Rounds(rounds));
      line.push_back(Secs(med[k]));
      std::string caught = fmt::format("{}/{}", c.caught(), c.samples.size());
      for (const Sample& x : c.samples) {
        if (!x.error.empty()) caught += " (error: " + x.error + ")";
      }
      line.push_back(caught);
      line.push_back(fmt::format("{}/{}", c.Windows().size(), c.TotalWindows()));
      if (c.caught() == static_cast<int>(c.samples.size())) ++all_caught[k];
      if (med[k] && (!best || *med[k] < *best)) best = med[k];
    }
    bool every = true;
    for (std::size_t k = 0; k < modes.size(); ++k) {
      if (med[k] && best && *med[k] == *best) ++wins[k];
      const std::optional<double> rounds =
          r.cells[k].Median([](const Sample& x) { return static_cast<double>(x.rounds); });
      every = every && rounds.has_value();
    }
    if (every) {
      ++compared;
      for (std::size_t k = 0; k < modes.size(); ++k) {
        log_rounds[k] += std::log(r.cells[k].Median([](const Sample& x) { return static_cast<double>(x.rounds); }).value());
        // Times under 0.1 ms are counted as 0.1 ms (the clock and the start-up dominate there).
        log_seconds[k] += std::log(std::max(1e-4, r.cells[k].Median([](const Sample& x) { return x.seconds; }).value()));
      }
    }
    cells.push_back(std::move(line));
  }
  std::vector<std::size_t> w(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    w[c] = head[c].size();
    for (const auto& row : cells) w[c] = std::max(w[c], row[c].size());
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string out = "|";
    for (std::size_t c = 0; c < row.size(); ++c) out += fmt::format(" {:<{}} |", row[c], w[c]);
    std::cout << out << "\n";
  };
  std::cout << fmt::format("{} seeds per twin and mode, {:g} s budget per run, --stop-on-violation\n\n", seeds, budget);
  print(head);
  std::string rule = "|";
  for (std::size_t c = 0; c < head.size(); ++c) rule += std::string(w[c] + 2, '-') + "|";
  std::cout << rule << "\n";
  for (const auto& row : cells) print(row);
  std::cout << "\n";
  for (std::size_t k = 0; k < modes.size(); ++k) {
    std::cout << fmt::format("{:<8} caught by every seed: {} of {} twins; fastest median time on {} twins", modes[k].label,
                             all_caught[k], rows.size(), wins[k]);
    if (compared > 0) {
      std::cout << fmt::format(
          "; over the {} twins every mode caught, geometric means of the median rounds {:.1f} and of the median time "
          "{:.2f} ms",
          compared, std::exp(log_rounds[k] / compared), 1000 * std::exp(log_seconds[k] / compared));
    }
    std::cout << "\n";
  }
  if (!json_out.empty()) {
    nlohmann::json j = nlohmann::json::array();
    for (const Row& r : rows) {
      nlohmann::json row = {{"mutation", mmu::Describe(r.m).name}, {"scenario", r.s->name}};
      for (std::size_t k = 0; k < modes.size(); ++k) {
        nlohmann::json samples = nlohmann::json::array();
        for (const Sample& x : r.cells[k].samples) {
          samples.push_back({{"caught", x.caught}, {"rounds", x.rounds}, {"seconds", x.seconds}, {"error", x.error},
                             {"windows", x.windows}});
        }
        row[modes[k].label] = samples;
      }
      j.push_back(row);
    }
    std::ofstream out(UserPath(json_out));
    out << j.dump(2) << "\n";
    if (!out) {
      std::cerr << "timing_bench: cannot write " << json_out << "\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace
}  // namespace stress

int main(int argc, char** argv) { return stress::Main(argc, argv); }
