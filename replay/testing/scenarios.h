// replay/testing/scenarios.h: scenarios that exercise the replay
// itself, not the MMU, each showing one way a table can fail to happen.
//
// LockedIncrement: two CPUs increment a word under mmu_lock. Each takes the
// lock ("read spte" loads the word, "write spte" stores it plus one) and
// drops it. Invariant: both increments land. Mutation M2.1 (borrowed: the
// catalogue has no replay entry) drops the lock, so a table can show a lost
// update, and a table can block a CPU on the lock that a CPU waiting for its
// turn holds.
//
// FlagWait: CPU 0 waits for a flag that CPU 1 sets ("write spte"). With
// poll=step each poll is a step ("read spte"), so a CPU that waits in its
// turn runs past the step budget; with poll=inside-step the whole wait is one
// step ("kick vcpu"), so it reaches no step point at all and only the
// watchdog (native) or Relacy's livelock detection ends it.
#pragma once

#include "mmu_core/mutations.h"
#include "mmu_core/catalog/config.h"
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
  static constexpr std::string_view kConfigs[] = {"lock=mmu_lock"};
  static constexpr Role kRoles[] = {{0, "increment"}, {1, "increment"}};
  static constexpr Twin kTwins[] = {{Mutation::M2_1}};
  static constexpr ModelSearch kSearch = {"full", "a replay test scenario"};
  static constexpr Window kWindows[] = {{"one increment between the other's read and write", 0, "read spte",
                                         "write spte", 1, "write spte"}};
  struct Config {};
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("lock", {"mmu_lock"});
    return Config{};
  }

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

class FlagWait {
 public:
  static constexpr std::string_view kName = "test-flag-wait";
  static constexpr std::string_view kSection = "replay test";
  static constexpr std::string_view kInvariant = "the waiter sees the flag";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"poll=step", "poll=inside-step"};
  static constexpr Role kRoles[] = {{0, "wait_for_flag"}, {1, "set_flag"}};
  static constexpr Twin kTwins[] = {{Mutation::M2_1}};
  static constexpr ModelSearch kSearch = {"full", "a replay test scenario"};
  static constexpr Window kWindows[] = {{"the flag set while the waiter polls", 0, "", "", 1, "write spte"}};
  struct Config {
    bool poll_step = true;
  };
  static Config MakeConfig(const ConfigPairs& p) { return Config{p.Choice("poll", {"step", "inside-step"}) == 0}; }

  FlagWait(const Config& c, Mutations) : cfg_(c), flag_(0) {}

  void Thread(int cpu) {
    if (cpu == 1) {
      At(Step::WriteSpte, [&] {
        flag_.store(1, std::memory_order_release);
        return 1;
      });
      return;
    }
    if (!cfg_.poll_step) {
      At(Step::KickVcpu, [&] {
        while (flag_.load(std::memory_order_acquire) == 0) sync::pause();
        return 1;
      });
      return;
    }
    while (At(Step::ReadSpte, [&] { return flag_.load(std::memory_order_acquire); }) == 0) sync::pause();
  }
  void Check() {}
  void Observe(Observations& o) const { o.Add(0, "flag", static_cast<std::uint64_t>(flag_.load(std::memory_order_relaxed))); }

 private:
  Config cfg_;
  sync::Atomic<int> flag_;
};

}  // namespace mmu::replay::testing
