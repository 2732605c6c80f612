// stress/report.cc: summaries, tables and JSON for stress runs.
#include "stress/report.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <fmt/format.h>

#include "mmu_core/catalog/interleaving.h"
#include "stress/expectations.h"

#if defined(__SANITIZE_THREAD__)
#define STRESS_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRESS_TSAN_BUILD 1
#endif
#endif

namespace stress {

const char* EngineName() {
#if defined(STRESS_TSAN_BUILD)
  return "native+tsan";
#else
  return "native";
#endif
}

std::string Hex(std::uint64_t v) { return fmt::format("{:#x}", v); }

std::string Count(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f}M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f}k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

namespace {

std::string MutationLine(const RunSpec& spec) {
  if (spec.mutations.Empty()) return "none (the correct core)";
  std::string out;
  for (const mmu::MutationInfo& m : mmu::kMutations) {
    if (!spec.mutations.Has(m.id)) continue;
    if (!out.empty()) out += "; ";
    out += fmt::format("{}: {}", m.name, m.what);
  }
  return out;
}

std::string Budget(const RunSpec& spec) {
  std::string out;
  if (spec.seconds > 0) out = fmt::format("{:g} s", spec.seconds);
  if (spec.rounds > 0) out += (out.empty() ? "" : " or ") + Count(spec.rounds) + " rounds";
  if (spec.stop_on_violation) out += ", stop at the first violation";
  return out;
}

std::string CpuName(int thread) {
  return thread < 0 ? std::string("the final check (after every CPU finished)") : fmt::format("CPU {}", thread + 1);
}

// Column k of a step table is headed "CPU k+1: thread k".
std::string Header(int thread) { return fmt::format("CPU {}: thread {}", thread + 1, thread); }

}  // namespace

std::string StepTable(const ScenarioInfo& s, const Violation& v, bool with_values) {
  const int n = s.threads;
  std::vector<std::size_t> width(static_cast<std::size_t>(n));
  auto cell = [&](const StepRecord& r) {
    return with_values ? fmt::format("{} = {}", r.step, Hex(r.value)) : r.step;
  };
  for (int c = 0; c < n; ++c) width[static_cast<std::size_t>(c)] = Header(c).size();
  for (const StepRecord& r : v.steps) {
    std::size_t& w = width[static_cast<std::size_t>(r.cpu)];
    w = std::max(w, cell(r).size());
  }
  const std::string indent = with_values ? "    " : "    ";
  const std::string time_col = with_values ? "      ns  " : "";
  const std::string no_time = with_values ? std::string(time_col.size(), ' ') : "";
  std::vector<std::size_t> start(static_cast<std::size_t>(n));
  std::size_t at = 0;
  for (int c = 0; c < n; ++c) {
    start[static_cast<std::size_t>(c)] = at;
    at += width[static_cast<std::size_t>(c)] + 4;
  }
  std::string out = indent + time_col;
  for (int c = 0; c < n; ++c) {
    const std::string h = Header(c);
    out += h;
    if (c + 1 < n) out += std::string(width[static_cast<std::size_t>(c)] + 4 - h.size(), ' ');
  }
  out += "\n" + indent + no_time + std::string(at > 4 ? at - 4 : at, '-') + "\n";
  for (const StepRecord& r : v.steps) {
    out += indent;
    if (with_values) out += fmt::format("{:>8}  ", r.ns);
    out += std::string(start[static_cast<std::size_t>(r.cpu)], ' ') + cell(r) + "\n";
  }
  return out;
}

std::string SummaryText(const ScenarioInfo& s, const RunSpec& spec, const RunResult& r, const std::string& command) {
  std::string out = fmt::format("{} ({}): {}\n", s.name, s.section, s.invariant);
  const std::string delays =
      "delays " + (spec.max_delay_ns == 0 ? std::string("off") : fmt::format("up to {} ns", spec.max_delay_ns));
  const std::string timing = spec.timing == Timing::kPct     ? fmt::format("PCT depth {}", spec.pct_depth)
                             : spec.timing == Timing::kMixed ? fmt::format("{} and PCT depth {} in alternate rounds",
                                                                           delays, spec.pct_depth)
                                                             : delays;
  out += fmt::format("  engine    {} threads{}, {} cop{} x {} CPUs, {}, seed {}\n", EngineName(),
                     spec.pin ? " pinned to cores" : "", spec.copies, spec.copies == 1 ? "y" : "ies", s.threads,
                     timing, spec.seed);
  out += fmt::format("  mutation  {}\n", MutationLine(spec));
  out += fmt::format("  budget    {}\n\n", Budget(spec));

  std::size_t w = std::string_view("config").size();
  for (const ConfigTally& t : r.per_config) w = std::max(w, t.config.size());
  out += fmt::format("  {:<{}}  {:>14}  {:>16}\n", "config", w, "rounds", "violating rounds");
  for (const ConfigTally& t : r.per_config) {
    out += fmt::format("  {:<{}}  {:>14}  {:>16}\n", t.config, w, Count(t.rounds), Count(t.violating_rounds));
  }
  const double rate = r.seconds > 0 ? static_cast<double>(r.rounds) / r.seconds : 0;
  out += fmt::format("\n  {} rounds in {:.2f} s ({} rounds/s){}: ", Count(r.rounds), r.seconds, Rate(rate),
                     r.interrupted ? ", interrupted" : "");
  if (r.violating_rounds == 0) {
    out += "no invariant violation\n";
  } else {
    out += fmt::format("{} violating round{} ({} invariant failure{})\n", Count(r.violating_rounds),
                       r.violating_rounds == 1 ? "" : "s", Count(r.violations), r.violations == 1 ? "" : "s");
  }
  if (r.rounds > 0) {
    const double share = 100.0 * static_cast<double>(r.overlapping_rounds) / static_cast<double>(r.rounds);
    out += fmt::format("  CPUs ran side by side (their steps overlapped in time) in {}% of rounds{}\n",
                       share < 1 ? fmt::format("{:.2f}", share) : fmt::format("{:.0f}", share),
                       share < 20 ? " (low: a busy machine, or CPUs that take turns under a lock)" : "");
  }
  if (UsesPct(spec.timing) && r.rounds > 0) {
    // PCT's bound, with k the longest round seen (stress/pct.h).
    const double k = std::max(1, r.max_round_steps);
    const double inverse = s.threads * std::pow(k, spec.pct_depth - 1);
    out += fmt::format("  PCT: n = {} CPUs, k = {} steps in the longest round, d = {}: a bug of depth {} shows with\n"
                       "  probability at least 1/(n k^(d-1)) = 1/{} per PCT round, for the steps the scheduler orders\n",
                       s.threads, r.max_round_steps, spec.pct_depth, spec.pct_depth, Count(static_cast<std::uint64_t>(inverse)));
  }
  if (r.first.has_value()) {
    const Violation& v = *r.first;
    out += fmt::format("\nfirst violation: round {} ({}), {:.3f} s into the run{}\n", Count(v.round), v.config,
                       v.seconds, spec.copies > 1 ? fmt::format(", copy {}", v.copy) : "");
    out += fmt::format("  seen by {}: {}\n", CpuName(v.cpu), v.what);
    out += fmt::format("    at {}\n", v.where);
    out += "  values observed\n";
    std::size_t ow = 0;
    for (const Observation& o : v.observations) ow = std::max(ow, o.what.size());
    for (const Observation& o : v.observations) {
      out += fmt::format("    CPU {}  {:<{}}  {}\n", o.cpu + 1, o.what, ow, Hex(o.value));
    }
    out += "  steps in timestamp order (ns since the round's first step; a store is stamped when it\n"
           "  executes and may reach the other CPUs later, from the store buffer):\n";
    out += StepTable(s, v, true);
    if (v.dropped_steps > 0) out += fmt::format("    ({} more steps not recorded)\n", v.dropped_steps);
  }
  out += fmt::format("\nrepeat:\n  {}\n", command);
  return out;
}

std::string InterleavingFile(const ScenarioInfo& s, const RunSpec& spec, const Violation& v) {
  mmu::Interleaving il;
  il.comments = {
      fmt::format("{} found by native stress ({}), seed {}: round {}, {:.3f} s into the run.", s.name, EngineName(),
                  spec.seed, v.round, v.seconds),
      fmt::format("{}: {}", CpuName(v.cpu), v.what),
      "Steps in the order of their timestamps. A store is stamped when it executes and may",
      "reach the other CPUs later, so replay this file to confirm the order.",
  };
  il.scenario = mmu::KeyLine{s.name, 1};
  il.config = mmu::KeyLine{v.config, 1};
  il.mutation = mmu::KeyLine{spec.mutations.Empty() ? std::string("none") : spec.mutations.ToString(), 1};
  il.mutations = spec.mutations;
  for (int cpu = 0; cpu < s.threads; ++cpu) il.AddColumn(s.Header(v.config_index, cpu));
  for (const StepRecord& r : v.steps) {
    if (const std::optional<mmu::Step> step = mmu::StepFromName(r.step)) il.AddRow(r.cpu, *step);
  }
  return mmu::WriteInterleaving(il);
}

nlohmann::json RunJson(const ScenarioInfo& s, const RunSpec& spec, const RunResult& r, const std::string& command) {
  nlohmann::json j;
  j["tool"] = "stress";
  j["engine"] = EngineName();
  j["scenario"] = s.name;
  j["mutation"] = spec.mutations.ToString();
  nlohmann::json configs = nlohmann::json::array();
  for (int i : spec.configs) configs.push_back(s.configs[static_cast<std::size_t>(i)]);
  j["configs"] = configs;
  j["copies"] = spec.copies;
  j["threads"] = spec.copies * s.threads;
  j["seed"] = spec.seed;
  j["timing"] = TimingName(spec.timing);
  j["max_delay_ns"] = spec.max_delay_ns;
  j["pct_depth"] = spec.pct_depth;
  j["budget_seconds"] = spec.seconds;
  j["budget_rounds"] = spec.rounds;
  j["stop_on_violation"] = spec.stop_on_violation;
  j["pinned"] = spec.pin;
  j["rounds"] = r.rounds;
  j["seconds"] = r.seconds;
  j["rounds_per_second"] = r.seconds > 0 ? static_cast<double>(r.rounds) / r.seconds : 0.0;
  j["violations"] = r.violations;
  j["violating_rounds"] = r.violating_rounds;
  j["overlapping_rounds"] = r.overlapping_rounds;
  j["max_round_steps"] = r.max_round_steps;
  j["interrupted"] = r.interrupted;
  nlohmann::json per = nlohmann::json::array();
  for (const ConfigTally& t : r.per_config) {
    per.push_back({{"index", t.index}, {"config", t.config}, {"rounds", t.rounds},
                   {"violating_rounds", t.violating_rounds}});
  }
  j["per_config"] = per;
  if (r.first.has_value()) {
    const Violation& v = *r.first;
    nlohmann::json f;
    f["round"] = v.round;
    f["seconds"] = v.seconds;
    f["copy"] = v.copy;
    f["thread"] = v.cpu < 0 ? nlohmann::json("check") : nlohmann::json(v.cpu);
    f["what"] = v.what;
    f["where"] = v.where;
    f["config"] = v.config;
    nlohmann::json obs = nlohmann::json::array();
    for (const Observation& o : v.observations) obs.push_back({{"thread", o.cpu}, {"what", o.what}, {"value", o.value}});
    f["observations"] = obs;
    nlohmann::json steps = nlohmann::json::array();
    for (const StepRecord& st : v.steps) {
      steps.push_back({{"thread", st.cpu}, {"step", st.step}, {"value", st.value}, {"ns", st.ns}});
    }
    f["steps"] = steps;
    f["dropped_steps"] = v.dropped_steps;
    j["first_violation"] = f;
  } else {
    j["first_violation"] = nullptr;
  }
  j["command"] = command;
  return j;
}

std::string ListText() {
  std::string out = "scenarios (run with --scenario NAME; --config takes an index, key=value pairs or 'all'):\n";
  for (const ScenarioEntry& e : Scenarios()) {
    const ScenarioInfo& s = e.info;
    out += fmt::format("\n{}  ({}, {} CPUs; --threads takes a multiple of {})\n", s.name, s.section, s.threads,
                       s.threads);
    out += fmt::format("  invariant: {}\n", s.invariant);
    for (std::size_t i = 0; i < s.configs.size(); ++i) out += fmt::format("  config {}: {}\n", i, s.configs[i]);
    out += "  mutations:\n";
    for (mmu::Mutation m : s.Mutations()) {
      const MutationExpectation x = ExpectationFor(m);
      out += fmt::format("    {:<5} {}{}\n", mmu::Describe(m).name, mmu::Describe(m).what,
                         x.x86_visible ? "" : "  [cannot show on x86: see README, TSO notes]");
    }
  }
  out += "\nmutations without a scenario yet:";
  bool any = false;
  for (const mmu::MutationInfo& m : mmu::kMutations) {
    const bool shown = std::any_of(Scenarios().begin(), Scenarios().end(),
                                   [&](const ScenarioEntry& e) { return e.info.Shows(m.id); });
    if (!shown) {
      out += fmt::format(" {}", m.name);
      any = true;
    }
  }
  out += any ? "\n" : " none\n";
  return out;
}

}  // namespace stress
