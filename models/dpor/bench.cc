// bench: Relacy's search against the reduced search, model by model.
//
//   bazel run -c opt //models/dpor:bench [-- --quick]
//
// For every model and configuration, in one run and side by side: the
// correct core under Relacy's full search (or, where that does not end, the
// deepest context bound the main job used to run), and under the reduced
// search (--compare-outcomes, so the outcome sets are compared as well):
// executions, seconds, and the ratios. "+run": executions the reduced search
// runs but does not count (sleep-blocked, or cut at a failed loop iteration).
// Then the reduced search's counts (counted, and run) against GenMC's on C11
// ports of two scenarios (issue 13: GenMC 0.11, RC11, optimal DPOR). Times
// are printed, never asserted.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

// The reference search per model where Relacy's full search does not end in
// minutes (models/README.md): the bound the main job ran before the reduced
// search. --quick uses the default tests' bounds.
const std::map<std::string, std::pair<std::string, std::string>> kReference = {
    {"fastpf_wp", {"bound:5", "bound:3"}},
    {"zap_all", {"bound:3", "bound:2"}},
    {"mmio_gen", {"bound:6", "bound:4"}},
    {"split_hw_ad", {"full", "bound:4"}},
    {"zap_root", {"full", "bound:3"}},
    {"walk_free_2vcpu", {"bound:5", "bound:3"}},
};

// GenMC 0.11's execution graphs on C11 ports (issue 13), per configuration.
const std::map<std::string, std::uint64_t> kGenmc = {
    {"split-pnp clear=fast,cycles=1", 23},
    {"split-pnp clear=slow,cycles=1", 23},
    {"fastpf-wp start=(1,1,0),actor=wp", 388},
};

std::string Base(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Relacy's search against the reduced search (models/dpor), every model");
  bool quick = false;
  std::vector<std::string> binaries;
  app.add_flag("--quick", quick,
               "smaller references where Relacy's full search does not end (the default tests' bounds)");
  app.add_option("models", binaries, "model binaries (bazel run passes them all)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "bench: {}\n", e.what());
    return 2;
  }
  const char* tmp = std::getenv("TMPDIR");
  const std::string json = std::string(tmp != nullptr ? tmp : "/tmp") + "/mmu_dpor_bench.json";
  fmt::print("correct core, every configuration: Relacy's search and the reduced search, one after the other\n");
  fmt::print("{:<19} {:<32} {:<8} {:>11} {:>8} | {:>8} {:>8} {:>8} | {:>9} {:>8} | {}\n", "model", "config", "Relacy",
             "executions", "seconds", "reduced", "+run", "seconds", "exec/red", "time/red", "outcomes");
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> reduced;  // counted, run
  bool ok = true;
  for (const std::string& bin : binaries) {
    const std::string target = Base(bin);
    std::string reference = "full";
    if (const auto it = kReference.find(target); it != kReference.end()) {
      reference = quick ? it->second.second : it->second.first;
    }
    std::remove(json.c_str());
    const std::string cmd = bin + " --compare-outcomes " + reference + " --json " + json + " >/dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    nlohmann::json runs;
    try {
      runs = nlohmann::json::parse(std::ifstream(json));
    } catch (const std::exception&) {
      fmt::print("{:<19} no results (exit status {})\n", target, rc);
      ok = false;
      continue;
    }
    for (const nlohmann::json& r : runs) {
      const auto ref_n = r["reference_executions"].get<std::uint64_t>();
      const auto n = r["executions"].get<std::uint64_t>();
      const double ref_s = r["reference_seconds"].get<double>();
      const double s = r["seconds"].get<double>();
      std::string verdict = r["result"] == "passed"
                                ? (r["extra"].get<int>() == 0 ? "same" : fmt::format("+{}", r["extra"].get<int>()))
                                : "LOST";
      ok = ok && r["result"] == "passed";
      const std::uint64_t more = r["blocked"].get<std::uint64_t>() + r.value("discarded", std::uint64_t{0});
      fmt::print("{:<19} {:<32} {:<8} {:>11} {:>8.2f} | {:>8} {:>8} {:>8.2f} | {:>8.0f}x {:>7.0f}x | {} ({})\n",
                 r["scenario"].get<std::string>(), r["config"].get<std::string>().substr(0, 32), reference, ref_n,
                 ref_s, n, more, s, n > 0 ? static_cast<double>(ref_n) / n : 0.0, s > 0 ? ref_s / s : 0.0, verdict,
                 r["outcomes"].get<int>());
      reduced[r["scenario"].get<std::string>() + " " + r["config"].get<std::string>()] = {n, n + more};
    }
    std::fflush(stdout);
  }
  fmt::print("\nagainst GenMC 0.11 (C11 ports, RC11, optimal DPOR; issue 13), goal: within 10x\n");
  for (const auto& [key, genmc] : kGenmc) {
    const auto it = reduced.find(key);
    if (it == reduced.end()) continue;
    const auto [counted, run] = it->second;
    fmt::print("  {:<36} GenMC {:>5}  reduced {:>5} counted {:.1f}x, {:>5} run {:.1f}x\n", key, genmc, counted,
               static_cast<double>(counted) / static_cast<double>(genmc), run,
               static_cast<double>(run) / static_cast<double>(genmc));
  }
  return ok ? 0 : 1;
}
