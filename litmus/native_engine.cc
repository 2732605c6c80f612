// The native engine: runs a Program on host threads, litmus7-style.
//
// One host thread per process. Trials run in batches of `batch` instances;
// every instance has its own copy of each location, laid out location-major
// (mem[loc * batch + i]) so the locations of one instance sit on different
// cache lines. Per batch: all processes meet at a barrier, each runs its
// code over instances 0..batch-1, all meet again, and then each folds the
// final states of its share of the instances into its own histogram and
// re-initialises that share for the next batch. The histograms are merged
// at the end.
//
// Within a batch the processes line up per instance in one of three ways:
//   timebase (default)  instance i of process p starts when the time-stamp
//       counter reaches batch_start + i * period + jitter(i, p), like
//       litmus7's timebase mode: no shared cache line is touched to
//       synchronise, so an instance costs little more than its own accesses.
//       The jitter (pseudo-random within the period) sweeps the processes'
//       relative timing, which counter skew between CPUs and unequal code
//       lengths would otherwise fix. The period adapts per batch to how long
//       the slowest process's instances take (AdaptPeriod).
//   instance  a spin barrier before every instance (litmus7's user barrier);
//       tight alignment, slower, and very slow with more processes than CPUs.
//   batch     no alignment inside a batch; fastest, fewest weak outcomes.
//
// Every spin (barriers, spinlocks, synchronize_rcu) gives up after
// timeout_seconds and reports an error instead of hanging.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "litmus/engines.h"
#include "litmus/interp.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define LITMUS_PAUSE() _mm_pause()
#else
#define LITMUS_PAUSE() std::this_thread::yield()
#endif

namespace litmus {
namespace {

using Clock = std::chrono::steady_clock;

// The time-stamp counter (constant-rate and synchronised across CPUs on
// current x86), or nanoseconds elsewhere.
inline uint64_t Ticks() {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
#endif
}

constexpr uint64_t kMinPeriod = 128;
constexpr uint64_t kMaxPeriod = 1 << 15;

// A well-mixed value in [0, period) for instance i of process p.
inline uint64_t Jitter(uint64_t i, int p, uint64_t period) {
  uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ull ^ (static_cast<uint64_t>(p) + 1) * 0xc2b2ae3d27d4eb4full;
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 29;
  return h % period;
}

// GCC treats a memory order that is not a compile-time constant as seq_cst
// (a store would become xchg and hide store buffering), so every access
// below switches to a literal order.
std::memory_order RmwOrder(MemOrder o) {
  switch (o) {
    case MemOrder::kRelaxed: return std::memory_order_relaxed;
    case MemOrder::kAcquire: return std::memory_order_acquire;
    case MemOrder::kRelease: return std::memory_order_release;
    case MemOrder::kMb: return std::memory_order_seq_cst;
  }
  return std::memory_order_seq_cst;
}

// State shared by the processes of one RunNative call.
struct Shared {
  Shared(const Program& p, const NativeOptions& opt)
      : program(p),
        nthreads(static_cast<int>(p.threads.size())),
        batch(opt.batch),
        mem(p.locations.size() * opt.batch),
        rcu(p.threads.size() * opt.batch),
        arrive(opt.batch),
        timeout(std::chrono::microseconds(static_cast<int64_t>(opt.timeout_seconds * 1e6))),
        timeout_seconds(opt.timeout_seconds) {}

  const Program& program;
  const int nthreads;
  const uint32_t batch;
  std::vector<std::atomic<int64_t>> mem;     // [loc * batch + instance]
  std::vector<std::atomic<int32_t>> rcu;     // [process * batch + instance]: in a reader
  std::vector<std::atomic<uint32_t>> arrive; // per-instance barrier counts
  std::vector<std::vector<int64_t>> regs_out;  // per process: [instance * width + slot]
  alignas(64) std::atomic<uint32_t> barrier_count{0};
  alignas(64) std::atomic<uint32_t> barrier_gen{0};
  alignas(64) std::atomic<bool> abort{false};
  // Timebase: written by process 0 before the batch barrier, read after it.
  alignas(64) uint64_t batch_start = 0;
  uint64_t period = 1024;
  std::vector<uint64_t> overruns;  // per process: instances that overran half a period
  const Clock::duration timeout;
  const double timeout_seconds;
  std::mutex error_mu;
  std::optional<Diagnostic> error;

  void SetError(SourcePos pos, const std::string& msg) {
    std::lock_guard<std::mutex> g(error_mu);
    if (!error) error = Diagnostic{program.file, pos.line ? pos : SourcePos{1, 1}, msg};
    abort.store(true, std::memory_order_relaxed);
  }

  // Called on every turn of a spin loop (`spins` starts at 0 for each
  // wait); false means stop spinning: another process failed, or this wait
  // has lasted timeout_seconds.
  bool KeepSpinning(uint64_t* spins, SourcePos pos, const char* what) {
    if ((++*spins & 0xff) != 0) return true;
    // After a thousand turns the awaited process is probably not running
    // (more processes than free CPUs): give it the CPU.
    if (*spins > 0x400) std::this_thread::yield();
    if ((*spins & 0x3fff) != 0) return true;
    if (abort.load(std::memory_order_relaxed)) return false;
    thread_local Clock::time_point began;  // of the current wait
    if (*spins == 0x4000) {
      began = Clock::now();
      return true;
    }
    if (Clock::now() - began > timeout) {
      SetError(pos, std::string("native run gave up after ") + std::to_string(static_cast<int>(timeout_seconds)) +
                        " s spinning in " + what + " (deadlock?)");
      return false;
    }
    return true;
  }

  // Sense-counting barrier for all processes. False after an abort.
  bool Barrier() {
    uint32_t gen = barrier_gen.load(std::memory_order_acquire);
    if (barrier_count.fetch_add(1, std::memory_order_acq_rel) == static_cast<uint32_t>(nthreads) - 1) {
      barrier_count.store(0, std::memory_order_relaxed);
      barrier_gen.store(gen + 1, std::memory_order_release);
      return !abort.load(std::memory_order_relaxed);
    }
    uint64_t spins = 0;
    while (barrier_gen.load(std::memory_order_acquire) == gen) {
      LITMUS_PAUSE();
      if (!KeepSpinning(&spins, {}, "the batch barrier")) return false;
    }
    return !abort.load(std::memory_order_relaxed);
  }
};

// The interp.h backend: process `self` on instance `i`.
struct NativeBackend {
  Shared* sh;
  int self;
  size_t i;

  std::atomic<int64_t>& At(int loc) { return sh->mem[static_cast<size_t>(loc) * sh->batch + i]; }
  std::atomic<int64_t>& LockWord(int slot) {
    const Program& p = sh->program;
    for (size_t l = 0; l < p.locations.size(); ++l) {
      if (p.lock_slot[l] == slot) return At(static_cast<int>(l));
    }
    return At(0);  // unreachable: every slot has a location
  }

  int64_t Load(int loc, MemOrder o) {
    if (o == MemOrder::kAcquire) return At(loc).load(std::memory_order_acquire);
    return At(loc).load(std::memory_order_relaxed);
  }
  void Store(int loc, int64_t v, MemOrder o) {
    if (o == MemOrder::kRelease) {
      At(loc).store(v, std::memory_order_release);
    } else {
      At(loc).store(v, std::memory_order_relaxed);
    }
  }
  // RMWs are locked instructions on x86 whatever the order; the order only
  // matters to the compiler, so the runtime order (seq_cst to GCC) is fine.
  int64_t Rmw(int loc, RmwOp rmw, int64_t v, MemOrder o) {
    std::atomic<int64_t>& m = At(loc);
    std::memory_order mo = RmwOrder(o);
    switch (rmw) {
      case RmwOp::kXchg: return m.exchange(v, mo);
      case RmwOp::kAdd: return m.fetch_add(v, mo);
      case RmwOp::kSub: return m.fetch_sub(v, mo);
      case RmwOp::kAnd: return m.fetch_and(v, mo);
      case RmwOp::kOr: return m.fetch_or(v, mo);
      case RmwOp::kXor: return m.fetch_xor(v, mo);
      case RmwOp::kAndNot: return m.fetch_and(~v, mo);
    }
    return 0;
  }
  bool Cas(int loc, int64_t* expected, int64_t desired, MemOrder o) {
    return At(loc).compare_exchange_strong(*expected, desired, RmwOrder(o), std::memory_order_relaxed);
  }
  void Fence(FenceKind k) {
    switch (k) {
      case FenceKind::kMb: std::atomic_thread_fence(std::memory_order_seq_cst); break;
      case FenceKind::kRmb: std::atomic_thread_fence(std::memory_order_acquire); break;
      case FenceKind::kWmb: std::atomic_thread_fence(std::memory_order_release); break;
    }
  }
  void Lock(int slot) {
    std::atomic<int64_t>& w = LockWord(slot);
    uint64_t spins = 0;
    while (w.exchange(1, std::memory_order_acquire) != 0) {
      while (w.load(std::memory_order_relaxed) != 0) {
        LITMUS_PAUSE();
        if (!sh->KeepSpinning(&spins, {}, "spin_lock()")) return;
      }
    }
  }
  void Unlock(int slot) { LockWord(slot).store(0, std::memory_order_release); }
  bool TryLock(int slot) {
    std::atomic<int64_t>& w = LockWord(slot);
    int64_t expected = 0;
    return w.load(std::memory_order_relaxed) == 0 &&
           w.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed);
  }
  std::atomic<int32_t>& Reader(int proc) { return sh->rcu[static_cast<size_t>(proc) * sh->batch + i]; }
  void RcuLock() {
    Reader(self).store(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  void RcuUnlock() { Reader(self).store(0, std::memory_order_release); }
  void SyncRcu() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    for (int u = 0; u < sh->nthreads; ++u) {
      if (u == self) continue;
      uint64_t spins = 0;
      while (Reader(u).load(std::memory_order_acquire) != 0) {
        LITMUS_PAUSE();
        if (!sh->KeepSpinning(&spins, {}, "synchronize_rcu()")) return;
      }
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  void Fail(const Op& at, const std::string& msg) { sh->SetError(at.pos, sh->program.threads[self].name + ": " + msg); }
};

// Process `self`'s share of a batch's instances: [lo, hi) of the first
// `count`. Collecting and re-initialising are split this way, so no process
// waits while another does all the bookkeeping, and the instances a process
// initialises for the next batch are among those it has just collected.
void ShareOf(const Shared& sh, int self, size_t count, size_t* lo, size_t* hi) {
  const size_t n = static_cast<size_t>(sh.nthreads);
  *lo = std::min(count, sh.batch * static_cast<size_t>(self) / n);
  *hi = std::min(count, sh.batch * static_cast<size_t>(self + 1) / n);
}

void InitInstances(Shared& sh, size_t lo, size_t hi) {
  const Program& p = sh.program;
  for (size_t l = 0; l < p.locations.size(); ++l) {
    for (size_t i = lo; i < hi; ++i) sh.mem[l * sh.batch + i].store(p.locations[l].init, std::memory_order_relaxed);
  }
  for (int t = 0; t < sh.nthreads; ++t) {
    for (size_t i = lo; i < hi; ++i) sh.rcu[static_cast<size_t>(t) * sh.batch + i].store(0, std::memory_order_relaxed);
  }
  for (size_t i = lo; i < hi; ++i) sh.arrive[i].store(0, std::memory_order_relaxed);
}

void CollectInstances(Shared& sh, size_t lo, size_t hi, StateTable* hist) {
  const Program& p = sh.program;
  const size_t width = p.observed.size();
  int64_t state[kMaxObserved];
  for (size_t i = lo; i < hi; ++i) {
    for (size_t k = 0; k < width; ++k) {
      const Observable& o = p.observed[k];
      state[k] = o.thread >= 0 ? sh.regs_out[o.thread][i * width + k]
                               : sh.mem[static_cast<size_t>(o.index) * sh.batch + i].load(std::memory_order_relaxed);
    }
    hist->Add(state);
  }
}

// Timebase period for the next batch. An instance has half a period to run
// (the other half is jitter); the period grows while more than a quarter
// of some process's instances overrun that, and shrinks slowly while
// almost none do. Counting overruns rather than total time keeps a process
// that was descheduled for a while (and then runs late instances back to
// back) from inflating the period.
void AdaptPeriod(Shared& sh, size_t count) {
  uint64_t worst = 0;
  for (uint64_t n : sh.overruns) worst = std::max(worst, n);
  if (worst * 4 > count) {
    sh.period = std::min(kMaxPeriod, sh.period + sh.period / 4 + 16);
  } else if (worst * 50 < count) {
    sh.period = std::max(kMinPeriod, sh.period - sh.period / 16);
  }
}

// The body of process `self`'s host thread.
void Worker(Shared& sh, int self, uint64_t trials, NativeSync sync, StateTable* hist) {
  const Program& p = sh.program;
  const Thread& th = p.threads[self];
  const size_t width = p.observed.size();
  std::vector<int> my_slots;  // observed slots that are this process's registers
  for (size_t k = 0; k < width; ++k) {
    if (p.observed[k].thread == self) my_slots.push_back(static_cast<int>(k));
  }
  int64_t regs[kMaxRegs];
  const uint32_t n = static_cast<uint32_t>(sh.nthreads);
  const bool oversubscribed = n > std::max(1u, std::thread::hardware_concurrency());
  size_t lo, hi;
  ShareOf(sh, self, static_cast<size_t>(std::min<uint64_t>(sh.batch, trials)), &lo, &hi);
  InitInstances(sh, lo, hi);
  for (uint64_t done = 0; done < trials;) {
    const size_t count = static_cast<size_t>(std::min<uint64_t>(sh.batch, trials - done));
    if (self == 0) {
      // Far enough ahead that every process is past the barrier by then.
      sh.batch_start = Ticks() + 64 * sh.period + 50000;
    }
    if (!sh.Barrier()) return;
    const uint64_t start = sh.batch_start, period = sh.period;
    uint64_t overruns = 0;
    NativeBackend be{&sh, self, 0};
    uint64_t began = 0;
    for (size_t i = 0; i < count; ++i) {
      if (sync == NativeSync::kTimebase) {
        // Each process starts its instance at a pseudo-random point of the
        // slot, so the relative timing of the processes sweeps the whole
        // period: no skew between CPUs' counters or in code length can
        // keep one process always first.
        const uint64_t target = start + i * period + Jitter(i, self, period / 2);
        uint64_t now;
        while ((now = Ticks()) < target) LITMUS_PAUSE();
        began = now;
      } else if (sync == NativeSync::kInstance) {
        sh.arrive[i].fetch_add(1, std::memory_order_relaxed);
        uint64_t spins = 0;
        while (sh.arrive[i].load(std::memory_order_relaxed) < n) {
          // With more processes than CPUs the others need this one's CPU.
          if (oversubscribed) {
            std::this_thread::yield();
          } else {
            LITMUS_PAUSE();
          }
          if (!sh.KeepSpinning(&spins, {}, "the instance barrier")) return;
        }
      }
      be.i = i;
      ResetRegisters(th, regs);
      if (!Interpret(p, th, be, regs)) return;
      if (sh.abort.load(std::memory_order_relaxed)) return;
      for (int k : my_slots) sh.regs_out[self][i * width + k] = regs[p.observed[k].index];
      if (sync == NativeSync::kTimebase && Ticks() - began > period / 2) ++overruns;
    }
    sh.overruns[self] = overruns;
    if (!sh.Barrier()) return;
    ShareOf(sh, self, count, &lo, &hi);
    CollectInstances(sh, lo, hi, hist);
    if (self == 0) AdaptPeriod(sh, count);
    done += count;
    ShareOf(sh, self, static_cast<size_t>(std::min<uint64_t>(sh.batch, trials - done)), &lo, &hi);
    InitInstances(sh, lo, hi);
  }
}

}  // namespace

NativeResult RunNative(const Program& p, const NativeOptions& opt) {
  NativeResult r;
  r.histogram = StateTable(static_cast<int>(p.observed.size()), 64, /*growable=*/true);
  NativeOptions o = opt;
  if (o.batch == 0) o.batch = 1;
  if (o.trials < o.batch) o.batch = static_cast<uint32_t>(std::max<uint64_t>(o.trials, 1));
  r.sync = o.sync;
  auto sh = std::make_unique<Shared>(p, o);
  sh->overruns.assign(p.threads.size(), 0);
  sh->regs_out.assign(p.threads.size(), std::vector<int64_t>(static_cast<size_t>(o.batch) * p.observed.size() + 1));

  std::vector<StateTable> hists;
  for (size_t t = 0; t < p.threads.size(); ++t) hists.emplace_back(static_cast<int>(p.observed.size()), 64, true);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 1; t < p.threads.size(); ++t) {
    threads.emplace_back(Worker, std::ref(*sh), static_cast<int>(t), o.trials, o.sync, &hists[t]);
  }
  Worker(*sh, 0, o.trials, o.sync, &hists[0]);
  for (auto& t : threads) t.join();
  for (const StateTable& h : hists) {
    for (const auto& [state, count] : h.Sorted()) r.histogram.Add(state.data(), count);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.final_period = sh->period;
  if (sh->error) {
    r.error = sh->error;
    return r;
  }
  r.trials = o.trials;
  return r;
}

}  // namespace litmus
