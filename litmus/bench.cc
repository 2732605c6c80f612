// Per-test time of the LKMM engine next to the Relacy engine on the same
// tests, measured side by side in one run: for each file, the LKMM engine
// (best of --repeat runs) and one Relacy exploration (bounded by
// --relacy-timeout), then the ratio. Prints a table and, with --json, the
// numbers.
//
//   bazel run -c opt //litmus:bench -- litmus/*.litmus
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "litmus/compile.h"
#include "litmus/engines.h"
#include "litmus/lkmm.h"
#include "litmus/parser.h"

namespace litmus {
namespace {

int Main(int argc, char** argv) {
  std::vector<std::string> files;
  int repeat = 5;
  double relacy_timeout = 30;
  bool json = false;
  CLI::App app{"Times the LKMM engine and the Relacy engine on the same litmus tests, side by side."};
  app.add_option("files", files, "litmus files")->required();
  app.add_option("--repeat", repeat, "LKMM runs per test (the best is kept)")->check(CLI::Range(1, 1000));
  app.add_option("--relacy-timeout", relacy_timeout, "seconds before a Relacy exploration gives up")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_flag("--json", json, "print JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  nlohmann::json rows = nlohmann::json::array();
  size_t width = 4;
  for (const std::string& f : files) width = std::max(width, f.size());
  if (!json) {
    fmt::print("{:<{}}  {:>5}  {:>10}  {:>11}  {:>10}  {:>9}\n", "Test", width, "procs", "LKMM s", "candidates",
               "Relacy s", "Relacy/LKMM");
  }
  double lkmm_total = 0, relacy_total = 0;
  int gave_up = 0;
  for (const std::string& f : files) {
    std::ifstream in(f);
    if (!in && wd && !f.empty() && f[0] != '/') in.open(std::string(wd) + "/" + f);
    std::stringstream ss;
    ss << in.rdbuf();
    ParseResult pr = ParseLitmus(ss.str(), f);
    if (pr.error) {
      std::fprintf(stderr, "%s\n", pr.error->Format().c_str());
      return 2;
    }
    CompileResult cr = Compile(*pr.test);
    if (cr.error) {
      std::fprintf(stderr, "%s\n", cr.error->Format().c_str());
      return 2;
    }
    const Program& p = *cr.program;
    double best = 1e9;
    uint64_t candidates = 0;
    for (int i = 0; i < repeat; ++i) {
      LkmmResult r = RunLkmm(p, LkmmOptions{});
      if (r.error) {
        std::fprintf(stderr, "%s\n", r.error->Format().c_str());
        return 2;
      }
      best = std::min(best, r.seconds);
      candidates = r.candidates;
    }
    std::string relacy = "-", ratio = "-";
    nlohmann::json row = {{"file", f}, {"processes", p.threads.size()}, {"lkmm_seconds", best},
                          {"lkmm_candidates", candidates}};
    if (p.lkmm_only.empty() && p.threads.size() <= static_cast<size_t>(kMaxThreads)) {
      ModelOptions mo;
      mo.timeout_seconds = relacy_timeout;
      ModelResult m = RunModel(p, mo);
      if (m.timed_out) {
        relacy = fmt::format(">{:g}", relacy_timeout);
        ratio = fmt::format(">{:.0f}x", relacy_timeout / std::max(best, 1e-6));
        row["relacy_gave_up_after"] = relacy_timeout;
        ++gave_up;
        relacy_total += relacy_timeout;
      } else if (!m.error) {
        relacy = fmt::format("{:.4f}", m.seconds);
        ratio = fmt::format("{:.0f}x", m.seconds / std::max(best, 1e-6));
        row["relacy_seconds"] = m.seconds;
        row["relacy_iterations"] = m.iterations;
        relacy_total += m.seconds;
      }
    }
    lkmm_total += best;
    rows.push_back(row);
    if (!json) {
      fmt::print("{:<{}}  {:>5}  {:>10.4f}  {:>11}  {:>10}  {:>9}\n", f, width, p.threads.size(), best, candidates,
                 relacy, ratio);
      std::fflush(stdout);
    }
  }
  if (json) {
    std::cout << rows.dump(2) << "\n";
  } else {
    fmt::print("{} tests: LKMM {:.3f} s in all (best of {}), Relacy {:.1f} s in all ({} gave up after {:g} s)\n",
               files.size(), lkmm_total, repeat, relacy_total, gave_up, relacy_timeout);
  }
  return 0;
}

}  // namespace
}  // namespace litmus

int main(int argc, char** argv) { return litmus::Main(argc, argv); }
