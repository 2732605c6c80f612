// models/relacy_model.h: a scenario on the Relacy engine, one search per run.
//
// Round<S> is the Relacy test suite of scenario S: before() builds the
// scenario (on Relacy's heap, so a use after free is reported), thread(i)
// runs CPU i, after() records S::Observe and checks S::Check. A StepRecorder
// installed as the core's StepHook keeps the steps of the current execution;
// it is reset in before(), and since Relacy re-runs a failing execution last
// (with history collection) it ends up holding the failing execution.
//
// The searches are Relacy's: SplitSearch (split_search.h) for full and
// context-bound searches, which shards can split, Relacy's own scheduler
// classes on request (--relacy-scheduler, to cross-check SplitSearch), and
// Relacy's random scheduler for random:N.
//
// Relacy constraints honoured here: relacy.hpp comes first (through the
// core's sync.h); nothing is allocated with the global operator new while a
// simulation runs outside the scenario (Relacy owns it then), so the output
// and state streams write into buffers allocated up front.
#pragma once

#include "mmu_core/scenarios/all.h"  // first: sync.h includes relacy.hpp
#include "mmu_core/catalog/scenario_info.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mmu_core/scenario.h"
#include "mmu_core/steps.h"
#include "models/dpor/outcome_set.h"
#include "models/dpor/relacy_search.h"
#include "models/relacy/control.h"
#include "models/relacy/recorder.h"
#include "models/relacy/report.h"
#include "models/relacy/stream.h"
#include "models/model.h"
#include "models/split_search.h"

namespace mmu::models {

// The search's marks on the recorded steps (the failed load-only loop
// iterations models/dpor/'s tracker finds), kept in the recorder.
class RecorderMarks final : public dpor::StepMarks {
 public:
  explicit RecorderMarks(relacy::StepRecorder& r) : r_(r) {}
  int Count() const override { return r_.size(); }
  void Exclude(int cpu, int from, int to) override { r_.Exclude(cpu, from, to); }

 private:
  relacy::StepRecorder& r_;
};

// The state of the run in progress (a model runs one search at a time).
struct RunContext {
  relacy::StepRecorder recorder;
  RecorderMarks marks{recorder};
  Observations observations;
  bool observed = false;
  std::uint64_t executions = 0;  // executions started, probes included
  bool progress = false;
  const char* label = "";
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point last_print;
  bool printed = false;
  dpor::OutcomeSet* outcomes = nullptr;  // collect each counted execution's outcome
  dpor::OutcomeSet* reads = nullptr;     // and the values each CPU's steps read

  // Called at the start of every execution; prints a progress line on a
  // terminal about twice a second. fprintf to the unbuffered stderr does not
  // allocate, so it is safe inside the simulation.
  void OnExecution() {
    ++executions;
    if (!progress || (executions & 1023) != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_print < std::chrono::milliseconds(500)) return;
    last_print = now;
    printed = true;
    const double secs = std::chrono::duration<double>(now - start).count();
    const double position = dpor::g_search.active ? dpor::g_search.explorer.Position() : g_split.position;
    std::fprintf(stderr, "\r  %s: %5.1f%% of the tree, %llu executions, %.0f/s   ", label, 100.0 * position,
                 static_cast<unsigned long long>(executions), static_cast<double>(executions) / secs);
  }
  void EndProgress() {
    if (printed) std::fprintf(stderr, "\r\033[K");
    printed = false;
  }
};

inline RunContext g_run;

template <class S>
struct RoundInput {
  static inline std::optional<typename S::Config> config;
  static inline Mutations mutations;
};

// The Relacy test suite of scenario S: one round per execution.
template <class S>
struct Round : rl::test_suite<Round<S>, S::kThreads> {
  alignas(S) unsigned char storage[sizeof(S)];
  S* scenario = nullptr;

  void before() {
    g_run.OnExecution();
    g_run.recorder.NewExecution();
    g_run.observed = false;
    scenario = ::new (static_cast<void*>(storage)) S(*RoundInput<S>::config, RoundInput<S>::mutations);
    g_run.recorder.Arm(true);
    if (dpor::g_search.tracker.Observing()) dpor::g_search.tracker.BeginExecution();
    dpor::g_search.tracker.Arm(true);
  }
  void thread(unsigned cpu) { scenario->Thread(static_cast<int>(cpu)); }
  void after() {
    dpor::g_search.tracker.Arm(false);
    g_run.recorder.Arm(false);
    g_run.observations.Clear();
    scenario->Observe(g_run.observations);
    g_run.observed = true;
    if (g_run.outcomes != nullptr && (!dpor::g_search.active || dpor::g_search.Counting())) {
      dpor::OutcomeDigest d;
      for (int i = 0; i < g_run.observations.size(); ++i) {
        d.Add(static_cast<std::uint64_t>(g_run.observations[i].cpu));
        d.Add(g_run.observations[i].what);
        d.Add(g_run.observations[i].value);
      }
      g_run.outcomes->Insert(d.Value());
      dpor::OutcomeDigest r;
      for (int cpu = 0; cpu < S::kThreads; ++cpu) {
        for (int i = 0; i < g_run.recorder.size(); ++i) {
          const relacy::StepRecorder::Event& e = g_run.recorder[i];
          if (e.cpu != cpu || e.excluded) continue;
          r.Add(static_cast<std::uint64_t>(e.step));
          r.Add(e.value);
        }
        r.Add(~std::uint64_t{0});
      }
      g_run.reads->Insert(r.Value());
    }
    scenario->Check();
    scenario->~S();
  }
};

// Runs the search the request names, and Relacy's re-run of a failing
// execution with its history (relacy::RunWithHistory).
template <class Suite, class BeforeRerun>
rl::test_result_e Explore(const RunRequest& r, rl::test_params& p, relacy::FixedStreamBuf& report,
                          relacy::FixedStreamBuf& state, BeforeRerun&& before_rerun) {
  constexpr rl::thread_id_t kN = Suite::params::thread_count;
  auto run = [&]<class Sched>() { return relacy::RunWithHistory<Suite, Sched>(p, report, state, before_rerun); };
  switch (r.search.kind) {
    case Search::Kind::kRandom:
      return run.template operator()<rl::random_scheduler<kN>>();
    case Search::Kind::kBound:
      if (r.relacy_scheduler) return run.template operator()<rl::context_bound_scheduler<kN>>();
      return run.template operator()<SplitSearch<kN>>();
    case Search::Kind::kDpor:
      return run.template operator()<dpor::DporScheduler<kN>>();
    case Search::Kind::kFull:
      break;
  }
  if (r.relacy_scheduler) return run.template operator()<rl::full_search_scheduler<kN>>();
  return run.template operator()<SplitSearch<kN>>();
}

// Relacy prints 8-bit values as characters; control bytes become \xNN.
inline std::string Printable(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 || c == '\n' || c == '\t') {
      out.push_back(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

template <class S>
RunOutcome RunScenario(const ScenarioInfo& info, const RunRequest& r) {
  using Suite = Round<S>;
  static relacy::FixedStreamBuf report_buf(8 << 20);
  static relacy::FixedStreamBuf state_buf(1 << 20);
  static relacy::NullStreamBuf null_buf;
  report_buf.Clear();
  std::ostream report(&report_buf);
  std::ostream null(&null_buf);

  RoundInput<S>::config = ConfigOf<S>(info, r.config);
  RoundInput<S>::mutations = r.mutation ? Mutations::Inject(*r.mutation) : Mutations();

  rl::test_params p;
  p.output_stream = &report;
  p.progress_stream = &null;
  switch (r.search.kind) {
    case Search::Kind::kFull:
    case Search::Kind::kDpor:  // a tree search to Relacy's memory model (one older store at most)
      p.search_type = rl::sched_full;
      break;
    case Search::Kind::kBound:
      p.search_type = rl::sched_bound;
      p.context_bound = r.search.n;
      break;
    case Search::Kind::kRandom:
      p.search_type = rl::sched_random;
      p.iteration_count = r.search.n;
      break;
  }
  const bool reduced = r.search.kind == Search::Kind::kDpor;
  const bool split = r.search.IsTree() && !r.relacy_scheduler && !reduced;
  g_split.Reset(split ? r.shard.index : 0, split ? r.shard.total : 1, r.split_depth,
                r.search.kind == Search::Kind::kBound);
  dpor::g_search.active = reduced;
  if (reduced) {
    dpor::ExplorerOptions o;
    o.threads = S::kThreads;
    o.split_depth = static_cast<int>(r.dpor_split_depth);
    o.shard = r.shard.index;
    o.shards = r.shard.total;
    dpor::g_search.Reset(o);
    dpor::g_search.tracker.DropFailedIterations(!r.dpor_keep_retries);
    sync::SetSearchHook(&dpor::g_search.tracker);
  } else if (r.collect_outcomes) {
    // The cross-check leaves failed load-only loop iterations out of the
    // values read, whichever search runs: the tracker only watches.
    dpor::g_search.tracker.Reset(S::kThreads);
    dpor::g_search.tracker.ObserveOnly(true);
    sync::SetSearchHook(&dpor::g_search.tracker);
  }
  dpor::g_search.tracker.SetStepMarks(&g_run.marks);
  static dpor::OutcomeSet outcome_set;
  static dpor::OutcomeSet read_set;
  outcome_set.Clear();
  read_set.Clear();
  g_run.outcomes = r.collect_outcomes ? &outcome_set : nullptr;
  g_run.reads = &read_set;
  g_run.executions = 0;
  g_run.progress = r.progress;
  g_run.label = r.label.c_str();
  g_run.start = g_run.last_print = std::chrono::steady_clock::now();

  RunOutcome out;
  // The search's figures and outcomes, read when it ends (before Relacy's
  // re-run of a failing execution, which must not count).
  auto search_done = [&] {
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_run.start).count();
    g_run.EndProgress();
    if (split) {
      out.iterations = g_split.explored;
      out.probes = g_split.probes;
      out.digest = g_split.digest;
      out.subtrees = g_split.owned_subtrees;
    } else if (reduced) {
      const dpor::ExplorerStats& st = dpor::g_search.explorer.Stats();
      out.iterations = st.explored;
      out.probes = st.probes;
      out.digest = st.digest;
      out.subtrees = st.owned_subtrees;
      out.blocked = st.blocked;
      out.discarded = st.discarded;
    } else {
      out.iterations = p.stop_iteration;
    }
    g_run.outcomes = nullptr;
    if (r.collect_outcomes) {
      out.outcomes = outcome_set.Sorted();
      out.reads = read_set.Sorted();
      out.outcomes_overflow = outcome_set.overflow() || read_set.overflow();
    }
  };
  SetStepHook(&g_run.recorder);
  const rl::test_result_e result = Explore<Suite>(r, p, report_buf, state_buf, [&] {
    search_done();
    out.found = true;
    out.found_at = p.stop_iteration;
    if (split) out.iterations = g_split.explored + 1;  // the failing execution ends no iteration
    if (reduced) out.iterations = dpor::g_search.explorer.Stats().explored + 1;
    g_split.active = false;
  });
  if (result == rl::test_result_success) search_done();
  if (result != rl::test_result_success) {
    out.error_kind = rl::test_result_str(result);
    out.history = Printable(report_buf.View());
    if (report_buf.truncated()) out.history += "\n[history truncated]\n";
    const relacy::FailureReport failure = relacy::ReadFailure(out.history);
    out.message = failure.message;
    out.where = failure.where;
    for (int i = 0; i < g_run.recorder.size(); ++i) {
      const relacy::StepRecorder::Event& e = g_run.recorder[i];
      out.trace.push_back(StepEvent{e.cpu, e.step, e.value});
    }
    out.trace_truncated = g_run.recorder.truncated();
    out.observed = g_run.observed;
    if (g_run.observed) {
      for (int i = 0; i < g_run.observations.size(); ++i) {
        const Observations::Entry& e = g_run.observations[i];
        out.observations.push_back(Observation{e.cpu, e.what, e.value});
      }
    }
  }
  SetStepHook(nullptr);
  sync::SetSearchHook(nullptr);
  dpor::g_search.active = false;
  dpor::g_search.tracker.ObserveOnly(false);
  dpor::g_search.tracker.SetStepMarks(nullptr);
  return out;
}

// Model over scenario S.
template <Scenario S>
class RelacyModel final : public Model {
 public:
  RelacyModel() : info_(DescribeScenario<S>()) {}
  const ScenarioInfo& Info() const override { return info_; }
  RunOutcome Run(const RunRequest& request) override { return RunScenario<S>(info_, request); }

 private:
  ScenarioInfo info_;
};

template <Scenario S>
int RunModel(int argc, char** argv) {
  RelacyModel<S> model;
  return ModelMain(model, argc, argv);
}

}  // namespace mmu::models
