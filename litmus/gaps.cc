// The static rules of gaps.h. Everything works on a small event graph: a
// litmus test has a few dozen accesses, so plain matrices and DFS suffice.
#include "litmus/gaps.h"

#include <algorithm>
#include <bitset>
#include <functional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace litmus {

const char* GapName(GapKind k) {
  switch (k) {
    case GapKind::kLoadBuffering: return "load-buffering";
    case GapKind::kShortHistory: return "short-history";
    case GapKind::kConsumeAsAcquire: return "consume-as-acquire";
    case GapKind::kFenceStrength: return "rmb/wmb-as-fence";
    case GapKind::kFailedCmpxchg: return "failed-cmpxchg";
    case GapKind::kStandaloneMb: return "standalone-mb";
    case GapKind::kRcu: return "rcu-as-lock";
    case GapKind::kNoreturnRmb: return "noreturn-rmb";
  }
  return "?";
}

namespace {

// Data locations, then one pseudo-location per process for its RCU reader word.
constexpr int kLocBits = kMaxLocations + kMaxThreads;
using LocSet = std::bitset<kLocBits>;
constexpr int kMaxEvents = kMaxThreads * kMaxOps;
using EventSet = std::bitset<kMaxEvents>;

struct Event {
  int thread = 0;
  int op = 0;  // index into the process's ops
  bool reads = false, writes = false;
  LocSet locs;
  bool definite = false;   // exactly one, statically known location
  bool acquire = false;    // LKMM: acquire load, acquire or full RMW, spin_lock
  bool release = false;    // LKMM: release store, release or full RMW, spin_unlock
  bool acquire_run = false;  // as the engines run it (upgraded loads, RCU locks)
  bool release_run = false;
  bool plain_load = false;   // a kLoad (RMWs always read the newest value)
};

class Analysis {
 public:
  explicit Analysis(const Program& p) : p_(p) {}

  std::vector<Gap> Run() {
    BuildEvents();
    BuildFenceCounts();
    BuildOrder();
    LoadBuffering();
    ShortHistory();
    ConsumeAsAcquire();
    FenceStrength();
    FailedCmpxchg();
    StandaloneMb();
    NoreturnRmb();
    Rcu();
    return gaps_;
  }

 private:
  const Op& OpOf(const Event& e) const { return p_.threads[e.thread].ops[e.op]; }
  const OpInfo& InfoOf(const Event& e) const { return p_.threads[e.thread].info[e.op]; }

  void Add(GapKind k, int thread, SourcePos pos, const std::string& msg) {
    if (!reported_.insert({static_cast<int>(k), thread}).second) return;
    gaps_.push_back(Gap{k, pos, p_.threads[thread].name + ": " + msg});
  }

  static std::string At(SourcePos pos) { return "line " + std::to_string(pos.line); }

  std::string Where(const Event& e) const {
    const Op& op = OpOf(e);
    std::string loc = "*r";
    if (!op.addr.is_reg && op.addr.v >= kAddrBase) loc = p_.locations[op.addr.v - kAddrBase].name;
    if (op.code == OpCode::kRcuLock || op.code == OpCode::kRcuUnlock || op.code == OpCode::kSyncRcu) {
      return op.primitive + "() at " + At(op.pos);
    }
    return op.primitive + "(" + loc + ") at " + At(op.pos);
  }

  void BuildEvents() {
    LocSet data;
    for (size_t l = 0; l < p_.locations.size(); ++l) {
      if (!p_.locations[l].is_lock) data.set(l);
    }
    by_thread_.resize(p_.threads.size());
    for (size_t t = 0; t < p_.threads.size(); ++t) {
      const Thread& th = p_.threads[t];
      for (size_t j = 0; j < th.ops.size(); ++j) {
        const Op& op = th.ops[j];
        Event e;
        e.thread = static_cast<int>(t);
        e.op = static_cast<int>(j);
        if (op.code == OpCode::kLoad || op.code == OpCode::kStore || op.code == OpCode::kRmw ||
            op.code == OpCode::kCas || op.code == OpCode::kLock || op.code == OpCode::kUnlock ||
            op.code == OpCode::kTryLock) {
          if (op.addr.is_reg) {
            e.locs = data;
          } else {
            e.locs.set(op.addr.v - kAddrBase);
            e.definite = true;
          }
        }
        bool full = op.order == MemOrder::kMb;
        switch (op.code) {
          case OpCode::kLoad:
            e.reads = e.plain_load = true;
            e.acquire = op.order == MemOrder::kAcquire && !th.info[j].upgraded_to_acquire;
            e.acquire_run = op.order == MemOrder::kAcquire;
            break;
          case OpCode::kStore:
            e.writes = true;
            e.release = e.release_run = op.order == MemOrder::kRelease;
            break;
          case OpCode::kRmw:
            e.reads = e.writes = true;
            e.acquire = e.acquire_run = full || op.order == MemOrder::kAcquire;
            e.release = e.release_run = full || op.order == MemOrder::kRelease;
            break;
          case OpCode::kCas:
            // A full cmpxchg may fail and then orders nothing (LKMM).
            e.reads = e.writes = true;
            e.acquire = op.order == MemOrder::kAcquire;
            e.release = op.order == MemOrder::kRelease;
            e.acquire_run = full || e.acquire;
            e.release_run = full || e.release;
            break;
          case OpCode::kLock:
          case OpCode::kTryLock:
            e.reads = e.writes = true;
            e.acquire = e.acquire_run = true;
            break;
          // An unlock follows its own lock's RMW on the same word, so
          // coherence into it is coherence into that lock: count it as an
          // RMW too, which turns such co edges into rf edges (see Co()).
          case OpCode::kUnlock:
            e.reads = e.writes = true;
            e.release = e.release_run = true;
            break;
          // The RCU reader word: LKMM's rcu_read_lock/unlock are no barriers,
          // but a cycle through a grace period and a critical section is
          // exactly what its RCU axiom forbids, so they order like a lock.
          case OpCode::kRcuLock:
            e.reads = e.writes = true;
            e.locs.set(kMaxLocations + t);
            e.definite = true;
            e.acquire = e.acquire_run = true;
            break;
          case OpCode::kRcuUnlock:
            e.reads = e.writes = true;
            e.locs.set(kMaxLocations + t);
            e.definite = true;
            e.release = e.release_run = true;
            break;
          case OpCode::kSyncRcu:
            e.reads = e.writes = true;
            for (size_t u = 0; u < p_.threads.size(); ++u) {
              if (u != t) e.locs.set(kMaxLocations + u);
            }
            e.acquire = e.release = e.acquire_run = e.release_run = true;
            break;
          default:
            continue;  // not a memory event
        }
        by_thread_[t].push_back(static_cast<int>(ev_.size()));
        ev_.push_back(e);
      }
    }
  }

  // ---- fences between two ops of one process ----------------------------

  // Prefix counts per process of ops that are an LKMM full barrier, smp_rmb
  // and smp_wmb, so "is there one strictly between a and b" is O(1).
  void BuildFenceCounts() {
    for (const Thread& th : p_.threads) {
      std::vector<int> mb(th.ops.size() + 1, 0), rmb = mb, wmb = mb;
      for (size_t j = 0; j < th.ops.size(); ++j) {
        const Op& op = th.ops[j];
        bool is_fence = op.code == OpCode::kFence;
        mb[j + 1] = mb[j] + ((is_fence && op.fence == FenceKind::kMb) || IsFullBarrierOp(op));
        rmb[j + 1] = rmb[j] + (is_fence && op.fence == FenceKind::kRmb);
        wmb[j + 1] = wmb[j] + (is_fence && op.fence == FenceKind::kWmb);
      }
      mb_count_.push_back(std::move(mb));
      rmb_count_.push_back(std::move(rmb));
      wmb_count_.push_back(std::move(wmb));
    }
  }
  static bool AnyBetween(const std::vector<int>& count, int a, int b) { return b > a + 1 && count[b] - count[a + 1] > 0; }

  bool IsFullRmw(const Op& op) const { return op.code == OpCode::kRmw && op.order == MemOrder::kMb; }
  bool IsFullBarrierOp(const Op& op) const { return IsFullRmw(op) || op.code == OpCode::kSyncRcu; }

  // LKMM smp_mb (or a full RMW or synchronize_rcu) strictly between ops a < b,
  // or a full RMW or synchronize_rcu at either end.
  bool MbBetween(int t, int a, int b) const {
    const auto& ops = p_.threads[t].ops;
    return IsFullBarrierOp(ops[a]) || IsFullBarrierOp(ops[b]) || AnyBetween(mb_count_[t], a, b);
  }

  bool FenceBetween(int t, int a, int b, FenceKind k) const {
    return AnyBetween(k == FenceKind::kRmb ? rmb_count_[t] : k == FenceKind::kWmb ? wmb_count_[t] : mb_count_[t], a, b);
  }

  // As the engines run it: a fence that releases (mb, wmb, the leading
  // fence of any full RMW or cmpxchg) strictly after `entry`, before `exit`.
  bool ReleaseFenceRun(int t, int entry, int exit) const {
    const auto& ops = p_.threads[t].ops;
    if (IsFullRmw(ops[entry])) return true;
    for (int j = entry + 1; j < exit; ++j) {
      const Op& op = ops[j];
      if (op.code == OpCode::kFence && op.fence != FenceKind::kRmb) return true;
      if ((op.code == OpCode::kRmw || op.code == OpCode::kCas) && op.order == MemOrder::kMb) return true;
      if (op.code == OpCode::kSyncRcu) return true;
    }
    return ops[exit].code == OpCode::kCas && ops[exit].order == MemOrder::kMb;
  }

  // An acquiring fence (mb, rmb, any fence of a full RMW, the leading fence
  // of a full cmpxchg) after `entry`, strictly before `exit`.
  bool AcquireFenceRun(int t, int entry, int exit) const {
    const auto& ops = p_.threads[t].ops;
    if (IsFullRmw(ops[entry])) return true;
    for (int j = entry + 1; j < exit; ++j) {
      const Op& op = ops[j];
      if (op.code == OpCode::kFence && op.fence != FenceKind::kWmb) return true;
      if ((op.code == OpCode::kRmw || op.code == OpCode::kCas) && op.order == MemOrder::kMb) return true;
      if (op.code == OpCode::kSyncRcu) return true;
    }
    return (ops[exit].code == OpCode::kCas || ops[exit].code == OpCode::kRmw) && ops[exit].order == MemOrder::kMb;
  }

  // ---- LKMM's preserved program order, per process -----------------------

  // One step of ordering LKMM keeps between events a before b of a process
  // (its ppo, plus fences): the same location when b writes (coherence),
  // a full barrier, acquire a, release b, an address, data or control
  // dependency of a store (address only for a load), smp_wmb() between
  // stores, smp_rmb() between loads.
  bool OrderedStep(const Event& a, const Event& b) const {
    if (b.writes && SameLocation(a, b)) return true;
    if (MbBetween(a.thread, a.op, b.op)) return true;
    if (a.acquire || b.release) return true;
    const OpInfo& bi = InfoOf(b);
    if (a.reads && b.writes && (bi.addr.must | bi.data.must | bi.ctrl.must).test(a.op)) return true;
    if (a.reads && b.reads && bi.addr.must.test(a.op)) return true;
    if (a.writes && b.writes && FenceBetween(a.thread, a.op, b.op, FenceKind::kWmb)) return true;
    if (a.reads && b.reads && FenceBetween(a.thread, a.op, b.op, FenceKind::kRmb)) return true;
    return false;
  }

  // ordered_[i]: events of i's process that LKMM keeps after i, directly or
  // through a chain of such steps (the transitive closure, built from the
  // last event backwards).
  void BuildOrder() {
    ordered_.assign(ev_.size(), EventSet());
    for (const auto& ids : by_thread_) {
      for (size_t ii = ids.size(); ii-- > 0;) {
        const int i = ids[ii];
        for (size_t jj = ii + 1; jj < ids.size(); ++jj) {
          const int j = ids[jj];
          if (ordered_[i].test(j) || !OrderedStep(ev_[i], ev_[j])) continue;
          ordered_[i].set(j);
          ordered_[i] |= ordered_[j];
        }
      }
    }
  }

  bool Ordered(int a, int b) const { return ordered_[a].test(b); }
  bool Strong(int a, int b) const { return MbBetween(ev_[a].thread, ev_[a].op, ev_[b].op); }
  bool MayAlias(const Event& a, const Event& b) const { return (a.locs & b.locs).any(); }
  bool SameLocation(const Event& a, const Event& b) const { return a.definite && b.definite && a.locs == b.locs; }

  // rf: a store to a load of a location it may share in another process.
  // (Within a process a load reads a po-earlier store, which po already
  // orders; reading a po-later one is a coherence violation in every model.)
  bool Rf(int w, int r) const {
    const Event &a = ev_[w], &b = ev_[r];
    return a.writes && b.reads && a.thread != b.thread && MayAlias(a, b);
  }
  // co into a plain store. An RMW (spin_lock, the RCU reader words too)
  // reads its immediate coherence predecessor, so coherence into it is
  // already an rf edge or a chain of them.
  bool Co(int w1, int w2) const {
    const Event &a = ev_[w1], &b = ev_[w2];
    return a.writes && b.writes && !b.reads && a.thread != b.thread && MayAlias(a, b);
  }

  // ---- kLoadBuffering ----------------------------------------------------

  enum class EdgeKind { kPo, kRf, kCo };
  struct Edge {
    int from, to;
    EdgeKind kind;
  };

  // LKMM's cumul-fence between two events of one process: a strong fence,
  // a release second event, or smp_wmb() between two stores.
  bool CumulFence(int a, int b) const {
    const Event &ea = ev_[a], &eb = ev_[b];
    return Strong(a, b) || eb.release || (ea.writes && eb.writes && FenceBetween(ea.thread, ea.op, eb.op, FenceKind::kWmb));
  }

  // Does LKMM forbid every execution with this po|rf|co cycle? True when all
  // its po edges are same-location (coherence); or it has no co edge and
  // every po edge is preserved (happens-before is acyclic); or every po edge
  // has a strong fence (propagation); or its one co edge W -> W' starts
  // LKMM's prop relation back into W's process (co, then cumul-fence steps,
  // possibly A-cumulative through an rf, then at most one rf) and
  // happens-before closes the cycle from there.
  bool Forbidden(std::vector<Edge> cyc) const {
    bool all_same = true, all_ordered = true, all_strong = true;
    int cos = 0;
    for (const Edge& e : cyc) {
      if (e.kind == EdgeKind::kCo) ++cos;
      if (e.kind != EdgeKind::kPo) continue;
      all_same &= SameLocation(ev_[e.from], ev_[e.to]);
      all_ordered &= Ordered(e.from, e.to);
      all_strong &= Strong(e.from, e.to);
    }
    if (all_same || (cos == 0 && all_ordered) || all_strong) return true;
    if (cos != 1) return false;
    while (cyc.front().kind != EdgeKind::kCo) std::rotate(cyc.begin(), cyc.begin() + 1, cyc.end());
    const int home = ev_[cyc.front().from].thread;
    const size_t n = cyc.size();
    auto hb_edge = [&](const Edge& e) { return e.kind == EdgeKind::kRf || (e.kind == EdgeKind::kPo && Ordered(e.from, e.to)); };
    // cumul[k]: edges 1..k-1 are cumul-fence steps.
    for (size_t k = 1; k <= n; ++k) {
      if (k > 1) {
        const Edge& e = cyc[k - 1];
        bool step = e.kind == EdgeKind::kPo ? CumulFence(e.from, e.to)
                                            : e.kind == EdgeKind::kRf && k < n && cyc[k].kind == EdgeKind::kPo &&
                                                  (Strong(cyc[k].from, cyc[k].to) || ev_[cyc[k].to].release);
        if (!step) break;
      }
      for (int take_rf = 0; take_rf < 2; ++take_rf) {
        size_t j = k;
        if (take_rf) {
          if (j >= n || cyc[j].kind != EdgeKind::kRf) continue;
          ++j;
        }
        int node = j < n ? cyc[j].from : cyc.front().from;
        if (ev_[node].thread != home) continue;
        bool rest = true;
        for (size_t r = j; r < n && rest; ++r) rest = hb_edge(cyc[r]);
        if (rest) return true;
      }
    }
    return false;
  }

  void LoadBuffering() {
    const int n = static_cast<int>(ev_.size());
    std::vector<std::vector<Edge>> adj(n);
    for (int u = 0; u < n; ++u) {
      for (int v = 0; v < n; ++v) {
        const Event &a = ev_[u], &b = ev_[v];
        if (a.thread == b.thread && a.op < b.op && b.writes) adj[u].push_back({u, v, EdgeKind::kPo});
        if (Rf(u, v)) adj[u].push_back({u, v, EdgeKind::kRf});
        if (Co(u, v)) adj[u].push_back({u, v, EdgeKind::kCo});
      }
    }
    // Every simple cycle, each found once from its smallest event.
    constexpr long kMaxCycles = 200000;
    long cycles = 0;
    std::vector<Edge> path;
    std::vector<char> on_path(n, 0);
    bool done = false;
    std::function<void(int, int)> dfs = [&](int start, int u) {
      if (!Spend()) {
        done = true;
        return;
      }
      for (const Edge& e : adj[u]) {
        if (done) return;
        if (e.to == start) {
          path.push_back(e);
          if (++cycles > kMaxCycles) {
            const Event& s0 = ev_[start];
            Add(GapKind::kLoadBuffering, s0.thread, OpOf(s0).pos,
                "more than " + std::to_string(kMaxCycles) + " po|rf|co cycles to classify; assuming one LKMM allows");
            done = true;
          } else if (!Forbidden(path)) {
            ReportCycle(path);
            done = true;
          }
          path.pop_back();
          continue;
        }
        if (e.to < start || on_path[e.to]) continue;
        on_path[e.to] = 1;
        path.push_back(e);
        dfs(start, e.to);
        path.pop_back();
        on_path[e.to] = 0;
      }
    };
    for (int s = 0; s < n && !done; ++s) {
      on_path[s] = 1;
      dfs(s, s);
      on_path[s] = 0;
    }
  }

  // Names the weakest po edge of a cycle LKMM may allow.
  void ReportCycle(const std::vector<Edge>& cyc) {
    const Edge* worst = nullptr;
    for (const Edge& e : cyc) {
      if (e.kind != EdgeKind::kPo) continue;
      if (!worst || (!Ordered(e.from, e.to) && Ordered(worst->from, worst->to))) worst = &e;
    }
    std::string shape;
    for (const Edge& e : cyc) {
      shape += Where(ev_[e.from]) + (e.kind == EdgeKind::kPo ? " -po-> " : e.kind == EdgeKind::kRf ? " -rf-> " : " -co-> ");
    }
    shape += Where(ev_[cyc.front().from]);
    const Event& at = ev_[worst ? worst->to : cyc.front().to];
    std::string why = worst && !Ordered(worst->from, worst->to)
                          ? Where(ev_[worst->from]) + " and " + Where(ev_[worst->to]) + " are unordered under LKMM"
                          : std::string("LKMM does not forbid this cycle through coherence order");
    Add(GapKind::kLoadBuffering, at.thread, OpOf(at).pos,
        why + "; the cycle " + shape + " is one Relacy never executes");
  }

  // ---- kShortHistory -----------------------------------------------------

  // Is there a path from store s2 to load l (po | rf | co, first edge not an
  // rf into a load of x by l's process at or before l) that does not make s2
  // happen before l as Relacy runs the test?
  bool WeakPath(int s2, int l, int x) {
    struct St {
      int node, entry;
      bool weak, pending, first;
    };
    std::set<std::tuple<int, int, bool, bool>> seen;
    std::vector<St> stack{{s2, s2, false, false, true}};
    const Event& L = ev_[l];
    while (!stack.empty()) {
      if (!Spend()) return true;  // out of budget: assume the worst
      St s = stack.back();
      stack.pop_back();
      if (!s.first && !seen.insert({s.node, s.entry, s.weak, s.pending}).second) continue;
      const Event& u = ev_[s.node];
      const int entry_op = ev_[s.entry].op;
      // Program order within the segment.
      for (int v : by_thread_[u.thread]) {
        if (ev_[v].op <= u.op) continue;
        if (v == l) {
          bool weak = s.weak || (s.pending && !AcquireFenceRun(u.thread, entry_op, L.op));
          if (weak) return true;
          continue;
        }
        stack.push_back({v, s.entry, s.weak, s.pending, false});
      }
      if (!u.writes) continue;
      // Leaving the segment: did the entry acquire, does the exit release?
      bool weak_in = s.weak || (s.pending && !AcquireFenceRun(u.thread, entry_op, u.op));
      bool releases = u.release_run || ReleaseFenceRun(u.thread, entry_op, u.op);
      for (size_t v = 0; v < ev_.size(); ++v) {
        const Event& e = ev_[v];
        if (static_cast<int>(v) == l || e.thread == u.thread) continue;
        if (Rf(s.node, v)) {
          if (s.first && e.thread == L.thread && e.locs.test(x) && e.op <= L.op) continue;
          stack.push_back({static_cast<int>(v), static_cast<int>(v), weak_in || !releases, !e.acquire_run, false});
        } else if (Co(s.node, v)) {
          stack.push_back({static_cast<int>(v), static_cast<int>(v), true, false, false});
        }
      }
    }
    return false;
  }

  void ShortHistory() {
    for (size_t l = 0; l < ev_.size(); ++l) {
      const Event& L = ev_[l];
      if (!L.plain_load) continue;
      bool flagged = false;
      for (int x = 0; x < kMaxLocations && !flagged; ++x) {
        if (!L.locs.test(x)) continue;
        for (size_t s2 = 0; s2 < ev_.size() && !flagged; ++s2) {
          const Event& S2 = ev_[s2];
          if (!S2.writes || !S2.locs.test(x) || S2.thread == L.thread) continue;
          bool earlier_store = false;
          for (size_t s1 = 0; s1 < ev_.size() && !earlier_store; ++s1) {
            const Event& S1 = ev_[s1];
            earlier_store = s1 != s2 && S1.writes && S1.locs.test(x) && S1.thread != L.thread &&
                            (S1.thread != S2.thread || S1.op < S2.op);
          }
          if (earlier_store && WeakPath(static_cast<int>(s2), static_cast<int>(l), x)) {
            Add(GapKind::kShortHistory, L.thread, OpOf(L).pos,
                Where(L) + " may need a value older than the two newest stores to " + p_.locations[x].name +
                    " (e.g. before " + Where(S2) + "); Relacy's full search never reads that far back");
            flagged = true;
          }
        }
      }
    }
  }

  // ---- kConsumeAsAcquire, kFenceStrength, kFailedCmpxchg -----------------

  void ConsumeAsAcquire() {
    for (const auto& ids : by_thread_) {
      for (size_t i = 0; i < ids.size(); ++i) {
        const Event& u = ev_[ids[i]];
        if (!InfoOf(u).upgraded_to_acquire) continue;
        for (size_t j = i + 1; j < ids.size(); ++j) {
          // A later release is ordered after the load whatever its order.
          if (Ordered(ids[i], ids[j]) || ev_[ids[j]].release_run) continue;
          Add(GapKind::kConsumeAsAcquire, u.thread, OpOf(u).pos,
              Where(u) + " feeds an address, so it runs as acquire, which also orders " + Where(ev_[ids[j]]) +
                  " after it; LKMM orders only the dependent access");
          break;
        }
      }
    }
  }

  void FenceStrength() {
    for (const auto& ids : by_thread_) {
      for (int a : ids) {
        for (int b : ids) {
          const Event &r = ev_[a], &w = ev_[b];
          if (!r.reads || !w.writes || r.op >= w.op || Ordered(a, b)) continue;
          if (FenceBetween(r.thread, r.op, w.op, FenceKind::kRmb) || FenceBetween(r.thread, r.op, w.op, FenceKind::kWmb)) {
            Add(GapKind::kFenceStrength, r.thread, OpOf(w).pos,
                "smp_rmb()/smp_wmb() between " + Where(r) + " and " + Where(w) +
                    " runs as a C++ fence, which orders that load before that store; LKMM's does not");
          }
        }
      }
    }
  }

  void FailedCmpxchg() {
    for (const auto& ids : by_thread_) {
      for (size_t c = 0; c < ids.size(); ++c) {
        const Event& cas = ev_[ids[c]];
        const Op& op = OpOf(cas);
        if (op.code != OpCode::kCas || op.order != MemOrder::kMb) continue;
        for (size_t a = 0; a < c; ++a) {
          for (size_t b = c + 1; b < ids.size(); ++b) {
            if (Ordered(ids[a], ids[b])) continue;
            Add(GapKind::kFailedCmpxchg, cas.thread, op.pos,
                Where(cas) + " runs a full fence even when it fails, ordering " + Where(ev_[ids[a]]) + " before " +
                    Where(ev_[ids[b]]) + "; LKMM's failed cmpxchg orders nothing");
          }
        }
      }
    }
  }

  // ---- kStandaloneMb, kRcu -----------------------------------------------

  void StandaloneMb() {
    for (size_t t = 0; t < p_.threads.size(); ++t) {
      const auto& ops = p_.threads[t].ops;
      auto is_mem = [](const Op& o) {
        return o.code == OpCode::kLoad || o.code == OpCode::kStore || o.code == OpCode::kRmw ||
               o.code == OpCode::kCas || o.code == OpCode::kLock || o.code == OpCode::kUnlock ||
               o.code == OpCode::kTryLock || o.code == OpCode::kSyncRcu;
      };
      for (size_t j = 0; j < ops.size(); ++j) {
        const Op& f = ops[j];
        if (f.code != OpCode::kFence) continue;
        if (f.primitive == "smp_mb__after_unlock_lock") {
          Add(GapKind::kStandaloneMb, static_cast<int>(t), f.pos,
              f.primitive + "() at " + At(f.pos) +
                  " runs as smp_mb(); LKMM orders only accesses before a preceding unlock with those after it");
          continue;
        }
        bool before = f.primitive == "smp_mb__before_atomic";
        bool after = f.primitive == "smp_mb__after_atomic" || f.primitive == "smp_mb__after_spinlock";
        if (!before && !after) continue;
        const Op* next = nullptr;
        if (before) {
          for (size_t k = j + 1; k < ops.size() && !next; ++k) {
            if (is_mem(ops[k])) next = &ops[k];
          }
        } else {
          for (size_t k = j; k-- > 0 && !next;) {
            if (is_mem(ops[k])) next = &ops[k];
          }
        }
        bool ok = next && (f.primitive == "smp_mb__after_spinlock"
                               ? (next->code == OpCode::kLock || next->code == OpCode::kTryLock)
                               : (next->code == OpCode::kRmw || next->code == OpCode::kCas));
        if (!ok) {
          Add(GapKind::kStandaloneMb, static_cast<int>(t), f.pos,
              f.primitive + "() at " + At(f.pos) + " runs as smp_mb(), but no atomic operation is adjacent to it");
        }
      }
    }
  }

  void NoreturnRmb() {
    for (size_t t = 0; t < p_.threads.size(); ++t) {
      const auto& ops = p_.threads[t].ops;
      for (size_t a = 0; a < ops.size(); ++a) {
        if (!ops[a].noreturn) continue;
        for (size_t f = a + 1; f < ops.size(); ++f) {
          if (ops[f].code != OpCode::kFence || ops[f].fence != FenceKind::kRmb) continue;
          bool read_after = false;
          for (size_t r = f + 1; r < ops.size(); ++r) {
            read_after |= ops[r].code == OpCode::kLoad || ops[r].code == OpCode::kRmw || ops[r].code == OpCode::kCas;
          }
          if (!read_after) continue;
          Add(GapKind::kNoreturnRmb, static_cast<int>(t), ops[f].pos,
              "smp_rmb() at " + At(ops[f].pos) + " runs as an acquire fence, which orders the read of " +
                  ops[a].primitive + "() at " + At(ops[a].pos) + "; LKMM's smp_rmb() does not (Noreturn)");
          break;
        }
      }
    }
  }

  void Rcu() {
    if (!p_.uses_rcu) return;
    int syncs = 0;
    for (const Thread& th : p_.threads) {
      for (const Op& op : th.ops) syncs += op.code == OpCode::kSyncRcu;
    }
    for (size_t t = 0; t < p_.threads.size(); ++t) {
      int locks = 0;
      bool sync_here = false;
      SourcePos pos = p_.threads[t].pos;
      for (const Op& op : p_.threads[t].ops) {
        if (op.code == OpCode::kRcuLock && ++locks == 2) pos = op.pos;
        sync_here |= op.code == OpCode::kSyncRcu;
      }
      if (locks > 1 || (locks > 0 && sync_here)) {
        Add(GapKind::kRcu, static_cast<int>(t), pos,
            "several RCU primitives in one process; the per-reader-lock RCU may be stronger than LKMM here");
      }
    }
    if (syncs > 1) {
      Add(GapKind::kRcu, 0, p_.threads[0].pos,
          "more than one synchronize_rcu(); the per-reader-lock RCU may be stronger than LKMM here");
    }
  }

  // Work budget for the path searches. A litmus test needs a few thousand
  // steps; a pathological input runs out, and then every search answers
  // conservatively (a cycle LKMM may allow, a path that may be weak).
  bool Spend() {
    if (budget_ > 0) {
      --budget_;
      return true;
    }
    if (!budget_reported_) {
      budget_reported_ = true;
      Add(GapKind::kLoadBuffering, 0, p_.threads[0].pos, "too large to analyse; assuming Relacy may miss outcomes");
    }
    return false;
  }

  const Program& p_;
  long budget_ = 20000000;
  bool budget_reported_ = false;
  std::vector<std::vector<int>> mb_count_, rmb_count_, wmb_count_;
  std::vector<Event> ev_;
  std::vector<std::vector<int>> by_thread_;
  std::vector<EventSet> ordered_;
  std::vector<Gap> gaps_;
  std::set<std::pair<int, int>> reported_;
};

}  // namespace

std::vector<Gap> FindGaps(const Program& p) { return Analysis(p).Run(); }

}  // namespace litmus
