// bench/comparisons.cc: the five comparisons (see comparisons.h and README.md).
#include "bench/comparisons.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "bench/baselines.h"
#include "bench/harness.h"
#include "mmu_core/fast_pf.h"
#include "mmu_core/mmio.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte64.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/split_spte.h"
#include "mmu_core/sync.h"
#include "mmu_core/vm.h"
#include "mmu_core/zap_all.h"

namespace mmu::bench {
namespace {

using json = nlohmann::json;

// Bytes one shadow page costs here: its 4 KiB table and the page object.
constexpr std::uint64_t kBytesPerPage = 4096 + 256;

std::string Pages(std::uint64_t n) {
  if (n >= 1000000 && n % 1000000 == 0) return fmt::format("{}M", n / 1000000);
  if (n >= 1000 && n % 1000 == 0) return fmt::format("{}k", n / 1000);
  return fmt::format("{}", n);
}

std::string Ns(double ns) {
  if (ns >= 1e9) return fmt::format("{:.2f} s", ns / 1e9);
  if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:.2f} us", ns / 1e3);
  return fmt::format("{:.1f} ns", ns);
}

double Counter(const RunRecord& r, const std::string& name) {
  auto it = r.counters.find(name);
  return it == r.counters.end() ? 0.0 : it->second;
}

// The median over the runs of (side, param, threads) of f(run).
template <class F>
double MedianOf(const std::vector<RunRecord>& runs, const std::string& side, const std::string& param, int threads,
                F f) {
  std::vector<double> v;
  for (const RunRecord* r : Select(runs, side, param, threads)) v.push_back(f(*r));
  return Median(v);
}

// The best over the runs of (side, param, threads): the smallest time per
// operation or the largest rate. On a shared machine the best repetition is
// the one least disturbed by other work.
template <class F>
double MinOf(const std::vector<RunRecord>& runs, const std::string& side, const std::string& param, int threads, F f) {
  double best = 0;
  for (const RunRecord* r : Select(runs, side, param, threads)) {
    const double v = f(*r);
    if (best == 0 || v < best) best = v;
  }
  return best;
}
// Sizes of a sweep, 10^3 .. max_pages, and what does not fit in memory.
std::vector<std::uint64_t> SweepSizes(const Options& o, int vms_at_once, const std::string& what,
                                      std::vector<std::string>& notes) {
  if (o.smoke) return {40, 300};
  std::vector<std::uint64_t> out;
  for (std::uint64_t n : {1000ull, 3000ull, 10000ull, 30000ull, 100000ull, 300000ull, 1000000ull}) {
    if (n > o.max_pages) continue;
    const std::uint64_t need = n * kBytesPerPage * static_cast<std::uint64_t>(vms_at_once);
    if (o.mem_available != 0 && need > o.mem_available * 8 / 10) {
      notes.push_back(fmt::format("{}: {} pages skipped: needs {:.1f} GiB, {:.1f} GiB available", what, Pages(n),
                                  static_cast<double>(need) / (1ull << 30),
                                  static_cast<double>(o.mem_available) / (1ull << 30)));
      continue;
    }
    out.push_back(n);
  }
  return out;
}

// ===========================================================================
// 1. split-read: __get_spte_lockless on a 32-bit host vs one 64-bit load
// ===========================================================================
constexpr int kTable = kEntries;

u64 SpteValue(int i) {
  // A present leaf whose high word is not zero (NX, a pfn above 4 GiB), so a
  // torn read would show.
  return spte::MakeLeaf(0x1234500 + static_cast<u64>(i), true, true, false, true) | spte::kNx;
}

template <class Slot>
struct SpteTable {
  Slot slots[kTable];
};

struct SplitTable : SpteTable<SplitSpte> {
  sync::Atomic<int> clear_spte_count{0};  // the page's count, shared by its 512 sptes
  SplitTable() {
    for (int i = 0; i < kTable; ++i) {
      slots[i].Bind(&clear_spte_count, Mutations());
      slots[i].Init(SpteValue(i));
    }
  }
};
struct Table64 : SpteTable<Spte64> {
  Table64() {
    for (int i = 0; i < kTable; ++i) slots[i].Init(SpteValue(i));
  }
};

template <class T>
void BM_SpteRead(benchmark::State& state) {
  const bool writer = state.range(0) != 0;
  auto table = std::make_unique<T>();
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> progress{0};  // the writer's passes over 64 entries
  std::thread w;
  if (writer) {
    // The mmu_lock holder zaps and maps again, entry after entry:
    // mmu_spte_clear_no_track (the fast clear, count++), then __set_spte.
    w = std::thread([&] {
      sync::set_this_cpu(1);
      PinThisThread(1);
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < kTable; ++i) {
          table->slots[i].UpdateClearFast(spte::kNonPresent);
          table->slots[i].SetSpte(SpteValue(i));
          if (i % 64 == 63) progress.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  PinThisThread(0);
  std::uint64_t reads = 0, present = 0, torn = 0;
  // Passes of the table; with a writer, only those it overlapped (on a busy
  // machine the writer is not always on a CPU while the reader is).
  Latencies per_table(std::size_t{1} << 22);
  std::uint64_t passes = 0;
  for (auto _ : state) {
    const std::uint64_t p0 = progress.load(std::memory_order_relaxed);
    const std::uint64_t t0 = NowNs();
    for (int i = 0; i < kTable; ++i) {
      const u64 s = table->slots[i].GetLockless();
      if (spte::IsShadowPresent(s)) {
        ++present;
        torn += s != SpteValue(i);
      }
    }
    const std::uint64_t t1 = NowNs();
    state.SetIterationTime(static_cast<double>(t1 - t0) / 1e9);
    if (!writer || progress.load(std::memory_order_relaxed) - p0 >= 2) per_table.Add(t1 - t0);
    reads += kTable;
    ++passes;
  }
  // Per read: the median and the mean over the passes of the table.
  state.counters["median_ns"] = per_table.Quantile(0.5) / kTable;
  state.counters["mean_ns"] = per_table.Mean() / kTable;
  stop.store(true);
  if (w.joinable()) w.join();
  if (torn != 0) state.SkipWithError("a present value that no writer stored (torn read)");
  state.counters["reads_per_iter"] = static_cast<double>(reads) / static_cast<double>(state.iterations());
  state.counters["present"] = static_cast<double>(present) / static_cast<double>(reads);
  state.counters["overlapped"] = static_cast<double>(per_table.count()) / static_cast<double>(passes);
  state.SetItemsProcessed(static_cast<std::int64_t>(reads));
}

Comparison SplitRead() {
  Comparison c;
  c.name = "split-read";
  c.title = "split spte read";
  c.measure = "ns per spte read: __get_spte_lockless of a 32-bit PAE host (split_spte.h) vs one 64-bit atomic load "
              "(spte64.h), over a 512-entry table, alone and with a writer zapping and mapping the same table";
  c.goal = "split <= 3x the floor, uncontended";
  c.trick = "__get_spte_lockless, !CONFIG_X86_64 (clear_spte_count, read low/high, recheck)";
  c.before = "the floor: READ_ONCE of a 64-bit spte (__get_spte_lockless, CONFIG_X86_64)";
  c.groups = [](const Options& o, std::vector<std::string>&) {
    std::vector<Group> g;
    for (int writer : {0, 1}) {
      g.push_back(Group{writer ? "with a writer" : "uncontended", [o, writer] {
                          for (auto [side, fn] : {std::pair{"floor", &BM_SpteRead<Table64>},
                                                  std::pair{"split", &BM_SpteRead<SplitTable>}}) {
                            auto* b = benchmark::RegisterBenchmark(
                                fmt::format("split-read/{}", side).c_str(), fn);
                            b->Arg(writer)->UseManualTime();
                            if (o.smoke) {
                              b->Iterations(200);
                            } else {
                              b->MinTime(0.1)->Repetitions(5);
                            }
                          }
                        }});
    }
    return g;
  };
  c.summarize = [](const std::vector<RunRecord>& runs, const Options&) {
    Summary s;
    s.problems = CheckSameWork(runs, {"floor", "split"}, "reads_per_iter");
    s.table.push_back(fmt::format("{:<14} {:>12} {:>12} {:>8} | {:>14} {:>14}", "ns per read", "64-bit load",
                                  "split read", "ratio", "passes with", "present reads"));
    s.table.push_back(fmt::format("{:<14} {:>12} {:>12} {:>8} | {:>14} {:>14}", "", "", "", "", "the writer",
                                  "(64-bit/split)"));
    double uncontended = 0;
    for (const char* param : {"0", "1"}) {
      auto ns = [&](const char* side) {
        return MedianOf(runs, side, param, 1, [](const RunRecord& r) { return Counter(r, "median_ns"); });
      };
      const double floor = ns("floor"), split = ns("split");
      const double ratio = floor > 0 ? split / floor : 0;
      auto med = [&](const char* side, const char* counter) {
        return MedianOf(runs, side, param, 1, [&](const RunRecord& r) { return Counter(r, counter); });
      };
      const std::string label = param[0] == '0' ? "uncontended" : "with a writer";
      if (param[0] == '0') uncontended = ratio;
      const double overlapped = std::min(med("floor", "overlapped"), med("split", "overlapped"));
      s.table.push_back(fmt::format("{:<14} {:>12} {:>12} {:>7.2f}x | {:>13.0f}% {:>6.1f}%/{:.1f}%", label, Ns(floor),
                                    Ns(split), ratio, param[0] == '0' ? 0.0 : overlapped * 100,
                                    med("floor", "present") * 100, med("split", "present") * 100));
      s.rows.push_back(json{{"case", label}, {"floor_ns", floor}, {"split_ns", split}, {"ratio", ratio},
                            {"floor_present_fraction", med("floor", "present")},
                            {"split_present_fraction", med("split", "present")},
                            {"passes_overlapped_by_writer", param[0] == '0' ? 0.0 : overlapped}});
      if (param[0] == '1' && overlapped < 0.05) {
        s.notes.push_back(fmt::format("the writer overlapped only {:.1f}% of the reader's passes (a busy machine): "
                                      "the contended row is not a measurement", overlapped * 100));
      }
    }
    s.table.push_back("  median over passes of the 512-entry table (with a writer: the passes it overlapped);");
    s.table.push_back("  present reads: the share of reads that returned a present spte (the rest saw a clear)");
    s.headline = fmt::format("split read {:.2f}x the 64-bit load uncontended", uncontended);
    s.goal_verdict = uncontended > 0 && uncontended <= 3.0 ? "met" : "not met";
    return s;
  };
  return c;
}

// ===========================================================================
// 2. fast-pf: fast_page_fault vs the slow path under mmu_lock
// ===========================================================================
constexpr u64 kFaultsPerThread = 8192;  // gfns per vCPU thread: 16 leaf tables

struct FaultFixture {
  explicit FaultFixture(int threads)
      : vm(KernelVmParams(threads, 256), Mutations()), sync_point(threads), slots(threads) {
    for (int t = 0; t < threads; ++t) vm.MmuLoad(vm.vcpu(t));
    for (int t = 0; t < threads; ++t) {
      for (u64 i = 0; i < kFaultsPerThread; ++i) {
        const u64 gfn = Gfn(t, i);
        vm.PageFault(vm.vcpu(t), gfn, /*write=*/false);  // (1,1,0): write-protected, MMU-writable
        slots[t].push_back(LeafSlot(vm, vm.vcpu(t), gfn));
      }
    }
  }
  static u64 Gfn(int thread, u64 i) { return static_cast<u64>(thread) * kFaultsPerThread + i; }
  // Dirty logging's write protection (clear W only; its flush is deferred):
  // every spte back to (1,1,0). Returns how many were writable.
  u64 Reprotect(int t) {
    u64 writable = 0;
    LockMmu(vm.mmu_lock());
    for (Spte64* s : slots[t]) {
      bool changed = false;
      SpteWriteProtect(vm, *s, /*pt_protect=*/false, &changed);
      writable += changed;
    }
    vm.mmu_lock().unlock();
    return writable;
  }
  Vm vm;
  std::barrier<> sync_point;
  std::vector<std::vector<Spte64*>> slots;
  // Each thread's start and end of the current batch, written before the
  // second barrier and read after it (the next batch writes them only after
  // every thread has passed the next first barrier).
  std::uint64_t t0[2] = {0, 0};
  std::uint64_t t1[2] = {0, 0};
};
FaultFixture* g_faults = nullptr;

void BM_WriteFault(benchmark::State& state, bool fast) {
  const int t = state.thread_index();
  PinThisThread(t);
  if (t == 0) g_faults = new FaultFixture(state.threads());
  // Google Benchmark starts every thread's loop together, after the set-up.
  std::uint64_t faults = 0, fixed = 0, writable = 0, batches = 0;
  Latencies batch_ns(4096);  // wall times of the batches run side by side
  for (auto _ : state) {
    FaultFixture& f = *g_faults;
    sync::set_this_cpu(t);
    Vcpu& v = f.vm.vcpu(t);
    f.sync_point.arrive_and_wait();
    const std::uint64_t t0 = NowNs();
    for (u64 i = 0; i < kFaultsPerThread; ++i) {
      const u64 gfn = FaultFixture::Gfn(t, i);
      if (fast) {
        fixed += FastPageFault(f.vm, v, gfn).result == PfResult::kFixed;
      } else {
        fixed += f.vm.PageFault(v, gfn, /*write=*/true) == PfResult::kFixed;
      }
    }
    const std::uint64_t t1 = NowNs();
    f.t0[t] = t0;
    f.t1[t] = t1;
    faults += kFaultsPerThread;
    f.sync_point.arrive_and_wait();
    // The batch's wall time, first start to last end; it counts as a batch
    // of faults side by side when the threads overlapped for 90% of it (on a
    // busy machine one thread may be off its CPU for most of a batch).
    const int n = state.threads();
    const std::uint64_t first = *std::min_element(f.t0, f.t0 + n), last = *std::max_element(f.t1, f.t1 + n);
    const std::uint64_t common_start = *std::max_element(f.t0, f.t0 + n), common_end = *std::min_element(f.t1, f.t1 + n);
    const std::uint64_t wall = last - first;
    const std::uint64_t together = common_end > common_start ? common_end - common_start : 0;
    state.SetIterationTime(static_cast<double>(wall) / 1e9);
    if (n == 1 || together * 10 >= wall * 9) batch_ns.Add(wall);
    writable += f.Reprotect(t);  // untimed: outside SetIterationTime
    ++batches;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(faults));
  // Per thread and batch, averaged over the threads.
  state.counters["fixed_per_batch"] =
      benchmark::Counter(static_cast<double>(fixed) / static_cast<double>(batches), benchmark::Counter::kAvgThreads);
  state.counters["made_writable_per_batch"] = benchmark::Counter(
      static_cast<double>(writable) / static_cast<double>(batches), benchmark::Counter::kAvgThreads);
  if (writable != faults) state.SkipWithError("a write fault left its spte write-protected");
  if (t == 0) {
    // Faults per second of every thread together, in the median batch (thread 0 reports it).
    const double per_batch = static_cast<double>(kFaultsPerThread) * state.threads() * 1e9;
    state.counters["median_rate"] = batch_ns.count() > 0 ? per_batch / batch_ns.Quantile(0.5) : 0;
    state.counters["mean_rate"] = batch_ns.count() > 0 ? per_batch / batch_ns.Mean() : 0;
    state.counters["side_by_side"] = static_cast<double>(batch_ns.count()) / static_cast<double>(batches);
  }
  if (t == 0) {
    // Every thread has left the loop (Google Benchmark waits for them).
    delete g_faults;
    g_faults = nullptr;
  }
}

Comparison FastPf() {
  Comparison c;
  c.name = "fast-pf";
  c.title = "fast page fault";
  c.measure = "write faults/s on write-protected (1,1,0) sptes: fast_page_fault (lockless walk, cmpxchg, mark dirty) "
              "vs the slow path (mmu_lock, walk, mmu_spte_update), 1 and 2 vCPU threads, 8192 gfns each";
  c.goal = "fast >= 5x slow at 2 threads";
  c.trick = "fast_page_fault + fast_pf_fix_direct_spte (fast_pf.h)";
  c.before = "the slow path: direct_map under mmu_lock (vm.h PageFault)";
  c.groups = [](const Options& o, std::vector<std::string>&) {
    return std::vector<Group>{Group{"1 and 2 vCPU threads", [o] {
      for (auto [side, fast] : {std::pair{"slow-path", false}, std::pair{"fast-path", true}}) {
        auto* b = benchmark::RegisterBenchmark(fmt::format("fast-pf/{}", side).c_str(), BM_WriteFault, fast);
        b->Threads(1)->Threads(2)->UseManualTime();
        if (o.smoke) {
          b->Iterations(2);
        } else {
          b->Iterations(100)->Repetitions(5);
        }
      }
    }}};
  };
  c.summarize = [](const std::vector<RunRecord>& runs, const Options&) {
    Summary s;
    s.problems = CheckSameWork(runs, {"slow-path", "fast-path"}, "made_writable_per_batch");
    s.table.push_back(fmt::format("{:<10} {:>16} {:>16} {:>8} | {:>22}", "threads", "slow path", "fast path", "ratio",
                                  "batches side by side"));
    double at2 = 0;
    for (int threads : {1, 2}) {
      // The median over repetitions of each repetition's median batch
      // (repetitions with no batch side by side left out).
      auto rate = [&](const char* side) {
        std::vector<double> v;
        for (const RunRecord* r : Select(runs, side, "", threads))
          if (Counter(*r, "median_rate") > 0) v.push_back(Counter(*r, "median_rate"));
        return Median(v);
      };
      auto together = [&](const char* side) {
        return MedianOf(runs, side, "", threads, [](const RunRecord& r) { return Counter(r, "side_by_side"); });
      };
      const double slow = rate("slow-path"), fast = rate("fast-path");
      const double ratio = slow > 0 ? fast / slow : 0;
      if (threads == 2) at2 = ratio;
      s.table.push_back(fmt::format("{:<10} {:>14.2f}M/s {:>14.2f}M/s {:>7.2f}x | {:>9.0f}% / {:>8.0f}%", threads,
                                    slow / 1e6, fast / 1e6, ratio, together("slow-path") * 100,
                                    together("fast-path") * 100));
      s.rows.push_back(json{{"threads", threads}, {"slow_faults_per_s", slow}, {"fast_faults_per_s", fast},
                            {"ratio", ratio}, {"slow_batches_side_by_side", together("slow-path")},
                            {"fast_batches_side_by_side", together("fast-path")}});
      if (threads == 2 && (slow == 0 || fast == 0))
        s.notes.push_back("no batch ran with both threads side by side (a busy machine): no figure at 2 threads");
    }
    s.table.push_back("  faults/s of all threads together in the median batch of 8192 faults per thread; at 2 threads");
    s.table.push_back("  only batches in which the threads overlapped for 90% of the batch count (slow / fast)");
    s.headline = fmt::format("fast path {:.2f}x the slow path at 2 vCPU threads", at2);
    s.goal_verdict = at2 >= 5.0 ? "met" : "not met";
    for (const json& row : s.rows) {
      const double together = std::min(row["slow_batches_side_by_side"].get<double>(),
                                       row["fast_batches_side_by_side"].get<double>());
      if (row["threads"] == 2 && together < 0.2) {
        s.goal_verdict = "not measured";
        s.headline = fmt::format("at 2 vCPU threads the threads ran side by side in only {:.0f}% of the batches "
                                 "(a busy machine): no figure; at 1 thread the fast path is {:.2f}x the slow path",
                                 together * 100, s.rows[0]["ratio"].get<double>());
      }
    }
    return s;
  };
  return c;
}

// ===========================================================================
// 3. zap-all: kvm_mmu_zap_all_fast (generation + lock break) vs holding
//    mmu_lock for the whole zap, with a vCPU faulting meanwhile
// ===========================================================================
constexpr int kZapperCpu = 1;
constexpr int kVcpuCpu = 0;
constexpr u64 kVcpuFirstLeaf = u64{1} << 21;  // the vCPU's fresh gfns: far from the populated ones
constexpr u64 kVcpuLeaves = 4096;

// Shadow pages that are invalid (zapped), among every page ever allocated.
u64 CountInvalidPages(Vm& vm) {
  u64 n = 0;
  for (int f = 0; f < vm.params().max_frames; ++f) {
    ShadowPage* sp = vm.FrameToPage(static_cast<u64>(f));
    if (sp == nullptr) break;  // frames are handed out in order
    n += sp->invalid();
  }
  return n;
}

void BM_ZapAll(benchmark::State& state, bool lock_break) {
  const u64 want = static_cast<u64>(state.range(0));
  const u64 leaves = LeavesForPages(want);
  auto vm = std::make_unique<Vm>(KernelVmParams(1, PagesForLeaves(leaves) + kVcpuLeaves + 64), Mutations());
  Vcpu& v = vm->vcpu(0);
  vm->MmuLoad(v);
  const u64 pages = static_cast<u64>(Populate(*vm, v, 0, leaves));
  ShadowPage* const first_root = v.root().load();

  struct Sample {
    std::uint64_t start, ns;
  };
  std::vector<Sample> samples;
  samples.reserve(std::size_t{1} << 22);
  HoldRecorder holds(kZapperCpu);
  vm->mmu_lock().set_observer(&holds);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> warm{0};
  std::uint64_t zap_start = 0, zap_end = 0, zapped_by_baseline = 0;

  for (auto _ : state) {
    // The vCPU: serve requests, fault, again. Until it has a new root it
    // faults on mapped gfns (nothing to allocate); then on fresh gfns, as a
    // vCPU rebuilding its tables after the zap does.
    std::thread vcpu([&] {
      sync::set_this_cpu(kVcpuCpu);
      PinThisThread(1);
      u64 mapped = 0, fresh = 0;
      while (!done.load(std::memory_order_acquire)) {
        vm->ServiceRequests(v);
        const bool rebuilt = v.root().load() != first_root;
        const u64 gfn = rebuilt ? (kVcpuFirstLeaf * kEntries + fresh % (kVcpuLeaves * kEntries))
                                : (mapped % leaves) * kEntries;
        const std::uint64_t t0 = NowNs();
        const PfResult r = vm->PageFault(v, gfn, /*write=*/true);
        const std::uint64_t t1 = NowNs();
        if (samples.size() < samples.capacity()) samples.push_back(Sample{t0, t1 - t0});
        if (r == PfResult::kFixed) (rebuilt ? fresh : mapped) += 1;
        warm.fetch_add(1, std::memory_order_relaxed);
      }
    });
    sync::set_this_cpu(kZapperCpu);
    PinThisThread(0);
    while (warm.load(std::memory_order_relaxed) < 1000) sync::pause();  // the vCPU is faulting
    zap_start = NowNs();
    if (lock_break) {
      ZapAllFast(*vm);
    } else {
      zapped_by_baseline = ZapAllHoldingLock(*vm);
    }
    zap_end = NowNs();
    done.store(true, std::memory_order_release);
    vcpu.join();
    state.SetIterationTime(static_cast<double>(zap_end - zap_start) / 1e9);
  }
  vm->mmu_lock().set_observer(nullptr);

  // The zap runs from the zapper's first mmu_lock acquisition to its end
  // (before that the zapper may wait for the vCPU, which holds the lock most
  // of the time). A fault counts when it overlaps that window.
  const std::uint64_t zap_locked = holds.first() != 0 ? holds.first() : zap_start;
  Latencies during(samples.size()), before(samples.size());
  for (const Sample& s : samples) {
    if (s.start < zap_end && s.start + s.ns > zap_locked) during.Add(s.ns);
    if (s.start + s.ns <= zap_start) before.Add(s.ns);
  }
  const u64 zapped = CountInvalidPages(*vm);
  if (zapped != pages) state.SkipWithError("the zap did not invalidate every page that existed when it started");
  if (!lock_break && zapped_by_baseline != pages) state.SkipWithError("the baseline prepared a different number of pages");
  state.counters["pages"] = static_cast<double>(pages);
  state.counters["zapped"] = static_cast<double>(zapped);
  state.counters["hold_max_ns"] = static_cast<double>(holds.max());
  state.counters["hold_last_ns"] = static_cast<double>(holds.last());
  state.counters["hold_max_but_last_ns"] = static_cast<double>(holds.max_but_last());
  state.counters["hold_p50_ns"] = holds.Quantile(0.5);
  state.counters["hold_p99_ns"] = holds.Quantile(0.99);
  state.counters["holds"] = static_cast<double>(holds.count());
  state.counters["faults"] = static_cast<double>(during.count());
  state.counters["fault_p50_ns"] = during.Quantile(0.5);
  state.counters["fault_p99_ns"] = during.Quantile(0.99);
  state.counters["fault_max_ns"] = static_cast<double>(during.max());
  state.counters["idle_fault_p50_ns"] = before.Quantile(0.5);
  vm.reset();  // untimed: Google Benchmark stopped the clock with the loop
}

Comparison ZapAll() {
  Comparison c;
  c.name = "zap-all";
  c.title = "lock-break zap-all";
  c.measure = "zapping every shadow page of a VM of N pages while one vCPU keeps faulting: the zapper's longest "
              "mmu_lock hold and the vCPU's fault latency (p50/p99/max over the zap)";
  c.goal = "longest hold with lock break <= 1/100 of holding the lock, at 10^6 pages";
  c.trick = "kvm_mmu_zap_all_fast + kvm_zap_obsolete_pages: toggle mmu_valid_gen, reload roots, zap from the tail "
            "with cond_resched every 10 pages, commit at the end (zap_all.h)";
  c.before = "kvm_mmu_zap_all before the lock break: prepare every page and commit under one mmu_lock hold "
             "(baselines.h ZapAllHoldingLock)";
  c.groups = [](const Options& o, std::vector<std::string>& notes) {
    std::vector<Group> g;
    for (std::uint64_t n : SweepSizes(o, 1, "zap-all", notes)) {
      g.push_back(Group{Pages(n) + " pages", [o, n] {
        for (auto [side, lb] : {std::pair{"holding-lock", false}, std::pair{"lock-break", true}}) {
          auto* b = benchmark::RegisterBenchmark(fmt::format("zap-all/{}", side).c_str(), BM_ZapAll, lb);
          b->Arg(static_cast<std::int64_t>(n))->Iterations(1)->UseManualTime();
          b->Repetitions(o.smoke ? 1 : (n >= 1000000 ? 1 : n >= 300000 ? 2 : 3));
        }
      }});
    }
    return g;
  };
  c.summarize = [](const std::vector<RunRecord>& runs, const Options&) {
    Summary s;
    s.problems = CheckSameWork(runs, {"holding-lock", "lock-break"}, "zapped");
    s.table.push_back(fmt::format("{:>5} | {:>9} | {:>9} {:>9} {:>9} {:>8} | {:>9} {:>9} | {:>6} {:>9} {:>9} {:>9}",
                                  "pages", "holding", "lock", "break:", "", "ratio", "faults", "holding",
                                  "faults", "lock", "break:", ""));
    s.table.push_back(fmt::format("{:>5} | {:>9} | {:>9} {:>9} {:>9} {:>8} | {:>9} {:>9} | {:>6} {:>9} {:>9} {:>9}", "",
                                  "max hold", "p99 hold", "max hold", "commit", "max/max", "waiting", "its wait",
                                  "", "p50", "p99", "max"));
    double last_ratio = 0, last_p99_ratio = 0;
    std::uint64_t last_n = 0;
    std::vector<std::string> params;
    for (const RunRecord& r : runs)
      if (std::find(params.begin(), params.end(), r.param) == params.end()) params.push_back(r.param);
    std::sort(params.begin(), params.end(), [](const std::string& a, const std::string& b) { return std::stoull(a) < std::stoull(b); });
    auto lat = [](double faults, double ns) { return faults > 0 ? Ns(ns) : std::string("-"); };
    for (const std::string& p : params) {
      auto m = [&](const char* side, const char* counter) {
        return MedianOf(runs, side, p, 1, [&](const RunRecord& r) { return Counter(r, counter); });
      };
      const double hold_lock = m("holding-lock", "hold_max_ns"), hold_lb = m("lock-break", "hold_max_ns");
      const double batch_lb = m("lock-break", "hold_max_but_last_ns"), commit_lb = m("lock-break", "hold_last_ns");
      const double p99_lb = m("lock-break", "hold_p99_ns");
      const double ratio = hold_lock > 0 ? hold_lb / hold_lock : 0;
      const double p99_ratio = hold_lock > 0 ? p99_lb / hold_lock : 0;
      const double zap_lock = MedianOf(runs, "holding-lock", p, 1, [](const RunRecord& r) { return r.seconds * 1e9; });
      const double zap_lb = MedianOf(runs, "lock-break", p, 1, [](const RunRecord& r) { return r.seconds * 1e9; });
      const double f_lock = m("holding-lock", "faults"), f_lb = m("lock-break", "faults");
      s.table.push_back(fmt::format("{:>5} | {:>9} | {:>9} {:>9} {:>9} {:>8.4f} | {:>9.0f} {:>9} | {:>6.0f} {:>9} {:>9} {:>9}",
                                    Pages(std::stoull(p)), Ns(hold_lock), Ns(p99_lb), Ns(batch_lb), Ns(commit_lb),
                                    ratio, f_lock, lat(f_lock, m("holding-lock", "fault_max_ns")), f_lb,
                                    lat(f_lb, m("lock-break", "fault_p50_ns")), lat(f_lb, m("lock-break", "fault_p99_ns")),
                                    lat(f_lb, m("lock-break", "fault_max_ns"))));
      s.rows.push_back(json{
          {"pages", std::stoull(p)},
          {"zapped", m("lock-break", "zapped")},
          {"holding_lock", {{"zap_ns", zap_lock}, {"hold_max_ns", hold_lock}, {"holds", m("holding-lock", "holds")},
                            {"faults", f_lock}, {"fault_p50_ns", m("holding-lock", "fault_p50_ns")},
                            {"fault_p99_ns", m("holding-lock", "fault_p99_ns")},
                            {"fault_max_ns", m("holding-lock", "fault_max_ns")}}},
          {"lock_break", {{"zap_ns", zap_lb}, {"hold_max_ns", hold_lb}, {"hold_max_batch_ns", batch_lb},
                          {"hold_p50_ns", m("lock-break", "hold_p50_ns")}, {"hold_p99_ns", p99_lb},
                          {"hold_commit_ns", commit_lb}, {"holds", m("lock-break", "holds")},
                          {"faults", f_lb}, {"fault_p50_ns", m("lock-break", "fault_p50_ns")},
                          {"fault_p99_ns", m("lock-break", "fault_p99_ns")},
                          {"fault_max_ns", m("lock-break", "fault_max_ns")}}},
          {"idle_fault_p50_ns", m("lock-break", "idle_fault_p50_ns")},
          {"hold_ratio", ratio},
          {"p99_hold_ratio", p99_ratio}});
      last_ratio = ratio;
      last_p99_ratio = p99_ratio;
      last_n = std::stoull(p);
    }
    s.table.push_back("  holding: kvm_mmu_zap_all under one mmu_lock hold; lock break: kvm_mmu_zap_all_fast. Holds are the");
    s.table.push_back("  zapper's; max hold (break) is the longest before the final commit, which frees every page under");
    s.table.push_back("  the lock; ratio: the longest lock-break hold (commit included) / holding-lock's hold. Faults: the");
    s.table.push_back("  vCPU's faults that overlapped the zap, and their latency ('-': none overlapped)");
    s.headline = fmt::format("at {} pages the longest lock-break hold (the final commit) is {:.3f} of holding the lock; "
                             "its p99 hold is {:.1e} of it",
                             Pages(last_n), last_ratio, last_p99_ratio);
    s.goal_verdict = last_n < 1000000 ? "not measured at 10^6" : (last_ratio <= 0.01 ? "met" : "not met");
    return s;
  };
  return c;
}

// ===========================================================================
// 4. mmio-gen: invalidate every MMIO spte after a memslot change
// ===========================================================================
struct MmioFixture {
  explicit MmioFixture(u64 want)
      : leaves(LeavesForPages(want)), vm(KernelVmParams(1, PagesForLeaves(leaves) + 8), Mutations()) {
    Vcpu& v = vm.vcpu(0);
    vm.MmuLoad(v);
    pages = static_cast<u64>(Populate(vm, v, 0, leaves));
    // Every leaf table also caches one MMIO gfn (entry 1): mark_mmio_spte,
    // with the memslots generation of the time (0).
    LockMmu(vm.mmu_lock());
    for (u64 t = 0; t < leaves; ++t) {
      const u64 gfn = t * kEntries + 1;
      Spte64* s = LeafSlot(vm, v, gfn);
      mmio.push_back({s, format.Make(gfn, spte::kWritable | spte::kUser, 0)});
      MmuSpteSet(*s, mmio.back().second);
    }
    vm.mmu_lock().unlock();
  }
  // Every MMIO spte back in place (after the walk dropped them).
  void Remark() {
    LockMmu(vm.mmu_lock());
    for (auto& [s, val] : mmio) MmuSpteSet(*s, val);
    vm.mmu_lock().unlock();
  }
  // MMIO sptes that check_mmio_spte would still accept with generation gen.
  u64 StillValid(u64 gen) const {
    u64 n = 0;
    for (auto& [s, val] : mmio) {
      const u64 cur = s->ReadLocked();
      n += spte::IsMmio(cur) && (gen & kMemslotGenUpdateInProgress) == 0 && format.Gen(cur) == (gen & format.GenMask());
    }
    return n;
  }
  spte::MmioFormat format{spte::kMmioGenMaxBits};  // 19 bits, as in 6.x
  u64 leaves;
  Vm vm;
  u64 pages = 0;
  std::vector<std::pair<Spte64*, u64>> mmio;
};
std::unique_ptr<MmioFixture> g_mmio;

MmioFixture& GetMmio(u64 want) {
  if (g_mmio == nullptr || PagesForLeaves(g_mmio->leaves) != PagesForLeaves(LeavesForPages(want))) {
    g_mmio.reset();
    g_mmio = std::make_unique<MmioFixture>(want);
  }
  return *g_mmio;
}

// Memslot updates per run of the generation side: far below one wrap of the
// 19-bit generation (2^18 updates with nr_as = 2).
constexpr std::int64_t kMemslotUpdates = 20000;

void BM_MmioGeneration(benchmark::State& state) {
  MmioFixture& f = GetMmio(static_cast<u64>(state.range(0)));
  const u64 mmio = f.StillValid(0);
  // The memslots: generation 0, as the MMIO sptes were stamped.
  Memslots a(0, /*g_has_slot=*/false, 0), b(0, /*g_has_slot=*/true, 1);
  MmioParams p;
  p.format = f.format;
  p.nr_as = 2;
  MmioVm slots(p, Mutations(), &a);
  bool to_b = true;
  for (auto _ : state) {
    slots.InstallNewMemslots(to_b ? &b : &a);  // install_new_memslots: in-progress gen, publish, srcu, gen + 2
    to_b = !to_b;
  }
  const u64 gen = slots.active()->generation.load(std::memory_order_relaxed);
  const u64 still = f.StillValid(gen);
  state.counters["mmio_sptes"] = static_cast<double>(mmio);
  state.counters["invalidated"] = static_cast<double>(mmio - still);
  state.counters["pages"] = static_cast<double>(f.pages);
  if (still != 0) state.SkipWithError("an MMIO spte still matches the generation after the memslot change");
}

void BM_MmioWalk(benchmark::State& state) {
  MmioFixture& f = GetMmio(static_cast<u64>(state.range(0)));
  const u64 mmio = f.StillValid(0);
  u64 dropped = 0, runs = 0;
  for (auto _ : state) {
    const std::uint64_t t0 = NowNs();
    dropped += ZapMmioSptesWalking(f.vm);
    const std::uint64_t t1 = NowNs();
    state.SetIterationTime(static_cast<double>(t1 - t0) / 1e9);
    ++runs;
    f.Remark();  // untimed
  }
  state.counters["mmio_sptes"] = static_cast<double>(mmio);
  state.counters["invalidated"] = static_cast<double>(dropped) / static_cast<double>(runs);
  state.counters["pages"] = static_cast<double>(f.pages);
  if (dropped != mmio * runs) state.SkipWithError("the walk dropped a different number of MMIO sptes");
}

Comparison MmioGen() {
  Comparison c;
  c.name = "mmio-gen";
  c.title = "MMIO generation";
  c.measure = "time to invalidate every MMIO spte after a memslot change, in a VM of N pages with one MMIO spte per "
              "leaf table: a generation bump (the whole install_new_memslots) vs walking every shadow page under "
              "mmu_lock";
  c.goal = "flat vs linear in N, shown as a curve";
  c.trick = "MMIO sptes tagged with the memslots generation: install_new_memslots bumps it (mmio.h)";
  c.before = "kvm_mmu_zap_mmio_sptes: walk active_mmu_pages under mmu_lock and drop MMIO sptes (baselines.h)";
  c.groups = [](const Options& o, std::vector<std::string>& notes) {
    std::vector<Group> g;
    for (std::uint64_t n : SweepSizes(o, 1, "mmio-gen", notes)) {
      g.push_back(Group{Pages(n) + " pages", [o, n] {
        auto* walk = benchmark::RegisterBenchmark("mmio-gen/walk-under-lock", BM_MmioWalk);
        walk->Arg(static_cast<std::int64_t>(n))->UseManualTime();
        auto* gen = benchmark::RegisterBenchmark("mmio-gen/generation", BM_MmioGeneration);
        gen->Arg(static_cast<std::int64_t>(n))->UseRealTime()->Iterations(o.smoke ? 100 : kMemslotUpdates);
        // A few hundred ms of walking per repetition.
        walk->Iterations(o.smoke ? 3 : std::max<std::int64_t>(1, static_cast<std::int64_t>(100000 / n)));
        if (!o.smoke) {
          walk->Repetitions(n >= 300000 ? 2 : 3);
          gen->Repetitions(n >= 300000 ? 2 : 3);
        }
      }});
    }
    return g;
  };
  c.summarize = [](const std::vector<RunRecord>& runs, const Options&) {
    Summary s;
    g_mmio.reset();
    s.problems = CheckSameWork(runs, {"walk-under-lock", "generation"}, "invalidated");
    s.table.push_back(fmt::format("{:>7} {:>12} {:>16} {:>14} {:>12}", "pages", "MMIO sptes", "walk under lock",
                                  "generation", "ratio"));
    std::vector<std::string> params;
    for (const RunRecord& r : runs)
      if (std::find(params.begin(), params.end(), r.param) == params.end()) params.push_back(r.param);
    std::sort(params.begin(), params.end(), [](const std::string& a, const std::string& b) { return std::stoull(a) < std::stoull(b); });
    double first_gen = 0, last_gen = 0, first_walk = 0, last_walk = 0;
    std::uint64_t first_n = 0, last_n = 0;
    for (const std::string& p : params) {
      auto per_op = [&](const char* side) {
        return MinOf(runs, side, p, 1, [](const RunRecord& r) { return r.seconds * 1e9 / r.iterations; });
      };
      const double walk = per_op("walk-under-lock"), gen = per_op("generation");
      const double mmio = MedianOf(runs, "generation", p, 1, [](const RunRecord& r) { return Counter(r, "mmio_sptes"); });
      const double pages = MedianOf(runs, "generation", p, 1, [](const RunRecord& r) { return Counter(r, "pages"); });
      s.table.push_back(fmt::format("{:>7} {:>12.0f} {:>16} {:>14} {:>11.0f}x", Pages(std::stoull(p)), mmio, Ns(walk),
                                    Ns(gen), gen > 0 ? walk / gen : 0));
      s.rows.push_back(json{{"pages", std::stoull(p)}, {"pages_exact", pages}, {"mmio_sptes", mmio},
                            {"walk_ns", walk}, {"generation_ns", gen}, {"ratio", gen > 0 ? walk / gen : 0}});
      if (first_n == 0) {
        first_n = std::stoull(p);
        first_gen = gen;
        first_walk = walk;
      }
      last_n = std::stoull(p);
      last_gen = gen;
      last_walk = walk;
    }
    const double growth = first_n > 0 ? static_cast<double>(last_n) / static_cast<double>(first_n) : 0;
    s.headline = fmt::format("{:.0f}x more pages: the walk takes {:.0f}x longer, the generation bump {:.2f}x", growth, first_walk > 0 ? last_walk / first_walk : 0,
                             first_gen > 0 ? last_gen / first_gen : 0);
    s.goal_verdict = "shown as a curve (bench/results/mmio_gen.svg)";
    return s;
  };
  return c;
}

// ===========================================================================
// 5. walk: lockless walk vs walk under mmu_lock, with a concurrent zapper
// ===========================================================================
constexpr u64 kWalkLeaves = 1024;       // leaf tables walked (2 level-2 tables)
constexpr int kZapBatch = 256;          // leaves a zap drops and maps again under one hold
constexpr std::uint64_t kZapGapNs = 10000;  // then the zapper stays out of mmu_lock 5..15 us
constexpr int kWalksPerBatch = 16;      // walks a vCPU makes back to back
constexpr std::uint64_t kGapNs = 1000;  // then it runs the guest (mode OUTSIDE) 0.5..1.5 us

// A gap uniform in [mean/2, 3 mean/2], so that the walker and the zapper
// do not fall into step.
std::uint64_t Jitter(std::uint64_t& x, std::uint64_t mean) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return mean / 2 + x % (mean + 1);
}

struct WalkFixture {
  WalkFixture() : vm(KernelVmParams(1, PagesForLeaves(kWalkLeaves) + 8), Mutations()) {
    Vcpu& v = vm.vcpu(0);
    vm.MmuLoad(v);
    Populate(vm, v, 0, kWalkLeaves);
    for (u64 t = 0; t < kWalkLeaves; ++t) {
      leaves.push_back(LeafSlot(vm, v, t * kEntries));
      values.push_back(leaves.back()->ReadLocked());
    }
  }
  Vm vm;
  std::vector<Spte64*> leaves;
  std::vector<u64> values;
};

void SpinUntil(std::uint64_t t) {
  while (NowNs() < t) sync::pause();
}

void BM_Walk(benchmark::State& state, bool lockless) {
  const bool zapper_on = state.range(0) != 0;
  auto f = std::make_unique<WalkFixture>();
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> zap_seq{0};  // odd while the zapper wants or holds mmu_lock
  std::uint64_t zaps = 0, zap_hold_ns = 0;
  std::thread zapper;
  if (zapper_on) {
    // An mmu_notifier-style invalidation of a range, again and again: under
    // mmu_lock drop 256 leaves, flush remote TLBs (kicks the vCPU and waits
    // for its lockless walk to end), map them again; then 5..15 us without
    // the lock.
    zapper = std::thread([&] {
      sync::set_this_cpu(1);
      PinThisThread(1);
      u64 next = 0, rnd = 0x2545f4914f6cdd1dull;
      while (!stop.load(std::memory_order_relaxed)) {
        const std::uint64_t t0 = NowNs();
        zap_seq.fetch_add(1);
        LockMmu(f->vm.mmu_lock());
        for (int j = 0; j < kZapBatch; ++j) MmuSpteClearTrackBits(*f->leaves[(next + j) % kWalkLeaves], f->vm.spte_ctx());
        f->vm.FlushRemoteTlbs();
        for (int j = 0; j < kZapBatch; ++j) {
          const u64 i = (next + j) % kWalkLeaves;
          MmuSpteSet(*f->leaves[i], f->values[i]);
        }
        f->vm.mmu_lock().unlock();
        zap_seq.fetch_add(1);
        const std::uint64_t t1 = NowNs();
        zap_hold_ns += t1 - t0;
        next += kZapBatch;
        ++zaps;
        SpinUntil(t1 + Jitter(rnd, kZapGapNs));
      }
    });
  }
  sync::set_this_cpu(0);
  PinThisThread(0);
  Vcpu& v = f->vm.vcpu(0);
  Vm::WalkStep steps[kLevels];
  std::uint64_t walks = 0, levels = 0, x = 0x9e3779b97f4a7c15ull;
  // Batches timed; with the zapper, only those during which it wanted or
  // held mmu_lock (on a busy machine it is not always on a CPU).
  Latencies batch_ns(std::size_t{1} << 22);
  std::uint64_t batches = 0;
  const std::uint64_t start = NowNs();
  for (auto _ : state) {
    // 16 walks back to back (timed), then about 1 us in the guest (untimed).
    const std::uint64_t s0 = zap_seq.load(std::memory_order_relaxed);
    const std::uint64_t t0 = NowNs();
    for (int k = 0; k < kWalksPerBatch; ++k) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const u64 gfn = (x % kWalkLeaves) * kEntries;
      levels += static_cast<std::uint64_t>(lockless ? WalkLockless(f->vm, v, gfn, steps)
                                                    : WalkUnderLock(f->vm, v, gfn, steps));
    }
    const std::uint64_t t1 = NowNs();
    state.SetIterationTime(static_cast<double>(t1 - t0) / 1e9);
    const std::uint64_t s1 = zap_seq.load(std::memory_order_relaxed);
    if (!zapper_on || (s0 & 1) != 0 || s1 != s0) batch_ns.Add(t1 - t0);
    ++batches;
    walks += kWalksPerBatch;
    SpinUntil(t1 + Jitter(x, kGapNs));
  }
  const std::uint64_t end = NowNs();
  stop.store(true);
  if (zapper.joinable()) zapper.join();
  state.SetItemsProcessed(static_cast<std::int64_t>(walks));
  state.counters["walks_per_batch"] = static_cast<double>(walks) / static_cast<double>(state.iterations());
  state.counters["median_ns"] = batch_ns.Quantile(0.5) / kWalksPerBatch;
  state.counters["mean_ns"] = batch_ns.Mean() / kWalksPerBatch;
  state.counters["p99_ns"] = batch_ns.Quantile(0.99) / kWalksPerBatch;
  state.counters["batches_with_zapper"] = zapper_on ? static_cast<double>(batch_ns.count()) / static_cast<double>(batches) : 0;
  state.counters["levels_per_walk"] = static_cast<double>(levels) / static_cast<double>(walks);
  state.counters["zaps_per_s"] = static_cast<double>(zaps) / (static_cast<double>(end - start) / 1e9);
  state.counters["zap_ns"] = zaps > 0 ? static_cast<double>(zap_hold_ns) / static_cast<double>(zaps) : 0;
  if (levels != walks * kLevels) state.SkipWithError("a walk stopped above the leaf level");
}

Comparison Walk() {
  Comparison c;
  c.name = "walk";
  c.title = "lockless walk";
  c.measure = "ns per 4-level walk (kvm_mmu_get_spte_hierarchy) over 1024 leaf tables, 16 walks back to back "
              "then about 1 us of guest time: between walk_shadow_page_lockless_begin/end vs inside mmu_lock, alone "
              "and with a zapper that, every 5..15 us, drops 256 leaves, flushes remote TLBs and maps them again "
              "under one mmu_lock hold";
  c.goal = "report the ratio";
  c.trick = "walk_shadow_page_lockless_begin/end: READING_SHADOW_PAGE_TABLES, the freer's flush waits (vm.h)";
  c.before = "kvm_mmu_get_spte_hierarchy under spin_lock(mmu_lock), before c2a2ac2b563c (baselines.h WalkUnderLock)";
  c.groups = [](const Options& o, std::vector<std::string>&) {
    std::vector<Group> g;
    for (int zapper : {0, 1}) {
      g.push_back(Group{zapper ? "with a zapper" : "alone", [o, zapper] {
        for (auto [side, lockless] : {std::pair{"under-lock", false}, std::pair{"lockless", true}}) {
          auto* b = benchmark::RegisterBenchmark(fmt::format("walk/{}", side).c_str(), BM_Walk, lockless);
          b->Arg(zapper)->UseManualTime();
          if (o.smoke) {
            b->Iterations(2000);
          } else {
            b->MinTime(0.05)->Repetitions(5);
          }
        }
      }});
    }
    return g;
  };
  c.summarize = [](const std::vector<RunRecord>& runs, const Options&) {
    Summary s;
    s.problems = CheckSameWork(runs, {"under-lock", "lockless"}, "levels_per_walk");
    for (const std::string& p : CheckSameWork(runs, {"under-lock", "lockless"}, "walks_per_batch")) {
      if (std::find(s.problems.begin(), s.problems.end(), p) == s.problems.end()) s.problems.push_back(p);
    }
    s.table.push_back(fmt::format("{:<14} {:>11} {:>11} {:>7} | {:>11} {:>11} {:>7} | {:>9} {:>10} | {:>9} {:>10}",
                                  "ns per walk", "median lock", "lockless", "ratio", "mean lock", "lockless", "ratio",
                                  "zaps/s", "zap hold", "zaps/s", "zap hold"));
    s.table.push_back(fmt::format("{:<14} {:>11} {:>11} {:>7} | {:>11} {:>11} {:>7} | {:>20} | {:>20}", "", "", "", "",
                                  "", "", "", "(walks under lock)", "(lockless walks)"));
    double with_zapper = 0, with_zapper_mean = 0;
    for (const char* param : {"0", "1"}) {
      auto ns = [&](const char* side) {
        return MedianOf(runs, side, param, 1, [](const RunRecord& r) { return Counter(r, "median_ns"); });
      };
      auto zaps = [&](const char* side) {
        return MedianOf(runs, side, param, 1, [](const RunRecord& r) { return Counter(r, "zaps_per_s"); });
      };
      auto zap_ns = [&](const char* side) {
        return MedianOf(runs, side, param, 1, [](const RunRecord& r) { return Counter(r, "zap_ns"); });
      };
      const double locked = ns("under-lock"), lockless = ns("lockless");
      auto mean = [&](const char* side) {
        return MedianOf(runs, side, param, 1, [](const RunRecord& r) { return Counter(r, "mean_ns"); });
      };
      const double ratio = lockless > 0 ? locked / lockless : 0;
      const std::string label = param[0] == '0' ? "alone" : "with a zapper";
      if (param[0] == '1') with_zapper = ratio;
      const double mean_ratio = mean("lockless") > 0 ? mean("under-lock") / mean("lockless") : 0;
      if (param[0] == '1') with_zapper_mean = mean_ratio;
      s.table.push_back(fmt::format("{:<14} {:>11} {:>11} {:>6.2f}x | {:>11} {:>11} {:>6.1f}x | {:>9.0f} {:>10} | {:>9.0f} {:>10}",
                                    label, Ns(locked), Ns(lockless), ratio, Ns(mean("under-lock")), Ns(mean("lockless")),
                                    mean_ratio, zaps("under-lock"), Ns(zap_ns("under-lock")), zaps("lockless"),
                                    Ns(zap_ns("lockless"))));
      s.rows.push_back(json{{"case", label}, {"under_lock_ns", locked}, {"lockless_ns", lockless}, {"ratio", ratio}, {"mean_ratio", mean_ratio},
                            {"under_lock_mean_ns", mean("under-lock")}, {"lockless_mean_ns", mean("lockless")},
                            {"zaps_per_s_under_lock", zaps("under-lock")}, {"zap_ns_under_lock", zap_ns("under-lock")},
                            {"zaps_per_s_lockless", zaps("lockless")}, {"zap_ns_lockless", zap_ns("lockless")}});
    }
    s.table.push_back("  median and mean over batches of 16 walks (with the zapper: the batches while it wanted or held");
    s.table.push_back("  mmu_lock); ratio: under mmu_lock / lockless (above 1: the lockless walk is cheaper); zap hold: the");
    s.table.push_back("  zapper's mmu_lock hold, whose flush waits for lockless walks");
    s.headline = fmt::format("with a zapper a walk under mmu_lock costs {:.1f}x a lockless walk on average (median {:.2f}x: "
                             "most walks miss the zapper's holds, the mean carries the waits)",
                             with_zapper_mean, with_zapper);
    s.goal_verdict = "reported";
    return s;
  };
  return c;
}

}  // namespace

std::vector<const RunRecord*> Select(const std::vector<RunRecord>& runs, const std::string& side,
                                     const std::string& param, int threads) {
  std::vector<const RunRecord*> out;
  for (const RunRecord& r : runs) {
    if (r.side == side && r.param == param && (threads == 0 || r.threads == threads) && r.error.empty())
      out.push_back(&r);
  }
  return out;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<std::string> CheckSameWork(const std::vector<RunRecord>& runs, const std::vector<std::string>& sides,
                                       const std::string& work) {
  std::vector<std::string> problems;
  for (const RunRecord& r : runs) {
    if (!r.error.empty())
      problems.push_back(fmt::format("{}/{} {} threads={}: {}", r.comparison, r.side, r.param, r.threads, r.error));
  }
  // Every (param, threads) seen must have every side, each with the same work.
  std::vector<std::pair<std::string, int>> keys;
  for (const RunRecord& r : runs) {
    const auto k = std::pair{r.param, r.threads};
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  for (const auto& [param, threads] : keys) {
    std::string name = param.empty() ? fmt::format("threads={}", threads) : param;
    double first = -1;
    std::string first_side;
    for (const std::string& side : sides) {
      const auto sel = Select(runs, side, param, threads);
      if (sel.empty()) {
        problems.push_back(fmt::format("{}: side {} did not run (or failed)", name, side));
        continue;
      }
      for (const RunRecord* r : sel) {
        const auto it = r->counters.find(work);
        const double w = it == r->counters.end() ? -1 : it->second;
        if (w <= 0) {
          problems.push_back(fmt::format("{}: side {} counted no work ({})", name, side, work));
        } else if (first < 0) {
          first = w;
          first_side = side;
        } else if (std::fabs(w - first) > 1e-9 * std::max(1.0, first)) {
          problems.push_back(fmt::format("{}: {} = {} on side {} but {} on side {}", name, work, first, first_side, w, side));
        }
      }
    }
  }
  return problems;
}

std::vector<Comparison> AllComparisons() { return {SplitRead(), FastPf(), ZapAll(), MmioGen(), Walk()}; }

}  // namespace mmu::bench
