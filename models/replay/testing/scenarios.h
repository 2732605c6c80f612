// models/replay/testing/lock_scenario.h: a scenario that exercises the
// replay itself, not the MMU: two CPUs increment a word under mmu_lock.
//
// The split-spte scenarios take no lock, so they cannot show a CPU blocked on
// mmu_lock while the holder waits for its turn; this one can. Each CPU takes
// the lock ("read spte" loads the word, "write spte" stores it plus one) and
// drops it. Invariant: both increments land (the lock serialises them).
// Mutation M2.1 (borrowed: the catalogue has no replay entry) drops the lock,
// so that a table can show a lost update.
#pragma once

#include "mmu_core/mutations.h"
#include "mmu_core/scenario.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

#include <string>

namespace mmu::replay::testing {

class LockedIncrement {
 public:
  static constexpr std::string_view kName = "test-locked-increment";
  static constexpr std::string_view kSection = "replay test";
  static constexpr std::string_view kInvariant = "both increments land";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M2_1};
  struct Config {};
  static int NumConfigs() { return 1; }
  static Config GetConfig(int) { return Config{}; }
  static std::string DescribeConfig(const Config&) { return "lock=mmu_lock"; }

  LockedIncrement(const Config&, Mutations mut) : locked_(!mut.Has(Mutation::M2_1)), word_(0) {}

  void Thread(int) {
    if (locked_) LockMmu(lock_);
    const int v = At(Step::ReadSpte, [&] { return word_.load(std::memory_order_relaxed); });
    At(Step::WriteSpte, [&] {
      word_.store(v + 1, std::memory_order_relaxed);
      return v + 1;
    });
    if (locked_) lock_.unlock();
  }
  void Check() {
    if (word_.load(std::memory_order_relaxed) != 2) sync::fail("lost update: an increment was overwritten");
  }
  void Observe(Observations& o) const { o.Add(0, "word", static_cast<std::uint64_t>(word_.load(std::memory_order_relaxed))); }

 private:
  bool locked_;
  sync::Mutex lock_;
  sync::Atomic<int> word_;
};

}  // namespace mmu::replay::testing
