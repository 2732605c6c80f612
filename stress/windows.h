// stress/windows.h: in how many rounds each race window of a scenario opened.
//
// A scenario names its windows (S::kWindows, mmu_core/windows.h): a span of
// one CPU's steps, `open` .. `close`, and another CPU's `inner` step. After
// every round the copy's coordinator reads the round's step logs (the stamps
// order the CPUs' steps) and counts the window in one of four columns:
//
//   inside    an occurrence of `inner` was stamped inside a span: the window
//             opened (the interleaving the invariant is about happened);
//   before    no occurrence inside, and the first `inner` came before the
//             first span;
//   after     no occurrence inside, and it came after;
//   not run   the round did not take the steps (the inner CPU never took
//             `inner`, or the outer CPU never took `open`, or no `close`
//             after it: another configuration, or a path not taken).
//
// The stamps are the ones the step tables use (stress/clock.h): a step is
// stamped right after it executed, and a store may reach the other CPUs
// later than its stamp, so "inside" is the order of execution as the stamps
// tell it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mmu_core/steps.h"
#include "mmu_core/windows.h"
#include "stress/hook.h"
#include "stress/run.h"

namespace stress {

// Does every step name of S's windows name a step, and every CPU a thread?
template <class S>
constexpr bool WindowsAreWellFormed() {
  auto known = [](std::string_view name, bool may_be_empty) {
    if (name.empty()) return may_be_empty;
    for (const mmu::StepInfo& i : mmu::kSteps) {
      if (i.name == name) return true;
    }
    return false;
  };
  for (const mmu::Window& w : S::kWindows) {
    if (w.name.empty() || !known(w.open, true) || !known(w.close, true) || !known(w.inner, false)) return false;
    if (w.outer_cpu < 0 || w.outer_cpu >= S::kThreads || w.inner_cpu < 0 || w.inner_cpu >= S::kThreads) return false;
    if (w.outer_cpu == w.inner_cpu) return false;
  }
  return true;
}

template <class S>
class WindowCounter {
 public:
  static_assert(WindowsAreWellFormed<S>(),
                "a window of this scenario names an unknown step or CPU (mmu_core/windows.h, mmu_core/steps.h)");
  static constexpr int kCount = static_cast<int>(sizeof(S::kWindows) / sizeof(S::kWindows[0]));

  WindowCounter() {
    for (int i = 0; i < kCount; ++i) {
      const mmu::Window& w = S::kWindows[i];
      resolved_[i] = Resolved{Find(w.open), Find(w.close), Find(w.inner)};
    }
  }

  // One finished round: its CPUs' logs (the coordinator, after the round).
  void Count(const StepLog* logs) {
    for (int i = 0; i < kCount; ++i) {
      const mmu::Window& w = S::kWindows[i];
      tallies_[i][static_cast<int>(Classify(resolved_[i], logs[w.outer_cpu], logs[w.inner_cpu]))].fetch_add(
          1, std::memory_order_relaxed);
    }
  }

  std::vector<WindowTally> Tallies() const {
    std::vector<WindowTally> out;
    for (int i = 0; i < kCount; ++i) {
      const mmu::Window& w = S::kWindows[i];
      WindowTally t;
      t.name = std::string(w.name);
      t.outer_cpu = w.outer_cpu;
      t.open = std::string(w.open);
      t.close = std::string(w.close);
      t.inner_cpu = w.inner_cpu;
      t.inner = std::string(w.inner);
      t.before = tallies_[i][kBefore].load(std::memory_order_relaxed);
      t.inside = tallies_[i][kInside].load(std::memory_order_relaxed);
      t.after = tallies_[i][kAfter].load(std::memory_order_relaxed);
      t.not_run = tallies_[i][kNotRun].load(std::memory_order_relaxed);
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  enum Order { kBefore, kInside, kAfter, kNotRun, kOrders };
  static constexpr int kNone = -1;  // "" : the start or the end of the round
  struct Resolved {
    int open, close, inner;
  };

  static int Find(std::string_view name) {
    if (name.empty()) return kNone;
    for (const mmu::StepInfo& i : mmu::kSteps) {
      if (i.name == name) return static_cast<int>(i.id);
    }
    return kNone;  // not reached: WindowsAreWellFormed
  }

  static Order Classify(const Resolved& r, const StepLog& outer, const StepLog& inner) {
    // The inner step's stamps.
    std::uint64_t probes[StepLog::kCapacity];
    int np = 0;
    const int ni = inner.size();
    for (int i = 0; i < ni; ++i) {
      const StepLog::Event e = inner[i];
      if (static_cast<int>(e.step) == r.inner) probes[np++] = e.tick;
    }
    if (np == 0) return kNotRun;
    // The spans [open, next close] of the outer CPU.
    std::uint64_t lo[StepLog::kCapacity], hi[StepLog::kCapacity];
    int ns = 0;
    const int no = outer.size();
    if (r.open == kNone) {
      lo[0] = 0;
      hi[0] = ~std::uint64_t{0};
      ns = 1;
      if (r.close != kNone) {
        int c = 0;
        while (c < no && static_cast<int>(outer[c].step) != r.close) ++c;
        if (c == no) return kNotRun;
        hi[0] = outer[c].tick;
      }
    } else {
      for (int o = 0; o < no; ++o) {
        if (static_cast<int>(outer[o].step) != r.open) continue;
        std::uint64_t end = ~std::uint64_t{0};
        if (r.close != kNone) {
          int c = o + 1;
          while (c < no && static_cast<int>(outer[c].step) != r.close) ++c;
          if (c == no) continue;  // never closed (in what the log kept)
          end = outer[c].tick;
        }
        lo[ns] = outer[o].tick;
        hi[ns] = end;
        ++ns;
      }
      if (ns == 0) return kNotRun;
    }
    for (int p = 0; p < np; ++p) {
      for (int s = 0; s < ns; ++s) {
        if (probes[p] > lo[s] && probes[p] < hi[s]) return kInside;
      }
    }
    return probes[0] < lo[0] ? kBefore : kAfter;
  }

  Resolved resolved_[kCount] = {};
  std::atomic<std::uint64_t> tallies_[kCount][kOrders] = {};
};

}  // namespace stress
