// bench/harness.h: what every comparison needs around the core: a clock,
// kernel-scale VMs, populating them with shadow pages, latency percentiles
// and an mmu_lock hold recorder.
//
// Kernel scale: 512-entry tables, 4 levels. A leaf table maps 512 gfns, so
// N shadow pages need N leaf tables and a guest address space of about
// 512 N gfns (2^29 at 10^6 pages). Per-gfn state (dirty bitmap, write
// tracking, TLBs) covers only the first VmParams::nr_gfns gfns; the tables
// themselves (4 KiB each, 4 GiB at 10^6) are real.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "mmu_core/spte.h"
#include "mmu_core/sync.h"
#include "mmu_core/vm.h"

namespace mmu::bench {

inline constexpr int kLevels = 4;
inline constexpr int kEntries = 512;
// gfns with per-gfn state: enough for the fault benchmarks' working sets.
inline constexpr u64 kTrackedGfns = u64{1} << 16;
// mmu_page_hash buckets: one page per chain at 10^6 pages. The kernel has
// 4096, so its lookups walk chains of about N/4096 pages (244 at 10^6);
// the comparisons here do not measure hash chains.
inline constexpr int kHashBuckets = 1 << 20;

// Pins the calling thread to CPU cpu % (CPUs available): the two sides of a
// concurrent comparison then run on two CPUs, never time-sliced on one (the
// scheduler keeps both on one CPU when every CPU is busy). Best effort.
inline void PinThisThread(int cpu) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  const int n = CPU_COUNT(&allowed);
  if (n < 2) return;
  int want = cpu % n;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &allowed)) continue;
    if (want-- == 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(c, &one);
      pthread_setaffinity_np(pthread_self(), sizeof one, &one);
      return;
    }
  }
}

inline std::uint64_t NowNs() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

inline VmParams KernelVmParams(int nr_vcpus, u64 max_frames) {
  VmParams p;
  p.levels = kLevels;
  p.entries = kEntries;
  p.nr_vcpus = nr_vcpus;
  p.max_frames = static_cast<int>(max_frames);
  p.nr_gfns = kTrackedGfns;
  p.hash_buckets = kHashBuckets;
  return p;  // zap_batch stays BATCH_ZAP_PAGES (10)
}

// Shadow pages a VM has once `leaves` leaf tables (gfns t * 512, t < leaves)
// are mapped: root, level-3, level-2 and leaf tables.
inline u64 PagesForLeaves(u64 leaves) {
  const u64 span = kEntries;
  return 1 + (leaves + span * span - 1) / (span * span) + (leaves + span - 1) / span + leaves;
}
// The fewest leaf tables that make a VM of at least `pages` shadow pages.
inline u64 LeavesForPages(u64 pages) {
  u64 leaves = pages > 4 ? pages - 4 : 1;
  while (leaves > 1 && PagesForLeaves(leaves - 1) >= pages) --leaves;
  while (PagesForLeaves(leaves) < pages) ++leaves;
  return leaves;
}

// Map gfn (first_leaf + t) * 512 + offset for t < leaves with slow-path read
// faults: each creates a leaf table (and its level-2/3 tables when new) and a
// (1,1,0) leaf. The vCPU's root must be loaded. Returns the pages on the list.
inline int Populate(Vm& vm, Vcpu& v, u64 first_leaf, u64 leaves, u64 offset = 0) {
  for (u64 t = 0; t < leaves; ++t) vm.PageFault(v, (first_leaf + t) * kEntries + offset, /*write=*/false);
  return vm.ListLength();
}

// The leaf spte of gfn reached by a walk from v's root (nullptr if the walk
// stops above level 1). Under mmu_lock or with no other thread running.
inline Spte64* LeafSlot(Vm& vm, Vcpu& v, u64 gfn) {
  Vm::WalkStep steps[kLevels];
  const int n = vm.GetSpteHierarchy(v, gfn, steps);
  if (n != kLevels) return nullptr;
  return &steps[n - 1].sp->spt(steps[n - 1].index);
}

// Latency samples in nanoseconds, preallocated so that recording never
// allocates; samples past the capacity are counted, not kept.
class Latencies {
 public:
  explicit Latencies(std::size_t capacity) { v_.reserve(capacity); }
  void Add(std::uint64_t ns) {
    ++count_;
    sum_ += ns;
    max_ = std::max(max_, ns);
    if (v_.size() < v_.capacity()) v_.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(ns, ~0u)));
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  double Mean() const { return count_ == 0 ? 0 : static_cast<double>(sum_) / static_cast<double>(count_); }
  // The q-quantile (0 < q < 1) of the kept samples, nearest rank.
  double Quantile(double q) {
    if (v_.empty()) return 0;
    if (!sorted_) std::sort(v_.begin(), v_.end());
    sorted_ = true;
    std::size_t rank = static_cast<std::size_t>(q * static_cast<double>(v_.size()));
    if (rank >= v_.size()) rank = v_.size() - 1;
    return v_[rank];
  }

 private:
  std::vector<std::uint32_t> v_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  bool sorted_ = false;
};

// Times the holds of a lock by one CPU (sync::this_cpu()): the longest, the
// last, the longest but the last, their number and sum. Installed with
// Mutex::set_observer before the threads start; only the holder calls it,
// so it needs no atomics.
class HoldRecorder : public sync::LockObserver {
 public:
  explicit HoldRecorder(int cpu) : cpu_(cpu), holds_(std::size_t{1} << 20) {}
  void acquired() override {
    if (sync::this_cpu() != cpu_) return;
    since_ = NowNs();
    if (first_ == 0) first_ = since_;
  }
  void released() override {
    if (sync::this_cpu() != cpu_) return;
    const std::uint64_t d = NowNs() - since_;
    holds_.Add(d);
    if (count_ > 0) max_but_last_ = std::max(max_but_last_, last_);
    last_ = d;
    max_ = std::max(max_, d);
    sum_ += d;
    ++count_;
  }
  std::uint64_t max() const { return max_; }
  std::uint64_t last() const { return last_; }
  // The longest hold before the last one: a zap's lock-break batches
  // without its final commit.
  std::uint64_t max_but_last() const { return max_but_last_; }
  std::uint64_t count() const { return count_; }
  std::uint64_t sum() const { return sum_; }
  // When the CPU first took the lock (0: never).
  std::uint64_t first() const { return first_; }
  // Quantiles of the holds (the last one included).
  double Quantile(double q) { return holds_.Quantile(q); }

 private:
  int cpu_;
  Latencies holds_;
  std::uint64_t first_ = 0;
  std::uint64_t since_ = 0;
  std::uint64_t last_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t max_but_last_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace mmu::bench
