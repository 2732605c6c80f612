// stress/options.cc: command-line parsing and checking for the stress driver.
#include "stress/options.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <cmath>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "mmu_core/mutations.h"
#include "stress/output_path.h"
#include "stress/pct.h"
#include "stress/report.h"

namespace stress {
namespace {

std::string Catalogue() {
  std::string out;
  for (const mmu::MutationInfo& m : mmu::kMutations) out += (out.empty() ? "" : " ") + std::string(m.name);
  return out;
}

std::string ScenarioNames() {
  std::string out;
  for (const ScenarioEntry& e : Scenarios()) out += (out.empty() ? "" : ", ") + e.info.name;
  return out;
}

std::string MutationNames(const std::vector<mmu::Mutation>& ms) {
  std::string out;
  for (mmu::Mutation m : ms) out += (out.empty() ? "" : ", ") + std::string(mmu::Describe(m).name);
  return out.empty() ? "none" : out;
}

std::string Quote(const std::string& s) {
  if (s.find_first_of(" \t'\"$\\") == std::string::npos && !s.empty()) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Command(const ScenarioInfo& s, const Options& o, const RunSpec& spec) {
  const bool tsan = std::string_view(EngineName()) == "native+tsan";
  std::string c = fmt::format("bazel run //stress:{} -- --scenario {}", tsan ? "stress_tsan" : "stress", s.name);
  if (!spec.mutations.Empty()) c += " --mutation " + spec.mutations.ToString();
  if (o.config != "all") c += " --config " + Quote(o.config);
  if (spec.copies != 1) c += fmt::format(" --threads {}", spec.copies * s.threads);
  if (spec.seconds > 0) c += fmt::format(" --seconds {:g}", spec.seconds);
  if (spec.rounds > 0) c += fmt::format(" --ops {}", spec.rounds);
  c += fmt::format(" --seed {}", spec.seed);
  if (spec.timing != kDefaultTiming) c += fmt::format(" --timing {}", TimingName(spec.timing));
  if (UsesDelays(spec.timing) && spec.max_delay_ns != kDefaultMaxDelayNs) {
    c += fmt::format(" --max-delay-ns {}", spec.max_delay_ns);
  }
  if (UsesPct(spec.timing) && spec.pct_depth != kDefaultPctDepth) c += fmt::format(" --pct-depth {}", spec.pct_depth);
  if (spec.stop_on_violation) c += " --stop-on-violation";
  if (!spec.pin) c += " --no-pin";
  if (spec.stall_seconds > 0) c += fmt::format(" --stall-seconds {:g}", spec.stall_seconds);
  if (spec.min_window_hits > 0) c += fmt::format(" --min-window-hits {}", spec.min_window_hits);
  return c;
}

// Unsigned options: CLI11 would wrap "-1" to 2^64-1; refuse the sign instead.
CLI::Validator NotNegative() {
  return CLI::Validator(
      [](std::string& text) {
        return text.find('-') == std::string::npos ? std::string()
                                                   : "'" + text + "' is negative: give a whole number >= 0";
      },
      "", "not negative");
}

}  // namespace

ParseOutcome ParseCommandLine(int argc, const char* const* argv) {
  Options o;
  CLI::App app{
      "Stress the shadow-MMU core on real threads: run rounds of a scenario with its CPUs released together,\n"
      "random delays between steps, and the scenario's invariant checked in every round.\n"
      "Exit status: 0 no violation, 1 invariant violated, 2 bad input, 3 a round stalled (livelock or deadlock),\n"
      "4 a race window opened in fewer rounds than --min-window-hits, 130 interrupted.",
      "stress"};
  app.add_option("--scenario", o.scenario, "scenario name (see --list), or 'all'");
  app.add_option("--mutation", o.mutation, "catalogue mutation to inject (e.g. M2.4), or 'none'");
  app.add_option("--config", o.config, "member of the family: an index, key=value pairs, or 'all' (rotated)");
  app.add_option("--threads", o.threads, "worker threads: a multiple of the scenario's CPUs (copies run side by side)")
      ->check(
          [](const std::string& text) {
            // CLI11 clamps an out-of-range integer; name what was typed instead.
            long long n = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (ec == std::errc::result_out_of_range) {
              return fmt::format("{} is not a thread count (1 to {})", text, kMaxThreads);
            }
            return std::string();
          },
          "THREADS");
  app.add_option("--seconds", o.seconds, fmt::format("time budget (default {:g} s when --ops is not given)",
                                                     kDefaultSeconds));
  app.add_option("--ops", o.ops, "round budget (with --seconds: whichever ends first)");
  app.add_option("--seed", o.seed, "seed of the delay generators (default: a fresh one, printed)")
      ->check(NotNegative());
  app.add_option("--timing", o.timing,
                 fmt::format("how rounds are timed: 'delays' (random delays between steps), 'pct' (PCT priorities "
                             "and change points) or 'mixed' (delays and PCT in alternate rounds); default {}",
                             TimingName(kDefaultTiming)));
  app.add_option("--max-delay-ns", o.max_delay_ns,
                 fmt::format("delays, mixed: longest random delay before a step, 0 = none (default {})", kDefaultMaxDelayNs))
      ->check(NotNegative());
  app.add_option("--pct-depth", o.pct_depth,
                 fmt::format("pct, mixed: the bug depth d: d-1 priority change points per round (1 to {}, default {})",
                             PctRound::kMaxDepth, kDefaultPctDepth));
  app.add_flag("--stop-on-violation", o.stop_on_violation, "end the run at the first violating round");
  app.add_flag("--no-pin", o.no_pin, "let the scheduler place the workers (default: one per core, round robin)");
  app.add_option("--stall-seconds", o.stall_seconds,
                 "stall limit: a round with no progress for this long ends the run, exit 3 (default: derived from "
                 "the run's slowest rounds, at least 3 s)");
  app.add_option("--min-window-hits", o.min_window_hits,
                 "fail (exit 4) when a race window of the scenario opened in fewer than N rounds (default: a "
                 "window that never opened is a warning)");
  app.add_option("--json", o.json, "write the results as JSON to this file");
  app.add_option("--interleaving-out", o.interleaving_out,
                 "write the first violating round as an interleaving file (for replay)");
  app.add_flag("--list", o.list, "list scenarios, their configurations and the mutations each shows");
  app.add_flag("--quiet", o.quiet, "no progress line on the terminal");

  ParseOutcome out;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out.message = app.help();
    out.exit_code = 0;
    return out;
  } catch (const CLI::ParseError& e) {
    out.message = fmt::format("stress: {}\nRun with --help for the options, --list for the scenarios.", e.what());
    out.exit_code = 2;
    return out;
  }
  if (!o.list && o.scenario.empty()) {
    out.message = "stress: --scenario is required (one of: " + ScenarioNames() + ", or all); see --list";
    out.exit_code = 2;
    return out;
  }
  out.options = o;
  return out;
}

Plan MakePlan(const Options& o, std::uint64_t default_seed) {
  Plan plan;
  auto fail = [&](std::string msg) {
    plan.error = "stress: " + std::move(msg);
    plan.runs.clear();
    return plan;
  };

  if (o.seconds.has_value() && !(std::isfinite(*o.seconds) && *o.seconds > 0 && *o.seconds <= kMaxSeconds)) {
    return fail(fmt::format("--seconds {:g} is not a duration: give a number of seconds in (0, {:g}]", *o.seconds,
                            kMaxSeconds));
  }
  if (o.ops.has_value() && *o.ops <= 0) return fail(fmt::format("--ops {}: give a positive number of rounds", *o.ops));
  if (o.max_delay_ns.has_value() && *o.max_delay_ns > kMaxDelayNsLimit) {
    return fail(fmt::format("--max-delay-ns {} is too long (at most {} ns: a delay shifts one step, it does not "
                            "deschedule)",
                            *o.max_delay_ns, kMaxDelayNsLimit));
  }
  Timing timing = kDefaultTiming;
  if (o.timing == "pct") {
    timing = Timing::kPct;
  } else if (o.timing == "delays") {
    timing = Timing::kDelays;
  } else if (o.timing == "mixed") {
    timing = Timing::kMixed;
  } else if (!o.timing.empty()) {
    return fail(fmt::format("--timing '{}' is not a timing mode: give 'delays', 'pct' or 'mixed'", o.timing));
  }
  if (o.pct_depth.has_value() && (*o.pct_depth < 1 || *o.pct_depth > PctRound::kMaxDepth)) {
    return fail(fmt::format("--pct-depth {} is not a bug depth: give 1 to {}", *o.pct_depth, PctRound::kMaxDepth));
  }
  if (!UsesDelays(timing) && o.max_delay_ns.has_value()) {
    return fail("--max-delay-ns applies to --timing delays or mixed (PCT orders the steps instead of delaying them)");
  }
  if (!UsesPct(timing) && o.pct_depth.has_value()) {
    return fail("--pct-depth applies to --timing pct or mixed (the timing of this run is delays)");
  }
  if (o.threads.has_value() && (*o.threads <= 0 || *o.threads > kMaxThreads)) {
    return fail(fmt::format("--threads {} is not a thread count (1 to {})", *o.threads, kMaxThreads));
  }
  if (o.stall_seconds.has_value() &&
      !(std::isfinite(*o.stall_seconds) && *o.stall_seconds >= kMinStallSeconds && *o.stall_seconds <= kMaxSeconds)) {
    return fail(fmt::format("--stall-seconds {:g} is not a stall limit: give a number of seconds in [{:g}, {:g}]",
                            *o.stall_seconds, kMinStallSeconds, kMaxSeconds));
  }
  if (o.min_window_hits.has_value() && (*o.min_window_hits < 1 || *o.min_window_hits > kMaxWindowHits)) {
    return fail(fmt::format("--min-window-hits {} is not a round count: give 1 to {}", *o.min_window_hits,
                            kMaxWindowHits));
  }
  // Output paths are checked before any work, so that a run's findings are
  // never lost to a file that cannot be written at the end.
  for (const auto& [option, path] : {std::pair<const char*, const std::string*>{"--json", &o.json},
                                      {"--interleaving-out", &o.interleaving_out}}) {
    if (path->empty()) continue;
    if (std::string bad = CheckOutputPath(option, *path); !bad.empty()) return fail(bad);
  }
  if (!o.json.empty() && o.json == o.interleaving_out) {
    return fail(fmt::format("--json and --interleaving-out name the same file ({})", o.json));
  }

  std::optional<mmu::Mutation> mutation;
  if (o.mutation != "none") {
    mutation = mmu::MutationFromName(o.mutation);
    if (!mutation) return fail(fmt::format("unknown mutation '{}'; the catalogue: {} (or none)", o.mutation, Catalogue()));
  }

  std::vector<const ScenarioEntry*> chosen;
  if (o.scenario == "all") {
    for (const ScenarioEntry& e : Scenarios()) {
      if (!mutation || e.info.Shows(*mutation)) chosen.push_back(&e);
    }
    if (chosen.empty()) {
      return fail(fmt::format("no scenario shows {} yet (see --list)", mmu::Describe(*mutation).name));
    }
  } else {
    const ScenarioEntry* e = FindScenario(o.scenario);
    if (e == nullptr) return fail(fmt::format("unknown scenario '{}'; one of: {}, or all", o.scenario, ScenarioNames()));
    if (mutation && !e->info.Shows(*mutation)) {
      std::string where;
      for (const ScenarioEntry& x : Scenarios()) {
        if (x.info.Shows(*mutation)) where += (where.empty() ? "" : ", ") + x.info.name;
      }
      return fail(fmt::format("{} does not show {} (it shows: {}); {}", e->info.name, mmu::Describe(*mutation).name,
                              MutationNames(e->info.Mutations()),
                              where.empty() ? std::string("no scenario shows it yet")
                                            : "scenarios that show it: " + where));
    }
    chosen.push_back(e);
  }

  for (const ScenarioEntry* e : chosen) {
    const ScenarioInfo& s = e->info;
    PlannedRun run;
    run.scenario = e;
    RunSpec& spec = run.spec;
    if (o.threads.has_value()) {
      if (*o.threads % s.threads != 0) {
        return fail(fmt::format("{} runs {} CPUs per copy: --threads must be a multiple of {} ({} given)", s.name,
                                s.threads, s.threads, *o.threads));
      }
      spec.copies = static_cast<int>(*o.threads / s.threads);
    }
    const mmu::ConfigSelection sel = mmu::SelectConfigs(s.name, s.configs, o.config);
    if (!sel.error.empty()) return fail(sel.error);
    spec.configs = sel.indices;
    if (mutation) spec.mutations = mmu::Mutations::Inject(*mutation);
    spec.seconds = o.seconds.value_or(o.ops.has_value() ? 0 : kDefaultSeconds);
    spec.rounds = static_cast<std::uint64_t>(o.ops.value_or(0));
    spec.seed = o.seed.value_or(default_seed);
    spec.timing = timing;
    spec.max_delay_ns = o.max_delay_ns.value_or(kDefaultMaxDelayNs);
    spec.pct_depth = static_cast<int>(o.pct_depth.value_or(kDefaultPctDepth));
    spec.stop_on_violation = o.stop_on_violation;
    spec.pin = !o.no_pin;
    spec.stall_seconds = o.stall_seconds.value_or(0);
    spec.min_window_hits = static_cast<std::uint64_t>(o.min_window_hits.value_or(0));
    run.command = Command(s, o, spec);
    plan.runs.push_back(std::move(run));
  }
  return plan;
}

std::string UserPath(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  return cwd != nullptr && *cwd != '\0' ? std::string(cwd) + "/" + path : path;
}

}  // namespace stress
