// models/relacy/recorder.h: the steps of a Relacy execution, as they happened.
//
// Installed as the core's StepHook (mmu_core/steps.h) while Relacy runs. Fixed
// size: it is filled inside the simulation, where operator new is Relacy's.
// Relacy re-runs a failing execution last (with history collection), so after
// a failed search it holds the failing execution's steps.
#pragma once

#include <algorithm>
#include <cstdint>

#include "mmu_core/step_names.h"

namespace mmu::relacy {

// The steps of the current execution, as the core's StepHook reports them
// on completion (after()): Relacy may switch threads at the start of each
// access, so completion order is the order in which the accesses happened.
class StepRecorder final : public StepHook {
 public:
  struct Event {
    int cpu;
    Step step;
    std::uint64_t value;
    bool excluded = false;  // marked by a search (models/dpor/: a failed loop iteration)
  };
  static constexpr int kMax = 4096;

  void NewExecution() {
    n_ = 0;
    truncated_ = false;
    armed_ = false;
  }
  // Only the threads' steps are recorded, not the set-up's or Check()'s.
  void Arm(bool on) { armed_ = on; }
  bool armed() const { return armed_; }
  void before(int, Step) override {}
  void after(int cpu, Step s, std::uint64_t value) override {
    if (!armed_) return;
    if (n_ == kMax) {
      truncated_ = true;
      return;
    }
    events_[n_++] = Event{cpu, s, value, false};
  }
  int size() const { return n_; }
  // Marks cpu's steps among the recorded ones [from, to).
  void Exclude(int cpu, int from, int to) {
    for (int i = std::max(from, 0); i < std::min(to, n_); ++i) {
      if (events_[i].cpu == cpu) events_[i].excluded = true;
    }
  }
  const Event& operator[](int i) const { return events_[i]; }
  bool truncated() const { return truncated_; }

 private:
  Event events_[kMax];
  int n_ = 0;
  bool truncated_ = false;
  bool armed_ = false;
};

}  // namespace mmu::relacy
