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
//  - A listed step is the CPU's next step of that name ("drop lock" also
//    names a lock break). A composite row ("clear the spte") lists a group
//    of steps: in its turn the CPU runs until it has run each of them once,
//    in any order. A row may give the value its step must read; an
//    execution in which it reads another does not follow the table.
//  - After the last row, the CPUs run to completion one by one in column
//    order. A CPU that waits for a lock there (or waits inside a step for
//    another CPU, or spins longer than the step budget) passes the turn to
//    the next CPU that can run, and gets it back when that one finishes or
//    waits in turn.
//
// A table whose order cannot happen derails: a CPU finishes without reaching
// a listed step, the CPU holding the turn waits for a lock that a CPU
// waiting for its own turn holds (the sequencer knows who holds which lock:
// "take lock" and "drop lock" tell it), it waits inside a step for a CPU
// that waits for its turn, it spins past the step budget, or a step reads a
// value other than the one the table gives. The first such failure is
// recorded with its row, and the run continues as after the table, so that
// every thread still ends.
//
// The sequencer is plain data with fixed-size arrays: the native engine
// guards it with a mutex, the Relacy engine keeps it outside the simulated
// memory (no happens-before, no allocation inside the simulation).
#pragma once

#include "mmu_core/step_names.h"

#include <cstdint>

namespace mmu::replay {

inline constexpr int kMaxCpus = 8;
inline constexpr int kMaxGroup = 6;
inline constexpr int kMaxLocks = 4;

struct SeqRow {
  int cpu = 0;
  Step step = Step::ReadCount;  // a single step (ngroup == 0)
  int ngroup = 0;               // a composite row: these steps, each once, in any order
  Step group[kMaxGroup] = {};
  bool check_value = false;  // the table gives the value the step reads
  std::uint64_t value = 0;

  bool Names(Step s) const {
    if (ngroup == 0) return StepMatches(step, s);
    for (int i = 0; i < ngroup; ++i) {
      if (group[i] == s) return true;
    }
    return false;
  }
};

enum class SeqError : std::uint8_t {
  kNone,
  kNeverReached,   // the CPU finished without reaching the row's step
  kLockedOut,      // the CPU holding the row's turn waits for a lock held by a CPU waiting for its turn
  kWaitsForever,   // the CPU holding the row's turn waits inside a step for a CPU waiting for its turn
  kSpins,          // the CPU ran past the step budget without reaching the row's step (row -1: its turn never ends)
  kStuck,          // after the table, no CPU can run (all wait for locks, or the only one spins)
  kValueMismatch,  // the row's step read another value than the table gives
};

struct SeqFailure {
  SeqError kind = SeqError::kNone;
  int row = -1;    // the row that cannot happen (-1: after the table)
  int cpu = -1;    // the CPU at fault
  int since = -1;  // the CPU's last executed listed row, or -1
  int steps = 0;   // kSpins: steps run in the turn
  int waiting[kMaxCpus] = {};  // each CPU's next listed row when it failed, -1 if none or finished
  bool finished[kMaxCpus] = {};  // which CPUs had ended
  const char* lock = "mmu_lock";  // kLockedOut: the lock; kWaitsForever: what the CPU waits for
  int holder = -1;      // kLockedOut: the CPU holding the lock, -1 if unknown
  Step missing = Step::ReadCount;  // kNeverReached of a composite row: a step it did not run
  bool partial = false;            // ... and it ran some of them
  std::uint64_t seen = 0;          // kValueMismatch: the value the step read
  Step inside = Step::ReadCount;   // kLockedOut, kWaitsForever: the step the CPU waits in
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
    // After the table: the order in which CPUs get the turn (null: column
    // order), and, when rotate_every > 0, the turn passes on after that many
    // steps of a CPU (a round robin; replay/step_facts.h runs them).
    const int* order = nullptr;
    int rotate_every = 0;
  };

  void Reset(const Plan& p) {
    plan_ = p;
    row_ = 0;
    row_done_ = false;
    executing_listed_ = false;
    final_active_ = -1;
    rotated_steps_ = 0;
    steps_in_turn_ = 0;
    turn_ = 0;
    ordinal_ = 0;
    failure_ = SeqFailure{};
    version_ = 0;
    for (int c = 0; c < kMaxCpus; ++c) {
      finished_[c] = c >= p.cpus;
      blocked_[c] = false;
      waits_[c] = false;
      lock_[c] = nullptr;
      last_row_[c] = -1;
      next_[c] = NextRowOf(c, 0);
    }
    for (int l = 0; l < kMaxLocks; ++l) locks_[l] = LockSlot{};
    StartRow();
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
      in_step_[cpu] = s;
      if (!row_done_) {
        executing_listed_ = Remaining(s);
        return executing_listed_ || CountStep(cpu);
      }
      // Its next listed step, or any step once it has no listed step left
      // (those run after the table): the turn passes on.
      if (next_[cpu] >= plan_.nrows || plan_.rows[next_[cpu]].Names(s)) {
        Advance();
        continue;
      }
      return CountStep(cpu);
    }
  }

  // The step s that Enter() admitted has run and read or wrote `value`.
  StepPlace Executed(int cpu, Step s, std::uint64_t value) {
    StepPlace p{turn_, ordinal_++, -1, !InTable()};
    if (!InTable() && plan_.rotate_every > 0 && final_active_ == cpu && ++rotated_steps_ >= plan_.rotate_every) {
      rotated_steps_ = 0;
      HandOver(-1, cpu);
      return p;
    }
    if (executing_listed_ && InTable() && Active() == cpu) {
      executing_listed_ = false;
      p.row = row_;
      Take(s);
      if (nremaining_ > 0) return p;  // a composite row goes on
      row_done_ = true;
      last_row_[cpu] = row_;
      next_[cpu] = NextRowOf(cpu, row_ + 1);
      const SeqRow& r = plan_.rows[row_];
      if (r.check_value && value != r.value) {
        Fail(SeqError::kValueMismatch, row_, cpu);
        failure_.seen = value;
        EnterFinal();
      }
    }
    return p;
  }

  // The listed row a step that Enter() admitted for `cpu` is part of, -1 if
  // it is unlisted (asked between Enter() and Executed()).
  int AdmittedRow(int cpu) const { return executing_listed_ && InTable() && Active() == cpu ? row_ : -1; }
  int Turn() const { return turn_; }

  // A place for an event that is not a step (a lock wait).
  StepPlace Note() { return StepPlace{turn_, ordinal_++, -1, !InTable()}; }

  void Finish(int cpu) {
    finished_[cpu] = true;
    Changed();
    if (InTable()) {
      if (Active() != cpu) return;
      if (!row_done_) {
        const bool partial = nremaining_ < plan_.rows[row_].ngroup;
        const Step missing = nremaining_ > 0 ? remaining_[0] : plan_.rows[row_].step;
        Derail(SeqError::kNeverReached, row_, cpu);
        failure_.missing = missing;
        failure_.partial = partial;
        return;
      }
      if (next_[cpu] < plan_.nrows) return Derail(SeqError::kNeverReached, next_[cpu], cpu);
      Advance();
      return;
    }
    if (final_active_ == cpu) HandOver(-1);
  }

  // The CPU is about to spin on a lock; Unblocked(): it has it.
  void Blocking(int cpu, const char* lock = "mmu_lock") {
    blocked_[cpu] = true;
    waits_[cpu] = false;
    lock_[cpu] = lock;
    Changed();
  }
  void Unblocked(int cpu) {
    if (!waits_[cpu]) SetHolder(LockOf(cpu), cpu);
    blocked_[cpu] = false;
    waits_[cpu] = false;
    if (!InTable() && final_active_ < 0) HandOver(-1);
    Changed();
  }
  // Inside a step the CPU waits for another CPU (`what` is static text);
  // Unblocked() ends the wait.
  void Waiting(int cpu, const char* what) {
    blocked_[cpu] = true;
    waits_[cpu] = true;
    lock_[cpu] = what;
    Changed();
  }
  // The CPU released a lock.
  void Released(int cpu, const char* lock) {
    if (HolderOf(lock) == cpu) SetHolder(lock, -1);
    Changed();
  }
  bool Blocked(int cpu) const { return blocked_[cpu]; }
  bool WaitsInStep(int cpu) const { return blocked_[cpu] && waits_[cpu]; }
  // The lock the CPU waits for, or last waited for (or what it waits for).
  const char* LockOf(int cpu) const { return lock_[cpu] != nullptr ? lock_[cpu] : "mmu_lock"; }
  // The CPU holding a lock, -1 if none (as "take lock" and "drop lock" told).
  int HolderOf(const char* lock) const {
    for (const LockSlot& l : locks_) {
      if (l.name != nullptr && Same(l.name, lock)) return l.holder;
    }
    return -1;
  }

  // The CPU holding the turn waits for a lock or for another CPU. The
  // engines call BreakLockWait() once they know the wait cannot end in this
  // turn.
  bool ActiveWaitsForLock() const {
    const int a = Active();
    return a >= 0 && blocked_[a];
  }
  void BreakLockWait() {
    const int a = Active();
    if (a < 0 || !blocked_[a]) return;
    // The row it cannot get to: the one it runs (a wait inside its listed
    // step), or its next (a wait on its way there).
    const int row = row_done_ ? (next_[a] < plan_.nrows ? next_[a] : -1) : row_;
    if (InTable()) {
      Derail(waits_[a] ? SeqError::kWaitsForever : SeqError::kLockedOut, row, a);
      failure_.inside = in_step_[a];
      return;
    }
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

  static bool Same(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) ++a, ++b;
    return *a == *b;
  }
  void SetHolder(const char* lock, int cpu) {
    for (LockSlot& l : locks_) {
      if (l.name != nullptr && Same(l.name, lock)) {
        l.holder = cpu;
        return;
      }
    }
    for (LockSlot& l : locks_) {
      if (l.name == nullptr) {
        l.name = lock;
        l.holder = cpu;
        return;
      }
    }
  }

  // The current row's steps not run yet (a single step: just it).
  void StartRow() {
    nremaining_ = 0;
    if (row_ >= plan_.nrows) return;
    const SeqRow& r = plan_.rows[row_];
    if (r.ngroup == 0) {
      remaining_[nremaining_++] = r.step;
      return;
    }
    for (int i = 0; i < r.ngroup && i < kMaxGroup; ++i) remaining_[nremaining_++] = r.group[i];
  }
  bool Remaining(Step s) const {
    const SeqRow& r = plan_.rows[row_];
    for (int i = 0; i < nremaining_; ++i) {
      if (r.ngroup == 0 ? StepMatches(remaining_[i], s) : remaining_[i] == s) return true;
    }
    return false;
  }
  void Take(Step s) {
    const SeqRow& r = plan_.rows[row_];
    for (int i = 0; i < nremaining_; ++i) {
      if (r.ngroup == 0 ? StepMatches(remaining_[i], s) : remaining_[i] == s) {
        remaining_[i] = remaining_[--nremaining_];
        return;
      }
    }
  }

  void Advance() {
    ++row_;
    row_done_ = false;
    executing_listed_ = false;
    StartRow();
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
  // The CPU at position i of the order after the table.
  int OrderAt(int i) const { return plan_.order != nullptr ? plan_.order[i] : i; }

  // `after`: start looking after this CPU in the order (a round robin).
  void HandOver(int skip, int after = -1) {
    int pick = -1;
    int start = 0;
    for (int i = 0; i < plan_.cpus && after >= 0; ++i) {
      if (OrderAt(i) == after) start = i + 1;
    }
    for (int k = 0; k < plan_.cpus && pick < 0; ++k) {
      const int c = OrderAt((start + k) % plan_.cpus);
      if (!finished_[c] && !blocked_[c] && c != skip) pick = c;
    }
    if (pick < 0 && skip >= 0 && !finished_[skip] && !blocked_[skip]) pick = -2;  // only the spinner is left
    if (pick == -2) {
      Fail(SeqError::kStuck, -1, skip);
      pick = -1;
    }
    final_active_ = pick;
    rotated_steps_ = 0;
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
    if (cpu >= 0 && blocked_[cpu]) {
      failure_.lock = LockOf(cpu);
      if (!waits_[cpu]) failure_.holder = HolderOf(failure_.lock);
    }
    for (int c = 0; c < kMaxCpus; ++c) {
      failure_.waiting[c] = c < plan_.cpus ? WaitingAt(c) : -1;
      failure_.finished[c] = c < plan_.cpus && finished_[c];
    }
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
  int rotated_steps_ = 0;
  int steps_in_turn_ = 0;
  int turn_ = 0;
  int ordinal_ = 0;
  std::uint64_t version_ = 0;
  struct LockSlot {
    const char* name = nullptr;
    int holder = -1;
  };
  bool finished_[kMaxCpus] = {};
  bool blocked_[kMaxCpus] = {};
  bool waits_[kMaxCpus] = {};        // blocked inside a step for another CPU, not on a lock
  const char* lock_[kMaxCpus] = {};  // the lock a blocked CPU waits for (or what it waits for)
  LockSlot locks_[kMaxLocks];
  Step in_step_[kMaxCpus] = {};  // the step a CPU was last admitted to
  Step remaining_[kMaxGroup] = {};
  int nremaining_ = 0;
  int next_[kMaxCpus] = {};
  int last_row_[kMaxCpus] = {};
  SeqFailure failure_;
};

}  // namespace mmu::replay
