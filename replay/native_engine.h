// replay/native_engine.h: replay on real threads (native backend).
//
// One std::thread per scenario CPU runs the real core. A StepHook gate makes
// each thread wait in before() until the sequencer gives it the turn, so
// exactly one CPU runs at a time and the steps happen in the table's order;
// a mutex orders the turns, so the run is sequentially consistent and
// repeatable. The main thread supervises:
//  - the CPU holding the turn waits for mmu_lock for lock_wait_ms: in the
//    table, the lock is held by a CPU waiting for its turn (the order cannot
//    happen); after it, the turn passes to the next CPU that can run;
//  - nothing happens for timeout_s (default 10 s; a CPU waits inside one
//    step or spins without step points): the watchdog gives up, lets every
//    thread run freely, and reports.
// Threads that still do not end are left running (Outcome::stuck); the
// caller must then leave the process with _exit.
#pragma once

#include "mmu_core/scenario.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"
#include "replay/catalog.h"
#include "replay/outcome.h"
#include "replay/sequencer.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace mmu::replay {

class NativeGate final : public StepHook, public sync::ViolationSink {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr double kDefaultWatchdog = 10;

  NativeGate(const Plan& plan, const RunOptions& opt) : opt_(opt), rows_(plan.rows) {
    if (opt_.timeout_s <= 0) opt_.timeout_s = kDefaultWatchdog;
    Sequencer::Plan p;
    p.rows = rows_.data();
    p.nrows = static_cast<int>(rows_.size());
    p.cpus = plan.cpus;
    p.step_budget = opt.step_budget;
    if (static_cast<int>(opt_.final_order.size()) == plan.cpus) p.order = opt_.final_order.data();
    p.rotate_every = opt_.rotate_every;
    seq_.Reset(p);
    last_progress_ = Clock::now();
  }

  // Thread start: wait for the CPU's first turn.
  void Start(int cpu) {
    std::unique_lock l(m_);
    cv_.wait(l, [&] { return free_ || seq_.MayRun(cpu); });
  }
  void Finish(int cpu) {
    std::unique_lock l(m_);
    seq_.Finish(cpu);
    Progress();
  }

  void before(int cpu, Step s) override {
    std::unique_lock l(m_);
    for (;;) {
      const std::uint64_t v = seq_.version();
      const bool go = free_ || seq_.Enter(cpu, s);
      if (seq_.version() != v) Progress();
      if (go) return;
      cv_.wait(l);
    }
  }
  void after(int cpu, Step s, std::uint64_t value) override {
    std::unique_lock l(m_);
    const StepPlace p = seq_.Executed(cpu, s, value);
    log_.Add(Event{p.turn, p.ordinal, cpu, EventKind::kStep, s, p.row, value, p.after_table});
    if (p.row >= 0) last_row_ = p.row;
    Progress();
  }
  void blocking(int cpu, const char* lock) override {
    std::unique_lock l(m_);
    Note(cpu, EventKind::kWaitsForLock, lock);
    seq_.Blocking(cpu, lock);
    blocked_since_ = Clock::now();
    Progress();
  }
  void unblocked(int cpu) override {
    std::unique_lock l(m_);
    seq_.Unblocked(cpu);
    Note(cpu, EventKind::kGotLock, seq_.LockOf(cpu));
    Progress();
    cv_.wait(l, [&] { return free_ || seq_.MayRun(cpu); });
  }
  void released(int cpu, const char* lock) override {
    std::unique_lock l(m_);
    seq_.Released(cpu, lock);
    Progress();
  }
  // A wait inside a step (the remote flush, synchronize_srcu): like a lock
  // wait for the supervisor, but not noted in the table (it usually ends at
  // once).
  void waiting(int cpu, const char* what) override {
    std::unique_lock l(m_);
    seq_.Waiting(cpu, what);
    blocked_since_ = Clock::now();
    Progress();
  }
  void done_waiting(int cpu) override {
    std::unique_lock l(m_);
    seq_.Unblocked(cpu);
    Progress();
    cv_.wait(l, [&] { return free_ || seq_.MayRun(cpu); });
  }

  void violation(int cpu, const char* what, const sync::Loc& where) override {
    std::unique_lock l(m_);
    if (violation_) return;
    std::string file = where.file_name();
    if (file.rfind("./", 0) == 0) file.erase(0, 2);
    violation_ = Violation{in_check_ ? -1 : cpu, what, file + ":" + std::to_string(where.line()), last_row_};
  }

  // The main thread: hands the turn on when its holder cannot get mmu_lock,
  // and gives up when nothing happens. Returns when every CPU has finished
  // (true) or they were let go and did not end in time (false).
  bool Supervise() {
    std::unique_lock l(m_);
    const auto lock_wait = std::chrono::duration<double, std::milli>(opt_.lock_wait_ms);
    const auto timeout = std::chrono::duration<double>(opt_.timeout_s);
    Clock::time_point freed{};
    while (!seq_.AllFinished()) {
      cv_.wait_for(l, std::chrono::milliseconds(5));
      const auto now = Clock::now();
      if (free_) {
        if (now - freed > std::chrono::seconds(1)) return false;
        continue;
      }
      if (seq_.ActiveWaitsForLock() && now - blocked_since_ > lock_wait) {
        seq_.BreakLockWait();
        Progress();
      } else if (seq_.Stuck() && now - last_progress_ > lock_wait) {
        Release(now, &freed);
      } else if (now - last_progress_ > timeout) {
        Release(now, &freed);
      }
    }
    return true;
  }

  // Final check, on the main thread after every CPU ended.
  template <class S>
  void Check(S& scenario) {
    {
      std::unique_lock l(m_);
      in_check_ = true;
    }
    scenario.Check();
  }

  // What happened so far (threads may still run when the gate was released).
  void Snapshot(Outcome& out) {
    std::unique_lock l(m_);
    for (int i = 0; i < log_.size(); ++i) {
      MergedEvent m;
      m.event = log_[i];
      m.nvalues = 1;
      m.values[0] = log_[i].value;
      out.table.push_back(m);
    }
    out.table_truncated = log_.truncated();
    out.violation = violation_;
    out.failure = seq_.failure();
    out.violation_derailed = violation_ && seq_.failure().kind != SeqError::kNone;
    out.watchdog_s = timed_out_ ? opt_.timeout_s : 0;
  }

 private:
  void Note(int cpu, EventKind kind, const char* lock) {
    const StepPlace p = seq_.Note();
    log_.Add(Event{p.turn, p.ordinal, cpu, kind, Step::ReadCount, -1, 0, p.after_table, lock});
  }

  void Progress() {
    last_progress_ = Clock::now();
    cv_.notify_all();
  }
  // Nobody can make progress under the table's rules: record it and let
  // every thread run freely so that they can end.
  void Release(Clock::time_point now, Clock::time_point* freed) {
    timed_out_ = !seq_.Stuck();
    seq_.GiveUp(seq_.Active());
    free_ = true;
    *freed = now;
    cv_.notify_all();
  }

  RunOptions opt_;
  std::vector<SeqRow> rows_;
  std::mutex m_;
  std::condition_variable cv_;
  Sequencer seq_;
  EventLog<4096> log_;
  std::optional<Violation> violation_;
  bool in_check_ = false;
  bool free_ = false;
  bool timed_out_ = false;
  int last_row_ = -1;
  Clock::time_point last_progress_;
  Clock::time_point blocked_since_;
};

// The native engine for Catalog<>.
struct NativeEngine {
  static constexpr const char* kName = "native";

  template <Scenario S>
  static Outcome Run(const ScenarioInfo& info, const Plan& plan, const RunOptions& opt) {
    const auto start = std::chrono::steady_clock::now();
    // Both live on the heap: if threads cannot be stopped they keep them.
    auto gate = std::make_unique<NativeGate>(plan, opt);
    auto scenario = std::make_unique<S>(MakeConfig<S>(info, *plan.resolved), plan.resolved->mutations);
    SetStepHook(gate.get());
    sync::set_violation_sink(gate.get());
    std::vector<std::thread> threads;
    for (int cpu = 0; cpu < S::kThreads; ++cpu) {
      threads.emplace_back([g = gate.get(), s = scenario.get(), cpu] {
        sync::set_this_cpu(cpu);
        g->Start(cpu);
        s->Thread(cpu);
        g->Finish(cpu);
      });
    }
    const bool ended = gate->Supervise();
    Outcome out;
    out.engine = kName;
    out.executions = 1;
    if (!ended) {
      // The threads keep the gate and the scenario; the process must _exit.
      gate->Snapshot(out);
      for (std::thread& t : threads) t.detach();
      out.stuck = true;
      (void)gate.release();
      (void)scenario.release();
      return out;
    }
    for (std::thread& t : threads) t.join();
    SetStepHook(nullptr);  // the final check is not part of the table
    gate->Check(*scenario);
    sync::set_violation_sink(nullptr);
    gate->Snapshot(out);
    ObservedSet set;
    scenario->Observe(set.obs);
    set.count = 1;
    out.observed.push_back(set);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  }
};

}  // namespace mmu::replay
