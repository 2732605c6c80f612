// The turn rules of replay/sequencer.h, driven by hand: no threads,
// each call stands for what a CPU's gate would do.
#include "replay/sequencer.h"

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <vector>

namespace mmu::replay {
namespace {

struct Table {
  std::vector<SeqRow> rows;
  Sequencer seq;
  explicit Table(std::vector<SeqRow> r, int cpus = 2, int budget = 100) : rows(std::move(r)) {
    Sequencer::Plan p;
    p.rows = rows.data();
    p.nrows = static_cast<int>(rows.size());
    p.cpus = cpus;
    p.step_budget = budget;
    seq.Reset(p);
  }
  // A CPU runs step s if the gate lets it, and records it.
  bool Run(int cpu, Step s) {
    if (!seq.Enter(cpu, s)) return false;
    seq.Executed(cpu, s, 0);
    return true;
  }
};

TEST_CASE("only the CPU of the current row runs; its steps before the first listed one run in that turn") {
  Table t({{1, Step::WriteLow}, {0, Step::ReadCount}, {0, Step::ReadLow}});
  CHECK_FALSE(t.seq.MayRun(0));
  CHECK(t.seq.MayRun(1));
  CHECK_FALSE(t.Run(0, Step::ReadCount));
  CHECK(t.Run(1, Step::ReadLow));  // unlisted, before its listed step
  CHECK(t.Run(1, Step::WriteLow));
  CHECK_FALSE(t.Run(1, Step::WriteHigh));  // unlisted, after its last listed step: after the table
  CHECK(t.seq.MayRun(0));
  CHECK(t.Run(0, Step::ReadCount));
  CHECK(t.Run(0, Step::ReadLow));  // consecutive rows of one CPU
  CHECK(t.seq.InTable());          // its last row's turn lasts until it ends or steps again
  CHECK(t.Run(0, Step::ReadHigh));  // the table ends; column order: CPU 0 first
  CHECK_FALSE(t.seq.InTable());
  t.seq.Finish(0);
  CHECK(t.Run(1, Step::WriteHigh));
  t.seq.Finish(1);
  CHECK(t.seq.AllFinished());
  CHECK(t.seq.failure().kind == SeqError::kNone);
}

TEST_CASE("reaching the next listed step hands the turn on") {
  Table t({{0, Step::ReadCount}, {1, Step::WriteLow}, {0, Step::ReadHigh}});
  CHECK(t.Run(0, Step::ReadCount));
  CHECK(t.Run(0, Step::ReadLow));
  CHECK_FALSE(t.Run(0, Step::ReadHigh));  // its next listed step: wait for row 2
  CHECK(t.seq.Active() == 1);
  CHECK(t.Run(1, Step::WriteLow));
  CHECK_FALSE(t.Run(1, Step::WriteHigh));  // no listed step left: it waits for the table's end
  CHECK(t.seq.Active() == 0);
  CHECK(t.Run(0, Step::ReadHigh));
  t.seq.Finish(0);
  CHECK(t.Run(1, Step::WriteHigh));
}

TEST_CASE("a CPU that finishes before a listed step derails the table at that row") {
  Table t({{1, Step::WriteHigh}, {0, Step::ReadLow}, {1, Step::WriteLow}});
  CHECK(t.Run(1, Step::WriteLow));  // the fast clear writes low first: unlisted here
  CHECK(t.Run(1, Step::WriteHigh));
  CHECK(t.Run(1, Step::UpdateCount));
  t.seq.Finish(1);  // row 2 (write low) can never come
  CHECK(t.seq.failure().kind == SeqError::kNeverReached);
  CHECK(t.seq.failure().row == 2);
  CHECK(t.seq.failure().cpu == 1);
  CHECK(t.seq.failure().since == 0);
  CHECK_FALSE(t.seq.InTable());
  CHECK(t.Run(0, Step::ReadLow));  // the rest runs to completion
  t.seq.Finish(0);
  CHECK(t.seq.AllFinished());
}

TEST_CASE("a CPU that finishes in its turn before the row's step fails at that row") {
  Table t({{0, Step::ReadSpte}});
  CHECK(t.Run(0, Step::ReadCount));
  t.seq.Finish(0);
  CHECK(t.seq.failure().kind == SeqError::kNeverReached);
  CHECK(t.seq.failure().row == 0);
  CHECK(t.seq.failure().since == -1);
}

TEST_CASE("waiting for mmu_lock in the table derails; after it the turn passes on") {
  Table t({{0, Step::ReadSpte}, {1, Step::ReadSpte}, {0, Step::WriteSpte}});
  CHECK(t.Run(0, Step::ReadSpte));
  CHECK_FALSE(t.Run(0, Step::WriteSpte));
  t.seq.Blocking(1);
  CHECK(t.seq.ActiveWaitsForLock());
  t.seq.BreakLockWait();
  CHECK(t.seq.failure().kind == SeqError::kLockedOut);
  CHECK(t.seq.failure().row == 1);
  CHECK(t.seq.failure().waiting[0] == 2);
  CHECK(t.seq.Active() == 0);  // CPU 1 waits, CPU 0 runs on
  CHECK(t.Run(0, Step::WriteSpte));
  t.seq.Finish(0);
  CHECK(t.seq.Active() == -1);  // CPU 1 still waits for the lock
  t.seq.Unblocked(1);
  CHECK(t.seq.MayRun(1));
}

TEST_CASE("after the table a CPU waiting for the lock gives the turn to the next one") {
  Table t({{1, Step::ReadSpte}});
  CHECK(t.Run(1, Step::ReadSpte));  // CPU 1 holds the lock when the table ends
  CHECK(t.seq.Active() == 1);      // ... and keeps running: it has no further rows
  t.seq.Finish(1);
  CHECK(t.seq.Active() == 0);
}

TEST_CASE("after the table: lowest CPU first, a blocked one hands over and waits for the holder") {
  Table t({}, 3);
  CHECK(t.seq.Active() == 0);
  t.seq.Blocking(0);
  t.seq.BreakLockWait();
  CHECK(t.seq.Active() == 1);
  t.seq.Unblocked(0);  // got the lock, but CPU 1 keeps the turn
  CHECK_FALSE(t.seq.MayRun(0));
  t.seq.Finish(1);
  CHECK(t.seq.Active() == 0);
  t.seq.Finish(0);
  CHECK(t.seq.Active() == 2);
}

TEST_CASE("a CPU over the step budget: in the table it derails, after it the turn rotates") {
  Table t({{0, Step::ReadCount}, {1, Step::WriteLow}, {0, Step::CheckLowAndCount}}, 2, 3);
  CHECK(t.Run(0, Step::ReadCount));
  CHECK(t.Run(0, Step::ReadLow));
  CHECK(t.Run(0, Step::ReadLow));
  CHECK(t.Run(0, Step::ReadLow));
  CHECK_FALSE(t.Run(0, Step::ReadLow));  // fourth unlisted step in the turn: over budget
  CHECK(t.seq.failure().kind == SeqError::kSpins);
  CHECK(t.seq.failure().row == 2);
  CHECK(t.seq.failure().steps == 3);
  CHECK(t.seq.Active() == 1);  // after the table the spinner gives the turn away
  CHECK(t.Run(1, Step::WriteLow));
  t.seq.Finish(1);
  CHECK(t.seq.Active() == 0);
  CHECK(t.Run(0, Step::ReadLow));
}

TEST_CASE("the only CPU left spinning is stuck") {
  Table t({}, 1, 2);
  CHECK(t.Run(0, Step::ReadLow));
  CHECK(t.Run(0, Step::ReadLow));
  CHECK_FALSE(t.Run(0, Step::ReadLow));
  CHECK(t.seq.Stuck());
  CHECK(t.seq.failure().kind == SeqError::kStuck);
}

SeqRow Group(int cpu, std::initializer_list<Step> steps) {
  SeqRow r;
  r.cpu = cpu;
  r.step = *steps.begin();
  for (Step s : steps) r.group[r.ngroup++] = s;
  return r;
}

SeqRow Claim(int cpu, Step s, std::uint64_t v) {
  SeqRow r;
  r.cpu = cpu;
  r.step = s;
  r.check_value = true;
  r.value = v;
  return r;
}

TEST_CASE("a composite row: the CPU runs each of its steps once, in any order, in one turn") {
  Table t({Group(1, {Step::WriteLow, Step::WriteHigh, Step::UpdateCount}), {0, Step::ReadLow}});
  CHECK(t.Run(1, Step::WriteHigh));
  CHECK(t.Run(1, Step::ReadHigh));  // not in the group: unlisted, in the same turn
  CHECK(t.Run(1, Step::WriteLow));
  CHECK_FALSE(t.seq.MayRun(0));
  CHECK(t.Run(1, Step::UpdateCount));
  CHECK_FALSE(t.Run(1, Step::WriteLow));  // after its last listed row: after the table
  CHECK(t.seq.MayRun(0));
  CHECK(t.Run(0, Step::ReadLow));
}

TEST_CASE("a composite row the CPU does not complete names a step it did not run") {
  Table t({Group(1, {Step::WriteLow, Step::UpdateCount}), {0, Step::ReadLow}});
  CHECK(t.Run(1, Step::WriteLow));
  t.seq.Finish(1);
  CHECK(t.seq.failure().kind == SeqError::kNeverReached);
  CHECK(t.seq.failure().missing == Step::UpdateCount);
  CHECK(t.seq.failure().partial);
}

TEST_CASE("a value the table gives: the same value follows the table, another derails") {
  Table ok({Claim(0, Step::ReadCount, 0), {1, Step::WriteLow}});
  CHECK(ok.seq.Enter(0, Step::ReadCount));
  ok.seq.Executed(0, Step::ReadCount, 0);
  CHECK(ok.seq.failure().kind == SeqError::kNone);
  CHECK_FALSE(ok.seq.Enter(0, Step::ReadLow));  // its next step: the turn passes on
  CHECK(ok.seq.MayRun(1));
  Table bad({Claim(0, Step::ReadCount, 1), {1, Step::WriteLow}});
  CHECK(bad.seq.Enter(0, Step::ReadCount));
  bad.seq.Executed(0, Step::ReadCount, 0);
  CHECK(bad.seq.failure().kind == SeqError::kValueMismatch);
  CHECK(bad.seq.failure().row == 0);
  CHECK(bad.seq.failure().seen == 0);
  CHECK_FALSE(bad.seq.InTable());
}

TEST_CASE("'drop lock' names a lock break too") {
  CHECK(StepMatches(Step::DropLock, Step::LockBreak));
  CHECK_FALSE(StepMatches(Step::LockBreak, Step::DropLock));
  Table t({{0, Step::DropLock}, {1, Step::TakeLock}});
  CHECK(t.Run(0, Step::LockBreak));
  CHECK_FALSE(t.Run(0, Step::TakeLock));
  CHECK(t.seq.MayRun(1));
}

TEST_CASE("the sequencer knows who holds a lock, and names the holder when a CPU blocks on it") {
  Table t({{0, Step::TakeLock}, {1, Step::TakeLock}, {0, Step::DropLock}}, 2);
  CHECK(t.seq.Enter(0, Step::TakeLock));
  t.seq.Blocking(0, "mmu_lock");
  t.seq.Unblocked(0);
  t.seq.Executed(0, Step::TakeLock, 0);
  CHECK(t.seq.HolderOf("mmu_lock") == 0);
  CHECK_FALSE(t.seq.Enter(0, Step::DropLock));  // CPU 0 waits for its turn at line 3, holding the lock
  CHECK(t.seq.Enter(1, Step::TakeLock));
  t.seq.Blocking(1, "mmu_lock");
  CHECK(t.seq.ActiveWaitsForLock());
  t.seq.BreakLockWait();
  CHECK(t.seq.failure().kind == SeqError::kLockedOut);
  CHECK(t.seq.failure().holder == 0);
  CHECK(t.seq.failure().waiting[0] == 2);
  t.seq.Released(0, "mmu_lock");
  CHECK(t.seq.HolderOf("mmu_lock") == -1);
}

TEST_CASE("a wait inside a step for a CPU that waits for its turn: the table cannot go on") {
  Table t({{1, Step::KickVcpu}, {0, Step::EndLockless}}, 2);
  CHECK(t.seq.Enter(1, Step::KickVcpu));
  t.seq.Waiting(1, "the vCPU to leave its lockless walk");
  CHECK(t.seq.WaitsInStep(1));
  t.seq.BreakLockWait();
  CHECK(t.seq.failure().kind == SeqError::kWaitsForever);
  CHECK(t.seq.failure().row == 0);
  CHECK(t.seq.failure().inside == Step::KickVcpu);
  CHECK(t.seq.failure().holder == -1);
  CHECK(t.seq.Active() == 0);  // after the table: the CPU it waits for runs
}

TEST_CASE("after the table: another order of the CPUs, and a round robin") {
  const int order[] = {2, 0, 1};
  std::vector<SeqRow> none;
  Sequencer seq;
  Sequencer::Plan p;
  p.rows = none.data();
  p.cpus = 3;
  p.order = order;
  seq.Reset(p);
  CHECK(seq.Active() == 2);
  seq.Finish(2);
  CHECK(seq.Active() == 0);
  p.rotate_every = 2;
  seq.Reset(p);
  CHECK(seq.Active() == 2);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(seq.Enter(2, Step::ReadLow));
    seq.Executed(2, Step::ReadLow, 0);
  }
  CHECK(seq.Active() == 0);  // two steps, then the next in the order
  REQUIRE(seq.Enter(0, Step::ReadLow));
  seq.Executed(0, Step::ReadLow, 0);
  CHECK(seq.Active() == 0);
}

}  // namespace
}  // namespace mmu::replay
