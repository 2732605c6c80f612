// bench: how fast the models search, and what the mmu_core facade costs.
//
//   bazel run -c opt //models:bench [-- --repeat N --skip-models]
//
// 1. Every model's correct search (its declared search, each configuration),
//    run as its own binary: interleavings explored per second.
// 2. The facade's cost: split-pnp as a hand-written raw Relacy model
//    (raw_split_pnp.h) against the same scenario through the facade, side by
//    side in this process, with Relacy's own full-search scheduler: the
//    facade without a StepHook, the facade with the step recorder the models
//    install, and the model exactly as //models:split_pnp runs it
//    (SplitSearch + recorder). Best of --repeat runs; the target for the
//    model's ratio to the raw model is 1.5x or less.
// Times are printed, never asserted.
#include "models/bench/raw_split_pnp.h"  // first: relacy.hpp
#include "models/relacy_model.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mmu::models::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Timed {
  std::uint64_t executions = 0;
  double seconds = std::numeric_limits<double>::infinity();
  bool ok = true;
};

// Best of `repeat` runs of one Relacy suite with Relacy's full-search scheduler.
template <class Suite>
Timed TimeRelacy(int repeat, StepHook* hook) {
  static relacy::FixedStreamBuf out_buf(1 << 20);
  static relacy::NullStreamBuf null_buf;
  Timed best;
  for (int i = 0; i < repeat; ++i) {
    out_buf.Clear();
    std::ostream out(&out_buf);
    std::ostream null(&null_buf);
    rl::test_params p;
    p.search_type = rl::sched_full;
    p.output_stream = &out;
    p.progress_stream = &null;
    SetStepHook(hook);
    const auto t0 = Clock::now();
    const rl::test_result_e r = rl::run_test<Suite, rl::full_search_scheduler<Suite::params::thread_count>>(p, out, false);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    SetStepHook(nullptr);
    best.ok = best.ok && r == rl::test_result_success;
    best.executions = p.stop_iteration;
    best.seconds = std::min(best.seconds, s);
  }
  return best;
}

const ScenarioInfo& SplitPnpInfo() {
  static const ScenarioInfo info = DescribeScenario<scenarios::SplitPnp>();
  return info;
}

// Best of `repeat` runs of the model's own path (SplitSearch + recorder).
Timed TimeModel(int config, int repeat) {
  Timed best;
  for (int i = 0; i < repeat; ++i) {
    RunRequest r;
    r.config = config;
    r.search = Search{Search::Kind::kFull, 0};
    const RunOutcome o = RunScenario<scenarios::SplitPnp>(SplitPnpInfo(), r);
    best.ok = best.ok && !o.found;
    best.executions = o.iterations;
    best.seconds = std::min(best.seconds, o.seconds);
  }
  return best;
}

Timed Best(const Timed& a, const Timed& b) {
  Timed t;
  t.executions = b.executions;
  t.seconds = std::min(a.seconds, b.seconds);
  t.ok = a.ok && b.ok;
  return t;
}

std::string Cell(const Timed& t) {
  return fmt::format("{:>9} in {:.3f} s ({:>7.0f}/s){}", t.executions, t.seconds,
                     static_cast<double>(t.executions) / t.seconds, t.ok ? "" : " FAILED");
}

bool FacadeCost(int repeat) {
  fmt::print("\nfacade cost: split-pnp, full search, best of {} rounds (each round runs the four side by side)\n",
             repeat);
  fmt::print("{:<20} {:<36} {:<36} {:<36} {:<36}\n", "config", "raw Relacy model", "facade, no StepHook",
             "facade + step recorder", "model as run (SplitSearch)");
  double worst = 0;
  bool same = true;
  for (int config = 0; config < static_cast<int>(SplitPnpInfo().configs.size()); ++config) {
    RawSplitPnp::slow_clear = config == 1;
    RoundInput<scenarios::SplitPnp>::config = ConfigOf<scenarios::SplitPnp>(SplitPnpInfo(), config);
    RoundInput<scenarios::SplitPnp>::mutations = Mutations();
    // Rounds of the four, one run each, so that load from elsewhere on the
    // machine falls on all four alike; the best of each counts.
    Timed raw, bare, recorded, model;
    for (int i = 0; i < repeat; ++i) {
      raw = Best(raw, TimeRelacy<RawSplitPnp>(1, nullptr));
      bare = Best(bare, TimeRelacy<Round<scenarios::SplitPnp>>(1, nullptr));
      recorded = Best(recorded, TimeRelacy<Round<scenarios::SplitPnp>>(1, &g_run.recorder));
      model = Best(model, TimeModel(config, 1));
    }
    same = same && raw.executions == bare.executions && bare.executions == recorded.executions &&
           recorded.executions == model.executions;
    fmt::print("{:<20} {:<36} {:<36} {:<36} {:<36}\n",
               SplitPnpInfo().configs[static_cast<std::size_t>(config)].substr(0, 20), Cell(raw),
               Cell(bare), Cell(recorded), Cell(model));
    fmt::print("{:<20} ratio to raw: facade {:.2f}x, + recorder {:.2f}x, model as run {:.2f}x\n", "",
               bare.seconds / raw.seconds, recorded.seconds / raw.seconds, model.seconds / raw.seconds);
    worst = std::max(worst, model.seconds / raw.seconds);
  }
  fmt::print("same interleavings in all four: {}\n", same ? "yes" : "NO (raw_split_pnp.h no longer mirrors the core)");
  fmt::print("model as run vs raw, worst configuration: {:.2f}x (target <= 1.5x)\n", worst);
  return same;
}

// Runs each model binary's correct search and prints interleavings/s.
void Models(const std::vector<std::string>& binaries) {
  fmt::print("models: correct core, declared search\n");
  fmt::print("{:<20} {:<36} {:<10} {:>14} {:>9} {:>15}\n", "model", "config", "search", "interleavings", "seconds",
             "interleavings/s");
  const char* tmp = std::getenv("TMPDIR");
  const std::string json = std::string(tmp != nullptr ? tmp : "/tmp") + "/mmu_bench_model.json";
  for (const std::string& bin : binaries) {
    const std::string cmd = bin + " --variant none --no-history --json " + json + " >/dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    nlohmann::json runs;
    try {
      runs = nlohmann::json::parse(std::ifstream(json));
    } catch (const std::exception&) {
      fmt::print("{:<20} no results (exit status {})\n", bin, rc);
      continue;
    }
    for (const nlohmann::json& r : runs) {
      const double s = r["seconds"].get<double>();
      const auto n = r["iterations"].get<std::uint64_t>();
      fmt::print("{:<20} {:<36} {:<10} {:>14} {:>9.2f} {:>15.0f}{}\n", r["scenario"].get<std::string>(),
                 r["config"].get<std::string>(), r["search"].get<std::string>(), n, s,
                 s > 0 ? static_cast<double>(n) / s : 0.0, r["result"] == "passed" ? "" : "  FAILED");
    }
  }
}

}  // namespace
}  // namespace mmu::models::bench

int main(int argc, char** argv) {
  CLI::App app("Relacy models: interleavings/s per model, and the facade's cost against a raw Relacy model");
  int repeat = 7;
  bool skip_models = false;
  std::vector<std::string> binaries;
  app.add_option("--repeat", repeat, "runs per measurement (the best counts)")->check(CLI::Range(1, 100));
  app.add_flag("--skip-models", skip_models, "only the facade comparison");
  app.add_option("models", binaries, "model binaries (bazel run passes them all)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "bench: {}\n", e.what());
    return 2;
  }
#if !defined(NDEBUG) || !defined(__OPTIMIZE__)
  fmt::print("note: built without -c opt; run `bazel run -c opt //models:bench` for figures to quote\n");
#endif
  if (!skip_models) mmu::models::bench::Models(binaries);
  return mmu::models::bench::FacadeCost(repeat) ? 0 : 1;
}
