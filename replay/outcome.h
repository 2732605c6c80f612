// replay/outcome.h: what a replay records, and what it returns.
//
// EventLog and ExecutionSummary have fixed capacity and never allocate, so
// the Relacy engine fills them inside a simulation (where the global
// operator new is Relacy's). Outcome is built from them afterwards.
#pragma once

#include "mmu_core/scenario.h"
#include "mmu_core/step_names.h"
#include "replay/sequencer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmu::replay {

enum class EventKind : std::uint8_t {
  kStep,          // a step ran; value is what it read or wrote
  kWaitsForLock,  // the CPU is about to spin on mmu_lock
  kGotLock,       // ... and has it
};

struct Event {
  int turn = 0;
  int ordinal = 0;
  int cpu = 0;
  EventKind kind = EventKind::kStep;
  Step step = Step::ReadCount;
  int row = -1;  // the listed row, or -1 for an unlisted step
  std::uint64_t value = 0;
  bool after_table = false;  // ran after the table ended (or derailed)
  const char* lock = "mmu_lock";  // kWaitsForLock, kGotLock: which lock
  bool unfinished = false;  // began and did not end: the execution failed inside it (Relacy)

  // Same place in the run (the value aside): how executions are merged.
  bool SamePlace(const Event& o) const {
    return turn == o.turn && ordinal == o.ordinal && cpu == o.cpu && kind == o.kind && step == o.step && row == o.row;
  }
};

// The events of one execution.
template <int N>
class EventLog {
 public:
  void Clear() {
    n_ = 0;
    truncated_ = false;
  }
  void Add(const Event& e) {
    if (n_ < N) {
      ev_[n_++] = e;
    } else {
      truncated_ = true;
    }
  }
  int size() const { return n_; }
  const Event& operator[](int i) const { return ev_[i]; }
  bool truncated() const { return truncated_; }

 private:
  Event ev_[N];
  int n_ = 0;
  bool truncated_ = false;
};

// An event of the merged table: the values seen at one place over many
// executions (one value for a native run).
struct MergedEvent {
  static constexpr int kMaxValues = 6;
  Event event;
  int nvalues = 0;
  std::uint64_t values[kMaxValues] = {};
  bool more = false;  // more distinct values than kMaxValues
};

// One distinct set of observations (Scenario::Observe) and how often it came.
struct ObservedSet {
  Observations obs;
  std::uint64_t count = 0;
};

// The executions of a Relacy exploration that followed the table, kept
// without allocating: the first one whole (the report shows one execution,
// never events of different executions side by side), the values each
// listed row saw over all of them, and their distinct observations.
template <int kRows, int kSets>
class ExecutionSummary {
 public:
  void AddTrace(const EventLog<4096>& log) {
    if (!have_first_) {
      first_ = log;
      have_first_ = true;
    }
    for (int i = 0; i < log.size(); ++i) {
      const Event& e = log[i];
      if (e.row < 0 || e.kind != EventKind::kStep) continue;
      if (e.row >= kRows) {
        truncated_rows_ = true;
        continue;
      }
      Merge(rows_[e.row], e);
    }
  }
  bool have_first() const { return have_first_; }
  const EventLog<4096>& first() const { return first_; }
  // The values listed row `row`'s step `s` saw over the executions.
  const MergedEvent* RowValues(int row, Step s) const {
    if (row < 0 || row >= kRows) return nullptr;
    const RowCells& r = rows_[row];
    for (int i = 0; i < r.n; ++i) {
      if (r.cells[i].event.step == s) return &r.cells[i];
    }
    return nullptr;
  }
  void AddObservations(const Observations& o) {
    for (int i = 0; i < nsets_; ++i) {
      if (Same(sets_[i].obs, o)) {
        ++sets_[i].count;
        return;
      }
    }
    if (nsets_ < kSets) {
      sets_[nsets_].obs = o;
      sets_[nsets_].count = 1;
      ++nsets_;
    } else {
      ++other_sets_;
    }
  }
  int sets() const { return nsets_; }
  const ObservedSet& set(int i) const { return sets_[i]; }
  std::uint64_t other_sets() const { return other_sets_; }
  bool truncated() const { return first_.truncated() || truncated_rows_; }

 private:
  // A composite row runs several steps: one cell per step.
  struct RowCells {
    MergedEvent cells[kMaxGroup];
    int n = 0;
  };
  static bool Same(const Observations& a, const Observations& b) {
    if (a.size() != b.size()) return false;
    for (int i = 0; i < a.size(); ++i) {
      if (a[i].cpu != b[i].cpu || a[i].value != b[i].value) return false;
    }
    return true;
  }
  static void Merge(RowCells& r, const Event& e) {
    for (int i = 0; i < r.n; ++i) {
      MergedEvent& m = r.cells[i];
      if (m.event.step != e.step) continue;
      for (int v = 0; v < m.nvalues; ++v) {
        if (m.values[v] == e.value) return;
      }
      if (m.nvalues < MergedEvent::kMaxValues) {
        m.values[m.nvalues++] = e.value;
      } else {
        m.more = true;
      }
      return;
    }
    if (r.n == kMaxGroup) return;
    MergedEvent& m = r.cells[r.n++];
    m.event = e;
    m.nvalues = 1;
    m.values[0] = e.value;
  }

  EventLog<4096> first_;
  bool have_first_ = false;
  RowCells rows_[kRows];
  bool truncated_rows_ = false;
  ObservedSet sets_[kSets];
  int nsets_ = 0;
  std::uint64_t other_sets_ = 0;
  bool truncated_ = false;
};

struct Violation {
  int cpu = -1;          // the CPU that raised it; -1: the final check after every CPU ended
  std::string what;      // the invariant's message
  std::string where;     // file:line in the core, when known
  int after_row = -1;    // the last listed row executed before it, or -1
};

// Everything a replay found, for the report.
struct Outcome {
  std::string engine;                // "native" or "relacy"
  // One execution, in order: natively the run; under Relacy the violating
  // execution, or else the first that followed the table, its listed rows
  // with the values they saw in every execution that followed it.
  std::vector<MergedEvent> table;
  bool table_truncated = false;
  std::vector<ObservedSet> observed;  // distinct observations with counts
  std::optional<Violation> violation;
  SeqFailure failure;  // native: this run's; Relacy: the first derailed execution's
  std::uint64_t executions = 0;
  std::uint64_t derailed = 0;      // Relacy: executions that could not follow the table
  bool violation_derailed = false;  // the violating execution had derailed
  bool stuck = false;               // native: threads still running; the process must _exit
  double watchdog_s = 0;            // native: nothing happened for this long (0: the watchdog did not fire)
  std::string inconclusive;         // Relacy: why the exploration stopped early (time or budget), or ""
  std::string relacy_result;        // Relacy's one-line result, when it failed
  std::string relacy_history;       // Relacy's report of the failing execution
  double seconds = 0;
};

// Sorts events by turn, then by position in the turn.
inline bool EventBefore(const MergedEvent& a, const MergedEvent& b) {
  if (a.event.turn != b.event.turn) return a.event.turn < b.event.turn;
  return a.event.ordinal < b.event.ordinal;
}

}  // namespace mmu::replay
