// models/dpor/relacy_search.h: the reduced search as a Relacy scheduler.
//
// DporScheduler is a scheduler class for rl::run_test, like SplitSearch
// (models/split_search.h): Relacy still runs the program, its memory model,
// its race and use-after-free checks and its history; only the choice of the
// next thread is ours. Each choice goes to the Explorer (explorer.h), with the
// footprint of the event that just ended, which the Tracker learns from the
// core's facade (sync::SearchHook, mmu_core/sync.h):
//
//  - Every facade call reports its object before Relacy performs it. Relacy's
//    scheduling point comes after the report, so at a scheduling point the
//    thread's last report is the access it is about to make: it belongs to
//    the thread's next event, not to the one that ended.
//  - Objects are canonicalised so that the same object has the same identity
//    in every execution: the core's heap (sync::make) by the allocating thread
//    and the allocation's rank in that thread, plus the offset; everything
//    else (the scenario, Relacy's fiber stacks) by address, which is fixed for
//    the whole search. Every access to a heap object also reads its
//    allocation, and sync::destroy writes it, so a free and any access to the
//    freed object are dependent.
//  - Awaits (README.md "Spin and retry loops"): when a thread's code between
//    two sync::pause() calls (a segment) made no write, read only the latest
//    value of every object, and repeated the previous segment exactly (same
//    accesses, same values), the thread waits until another thread writes one
//    of the objects it read; its next event then reads them all.
//
// Relacy's own yield rule (a yielding thread waits until every other thread
// has run) is not used: sync::pause() is an ordinary scheduling point here,
// apart from the await rule above and Relacy's memory-model effect of a
// yield, which Relacy still applies.
#pragma once

#include "mmu_core/sync.h"  // first: relacy.hpp

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <istream>
#include <ostream>

#include "models/dpor/explorer.h"

namespace mmu::models::dpor {

inline constexpr std::uint64_t kHeapTag = std::uint64_t{1} << 63;
inline constexpr std::uint64_t kBlockTag = std::uint64_t{1} << 62;
inline constexpr std::uint64_t kScFenceObject = 1;  // Relacy's global seq_cst fence order

// A facade call as the search sees it.
struct Reported {
  std::uint64_t object = 0;
  std::uint64_t block = 0;  // the allocation's object (kBlockTag | id), 0 if none
  sync::AccessKind kind = sync::AccessKind::kLoad;
  bool write = false;
  bool trigger = false;  // Relacy schedules right after this call
};

// Where the steps of a failed loop iteration are (the engine's step recorder):
// the cross-check leaves them out of the values each CPU read.
class StepMarks {
 public:
  virtual int Count() const = 0;                          // steps recorded so far
  virtual void Exclude(int cpu, int from, int to) = 0;    // cpu's steps in [from, to)

 protected:
  ~StepMarks() = default;
};

// The facade hook and the per-thread bookkeeping of one search.
class Tracker final : public sync::SearchHook {
 public:
  static constexpr int kSetupOwner = kMaxThreads;

  void Reset(int threads) {
    threads_ = threads;
    armed_ = false;
  }
  void BeginExecution() {
    ranges_.clear();
    std::fill(std::begin(alloc_seq_), std::end(alloc_seq_), 0u);
    for (Thread& t : thread_) t = Thread{};
  }
  // Only the threads' accesses count, not the set-up's or Check()'s.
  void Arm(bool on) { armed_ = on; }
  // Drop executions at a failed load-only loop iteration (the default), or
  // search them like any other.
  void DropFailedIterations(bool on) { drop_ = on; }
  // Only find failed load-only iterations (for StepMarks), under another
  // scheduler: no events, no awaits, no drops.
  void ObserveOnly(bool on) { observe_ = on; }
  bool Observing() const { return observe_; }
  void SetStepMarks(StepMarks* m) { marks_ = m; }

  // --- sync::SearchHook ---
  void Access(const void* object, sync::AccessKind kind, const sync::Loc& where) override;
  void Read(const void* object, std::uint64_t bits, bool latest, bool wrote) override;
  void Alloc(std::uintptr_t address, std::size_t size) override;
  void Free(const void* p) override;

  // --- the scheduler's side ---
  // Thread t reached a scheduling point (or finished, or parked): its event
  // ends. Passes the event's footprint to the explorer and wakes awaiting
  // threads whose objects it wrote.
  void EndEvent(int t, bool finished, bool parked, Explorer& ex);
  // Thread t runs next: its pending access (and, after an await, the objects
  // it waited on) start the new event.
  void StartEvent(int t, Explorer& ex);
  bool Awaiting(int t) const { return thread_[t].awaiting; }
  // Did t just start another iteration of a loop whose last iteration only
  // loaded and failed? (README.md "Spin and retry loops": such executions are
  // not counted, and t runs no further in them.)
  bool Dropped(int t) const { return thread_[t].dropped; }
  bool AnyDropped() const {
    for (int u = 0; u < threads_; ++u) {
      if (thread_[u].dropped) return true;
    }
    return false;
  }
  // Every thread left can only spin: let the dropped ones run to the end.
  void ReleaseDropped() {
    for (int u = 0; u < threads_; ++u) thread_[u].dropped = false;
  }
  // Is t's current event a single load so far (the load Relacy is performing)?
  bool LoadStartsEvent(int t, std::uint64_t& object) const {
    const Thread& th = thread_[t];
    if (th.event.size() != 1 || th.event[0].kind != sync::AccessKind::kLoad) return false;
    object = th.event[0].object;
    return true;
  }
  bool JustPaused(int t) const { return thread_[t].paused; }

 private:
  struct Range {
    std::uintptr_t base;
    std::size_t size;
    std::uint32_t id;
  };
  struct Thread {
    // The current event's reports, and how many came after the resume.
    Vec<Reported> event;
    int reports_since_resume = 0;
    bool has_pending = false;
    Reported pending;
    bool paused = false;  // the pending access is a pause
    // Await: the current segment (since the last pause) and the previous one.
    std::uint64_t seg_hash = 0;
    bool seg_write = false;
    bool seg_stale = false;
    Vec<std::uint64_t> seg_reads;
    std::uint64_t prev_hash = 0;
    bool prev_clean = false;
    bool awaiting = false;
    Vec<std::uint64_t> await_reads;
    bool woken = false;
    // Failed loop iterations: the source location of each access of the
    // current and the previous segment, and whether it only read.
    struct Site {
      const char* file;
      unsigned line;
      bool load;
      int steps;  // steps recorded before this access
    };
    int pause_steps = 0;  // steps recorded before the last pause
    Vec<Site> seg_sites;
    Vec<Site> prev_sites;
    bool after_pause = false;
    bool dropped = false;
  };
  // The previous segment, from its last access at `where` on, only loaded:
  // a loop iteration (it ended at the pause, and the thread is back at its
  // first access) that failed and changed nothing.
  // Returns the iteration's first site, or -1.
  static int RepeatsLoadOnlyIteration(const Thread& t, const sync::Loc& where);
  int Steps() const { return marks_ != nullptr ? marks_->Count() : 0; }

  void Canonical(const void* p, std::uint64_t& object, std::uint64_t& block) const;
  void CloseSegment(Thread& t);

  int threads_ = 0;
  bool armed_ = false;
  bool drop_ = true;
  bool observe_ = false;
  StepMarks* marks_ = nullptr;
  Vec<Range> ranges_;  // sorted by base
  std::uint32_t alloc_seq_[kMaxThreads + 1] = {};
  Thread thread_[kMaxThreads];
};

// Parameters and results of the current reduced search (one at a time).
struct SearchState {
  bool active = false;  // a reduced search is running (the Round arms the tracker)
  Explorer explorer;
  Tracker tracker;
  ExplorerOptions options;
  bool livelock = false;

  void Reset(const ExplorerOptions& o) {
    options = o;
    explorer.Reset(o);
    tracker.Reset(o.threads);
    livelock = false;
  }
  bool Counting() const { return explorer.Counting(); }
};

inline SearchState g_search;

inline std::uint64_t MixHash(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

inline bool TriggersScheduling(sync::AccessKind k) {
  switch (k) {
    case sync::AccessKind::kVarLoad:
    case sync::AccessKind::kVarStore:
    case sync::AccessKind::kGhostLoad:
    case sync::AccessKind::kGhostStore:
      return false;
    default:
      return true;
  }
}

inline void Tracker::Canonical(const void* p, std::uint64_t& object, std::uint64_t& block) const {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), a,
                             [](std::uintptr_t x, const Range& r) { return x < r.base; });
  if (it != ranges_.begin()) {
    --it;
    if (a < it->base + it->size) {
      object = kHeapTag | (std::uint64_t{it->id} << 32) | (a - it->base);
      block = kBlockTag | it->id;
      return;
    }
  }
  object = a;
  block = 0;
}

inline void Tracker::Alloc(std::uintptr_t address, std::size_t size) {
  const int owner = armed_ ? static_cast<int>(rl::thread_index()) : kSetupOwner;
  const std::uint32_t id = (static_cast<std::uint32_t>(owner + 1) << 22) | alloc_seq_[owner]++;
  const Range r{address, size, id};
  ranges_.insert(std::upper_bound(ranges_.begin(), ranges_.end(), r,
                                  [](const Range& x, const Range& y) { return x.base < y.base; }),
                 r);
  if (armed_) {
    // A segment that allocates does not repeat, and is not load-only.
    Thread& t = thread_[rl::thread_index()];
    t.seg_write = true;
    t.seg_sites.push_back(Thread::Site{"", 0, false, Steps()});
  }
}

inline void Tracker::Free(const void* p) {
  if (!armed_) return;
  if (observe_) {
    thread_[rl::thread_index()].seg_sites.push_back(Thread::Site{"", 0, false, Steps()});
    return;
  }
  std::uint64_t object = 0;
  std::uint64_t block = 0;
  Canonical(p, object, block);
  Thread& t = thread_[rl::thread_index()];
  Reported r;
  r.object = block != 0 ? block : object;
  r.kind = sync::AccessKind::kStore;
  r.write = true;
  r.trigger = false;
  t.event.push_back(r);
  ++t.reports_since_resume;
  t.seg_write = true;
  t.seg_sites.push_back(Thread::Site{"", 0, false, Steps()});
}

inline bool IsLoad(sync::AccessKind k) {
  return k == sync::AccessKind::kLoad || k == sync::AccessKind::kVarLoad || k == sync::AccessKind::kGhostLoad;
}

inline int Tracker::RepeatsLoadOnlyIteration(const Thread& t, const sync::Loc& where) {
  for (std::size_t i = t.prev_sites.size(); i != 0; --i) {
    const Thread::Site& s = t.prev_sites[i - 1];
    if (s.file != where.file_name() || s.line != where.line()) continue;
    for (std::size_t k = i - 1; k < t.prev_sites.size(); ++k) {
      if (!t.prev_sites[k].load) return -1;
    }
    return static_cast<int>(i - 1);
  }
  return -1;
}

inline void Tracker::Access(const void* object, sync::AccessKind kind, const sync::Loc& where) {
  if (!armed_) return;
  Thread& t = thread_[rl::thread_index()];
  if (t.after_pause) {
    t.after_pause = false;
    const int first = IsLoad(kind) ? RepeatsLoadOnlyIteration(t, where) : -1;
    if (first >= 0) {
      if (marks_ != nullptr) {
        marks_->Exclude(static_cast<int>(rl::thread_index()), t.prev_sites[static_cast<std::size_t>(first)].steps,
                        t.pause_steps);
      }
      if (drop_ && !observe_) t.dropped = true;
    }
  }
  if (kind != sync::AccessKind::kPause) {
    t.seg_sites.push_back(Thread::Site{where.file_name(), where.line(),
                                       IsLoad(kind) || kind == sync::AccessKind::kScFence, Steps()});
  }
  if (observe_) {
    if (kind == sync::AccessKind::kPause) {
      t.pause_steps = Steps();
      t.prev_sites.swap(t.seg_sites);
      t.seg_sites.clear();
      t.after_pause = true;
    }
    return;
  }
  Reported r;
  r.kind = kind;
  r.trigger = TriggersScheduling(kind);
  switch (kind) {
    case sync::AccessKind::kPause:
      CloseSegment(t);
      r.object = 0;
      break;
    case sync::AccessKind::kScFence:
      r.object = kScFenceObject;
      r.write = true;
      break;
    default:
      Canonical(object, r.object, r.block);
      r.write = kind == sync::AccessKind::kStore || kind == sync::AccessKind::kRmw ||
                kind == sync::AccessKind::kLock || kind == sync::AccessKind::kUnlock ||
                kind == sync::AccessKind::kVarStore || kind == sync::AccessKind::kGhostStore;
      t.seg_hash = MixHash(MixHash(MixHash(t.seg_hash, static_cast<std::uint64_t>(kind)), r.object),
                           MixHash(reinterpret_cast<std::uintptr_t>(where.file_name()), where.line()));
      if (r.write && kind != sync::AccessKind::kRmw) t.seg_write = true;  // an RMW: Read says
      if (!r.write || kind == sync::AccessKind::kRmw) {
        if (std::find(t.seg_reads.begin(), t.seg_reads.end(), r.object) == t.seg_reads.end()) {
          t.seg_reads.push_back(r.object);
        }
        if (r.block != 0 &&
            std::find(t.seg_reads.begin(), t.seg_reads.end(), r.block) == t.seg_reads.end()) {
          t.seg_reads.push_back(r.block);
        }
      }
      break;
  }
  t.event.push_back(r);
  ++t.reports_since_resume;
}

inline void Tracker::Read(const void* object, std::uint64_t bits, bool latest, bool wrote) {
  if (!armed_ || observe_) return;
  Thread& t = thread_[rl::thread_index()];
  t.seg_hash = MixHash(MixHash(t.seg_hash, bits), wrote ? 1 : 0);
  if (!latest) t.seg_stale = true;
  if (wrote) t.seg_write = true;
  // A compare-exchange that failed wrote nothing: its access is a read.
  if (!wrote && !t.event.empty()) {
    Reported& last = t.event.back();
    if (last.kind == sync::AccessKind::kRmw) {
      std::uint64_t o = 0;
      std::uint64_t b = 0;
      Canonical(object, o, b);
      if (last.object == o) last.write = false;
    }
  }
}

inline void Tracker::CloseSegment(Thread& t) {
  const bool clean = !t.seg_write && !t.seg_stale;
  if (clean && t.prev_clean && t.seg_hash == t.prev_hash) {
    t.awaiting = true;
    t.await_reads = t.seg_reads;
  }
  t.prev_hash = t.seg_hash;
  t.prev_clean = clean;
  t.prev_sites.swap(t.seg_sites);
  t.seg_sites.clear();
  t.after_pause = true;
  t.pause_steps = Steps();
  t.seg_hash = 0;
  t.seg_write = false;
  t.seg_stale = false;
  t.seg_reads.clear();
}

inline void Tracker::EndEvent(int ti, bool finished, bool parked, Explorer& ex) {
  Thread& t = thread_[ti];
  std::size_t n = t.event.size();
  t.has_pending = false;
  t.paused = false;
  if (!finished && !parked && t.reports_since_resume > 0 && t.event.back().trigger) {
    t.pending = t.event.back();
    t.has_pending = true;
    t.paused = t.pending.kind == sync::AccessKind::kPause;
    --n;
  } else if (parked && t.reports_since_resume == 0 && !t.event.empty()) {
    // A lock attempt that parked: the retry accesses the lock again.
    t.pending = t.event.front();
    t.has_pending = true;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Reported& r = t.event[i];
    if (r.object == 0) continue;  // a pause
    ex.AddAccess(dpor::Access{r.object, r.write});
    if (r.block != 0) ex.AddAccess(dpor::Access{r.block, false});
    if (!r.write) continue;
    // Wake the threads that await an object this event wrote.
    for (int u = 0; u < threads_; ++u) {
      Thread& w = thread_[u];
      if (u == ti || !w.awaiting) continue;
      if (std::find(w.await_reads.begin(), w.await_reads.end(), r.object) != w.await_reads.end()) {
        w.awaiting = false;
        w.woken = true;
      }
    }
  }
  t.event.clear();
  t.reports_since_resume = 0;
}

inline void Tracker::StartEvent(int ti, Explorer& ex) {
  Thread& t = thread_[ti];
  t.event.clear();
  t.reports_since_resume = 0;
  if (t.has_pending) {
    t.event.push_back(t.pending);
    t.has_pending = false;
  }
  if (t.woken) {
    // The wake-up depends on every object the thread waited on.
    for (std::uint64_t o : t.await_reads) ex.AddAccess(dpor::Access{o, false});
    t.woken = false;
    t.await_reads.clear();
  }
}

template <rl::thread_id_t kThreadCount>
class DporScheduler
    : public rl::scheduler<DporScheduler<kThreadCount>, rl::scheduler_thread_info, kThreadCount> {
 public:
  using base_t = rl::scheduler<DporScheduler<kThreadCount>, rl::scheduler_thread_info, kThreadCount>;
  using thread_info_t = typename base_t::thread_info_t;
  using shared_context_t = typename base_t::shared_context_t;
  struct task_t {};

  DporScheduler(rl::test_params& params, shared_context_t& ctx, rl::thread_id_t dynamic_thread_count)
      : base_t(params, ctx, dynamic_thread_count) {}

  rl::thread_id_t iteration_begin_impl() {
    SearchState& s = g_search;
    s.tracker.BeginExecution();
    s.explorer.BeginExecution();
    const int first = s.explorer.ChooseThread(Running(), 0);
    s.tracker.StartEvent(first, s.explorer);
    return static_cast<rl::thread_id_t>(first);
  }

  bool iteration_end_impl() {
    SearchState& s = g_search;
    if (this->thread_ != nullptr) s.tracker.EndEvent(this->thread_->index_, true, false, s.explorer);
    return s.explorer.EndExecution();
  }

  rl::thread_id_t schedule_impl(rl::unpark_reason& reason, unsigned /*yield*/) {
    SearchState& s = g_search;
    reason = rl::unpark_reason_normal;
    RL_VERIFY(this->timed_thread_count_ == 0 && this->spurious_thread_count_ == 0);
    thread_info_t& t = *this->thread_;
    const int ti = static_cast<int>(t.index_);
    s.tracker.EndEvent(ti, t.state_ == rl::thread_state_finished, t.state_ == rl::thread_state_blocked,
                       s.explorer);
    if (s.tracker.Dropped(ti)) s.explorer.Discard();
    std::uint32_t enabled = Enabled(s);
    if (enabled == 0 && s.tracker.AnyDropped()) {
      // Only dropped threads are left: the execution is not counted anyway;
      // they run to the end, unsearched.
      s.tracker.ReleaseDropped();
      s.explorer.StopSearching();
      enabled = Enabled(s);
    }
    if (enabled == 0) {
      // Every thread that could run waits for a value no thread will write:
      // in Relacy's own search these threads spin until its livelock limit.
      s.livelock = true;
      rl::ctx().fail_test("livelock: every running thread awaits a write that no thread makes",
                          rl::test_result_livelock, RL_INFO);
    }
    int prefer = -1;
    if ((enabled & Bit(ti)) != 0 && !s.tracker.JustPaused(ti)) {
      prefer = ti;
    } else {
      for (int k = 1; k <= static_cast<int>(kThreadCount); ++k) {
        const int u = (ti + k) % static_cast<int>(kThreadCount);
        if ((enabled & Bit(u)) != 0) {
          prefer = u;
          break;
        }
      }
    }
    const int next = s.explorer.ChooseThread(static_cast<ThreadSet>(enabled), prefer);
    s.tracker.StartEvent(next, s.explorer);
    return static_cast<rl::thread_id_t>(next);
  }

  std::uint32_t Enabled(SearchState& s) const {
    std::uint32_t enabled = 0;
    for (std::uint32_t r = Running(); r != 0; r &= r - 1) {
      const int u = Lowest(r);
      if (!s.tracker.Awaiting(u) && !s.tracker.Dropped(u)) enabled |= Bit(u);
    }
    return enabled;
  }

  unsigned rand_impl(unsigned limit, rl::sched_type type) {
    SearchState& s = g_search;
    // Relacy's relaxed-load choice: 0 reads the latest store, 1 the one before.
    if (type == rl::sched_type_atomic_load && limit == 2 && this->thread_ != nullptr) {
      std::uint64_t object = 0;
      if (s.tracker.LoadStartsEvent(static_cast<int>(this->thread_->index_), object) &&
          !s.explorer.OlderStoreNeeded(static_cast<int>(this->thread_->index_), object)) {
        return s.explorer.ChooseFirst();
      }
    }
    return s.explorer.ChooseData(limit);
  }

  rl::iteration_t iteration_count_impl() { return this->iter_ + 1; }

  void get_state_impl(std::ostream& ss) {
    const Vec<std::uint16_t>& d = g_search.explorer.Decisions();
    ss << d.size();
    for (std::uint16_t x : d) ss << ' ' << x;
    ss << ' ';
  }
  void set_state_impl(std::istream& ss) {
    std::size_t n = 0;
    ss >> n;
    Vec<std::uint16_t> d;
    for (std::size_t i = 0; i < n; ++i) {
      unsigned x = 0;
      ss >> x;
      d.push_back(static_cast<std::uint16_t>(x));
    }
    g_search.explorer.SetReplay(d);
  }

  void on_thread_block(rl::thread_id_t, bool) {}
  void purge_blocked_threads() {}
  void thread_finished_impl() {}

 private:
  std::uint32_t Running() const {
    std::uint32_t r = 0;
    for (rl::thread_id_t i = 0; i != this->running_threads_count; ++i) r |= Bit(this->running_threads[i]);
    return r;
  }
};

}  // namespace mmu::models::dpor
