// replay/sequencer.h: whose turn it is, for both replay engines.
//
// The table is a list of rows (cpu, step). Execution is a sequence of turns,
// and exactly one CPU may run at a time:
//
//  - Row r's turn belongs to its CPU c. In it, c runs whatever precedes its
//    listed step (only in its first turn: a CPU's steps before its first
//    listed step run just before it), the listed step itself, and then its
//    unlisted steps up to its next listed step. After its last listed step
//    it waits for the table to end.
//  - A listed step is the CPU's next step of that name. When c reaches it,
//    or finishes, the turn passes to row r+1.
//  - After the last row, the CPUs run to completion one by one in column
//    order. A CPU that waits for mmu_lock there (or spins longer than the
//    step budget) passes the turn to the next CPU that can run, and gets it
//    back when that one finishes or waits in turn.
//
// A table whose order cannot happen derails: a CPU finishes without reaching
// a listed step, the CPU holding the turn waits for mmu_lock that a CPU
// waiting for its own turn holds, or it spins past the step budget (waiting
// for a CPU that waits for its turn). The first such failure is recorded with
// its row, and the run continues as after the table, so that every thread
// still ends.
//
// The sequencer is plain data with fixed-size arrays: the native engine
// guards it with a mutex, the Relacy engine keeps it outside the simulated
// memory (no happens-before, no allocation inside the simulation).
#pragma once

#include "mmu_core/step_names.h"

#include <cstdint>

namespace mmu::replay {

inline constexpr int kMaxCpus = 8;

struct SeqRow {
  int cpu;
  Step step;
};

enum class SeqError : std::uint8_t {
  kNone,
  kNeverReached,  // the CPU finished without reaching the row's step
  kLockedOut,     // the CPU holding the row's turn waits for mmu_lock held by a CPU waiting for its turn
  kSpins,         // the CPU ran past the step budget without reaching the row's step (row -1: its turn never ends)
  kStuck,         // after the table, no CPU can run (all wait for locks, or the only one spins)
};

struct SeqFailure {
  SeqError kind = SeqError::kNone;
  int row = -1;    // the row that cannot happen (-1: after the table)
  int cpu = -1;    // the CPU at fault
  int since = -1;  // the CPU's last executed listed row, or -1
  int steps = 0;   // kSpins: steps run in the turn
  int waiting[kMaxCpus] = {};  // each CPU's next listed row when it failed, -1 if none or finished
  const char* lock = "mmu_lock";  // kLockedOut: the lock the CPU waits for
};

// What Executed() says about the step that just ran.
struct StepPlace {
  int turn;          // turns count up: each row, then each hand-over after the table
  int ordinal;       // position within the turn
  int row;           // the listed row this step is, or -1
  bool after_table;  // the table had ended (or derailed) when it ran
};

class Sequencer {
 public:
  struct Plan {
    const SeqRow* rows = nullptr;
    int nrows = 0;
    int cpus = 0;
    int step_budget = 10000;  // unlisted steps one turn may run
  };

  void Reset(const Plan& p) {
    plan_ = p;
    row_ = 0;
    row_done_ = false;
    executing_listed_ = false;
    final_active_ = -1;
    steps_in_turn_ = 0;
    turn_ = 0;
    ordinal_ = 0;
    failure_ = SeqFailure{};
    version_ = 0;
    for (int c = 0; c < kMaxCpus; ++c) {
      finished_[c] = c >= p.cpus;
      blocked_[c] = false;
      lock_[c] = nullptr;
      last_row_[c] = -1;
      next_[c] = NextRowOf(c, 0);
    }
    if (plan_.nrows == 0) EnterFinal();
  }

  bool InTable() const { return row_ < plan_.nrows; }
  int row() const { return row_; }
  // The CPU holding the turn, or -1 (after the table, when none can run).
  int Active() const { return InTable() ? plan_.rows[row_].cpu : final_active_; }
  bool Finished(int cpu) const { return finished_[cpu]; }
  bool AllFinished() const {
    for (int c = 0; c < plan_.cpus; ++c) {
      if (!finished_[c]) return false;
    }
    return true;
  }
  const SeqFailure& failure() const { return failure_; }
  // Bumped by every change that may let another CPU run.
  std::uint64_t version() const { return version_; }

  // May `cpu` run now (thread start, or after getting mmu_lock)?
  bool MayRun(int cpu) const { return !finished_[cpu] && Active() == cpu; }

  // `cpu` is about to run step s. True when it may; a CPU reaching its next
  // listed step hands the turn on first.
  bool Enter(int cpu, Step s) {
    for (;;) {
      if (Active() != cpu) return false;
      if (!InTable()) return CountStep(cpu);
      if (!row_done_) {
        executing_listed_ = plan_.rows[row_].step == s;
        return executing_listed_ || CountStep(cpu);
      }
      // Its next listed step, or any step once it has no listed step left
      // (those run after the table): the turn passes on.
      if (next_[cpu] >= plan_.nrows || plan_.rows[next_[cpu]].step == s) {
        Advance();
        continue;
      }
      return CountStep(cpu);
    }
  }

  // The step that Enter() admitted has run.
  StepPlace Executed(int cpu) {
    StepPlace p{turn_, ordinal_++, -1, !InTable()};
    if (executing_listed_ && InTable() && Active() == cpu) {
      executing_listed_ = false;
      row_done_ = true;
      p.row = row_;
      last_row_[cpu] = row_;
      next_[cpu] = NextRowOf(cpu, row_ + 1);
    }
    return p;
  }

  // A place for an event that is not a step (a lock wait).
  StepPlace Note() { return StepPlace{turn_, ordinal_++, -1, !InTable()}; }

  void Finish(int cpu) {
    finished_[cpu] = true;
    Changed();
    if (InTable()) {
      if (Active() != cpu) return;
      if (!row_done_) return Derail(SeqError::kNeverReached, row_, cpu);
      if (next_[cpu] < plan_.nrows) return Derail(SeqError::kNeverReached, next_[cpu], cpu);
      Advance();
      return;
    }
    if (final_active_ == cpu) HandOver(-1);
  }

  void Blocking(int cpu, const char* lock = "mmu_lock") {
    blocked_[cpu] = true;
    lock_[cpu] = lock;
    Changed();
  }
  void Unblocked(int cpu) {
    blocked_[cpu] = false;
    if (!InTable() && final_active_ < 0) HandOver(-1);
    Changed();
  }
  bool Blocked(int cpu) const { return blocked_[cpu]; }
  // The lock the CPU waits for, or last waited for.
  const char* LockOf(int cpu) const { return lock_[cpu] != nullptr ? lock_[cpu] : "mmu_lock"; }

  // The CPU holding the turn waits for a lock. The engines call
  // BreakLockWait() once they know the lock cannot come in this turn.
  bool ActiveWaitsForLock() const {
    const int a = Active();
    return a >= 0 && blocked_[a];
  }
  void BreakLockWait() {
    const int a = Active();
    if (a < 0 || !blocked_[a]) return;
    if (InTable()) return Derail(SeqError::kLockedOut, row_, a);
    HandOver(-1);
  }

  // Nobody can run and someone has not finished.
  bool Stuck() const { return !AllFinished() && Active() < 0; }
  // The engine gives up on a stuck run (recorded unless a failure already is);
  // `cpu` is the one holding the turn, if any.
  void GiveUp(int cpu = -1) { Fail(SeqError::kStuck, -1, cpu); }

  // The row a CPU waits at for its turn (its next listed row), or -1.
  int WaitingAt(int cpu) const { return next_[cpu] < plan_.nrows && !finished_[cpu] ? next_[cpu] : -1; }

 private:
  int NextRowOf(int cpu, int from) const {
    for (int r = from; r < plan_.nrows; ++r) {
      if (plan_.rows[r].cpu == cpu) return r;
    }
    return plan_.nrows;
  }

  void Changed() { ++version_; }

  void Advance() {
    ++row_;
    row_done_ = false;
    executing_listed_ = false;
    steps_in_turn_ = 0;
    ++turn_;
    ordinal_ = 0;
    Changed();
    if (!InTable()) EnterFinal();
  }

  void EnterFinal(int skip = -1) {
    row_ = plan_.nrows;
    final_active_ = -1;
    HandOver(skip);
  }

  // After the table: the lowest-numbered CPU that can run, other than `skip`
  // (a CPU over its step budget) unless it is the only one.
  void HandOver(int skip) {
    int pick = -1;
    for (int c = 0; c < plan_.cpus && pick < 0; ++c) {
      if (!finished_[c] && !blocked_[c] && c != skip) pick = c;
    }
    if (pick < 0 && skip >= 0 && !finished_[skip] && !blocked_[skip]) pick = -2;  // only the spinner is left
    if (pick == -2) {
      Fail(SeqError::kStuck, -1, skip);
      pick = -1;
    }
    final_active_ = pick;
    steps_in_turn_ = 0;
    ++turn_;
    ordinal_ = 0;
    Changed();
  }

  bool CountStep(int cpu) {
    if (++steps_in_turn_ <= plan_.step_budget) return true;
    if (InTable()) {
      Fail(SeqError::kSpins, next_[cpu] < plan_.nrows ? next_[cpu] : -1, cpu);
      failure_.steps = plan_.step_budget;
      EnterFinal(cpu);
    } else {
      HandOver(cpu);
    }
    return Active() == cpu;
  }

  void Fail(SeqError kind, int row, int cpu) {
    if (failure_.kind != SeqError::kNone) return;
    failure_ = SeqFailure{};
    failure_.kind = kind;
    failure_.row = row;
    failure_.cpu = cpu;
    failure_.since = cpu >= 0 ? last_row_[cpu] : -1;
    if (cpu >= 0 && blocked_[cpu]) failure_.lock = LockOf(cpu);
    for (int c = 0; c < kMaxCpus; ++c) failure_.waiting[c] = c < plan_.cpus ? WaitingAt(c) : -1;
  }

  void Derail(SeqError kind, int row, int cpu) {
    Fail(kind, row, cpu);
    EnterFinal();
  }

  Plan plan_;
  int row_ = 0;
  bool row_done_ = false;
  bool executing_listed_ = false;
  int final_active_ = -1;
  int steps_in_turn_ = 0;
  int turn_ = 0;
  int ordinal_ = 0;
  std::uint64_t version_ = 0;
  bool finished_[kMaxCpus] = {};
  bool blocked_[kMaxCpus] = {};
  const char* lock_[kMaxCpus] = {};  // the lock a blocked CPU waits for
  int next_[kMaxCpus] = {};
  int last_row_[kMaxCpus] = {};
  SeqFailure failure_;
};

}  // namespace mmu::replay
