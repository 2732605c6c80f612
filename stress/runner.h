// stress/runner.h: drive one scenario on real threads (the native engine).
//
// Litmus7-style rounds. A copy of the scenario is a group of S::kThreads
// workers; worker 0 doubles as the group's coordinator. Per batch of up to
// kBatch rounds:
//
//   coordinator   check and free the previous batch, construct the next
//                 batch of scenario objects (single-threaded set-up);
//   all workers   for each round: meet at the spin barrier, run the round's
//                 Thread(cpu) with the stress hook's delays, move on;
//   all workers   meet once more: the batch is finished.
//
// So every round starts with its CPUs released together, and costs one
// barrier. Invariants are checked by the scenario itself: on the spot in
// Thread() (sync::fail -> FaultSink) and by Check() after the batch. The
// first violating round of the run is kept with its observations and every
// CPU's recorded steps.
//
// The thread that started the run supervises it: budgets, Ctrl-C, progress,
// and the stall watchdog (stress/watchdog.h). A copy that makes no progress
// for the stall limit ends the run with a stall report; its threads, stuck
// in the core, cannot be cancelled, so Run() returns without joining them
// and RunScenario leaks the runner they use (the driver then exits).
#pragma once

#include <pthread.h>
#include <sched.h>

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

#include "mmu_core/catalog/scenario_info.h"
#include "mmu_core/scenario.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"
#include "stress/barrier.h"
#include "stress/clock.h"
#include "stress/hook.h"
#include "stress/run.h"
#include "stress/timing.h"
#include "stress/watchdog.h"
#include "stress/windows.h"

namespace stress {

template <class S>
class Runner {
 public:
  static constexpr int kThreads = S::kThreads;
  static constexpr int kBatch = 16;

  // With no --stall-seconds, the limit is the larger of kStallFloor and
  // kStallGapFactor times the longest wait for progress seen so far in the
  // run (README, "Stalls": the figures behind these numbers).
  static constexpr double kStallFloor = 3.0;
  static constexpr double kStallGapFactor = 20.0;

  // `info` is a registry entry's (static storage): stuck workers may outlive the caller.
  Runner(const mmu::ScenarioInfo& info, const RunSpec& spec)
      : info_(info),
        spec_(spec),
        max_delay_ticks_(static_cast<std::uint64_t>(static_cast<double>(spec.max_delay_ns) * TicksPerNs())),
        rounds_by_config_(info.configs.size()),
        violating_by_config_(info.configs.size()) {
    for (int i = 0; i < static_cast<int>(info.configs.size()); ++i) configs_.push_back(mmu::ConfigOf<S>(info, i));
  }

  RunResult Run() {
    const int threads = spec_.copies * kThreads;
    const bool oversubscribed = threads > static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int spins = oversubscribed ? 16 : 1024;
    for (int c = 0; c < spec_.copies; ++c) groups_.push_back(std::make_unique<Group>(*this, c, spins));

    mmu::SetStepHook(&hook_);
    mmu::sync::set_violation_sink(&sink_);
    clock_ = Stopwatch();
    running_.store(threads, std::memory_order_relaxed);
    std::vector<std::thread> workers;
    if (spec_.pin) cores_ = AllowedCores();
    // With more workers than cores, the first workers get a core each and
    // the others float: two CPUs pinned to one core would take turns for
    // good, and a CPU spinning on mmu_lock (a spinlock, as in the kernel, but
    // preemptible here) could hold the very core its lock holder is pinned
    // to for a whole time slice.
    for (auto& g : groups_) {
      for (int cpu = 0; cpu < kThreads; ++cpu) {
        workers.emplace_back([this, g = g.get(), cpu] {
          g->Worker(cpu);
          running_.fetch_sub(1, std::memory_order_acq_rel);
        });
        handles_.push_back(workers.back().native_handle());
        if (workers.size() <= cores_.size()) Pin(workers.back().native_handle(), cores_[workers.size() - 1]);
      }
    }
    // The floating workers change every kRepinSeconds (Supervise), so that
    // every pair of CPUs runs side by side part of the time: a window between
    // two CPUs opens only while both run.
    rotate_pins_ = spec_.pin && !cores_.empty() && handles_.size() > cores_.size();
    Supervise();

    RunResult r;
    r.slowest_progress_gap = slowest_gap_;
    r.max_round_steps = max_round_steps_.load(std::memory_order_relaxed);
    r.windows = windows_.Tallies();
    r.stall_limit = StallLimit();
    if (stall_.has_value()) {
      // Threads stuck in the core cannot be cancelled or joined: leave them
      // (and the hook, the sink and this runner, which they use) as they are.
      for (auto& t : workers) t.detach();
    } else {
      for (auto& t : workers) t.join();
      mmu::SetStepHook(nullptr);
      mmu::sync::set_violation_sink(nullptr);
    }

    r.seconds = clock_.Seconds();
    r.violations = sink_.calls();
    r.overlapping_rounds = overlapping_rounds_.load(std::memory_order_relaxed);
    r.interrupted = interrupted_;
    for (int i = 0; i < static_cast<int>(info_.configs.size()); ++i) {
      const std::uint64_t n = rounds_by_config_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
      const std::uint64_t v = violating_by_config_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
      r.rounds += n;
      r.violating_rounds += v;
      if (std::find(spec_.configs.begin(), spec_.configs.end(), i) != spec_.configs.end()) {
        r.per_config.push_back(ConfigTally{i, info_.configs[static_cast<std::size_t>(i)], n, v});
      }
    }
    {
      std::lock_guard<std::mutex> lock(first_mu_);
      r.first = first_;
    }
    r.stall = stall_;
    return r;
  }

 private:
  struct Round {
    PctRound pct;
    bool use_pct = false;  // this round is scheduled by PCT (else delays)
    std::optional<S> scenario;
    std::uint64_t number = 0;
    int config = 0;
    StepLog logs[kThreads];
    FaultRecord fault;
  };

  class Group {
   public:
    Group(Runner& run, int copy, int spins)
        : run_(run),
          copy_(copy),
          pct_rng_(run.spec_.seed ^ Mix(0x9c7ULL << 32 | static_cast<std::uint64_t>(copy))),
          barrier_(kThreads, spins) {}

    void Worker(int cpu) {
      mmu::sync::set_this_cpu(cpu);
      CpuStatus& st = status_[cpu];
      WorkerContext ctx(cpu, copy_, DelayPlan(run_.spec_.seed, copy_, cpu, run_.max_delay_ticks_), &st, &locks_);
      tls_worker = &ctx;
      for (;;) {
        if (cpu == 0) {
          st.Enter(Phase::kSetUp);
          Collect(ctx);
          batch_ = Prepare();
          st.Bump();
        }
        st.Enter(Phase::kAtBarrier);
        barrier_.Wait();  // the batch is ready; also the start of its first round
        const int n = batch_;
        if (n == 0) {
          finished_.store(true, std::memory_order_release);
          break;
        }
        for (int i = 0; i < n; ++i) {
          if (i > 0) barrier_.Wait();  // round i starts on every CPU together
          Round& r = rounds_[i];
          r.logs[cpu].Clear();
          st.round.store(r.number, std::memory_order_relaxed);
          st.config.store(r.config, std::memory_order_relaxed);
          st.round_steps.store(0, std::memory_order_relaxed);
          st.last_step.store(kNoStep, std::memory_order_relaxed);
          st.log.store(&r.logs[cpu], std::memory_order_release);
          st.Enter(Phase::kRunning);
          ctx.log = &r.logs[cpu];
          ctx.fault = &r.fault;
          const bool pct = r.use_pct;
          if (pct) {
            ctx.pct = &r.pct;
            r.pct.Start(cpu);
          } else {
            ctx.plan.BeforeRound();
          }
          r.scenario->Thread(cpu);
          if (pct) {
            r.pct.Done(cpu);
            ctx.pct = nullptr;
          }
          ctx.log = nullptr;
          ctx.fault = nullptr;
          st.Enter(Phase::kAtBarrier);
          st.Bump();
        }
        barrier_.Wait();  // every CPU has finished the batch
      }
      tls_worker = nullptr;
    }

    int copy() const { return copy_; }
    bool finished() const { return finished_.load(std::memory_order_acquire); }
    CpuStatus& status(int cpu) { return status_[cpu]; }
    const LockTable& locks() const { return locks_; }

   private:
    // Coordinator: the final checks of the finished batch.
    void Collect(WorkerContext& ctx) {
      for (int i = 0; i < batch_; ++i) {
        Round& r = rounds_[i];
        ctx.fault = &r.fault;
        ctx.in_check = true;
        ctx.status->round.store(r.number, std::memory_order_relaxed);
        ctx.status->config.store(r.config, std::memory_order_relaxed);
        ctx.status->Enter(Phase::kCheck);
        r.scenario->Check();
        ctx.status->Enter(Phase::kSetUp);
        ctx.in_check = false;
        ctx.fault = nullptr;
        const auto cfg = static_cast<std::size_t>(r.config);
        run_.rounds_by_config_[cfg].fetch_add(1, std::memory_order_relaxed);
        if (r.fault.failed()) {
          run_.violating_by_config_[cfg].fetch_add(1, std::memory_order_relaxed);
          run_.violating_rounds_.fetch_add(1, std::memory_order_relaxed);
          run_.Keep(r, copy_);
          if (run_.spec_.stop_on_violation) run_.stop_.store(true, std::memory_order_relaxed);
        }
        if (Overlapped(r)) run_.overlapping_rounds_.fetch_add(1, std::memory_order_relaxed);
        run_.windows_.Count(r.logs);
        int steps = 0;
        for (int c = 0; c < kThreads; ++c) steps += r.logs[c].size() + r.logs[c].dropped();
        if (steps > max_round_steps_) {
          max_round_steps_ = steps;
          if (steps > run_.max_round_steps_.load(std::memory_order_relaxed)) {
            run_.max_round_steps_.store(steps, std::memory_order_relaxed);
          }
        }
        run_.done_rounds_.fetch_add(1, std::memory_order_relaxed);
        r.scenario.reset();
      }
    }

    // Did two CPUs' steps interleave in time? Each CPU's steps span
    // [first stamp, last stamp]; a round overlaps when two spans intersect.
    static bool Overlapped(const Round& r) {
      std::uint64_t lo[kThreads], hi[kThreads];
      for (int c = 0; c < kThreads; ++c) {
        const StepLog& log = r.logs[c];
        lo[c] = log.size() > 0 ? log[0].tick : 1;
        hi[c] = log.size() > 0 ? log[log.size() - 1].tick : 0;
      }
      for (int a = 0; a < kThreads; ++a) {
        for (int b = a + 1; b < kThreads; ++b) {
          if (lo[a] <= hi[a] && lo[b] <= hi[b] && lo[a] <= hi[b] && lo[b] <= hi[a]) return true;
        }
      }
      return false;
    }

    // Coordinator: construct the next batch; 0 when the run is over.
    int Prepare() {
      if (run_.stop_.load(std::memory_order_relaxed)) return 0;
      const std::uint64_t base = run_.claimed_.fetch_add(kBatch, std::memory_order_relaxed);
      std::uint64_t n = kBatch;
      if (run_.spec_.rounds != 0) {
        if (base >= run_.spec_.rounds) return 0;
        n = std::min<std::uint64_t>(n, run_.spec_.rounds - base);
      }
      const auto& configs = run_.spec_.configs;
      for (std::uint64_t i = 0; i < n; ++i) {
        Round& r = rounds_[i];
        r.number = base + i;
        r.config = configs[(base + i) % configs.size()];
        r.fault.Reset();
        r.use_pct = run_.spec_.timing == Timing::kPct || (run_.spec_.timing == Timing::kMixed && (r.number & 1) != 0);
        if (r.use_pct) {
          // k: the most steps a round of this copy has taken so far (PCT
          // draws its change points among the round's steps).
          const int k = std::max(max_round_steps_, static_cast<int>(PctRound::kInitialK));
          r.pct.Reset(pct_rng_, kThreads, run_.spec_.pct_depth, k);
        }
        r.scenario.emplace(run_.configs_[static_cast<std::size_t>(r.config)], run_.spec_.mutations);
      }
      return static_cast<int>(n);
    }

    Runner& run_;
    const int copy_;
    Rng pct_rng_;               // the coordinator's: priorities and change points
    int max_round_steps_ = 0;   // the coordinator's: PCT's k
    CpuStatus status_[kThreads];
    LockTable locks_;
    std::atomic<bool> finished_{false};
    SpinBarrier barrier_;
    int batch_ = 0;  // written by the coordinator before the batch barrier
    Round rounds_[kBatch];
  };

  // The cores this process may run on (its affinity mask: taskset, cgroups).
  static std::vector<int> AllowedCores() {
    std::vector<int> cores;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return cores;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cores.push_back(c);
    }
    return cores;
  }

  // One worker per core: the scheduler cannot then stack a round's CPUs on
  // one core of a busy machine, where they would only take turns and never
  // race.
  static void Pin(pthread_t t, int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    pthread_setaffinity_np(t, sizeof(set), &set);
  }
  void Float(pthread_t t) const {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cores_) CPU_SET(c, &set);
    pthread_setaffinity_np(t, sizeof(set), &set);
  }
  // Worker i gets core (i + turn) mod workers if there is one, else floats.
  void Repin(std::size_t turn) {
    for (std::size_t i = 0; i < handles_.size(); ++i) {
      const std::size_t slot = (i + turn) % handles_.size();
      if (slot < cores_.size()) {
        Pin(handles_[i], cores_[slot]);
      } else {
        Float(handles_[i]);
      }
    }
  }
  static constexpr double kRepinSeconds = 0.1;

  // The thread that started the run: budgets, interrupts, progress and the
  // stall watchdog.
  void Supervise() {
    double next_progress = 0.25;
    struct Watch {
      std::uint64_t progress = 0;
      double since = 0;                      // when `progress` last moved
      std::uint64_t steps[kThreads] = {};    // each CPU's steps at that moment
    };
    std::vector<Watch> watch(groups_.size());
    double next_repin = kRepinSeconds;
    std::size_t turn = 0;
    while (running_.load(std::memory_order_acquire) > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      const double t = clock_.Seconds();
      if (rotate_pins_ && t >= next_repin) {
        next_repin = t + kRepinSeconds;
        Repin(++turn);
      }
      if (spec_.seconds > 0 && t >= spec_.seconds) stop_.store(true, std::memory_order_relaxed);
      if (spec_.interrupt != nullptr && spec_.interrupt->load(std::memory_order_relaxed)) {
        interrupted_ = true;
        stop_.store(true, std::memory_order_relaxed);
      }
      if (spec_.on_progress && t >= next_progress) {
        next_progress = t + 0.25;
        spec_.on_progress(Progress{done_rounds_.load(std::memory_order_relaxed),
                                   violating_rounds_.load(std::memory_order_relaxed), t});
      }
      // After Ctrl-C a stuck run is reported at once rather than at the limit.
      const double limit = interrupted_ ? std::min(StallLimit(), 1.0) : StallLimit();
      for (std::size_t c = 0; c < groups_.size(); ++c) {
        Group& g = *groups_[c];
        Watch& w = watch[c];
        std::uint64_t progress = 0;
        for (int cpu = 0; cpu < kThreads; ++cpu) progress += g.status(cpu).progress.load(std::memory_order_relaxed);
        if (progress != w.progress) {
          slowest_gap_ = std::max(slowest_gap_, t - w.since);
          w.progress = progress;
          w.since = t;
          for (int cpu = 0; cpu < kThreads; ++cpu) w.steps[cpu] = g.status(cpu).steps.load(std::memory_order_relaxed);
          continue;
        }
        if (t - w.since < limit) continue;
        if (g.finished()) continue;  // it left its loop (batch 0): not a stall
        stall_ = MakeStall(g, t, t - w.since, limit, w.steps);
        stop_.store(true, std::memory_order_relaxed);
        return;
      }
    }
  }

  double StallLimit() const {
    if (spec_.stall_seconds > 0) return spec_.stall_seconds;
    return std::max(kStallFloor, kStallGapFactor * slowest_gap_);
  }

  // What every CPU of a stalled copy is doing, and the round's steps so far.
  Stall MakeStall(Group& g, double now, double no_progress, double limit, const std::uint64_t* steps_then) {
    Stall st;
    st.seconds = now;
    st.no_progress = no_progress;
    st.limit = limit;
    st.limit_derived = spec_.stall_seconds <= 0;
    st.slowest_progress_gap = slowest_gap_;
    st.copy = g.copy();
    // The stuck round: the latest one any CPU of the copy is in.
    std::uint64_t round = 0;
    int config = 0;
    for (int cpu = 0; cpu < kThreads; ++cpu) {
      const CpuStatus& c = g.status(cpu);
      const std::uint64_t n = c.round.load(std::memory_order_relaxed);
      if (cpu == 0 || n > round) {
        round = n;
        config = c.config.load(std::memory_order_relaxed);
      }
    }
    st.round = round;
    st.config_index = config;
    st.config = info_.configs[static_cast<std::size_t>(config)];
    for (int cpu = 0; cpu < kThreads; ++cpu) {
      const CpuStatus& c = g.status(cpu);
      StalledCpu sc;
      sc.cpu = cpu;
      const auto phase = static_cast<Phase>(c.phase.load(std::memory_order_relaxed));
      sc.phase = PhaseName(phase);
      const int last = c.last_step.load(std::memory_order_relaxed);
      if (last != kNoStep) sc.last_step = std::string(mmu::StepName(static_cast<mmu::Step>(last)));
      sc.last_value = c.last_value.load(std::memory_order_relaxed);
      sc.round_steps = c.round_steps.load(std::memory_order_relaxed);
      sc.steps_since_progress = c.steps.load(std::memory_order_relaxed) - steps_then[cpu];
      const int in = c.in_step.load(std::memory_order_relaxed);
      if (phase == Phase::kRunning && in != kNoStep) sc.in_step = std::string(mmu::StepName(static_cast<mmu::Step>(in)));
      const char* lock = c.waiting_for.load(std::memory_order_relaxed);
      if (phase == Phase::kRunning && lock != nullptr) {
        sc.waits_for = lock;
        sc.lock_holder = g.locks().Holder(lock);
      } else if (!sc.in_step.empty()) {
        sc.waits_for = WhatAStepWaitsFor(static_cast<mmu::Step>(in));
      }
      st.cpus.push_back(std::move(sc));
    }
    // The partial round: every CPU's log of that round, by timestamp.
    struct Stamped {
      std::uint64_t tick;
      StepRecord rec;
    };
    std::vector<Stamped> all;
    std::uint64_t t0 = ~std::uint64_t{0};
    const double per_ns = TicksPerNs();
    for (int pass = 0; pass < 2; ++pass) {
      for (int cpu = 0; cpu < kThreads; ++cpu) {
        const CpuStatus& c = g.status(cpu);
        const StepLog* log = c.log.load(std::memory_order_acquire);
        if (log == nullptr || c.round.load(std::memory_order_relaxed) != round) continue;
        const int n = log->size();
        for (int i = 0; i < n; ++i) {
          const StepLog::Event e = (*log)[i];
          if (pass == 0) {
            t0 = std::min(t0, e.tick);
            continue;
          }
          const auto ns = static_cast<std::int64_t>(static_cast<double>(e.tick - std::min(t0, e.tick)) / per_ns);
          all.push_back(Stamped{e.tick, StepRecord{cpu, std::string(mmu::StepName(e.step)), e.value, ns}});
        }
        if (pass == 1) st.dropped_steps += log->dropped();
      }
    }
    std::stable_sort(all.begin(), all.end(), [](const Stamped& a, const Stamped& b) { return a.tick < b.tick; });
    for (Stamped& s : all) st.steps.push_back(std::move(s.rec));
    return st;
  }

  // A step inside which a CPU may wait for another (its op spins).
  static std::string WhatAStepWaitsFor(mmu::Step s) {
    switch (s) {
      case mmu::Step::KickVcpu:
        return "the vCPU to leave guest mode or its lockless walk (its mode to become OUTSIDE_GUEST_MODE)";
      case mmu::Step::SyncSrcu:
        return "the SRCU readers of the old memslots (the reader count to drop to 0)";
      case mmu::Step::HwSetAD:
      case mmu::Step::HwSetLowAD:
        return "its cmpxchg of the spte to succeed (hardware retries while software changes the spte)";
      default:
        return "";
    }
  }

  // The first violating round of the run, kept for the report.
  void Keep(const Round& r, int copy) {
    std::lock_guard<std::mutex> lock(first_mu_);
    if (first_.has_value()) return;
    Violation v;
    v.round = r.number;
    v.seconds = clock_.Seconds();
    v.copy = copy;
    v.cpu = r.fault.cpu();
    v.what = r.fault.what();
    v.where = std::string(r.fault.file()) + ":" + std::to_string(r.fault.line());
    v.config_index = r.config;
    v.config = info_.configs[static_cast<std::size_t>(r.config)];
    mmu::Observations obs;
    r.scenario->Observe(obs);
    for (int i = 0; i < obs.size(); ++i) v.observations.push_back(Observation{obs[i].cpu, obs[i].what, obs[i].value});
    std::uint64_t t0 = ~std::uint64_t{0};
    for (int c = 0; c < kThreads; ++c) {
      for (int i = 0; i < r.logs[c].size(); ++i) t0 = std::min(t0, r.logs[c][i].tick);
      v.dropped_steps += r.logs[c].dropped();
    }
    struct Stamped {
      std::uint64_t tick;
      StepRecord rec;
    };
    std::vector<Stamped> all;
    const double per_ns = TicksPerNs();
    for (int c = 0; c < kThreads; ++c) {
      for (int i = 0; i < r.logs[c].size(); ++i) {
        const StepLog::Event& e = r.logs[c][i];
        const auto ns = static_cast<std::int64_t>(static_cast<double>(e.tick - t0) / per_ns);
        all.push_back(Stamped{e.tick, StepRecord{c, std::string(mmu::StepName(e.step)), e.value, ns}});
      }
    }
    std::stable_sort(all.begin(), all.end(), [](const Stamped& a, const Stamped& b) { return a.tick < b.tick; });
    for (Stamped& s : all) v.steps.push_back(std::move(s.rec));
    first_ = std::move(v);
  }

  const mmu::ScenarioInfo& info_;
  const RunSpec spec_;  // a copy: stuck workers may outlive the caller's
  std::vector<typename S::Config> configs_;  // the family, as the scenario's Config
  const std::uint64_t max_delay_ticks_;
  std::vector<std::unique_ptr<Group>> groups_;
  StressHook hook_;
  FaultSink sink_;
  Stopwatch clock_;
  std::atomic<bool> stop_{false};
  std::atomic<int> running_{0};
  std::atomic<std::uint64_t> claimed_{0};
  std::atomic<std::uint64_t> done_rounds_{0};
  std::atomic<std::uint64_t> violating_rounds_{0};
  std::atomic<std::uint64_t> overlapping_rounds_{0};
  std::atomic<int> max_round_steps_{0};
  WindowCounter<S> windows_;
  std::vector<std::atomic<std::uint64_t>> rounds_by_config_;
  std::vector<std::atomic<std::uint64_t>> violating_by_config_;
  std::mutex first_mu_;
  std::optional<Violation> first_;
  std::vector<int> cores_;  // worker i is pinned to cores_[i] if there is one (rotated: Repin)
  std::vector<pthread_t> handles_;
  bool rotate_pins_ = false;
  bool interrupted_ = false;  // written and read by the supervising thread only
  double slowest_gap_ = 0;    // likewise
  std::optional<Stall> stall_;  // likewise
};

template <class S>
RunResult RunScenario(const mmu::ScenarioInfo& info, const RunSpec& spec) {
  auto runner = std::make_unique<Runner<S>>(info, spec);
  RunResult r = runner->Run();
  // After a stall, threads stuck in the core still use the runner: leave it.
  if (r.stall.has_value()) (void)runner.release();
  return r;
}

}  // namespace stress
