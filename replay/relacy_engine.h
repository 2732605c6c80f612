// replay/relacy_engine.h: replay under Relacy (Relacy backend).
//
// The same sequencer orders the steps, but the gate is invisible to the
// memory model: the cursor is plain memory that Relacy does not see, so the
// turns add no happens-before, and a CPU waiting for its turn spins with
// rl::yield. Relacy's full search then explores every
// memory-model outcome consistent with the order: which store each relaxed
// or acquire load reads, fence by fence. The report says whether the
// invariant held in all of them.
//
// How the gate keeps the search small and honest:
//  - it yields with a huge count, so a waiting CPU is not scheduled again
//    until the CPU holding the turn blocks (parks on mmu_lock, yields at its
//    own gate, or ends): scheduling choices collapse to the table's order and
//    only memory-model choices branch. It also means a waiting CPU that finds
//    the turn's holder marked "waits for mmu_lock" knows it is parked.
//  - its yields keep the CPU's load history (relacy::YieldKeepingHistory,
//    models/relacy/control.h). Relacy lets a load that follows a yield read
//    only stores newer than those the thread saw before it (so spin loops
//    end); the gate's own yields must not hide older stores that the order
//    still allows.
//  - a time or execution budget ends the search after the execution in
//    progress (relacy::StoppableFullSearch), and the verdict is undecided.
//
// Executions in which the table's order cannot happen (a CPU finishes before
// a listed step; it waits for mmu_lock held by a CPU waiting for its turn)
// derail: the rest runs as after the table, and the execution is counted
// apart, not merged. Only if every execution derails is the table bad input.
//
// Everything the simulation touches is allocated before the search starts and
// has a fixed size: inside the simulation operator new is Relacy's.
#pragma once

#include "mmu_core/scenario.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"
#include "replay/catalog.h"
#include "replay/outcome.h"
#include "replay/sequencer.h"
#include "models/relacy/control.h"
#include "models/relacy/report.h"
#include "models/relacy/stream.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

namespace mmu::replay {

// The state of one exploration, shared with the simulation through `current`.
class RelacyReplay final : public StepHook {
 public:
  static constexpr unsigned kGateYield = 1u << 28;  // far more than an execution's scheduling points
  static constexpr int kSummaryRows = 1024;         // listed rows whose values are kept
  static constexpr int kStepBudget = 500;
  static constexpr double kDefaultTimeout = 120;

  RelacyReplay(const Plan& plan, const RunOptions& opt) : opt_(opt), rows_(plan.rows) {
    seq_plan_.rows = rows_.data();
    seq_plan_.nrows = static_cast<int>(rows_.size());
    seq_plan_.cpus = plan.cpus;
    seq_plan_.step_budget = std::min(opt.step_budget, kStepBudget);
    const double seconds = opt.timeout_s > 0 ? opt.timeout_s : kDefaultTimeout;
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
  }

  // --- inside the simulation -------------------------------------------------
  void BeginExecution() {
    seq_.Reset(seq_plan_);
    log_.Clear();
    obs_.Clear();
    in_check_ = false;
    for (bool& p : has_pending_) p = false;
  }
  // Check() runs: a failure now is the final check's, not a CPU's.
  void InCheck(bool on) { in_check_ = on; }
  void Start(int cpu) { Wait(cpu, [&] { return seq_.MayRun(cpu); }); }
  void Finish(int cpu) { seq_.Finish(cpu); }

  void before(int cpu, Step s) override {
    Wait(cpu, [&] { return seq_.Enter(cpu, s); });
    // Kept until after(): an execution that fails inside the step (an
    // access to freed memory) still shows it, on its CPU.
    pending_[cpu] = Event{seq_.Turn(), 1 << 20, cpu, EventKind::kStep, s, seq_.AdmittedRow(cpu), 0, !seq_.InTable()};
    pending_[cpu].unfinished = true;
    has_pending_[cpu] = true;
  }
  void after(int cpu, Step s, std::uint64_t value) override {
    has_pending_[cpu] = false;
    const StepPlace p = seq_.Executed(cpu, s, value);
    log_.Add(Event{p.turn, p.ordinal, cpu, EventKind::kStep, s, p.row, value, p.after_table});
  }
  void blocking(int cpu, const char* lock) override {
    const StepPlace p = seq_.Note();
    log_.Add(Event{p.turn, p.ordinal, cpu, EventKind::kWaitsForLock, Step::ReadCount, -1, 0, p.after_table, lock});
    seq_.Blocking(cpu, lock);
  }
  void unblocked(int cpu) override {
    seq_.Unblocked(cpu);
    const StepPlace p = seq_.Note();
    log_.Add(Event{p.turn, p.ordinal, cpu, EventKind::kGotLock, Step::ReadCount, -1, 0, p.after_table, seq_.LockOf(cpu)});
    Wait(cpu, [&] { return seq_.MayRun(cpu); });
  }
  void released(int cpu, const char* lock) override { seq_.Released(cpu, lock); }
  // A wait inside a step for another CPU. A waiting CPU stays runnable (it
  // spins with pause()), so the gate cannot wait for it to park as it does
  // for a lock: it counts the failed checks, and once the CPU has checked
  // again after a yield (so its load saw the newest store, Relacy's rule
  // after a yield) the wait cannot end while every other CPU waits for its
  // turn: the table cannot go on (in the table), or the turn passes on
  // (after it).
  void waiting(int cpu, const char* what) override {
    seq_.Waiting(cpu, what);
    wait_checks_[cpu] = 0;
  }
  void still_waiting(int cpu) override {
    if (++wait_checks_[cpu] >= 2 && seq_.Active() == cpu) seq_.BreakLockWait();
  }
  void done_waiting(int cpu) override {
    seq_.Unblocked(cpu);
    Wait(cpu, [&] { return seq_.MayRun(cpu); });
  }

  // After every CPU ended, before Check(): what the execution observed.
  Observations& observations() { return obs_; }

  // After Check() passed.
  void EndExecution() {
    ++executions_;
    if (seq_.failure().kind != SeqError::kNone) {
      if (derailed_++ == 0) {
        first_failure_ = seq_.failure();
        first_derailed_ = log_;
      }
    } else {
      summary_->AddTrace(log_);
      summary_->AddObservations(obs_);
    }
    if (opt_.progress && executions_ % 4096 == 0) Progress();
    if (executions_ >= opt_.max_executions) Stop("the exploration reached --max-executions");
    if (executions_ % 256 == 0 && std::chrono::steady_clock::now() > deadline_) Stop("the exploration ran out of time");
  }

  // --- after the simulation --------------------------------------------------
  template <class Suite>
  Outcome Explore() {
    const auto start = std::chrono::steady_clock::now();
    summary_ = std::make_unique<ExecutionSummary<kSummaryRows, 64>>();
    auto text = std::make_unique<relacy::FixedStreamBuf>(1u << 20);
    auto state = std::make_unique<relacy::FixedStreamBuf>(1u << 16);
    relacy::NullStreamBuf none;
    std::ostream text_stream(text.get()), null_stream(&none);
    rl::test_params p;
    p.search_type = rl::sched_full;
    p.output_stream = &text_stream;
    p.progress_stream = &null_stream;
    p.progress_output_period = 1u << 30;
    p.execution_depth_limit = 1u << 16;  // scheduling points per execution before Relacy calls it a livelock
    relacy::g_search_stop = {};
    SetStepHook(this);
    const rl::test_result_e result = relacy::RunWithHistory<Suite, relacy::StoppableFullSearch<Suite::params::thread_count>>(
        p, *text, *state, [] {});
    SetStepHook(nullptr);
    const bool ok = result == rl::test_result_success;
    if (relacy::g_search_stop.stopped) inconclusive_ = stop_;
    if (opt_.progress) std::fputs("\r\033[K", stderr);

    Outcome out;
    out.engine = "relacy";
    out.executions = executions_;
    out.derailed = derailed_;
    out.failure = first_failure_;
    if (summary_->have_first()) {
      // The first execution that followed the table; each listed row with
      // the values it saw in all of them.
      const EventLog<4096>& first = summary_->first();
      for (int i = 0; i < first.size(); ++i) {
        MergedEvent m;
        m.event = first[i];
        m.nvalues = 1;
        m.values[0] = first[i].value;
        if (first[i].row >= 0 && first[i].kind == EventKind::kStep) {
          if (const MergedEvent* r = summary_->RowValues(first[i].row, first[i].step)) {
            m.nvalues = r->nvalues;
            std::copy(r->values, r->values + r->nvalues, m.values);
            m.more = r->more;
          }
        }
        out.table.push_back(m);
      }
    }
    out.table_truncated = summary_->truncated();
    for (int i = 0; i < summary_->sets(); ++i) out.observed.push_back(summary_->set(i));
    out.inconclusive = inconclusive_ != nullptr ? inconclusive_ : "";
    if (!ok) FailedRun(p, std::string(text->View()), out);
    if (out.table.empty() && derailed_ > 0) AddLog(first_derailed_, out);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  }

 private:
  template <class Ready>
  void Wait(int cpu, Ready ready) {
    if (ready()) return;
    bool yielded = false;
    while (!ready()) {
      // Back from a yield, this CPU runs only once every other one has
      // blocked or ended: a turn holder marked "waits for mmu_lock" is parked
      // on it (a CPU that has not started yet may run before that).
      if (yielded && seq_.ActiveWaitsForLock() && seq_.Active() != cpu &&
          (!seq_.WaitsInStep(seq_.Active()) || wait_checks_[seq_.Active()] >= 2)) {
        seq_.BreakLockWait();
        continue;
      }
      if (yielded && seq_.Stuck()) {
        // No CPU can run under the table's rules: end this execution as
        // Relacy's deadlock (FailedRun reports the sequencer's failure).
        seq_.GiveUp();
        rl::ctx().fail_test("replay: no CPU can run", rl::test_result_deadlock, $);
      }
      relacy::YieldKeepingHistory(kGateYield, $);
      yielded = true;
    }
  }

  // Ends the exploration after this execution (time or execution budget):
  // the verdict is then undecided.
  void Stop(const char* why) {
    if (stop_ != nullptr) return;
    stop_ = why;
    relacy::RequestStop();
  }

  void Progress() const {
    char line[96];
    const int n = std::snprintf(line, sizeof line, "\r  relacy: %llu executions explored",
                                static_cast<unsigned long long>(executions_));
    if (n > 0) (void)!::write(2, line, static_cast<std::size_t>(n));
  }

  static void AddLog(const EventLog<4096>& log, Outcome& out) {
    out.table.clear();
    for (int i = 0; i < log.size(); ++i) {
      MergedEvent m;
      m.event = log[i];
      m.nvalues = 1;
      m.values[0] = log[i].value;
      out.table.push_back(m);
    }
    out.table_truncated = log.truncated();
  }

  // Relacy stopped at a failed execution: an invariant failed, a freed page
  // was touched, or the replay could not go on (no CPU can run, a livelock).
  void FailedRun(const rl::test_params& p, const std::string& text, Outcome& out) {
    // The last execution Relacy ran (its replay of the failing one) is in log_.
    const relacy::FailureReport failure = relacy::ReadFailure(text);
    out.relacy_result = failure.line;
    if (opt_.history) out.relacy_history = text;
    if (p.test_result == rl::test_result_livelock) {
      out.inconclusive =
          "Relacy reports a livelock: a CPU waits without reaching a step point or LockMmu (a lock the core takes "
          "without reporting it, or a spin without steps)";
      AddLog(log_, out);
      return;
    }
    if (seq_.failure().kind == SeqError::kStuck || p.test_result == rl::test_result_deadlock) {
      seq_.GiveUp();
      out.failure = seq_.failure();
      out.stuck = true;
      AddLog(log_, out);
      return;
    }
    Violation v;
    v.what = failure.message.empty() ? failure.kind : failure.message;
    v.cpu = failure.cpu;
    v.where = failure.where;
    // Only the CPU holding the turn runs: it raised the error. Relacy runs
    // the final check on the last thread to end, which is no CPU's doing.
    if (in_check_) {
      v.cpu = -1;
    } else if (seq_.Active() >= 0) {
      v.cpu = seq_.Active();
    }
    for (int i = 0; i < log_.size(); ++i) {
      if (log_[i].row >= 0) v.after_row = log_[i].row;
    }
    if (v.cpu >= 0 && has_pending_[v.cpu]) log_.Add(pending_[v.cpu]);
    out.violation = v;
    out.executions = executions_ + 1;  // the failing one did not reach EndExecution()
    out.violation_derailed = seq_.failure().kind != SeqError::kNone;
    if (out.violation_derailed) out.failure = seq_.failure();
    AddLog(log_, out);
  }

  RunOptions opt_;
  std::vector<SeqRow> rows_;
  Sequencer::Plan seq_plan_;
  Sequencer seq_;
  EventLog<4096> log_;
  EventLog<4096> first_derailed_;
  Observations obs_;
  std::unique_ptr<ExecutionSummary<kSummaryRows, 64>> summary_;
  int wait_checks_[kMaxCpus] = {};
  Event pending_[kMaxCpus] = {};
  bool has_pending_[kMaxCpus] = {};
  bool in_check_ = false;
  std::uint64_t executions_ = 0;
  std::uint64_t derailed_ = 0;
  SeqFailure first_failure_;
  const char* stop_ = nullptr;          // why the exploration was asked to stop
  const char* inconclusive_ = nullptr;  // ... and it did, before its end
  std::chrono::steady_clock::time_point deadline_;
};

// One Relacy test per scenario (Relacy's thread count is a template argument).
template <class S>
struct ReplaySuite : rl::test_suite<ReplaySuite<S>, S::kThreads> {
  static inline RelacyReplay* replay = nullptr;
  static inline const typename S::Config* config = nullptr;
  static inline Mutations mutations;
  S* scenario = nullptr;

  // Set-up and the final check are not part of the table: no hook then.
  void before() {
    replay->BeginExecution();
    SetStepHook(nullptr);
    scenario = sync::make<S>(*config, mutations);
    SetStepHook(replay);
  }
  void thread(unsigned cpu) {
    replay->Start(static_cast<int>(cpu));
    scenario->Thread(static_cast<int>(cpu));
    replay->Finish(static_cast<int>(cpu));
  }
  void after() {
    SetStepHook(nullptr);
    scenario->Observe(replay->observations());
    replay->InCheck(true);
    scenario->Check();
    replay->InCheck(false);
    replay->EndExecution();
    sync::destroy(scenario);
    SetStepHook(replay);
  }
};

// The Relacy engine for Catalog<>.
struct RelacyEngine {
  static constexpr const char* kName = "relacy";

  template <Scenario S>
  static Outcome Run(const ScenarioInfo& info, const Plan& plan, const RunOptions& opt) {
    static_assert(S::kThreads <= kMaxCpus);
    const typename S::Config config = MakeConfig<S>(info, *plan.resolved);
    auto replay = std::make_unique<RelacyReplay>(plan, opt);
    ReplaySuite<S>::replay = replay.get();
    ReplaySuite<S>::config = &config;
    ReplaySuite<S>::mutations = plan.resolved->mutations;
    return replay->Explore<ReplaySuite<S>>();
  }
};

}  // namespace mmu::replay
