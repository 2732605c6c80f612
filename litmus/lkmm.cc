// The LKMM engine: per-process traces, candidate enumeration, judging by
// lkmm_model.h. See lkmm.h.
#include "litmus/lkmm.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "litmus/interp.h"
#include "litmus/lkmm_model.h"

namespace litmus {

namespace {

using lkmm::Candidate;
using lkmm::Event;
using lkmm::EvType;

constexpr size_t kMaxValuesPerLocation = 64;
constexpr size_t kMaxTracesPerThread = 1 << 16;
constexpr int kMaxEventsPerThread = 60;
// A value no litmus test writes: stands for "some other value" (see probes).
constexpr int64_t kProbe = kAnyValue;

struct Trace {
  std::vector<Event> events;
  std::vector<int64_t> regs;
  // Misuse on this path (the interpreter's runtime checks): the trace stops
  // there, and the test is in error only if a consistent candidate uses it.
  std::optional<Diagnostic> error;
};

// An engine limit: the whole test cannot be decided.
struct LimitError {
  Diagnostic d;
};

// Runs one process with every value a read may return (vals[loc]) and
// collects its traces. Misuse (the interpreter's runtime checks) is thrown
// as a Diagnostic with the interpreter's message.
class TraceGen {
 public:
  TraceGen(const Program& p, const Thread& th, int tid, const std::vector<std::set<int64_t>>& vals)
      : p_(p), th_(th), tid_(tid), vals_(vals) {}

  std::vector<Trace> Run() {
    State s;
    s.regs.assign(th_.nregs, 0);
    ResetRegisters(th_, s.regs.data());
    s.taint.assign(th_.nregs, 0);
    Step(std::move(s));
    return std::move(out_);
  }

 private:
  struct State {
    int pc = 0;
    std::vector<int64_t> regs;
    std::vector<uint64_t> taint;  // reads (thread indices) each register depends on
    // Open conditionals: where each one's branches join again, and the reads
    // its test depended on. A control dependency reaches the events inside
    // the branches only, not those after the `if` (as in LKMM: the compiler
    // may hoist a store that both branches end with).
    std::vector<std::pair<int, uint64_t>> ctrl;
    std::vector<Event> events;
    unsigned held = 0;
    int rcu = 0;
  };

  // The interpreter's message for the same misuse (interp.h, "P0: ...").
  [[noreturn]] void Fail(const Op& op, const std::string& msg) const {
    throw Diagnostic{p_.file, op.pos, th_.name + ": " + msg};
  }
  [[noreturn]] void Limit(const Op& op, const std::string& msg) const {
    throw LimitError{Diagnostic{p_.file, op.pos, msg}};
  }

  int64_t Val(const State& s, const Operand& o) const { return o.is_reg ? s.regs[o.v] : o.v; }
  uint64_t Taint(const State& s, const Operand& o) const { return o.is_reg ? s.taint[o.v] : 0; }

  int Deref(const State& s, const Op& op) const {
    int64_t a = Val(s, op.addr);
    int64_t n = static_cast<int64_t>(p_.locations.size());
    if (a < kAddrBase || a >= kAddrBase + n) {
      Fail(op, op.primitive + "() dereferences " + std::to_string(a) + ", which is not the address of a location");
    }
    int loc = static_cast<int>(a - kAddrBase);
    bool lock_op = op.code == OpCode::kLock || op.code == OpCode::kUnlock || op.code == OpCode::kTryLock ||
                   op.code == OpCode::kIsLocked;
    if (p_.locations[loc].is_lock && !lock_op) {
      Fail(op, op.primitive + "() accesses spinlock `" + p_.locations[loc].name + "` as data");
    }
    return loc;
  }

  // Appends an event; returns its thread index.
  int Emit(State& s, const Op& op, EvType type, int loc, int64_t value, uint32_t tags, uint64_t addr = 0,
           uint64_t data = 0) {
    if (static_cast<int>(s.events.size()) >= kMaxEventsPerThread) {
      Limit(op, "P" + std::to_string(tid_) + " has more than " + std::to_string(kMaxEventsPerThread) +
                   " events in one execution (the LKMM engine's limit)");
    }
    Event e;
    e.thread = tid_;
    e.index = static_cast<int>(s.events.size());
    e.loc = loc;
    e.value = value;
    e.type = type;
    e.tags = tags;
    e.addr = addr;
    e.data = data;
    for (const auto& [join, mask] : s.ctrl) e.ctrl |= mask;
    e.op = &op;
    s.events.push_back(e);
    return e.index;
  }
  void EmitFence(State& s, const Op& op, LkmmFence f, uint32_t tags = 0) {
    int i = Emit(s, op, EvType::kFence, -1, 0, tags);
    s.events[i].fence = f;
  }
  static uint64_t Bit(int i) { return uint64_t{1} << i; }

  // Access annotations (linux-kernel.def): an RMW's read and write both
  // carry the instruction's annotation (MB for the fully ordered forms).
  static uint32_t AccessTags(const Op& op) {
    if (op.plain) return lkmm::kPlain;
    uint32_t t = op.code == OpCode::kLoad || op.code == OpCode::kStore ? 0u : uint32_t{lkmm::kRmwInstr};
    if (op.noreturn) return t | lkmm::kNoreturn;
    switch (op.order) {
      case MemOrder::kAcquire: return t | lkmm::kAcquire;
      case MemOrder::kRelease: return t | lkmm::kRelease;
      case MemOrder::kMb: return t | lkmm::kMbTag;
      case MemOrder::kRelaxed: return t | lkmm::kOnce;
    }
    return t;
  }

  void Step(State s) {
    try {
      Run(s);
    } catch (const Diagnostic& d) {
      Finish(s, d);
    }
  }

  void Finish(State& s, const std::optional<Diagnostic>& error) {
    if (out_.size() >= kMaxTracesPerThread) {
      throw LimitError{Diagnostic{p_.file, th_.pos,
                                  "P" + std::to_string(tid_) + " has more than " + std::to_string(kMaxTracesPerThread) +
                                      " distinct executions (the LKMM engine's limit)"}};
    }
    out_.push_back(Trace{std::move(s.events), std::move(s.regs), error});
  }

  // Runs until the process ends (a trace) or reaches a choice (Step for each).
  void Run(State& s) {
    const int n = static_cast<int>(th_.ops.size());
    while (s.pc < n) {
      while (!s.ctrl.empty() && s.pc >= s.ctrl.back().first) s.ctrl.pop_back();
      const Op& op = th_.ops[s.pc];
      const int at = s.pc;
      ++s.pc;
      switch (op.code) {
        case OpCode::kLoad: {
          int loc = Deref(s, op);
          Op plain_op = op;
          uint64_t at_taint = Taint(s, op.addr);
          // The C++ engines make a dependency-carrying READ_ONCE acquire;
          // LKMM does not.
          bool acquire = op.order == MemOrder::kAcquire && !th_.info[at].upgraded_to_acquire;
          uint32_t tags = op.plain ? lkmm::kPlain : acquire ? lkmm::kAcquire : lkmm::kOnce;
          for (int64_t v : vals_[loc]) {
            State c = s;
            int e = Emit(c, op, EvType::kRead, loc, v, tags, at_taint);
            c.regs[op.dst] = v;
            c.taint[op.dst] = Bit(e);
            Step(std::move(c));
          }
          s.pc = n + 1;  // every choice ran in its own Step
          return;
        }
        case OpCode::kStore: {
          int loc = Deref(s, op);
          Emit(s, op, EvType::kWrite, loc, Val(s, op.a), AccessTags(op), Taint(s, op.addr), Taint(s, op.a));
          break;
        }
        case OpCode::kRmw:
        case OpCode::kAddUnless:
        case OpCode::kCas: {
          // The read, then the write unless the RMW fails (a cmpxchg whose
          // old value differs, an atomic_add_unless() that meets its
          // limit); a failed RMW is a read only (FailedRMW in the bell).
          int loc = Deref(s, op);
          for (int64_t old : vals_[loc]) {
            State c = s;
            bool writes = op.code == OpCode::kRmw || (op.code == OpCode::kCas ? old == Val(c, op.a) : old != Val(c, op.b));
            uint32_t tags = AccessTags(op);
            int r = Emit(c, op, EvType::kRead, loc, old, tags, Taint(c, op.addr));
            int64_t result = old;
            if (writes) {
              int64_t nv = op.code == OpCode::kCas ? Val(c, op.b)
                           : op.code == OpCode::kAddUnless ? ApplyRmw(RmwOp::kAdd, old, Val(c, op.a))
                                                            : ApplyRmw(op.rmw, old, Val(c, op.a));
              uint64_t data = op.code == OpCode::kCas ? Taint(c, op.b) : Taint(c, op.a);
              // herd7 makes the value an arithmetic RMW writes depend on its read.
              if (op.code != OpCode::kCas && !(op.code == OpCode::kRmw && op.rmw == RmwOp::kXchg)) data |= Bit(r);
              int w = Emit(c, op, EvType::kWrite, loc, nv, tags, Taint(c, op.addr), data);
              c.events[r].rmw_w = w;
              if (op.code == OpCode::kRmw && op.ret_new) result = nv;
            }
            if (op.code == OpCode::kAddUnless) result = writes ? 1 : 0;
            c.regs[op.dst] = result;
            c.taint[op.dst] = Bit(r);
            Step(std::move(c));
          }
          s.pc = n + 1;  // every choice ran in its own Step
          return;
        }
        case OpCode::kFence:
          EmitFence(s, op, op.lkmm_fence == LkmmFence::kNone ? LkmmFence::kMb : op.lkmm_fence);
          break;
        case OpCode::kNop:
          if (op.lkmm_fence != LkmmFence::kNone) EmitFence(s, op, op.lkmm_fence);
          break;
        case OpCode::kAlu: {
          int64_t out = 0;
          if (!EvalAlu(op.alu, Val(s, op.a), Val(s, op.b), &out)) Fail(op, "division by zero or shift out of range");
          s.regs[op.dst] = out;
          s.taint[op.dst] = Taint(s, op.a) | (op.alu == AluOp::kMov ? 0 : Taint(s, op.b));
          break;
        }
        case OpCode::kJumpIfZero: {
          // The compiler lays an if out as: test, then-branch, [jump to the
          // end, else-branch]; the join is the end.
          int join = op.target;
          if (op.target > 0 && op.target - 1 > at && th_.ops[op.target - 1].code == OpCode::kJump &&
              th_.ops[op.target - 1].target > op.target) {
            join = th_.ops[op.target - 1].target;
          }
          if (Taint(s, op.a)) s.ctrl.emplace_back(join, Taint(s, op.a));
          if (Val(s, op.a) == 0) s.pc = op.target;
          break;
        }
        case OpCode::kJump:
          s.pc = op.target;
          break;
        case OpCode::kLock:
        case OpCode::kUnlock:
        case OpCode::kTryLock:
        case OpCode::kIsLocked: {
          int loc = static_cast<int>(op.addr.v - kAddrBase);
          const unsigned bit = 1u << p_.lock_slot[loc];
          const std::string& lock = p_.locations[loc].name;
          if (op.code == OpCode::kLock) {
            if (s.held & bit) Fail(op, "spin_lock(" + lock + ") by a process that already holds it (self-deadlock)");
            int r = Emit(s, op, EvType::kRead, loc, 0, lkmm::kLKR);
            int w = Emit(s, op, EvType::kWrite, loc, 1, lkmm::kLKW);
            s.events[r].rmw_w = w;
            s.held |= bit;
          } else if (op.code == OpCode::kUnlock) {
            if (!(s.held & bit)) Fail(op, "spin_unlock(" + lock + ") by a process that does not hold it");
            Emit(s, op, EvType::kWrite, loc, 0, lkmm::kUL);
            s.held &= ~bit;
          } else if (op.code == OpCode::kTryLock) {
            if (s.held & bit) {
              int r = Emit(s, op, EvType::kRead, loc, 1, lkmm::kLF);
              s.regs[op.dst] = 0;
              s.taint[op.dst] = Bit(r);
              break;
            }
            for (int ok = 1; ok >= 0; --ok) {
              State c = s;
              int r;
              if (ok) {
                r = Emit(c, op, EvType::kRead, loc, 0, lkmm::kLKR);
                int w = Emit(c, op, EvType::kWrite, loc, 1, lkmm::kLKW);
                c.events[r].rmw_w = w;
                c.held |= bit;
              } else {
                r = Emit(c, op, EvType::kRead, loc, 1, lkmm::kLF);
              }
              c.regs[op.dst] = ok;
              c.taint[op.dst] = Bit(r);
              Step(std::move(c));
            }
            return;
          } else {
            // lock.cat's nested-is-locked: inside its own critical section
            // spin_is_locked() returns true.
            for (int locked = 1; locked >= ((s.held & bit) ? 1 : 0); --locked) {
              State c = s;
              int r = Emit(c, op, EvType::kRead, loc, locked, locked ? lkmm::kRL : lkmm::kRU);
              c.regs[op.dst] = locked;
              c.taint[op.dst] = Bit(r);
              Step(std::move(c));
            }
            return;
          }
          break;
        }
        case OpCode::kRcuLock:
          ++s.rcu;
          EmitFence(s, op, LkmmFence::kNone, lkmm::kRcuLock);
          break;
        case OpCode::kRcuUnlock:
          if (s.rcu == 0) Fail(op, "rcu_read_unlock() without a matching rcu_read_lock()");
          --s.rcu;
          EmitFence(s, op, LkmmFence::kNone, lkmm::kRcuUnlock);
          break;
        case OpCode::kSyncRcu:
          if (s.rcu > 0) Fail(op, "synchronize_rcu() inside an RCU read-side critical section (deadlock)");
          EmitFence(s, op, LkmmFence::kNone, lkmm::kSyncRcu);
          break;
        case OpCode::kSrcuLock: {
          int loc = Deref(s, op);
          for (int64_t v : vals_[loc]) {
            State c = s;
            int e = Emit(c, op, EvType::kRead, loc, v, lkmm::kSrcuLock, Taint(c, op.addr));
            c.regs[op.dst] = v;
            c.taint[op.dst] = Bit(e);
            Step(std::move(c));
          }
          s.pc = n + 1;  // every choice ran in its own Step
          return;
        }
        case OpCode::kSrcuUnlock: {
          int loc = Deref(s, op);
          Emit(s, op, EvType::kWrite, loc, Val(s, op.a), lkmm::kSrcuUnlock, Taint(s, op.addr), Taint(s, op.a));
          break;
        }
        case OpCode::kSyncSrcu: {
          int loc = Deref(s, op);
          if (s.rcu > 0) Fail(op, "synchronize_srcu() inside an RCU read-side critical section (deadlock)");
          Emit(s, op, EvType::kFence, loc, 0, lkmm::kSyncSrcu);
          break;
        }
      }
    }
    if (s.held != 0 || s.rcu != 0) {
      throw Diagnostic{p_.file, th_.pos,
                       th_.name + ": " + (s.held ? "ends holding a spinlock" : "ends inside an RCU read-side critical section")};
    }
    Finish(s, std::nullopt);
  }

  const Program& p_;
  const Thread& th_;
  int tid_;
  const std::vector<std::set<int64_t>>& vals_;
  std::vector<Trace> out_;
};

class Timeout {};

// Enumerates candidates and hands each consistent one to a visitor.
class Enumerator {
 public:
  // visit(candidate, final state, model) returns false to stop.
  using Visitor = std::function<bool(const Candidate&, const std::vector<int64_t>&, lkmm::Model&, lkmm::Axiom)>;
  // skip(final state) returns true when the candidate need not be checked.
  using Skip = std::function<bool(const std::vector<int64_t>&)>;

  Enumerator(const Program& p, const LkmmOptions& opt) : p_(p), opt_(opt), start_(std::chrono::steady_clock::now()) {
    // The pruning relies on the axioms it anticipates.
    for (const char* n : {"coherence", "po-loc", "atomic"}) prune_ = prune_ && !opt.drop.count(n);
    for (const Observable& o : p.observed) registers_only_ = registers_only_ && o.thread >= 0;
  }

  uint64_t candidates() const { return candidates_; }
  // The misuse on the current candidate's traces, if any.
  const Diagnostic* CurrentError() const { return current_error_; }

  void Run(const Skip& skip, const Visitor& visit) {
    skip_ = skip;
    visit_ = visit;
    ComputeTraces();
    std::vector<size_t> pick(traces_.size(), 0);
    for (;;) {
      if (!Combine(pick)) return;
      size_t t = 0;
      while (t < pick.size() && ++pick[t] == traces_[t].size()) pick[t++] = 0;
      if (t == pick.size()) return;
    }
  }

 private:
  void ComputeTraces() {
    const size_t nl = p_.locations.size();
    std::vector<std::set<int64_t>> vals(nl);
    // Probe values, as herd7's symbolic reads: a read may also return a
    // value no write is known to produce yet, so every branch a comparison
    // allows is explored (a write on that branch may then produce the
    // value, the out-of-thin-air shapes LKMM allows through control flow).
    // A probe that no write ever produces leaves a trace no candidate uses.
    std::set<int64_t> probes = {0, kProbe};
    for (const Thread& th : p_.threads) {
      for (const Op& op : th.ops) {
        bool compare = op.code == OpCode::kAlu && (op.alu == AluOp::kEq || op.alu == AluOp::kNe ||
                                                   op.alu == AluOp::kLt || op.alu == AluOp::kLe ||
                                                   op.alu == AluOp::kGt || op.alu == AluOp::kGe);
        if (compare) {
          for (const Operand* o : {&op.a, &op.b}) {
            if (o->is_reg) continue;
            probes.insert(o->v);
            if (op.alu != AluOp::kEq && op.alu != AluOp::kNe) {
              probes.insert(o->v - 1);
              probes.insert(o->v + 1);
            }
          }
        }
        if (op.code == OpCode::kCas && !op.a.is_reg) probes.insert(op.a.v);
        if (op.code == OpCode::kAddUnless && !op.b.is_reg) probes.insert(op.b.v);
      }
    }
    for (size_t l = 0; l < nl; ++l) {
      vals[l].insert(p_.locations[l].init);
      if (p_.locations[l].is_lock) {
        vals[l].insert(1);
      } else {
        vals[l].insert(probes.begin(), probes.end());
      }
    }
    // Fixpoint: a read returns the initial value or one some trace writes.
    // In one execution a value is computed through a chain of reads-from
    // that uses each write at most once, so after as many rounds as an
    // execution has writes every value that can be read is known; later
    // rounds would only add values of impossible executions (an increment
    // feeding itself).
    for (int round = 0;; ++round) {
      traces_.clear();
      size_t max_writes = 0;
      for (size_t t = 0; t < p_.threads.size(); ++t) {
        traces_.push_back(TraceGen(p_, p_.threads[t], static_cast<int>(t), vals).Run());
        size_t most = 0;
        for (const Trace& tr : traces_.back()) {
          size_t w = 0;
          for (const Event& e : tr.events) w += e.type == EvType::kWrite;
          most = std::max(most, w);
        }
        max_writes += most;
      }
      if (static_cast<size_t>(round) >= max_writes) return;
      bool grew = false;
      for (const auto& ts : traces_) {
        for (const Trace& tr : ts) {
          for (const Event& e : tr.events) {
            if (e.type != EvType::kWrite || p_.locations[e.loc].is_lock) continue;
            if (vals[e.loc].insert(e.value).second) grew = true;
            if (vals[e.loc].size() > kMaxValuesPerLocation) {
              throw LimitError{Diagnostic{p_.file, p_.locations[e.loc].pos,
                               "location `" + p_.locations[e.loc].name + "` may hold more than " +
                                   std::to_string(kMaxValuesPerLocation) + " values (the LKMM engine's limit)"}};
            }
          }
        }
      }
      if (!grew) return;
      CheckTime();
    }
  }

  void CheckTime() const {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (s > opt_.timeout_seconds) throw Timeout{};
  }

  // One trace per process: build the events and enumerate rf and co.
  bool Combine(const std::vector<size_t>& pick) {
    c_ = Candidate{};
    const int nl = static_cast<int>(p_.locations.size());
    for (int l = 0; l < nl; ++l) {
      Event iw;
      iw.loc = l;
      iw.value = p_.locations[l].init;
      iw.type = EvType::kWrite;
      iw.tags = lkmm::kInit;
      c_.ev.push_back(iw);
    }
    for (size_t t = 0; t < pick.size(); ++t) {
      for (const Event& e : traces_[t][pick[t]].events) c_.ev.push_back(e);
    }
    if (static_cast<int>(c_.ev.size()) > lkmm::kMaxEvents) {
      throw LimitError{Diagnostic{p_.file, {1, 1},
                                  "an execution has more than " + std::to_string(lkmm::kMaxEvents) +
                                      " events (the LKMM engine's limit)"}};
    }
    pick_ = &pick;
    current_error_ = nullptr;
    for (size_t t = 0; t < pick.size() && !current_error_; ++t) {
      if (traces_[t][pick[t]].error) current_error_ = &*traces_[t][pick[t]].error;
    }
    // When the final state is made of registers only, it is fixed by the
    // traces: once it is known allowed, the rest of this combination adds
    // nothing (Judge stops it after its first consistent candidate too).
    combo_done_ = false;
    if (registers_only_ && !current_error_ && skip_ && skip_(FinalState())) return true;
    const int n = static_cast<int>(c_.ev.size());
    c_.rf_source.assign(n, -1);
    // Candidate sources per read, by location. An LKR reads its LKW's co
    // predecessor (lock.cat), and so, in every coherent and atomic
    // candidate, does the read of a successful RMW: both are set with co.
    reads_.assign(p_.locations.size(), {});
    sources_.assign(p_.locations.size(), {});
    for (int i = 0; i < n; ++i) {
      const Event& r = c_.ev[i];
      if (r.type != EvType::kRead || (r.tags & lkmm::kLKR) || (prune_ && r.rmw_w >= 0)) continue;
      std::vector<int> src;
      for (int j = 0; j < n; ++j) {
        const Event& w = c_.ev[j];
        if (w.type != EvType::kWrite || w.loc != r.loc || w.value != r.value) continue;
        bool same = w.thread == r.thread;
        if (same && w.index > r.index) continue;  // coherence forbids reading a po-later write
        if (r.tags & (lkmm::kLF | lkmm::kRL)) {
          if (!(w.tags & lkmm::kLKW)) continue;
          if (same && !OpenCriticalSection(i, j)) continue;
          if (!same && HoldsAt(i)) continue;  // rfi-lf is the only source inside a critical section
        } else if (r.tags & lkmm::kRU) {
          if (!(w.tags & (lkmm::kUL | lkmm::kInit))) continue;
          if (same && !LastUnlockBefore(i, j)) continue;
        } else if (w.tags & (lkmm::kLKW | lkmm::kUL)) {
          continue;
        }
        src.push_back(j);
      }
      if (src.empty()) return true;  // this combination of traces is impossible
      reads_[r.loc].push_back(i);
      sources_[r.loc].push_back(std::move(src));
    }
    return ChooseCo();
  }

  // Whether write j (an LKW of r's process) opens the critical section r is in.
  bool OpenCriticalSection(int r, int j) const {
    const Event& e = c_.ev[r];
    for (int k = j + 1; k < r; ++k) {
      const Event& x = c_.ev[k];
      if (x.thread == e.thread && x.loc == e.loc && (x.tags & (lkmm::kUL | lkmm::kLKW))) return false;
    }
    return true;
  }
  bool HoldsAt(int r) const {
    const Event& e = c_.ev[r];
    bool held = false;
    for (int k = 0; k < r; ++k) {
      const Event& x = c_.ev[k];
      if (x.thread != e.thread || x.loc != e.loc) continue;
      if (x.tags & lkmm::kLKW) held = true;
      if (x.tags & lkmm::kUL) held = false;
    }
    return held;
  }
  // lock.cat: an RU may read its process's last po-earlier UL.
  bool LastUnlockBefore(int r, int j) const {
    const Event& e = c_.ev[r];
    if (!(c_.ev[j].tags & lkmm::kUL)) return false;
    for (int k = j + 1; k < r; ++k) {
      const Event& x = c_.ev[k];
      if (x.thread == e.thread && x.loc == e.loc && (x.tags & lkmm::kUL)) return false;
    }
    return true;
  }

  // The reads of location l, from the k-th on, after l's co is chosen.
  bool ChooseRfAt(int l, size_t k) {
    if (combo_done_) return true;
    if (k == reads_[l].size()) {
      if (prune_ && !CoherentAt(l)) return true;
      return ChooseCoAt(l + 1);
    }
    for (int src : sources_[l][k]) {
      c_.rf_source[reads_[l][k]] = src;
      if (!ChooseRfAt(l, k + 1)) return false;
    }
    c_.rf_source[reads_[l][k]] = -1;
    return true;
  }

  // co per location: the writes in an order that keeps each process's
  // writes in program order (coherence would reject the others); for a
  // spinlock, whole critical sections (LKW then its UL) in some order.
  bool ChooseCo() {
    const int nl = static_cast<int>(p_.locations.size());
    const int n = static_cast<int>(c_.ev.size());
    units_.assign(nl, {});
    for (int l = 0; l < nl; ++l) {
      std::vector<std::vector<int>>& u = units_[l];
      // A UL joins the unit of its own process's open LKW.
      std::vector<std::vector<int>> fixed;
      for (int i = nl; i < n; ++i) {
        const Event& e = c_.ev[i];
        if (e.loc != l || e.type != EvType::kWrite) continue;
        if (e.tags & lkmm::kUL) {
          for (auto it = fixed.rbegin(); it != fixed.rend(); ++it) {
            const Event& head = c_.ev[(*it)[0]];
            if (head.thread == e.thread && (head.tags & lkmm::kLKW) && it->size() == 1) {
              it->push_back(i);
              break;
            }
          }
        } else {
          fixed.push_back({i});
        }
      }
      u = std::move(fixed);
    }
    c_.co_order.assign(nl, {});
    return ChooseCoAt(0);
  }

  bool ChooseCoAt(int l) {
    const int nl = static_cast<int>(p_.locations.size());
    if (l == nl) return Judge();
    std::vector<std::vector<int>>& u = units_[l];
    std::vector<size_t> idx(u.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    do {
      // Units of one process stay in program order.
      bool ok = true;
      for (size_t a = 0; a < idx.size() && ok; ++a) {
        for (size_t b = a + 1; b < idx.size() && ok; ++b) {
          const Event &x = c_.ev[u[idx[a]][0]], &y = c_.ev[u[idx[b]][0]];
          if (x.thread == y.thread && x.index > y.index) ok = false;
        }
      }
      if (!ok) continue;
      std::vector<int>& order = c_.co_order[l];
      order.assign(1, l);  // the initial write
      for (size_t i : idx) order.insert(order.end(), u[i].begin(), u[i].end());
      // An LKR (and, when pruning, an RMW's read) reads from its write's co
      // predecessor; a value that does not match rules the order out.
      bool values_ok = true;
      for (size_t k = 1; k < order.size() && values_ok; ++k) {
        const Event& w = c_.ev[order[k]];
        if (w.thread < 0) continue;
        for (int x = order[k] - 1; x >= 0 && c_.ev[x].thread == w.thread; --x) {
          const Event& rd = c_.ev[x];
          if (rd.rmw_w != w.index || rd.type != EvType::kRead) continue;
          if (!(rd.tags & lkmm::kLKR) && !prune_) break;
          c_.rf_source[x] = order[k - 1];
          if (c_.ev[order[k - 1]].value != rd.value) values_ok = false;
          break;
        }
      }
      if (!values_ok) continue;
      if (!ChooseRfAt(l, 0)) return false;
      if (combo_done_) return true;
    } while (std::next_permutation(idx.begin(), idx.end()));
    return true;
  }

  // Cheap necessary conditions of the coherence and atomic axioms on one
  // location, checked before a candidate is built: each process sees the
  // location's writes in coherence order (reads never go back, writes
  // come after what the process saw), and an RMW's write comes right after
  // the write its read reads from.
  bool CoherentAt(int l) const {
    const std::vector<int>& order = c_.co_order[l];
    std::vector<int> pos(c_.ev.size(), -1);
    for (size_t k = 0; k < order.size(); ++k) pos[order[k]] = static_cast<int>(k);
    std::vector<int> seen(traces_.size(), -1);
    for (size_t i = 0; i < c_.ev.size(); ++i) {
      const Event& e = c_.ev[i];
      if (e.loc != l || e.thread < 0 || e.type == EvType::kFence) continue;
      int p = e.type == EvType::kWrite ? pos[i] : (c_.rf_source[i] >= 0 ? pos[c_.rf_source[i]] : -1);
      if (p < 0) continue;
      int& s = seen[e.thread];
      if (e.type == EvType::kWrite ? p <= s : p < s) return false;
      s = std::max(s, p);
      if (e.type == EvType::kRead && e.rmw_w >= 0 && c_.rf_source[i] >= 0) {
        // The RMW's write is the event rmw_w - index positions after it in its thread.
        int w = static_cast<int>(i) + (e.rmw_w - e.index);
        if (pos[w] != p + 1) return false;
      }
    }
    return true;
  }

  bool Judge() {
    ++candidates_;
    if ((candidates_ & 1023) == 0) CheckTime();
    if (candidates_ > opt_.max_candidates) throw Timeout{};
    // An LKR whose co predecessor is locked (an unmatched LKW) reads nothing valid.
    for (size_t i = 0; i < c_.ev.size(); ++i) {
      const Event& e = c_.ev[i];
      if (e.type == EvType::kRead && c_.rf_source[i] >= 0 && c_.ev[c_.rf_source[i]].value != e.value) return true;
    }
    std::vector<int64_t> state = FinalState();
    if (skip_ && !current_error_ && skip_(state)) return true;
    lkmm::Model m(c_, opt_.drop);
    lkmm::Axiom a = m.Check();
    bool go_on = visit_(c_, state, m, a);
    if (a == lkmm::Axiom::kNone && registers_only_ && !current_error_ && skip_ && skip_(state)) combo_done_ = true;
    return go_on;
  }

  std::vector<int64_t> FinalState() const {
    std::vector<int64_t> s(p_.observed.size());
    for (size_t i = 0; i < p_.observed.size(); ++i) {
      const Observable& o = p_.observed[i];
      if (o.thread >= 0) {
        s[i] = traces_[o.thread][(*pick_)[o.thread]].regs[o.index];
      } else {
        const std::vector<int>& order = c_.co_order[o.index];
        s[i] = c_.ev[order.back()].value;
      }
    }
    return s;
  }

  const Program& p_;
  const LkmmOptions& opt_;
  std::chrono::steady_clock::time_point start_;
  std::vector<std::vector<Trace>> traces_;
  Candidate c_;
  const std::vector<size_t>* pick_ = nullptr;
  std::vector<std::vector<int>> reads_;                 // per location
  std::vector<std::vector<std::vector<int>>> sources_;  // per location, per read
  std::vector<std::vector<std::vector<int>>> units_;
  uint64_t candidates_ = 0;
  bool prune_ = true;
  bool registers_only_ = true;  // the final state has no location
  bool combo_done_ = false;     // this combination of traces needs no more candidates
  const Diagnostic* current_error_ = nullptr;
  Skip skip_;
  Visitor visit_;
};

std::string EventName(const Program& p, const Event& e) {
  if (e.thread < 0) return "init " + p.locations[e.loc].name + "=" + FormatValue(p, e.value);
  std::string s = "P" + std::to_string(e.thread) + ":" + (e.op ? e.op->primitive : std::string("?"));
  if (e.type == EvType::kFence && e.loc < 0) {
    if (e.op && e.op->code != OpCode::kFence && e.op->code != OpCode::kNop && e.op->code != OpCode::kRcuLock &&
        e.op->code != OpCode::kRcuUnlock && e.op->code != OpCode::kSyncRcu) {
      s += "(mb)";
    } else {
      s += "()";
    }
  } else if (e.loc >= 0) {
    s += "(" + p.locations[e.loc].name + (e.type == EvType::kWrite ? ")=" : ")->") + FormatValue(p, e.value) + ")";
    s.erase(s.size() - 1);
  }
  if (e.op) s += "@" + std::to_string(e.op->pos.line);
  return s;
}

}  // namespace

const std::vector<std::string>& LkmmDroppableNames() {
  static const std::vector<std::string> kNames = {
      "acq-po", "po-rel", "po-unlock-lock-po", "rmb", "wmb", "mb", "gp", "to-w", "to-r", "ppo", "rmw-sequence",
      "cumul-fence", "prop", "hb", "pb", "rcu-link", "rcu-order", "rcu-fence", "rb", "po-loc",
      "coherence", "atomic", "happens-before", "propagation", "rcu", "plain-coherence"};
  return kNames;
}

LkmmResult RunLkmm(const Program& p, const LkmmOptions& opt) {
  LkmmResult res;
  res.states = StateTable(static_cast<int>(p.observed.size()), 64, true);
  auto t0 = std::chrono::steady_clock::now();
  bool has_plain = false;
  for (const Thread& th : p.threads) {
    for (const Op& op : th.ops) has_plain |= op.plain;
  }
  bool race = false;
  Enumerator en(p, opt);
  try {
    en.Run(
        [&](const std::vector<int64_t>& s) { return res.states.Contains(s.data()) && (!has_plain || race); },
        [&](const Candidate&, const std::vector<int64_t>& s, lkmm::Model& m, lkmm::Axiom a) {
          if (a != lkmm::Axiom::kNone) return true;
          if (en.CurrentError()) throw *en.CurrentError();  // misuse in an execution LKMM allows
          ++res.consistent;
          res.states.Add(s.data());
          if (has_plain && !race && m.DataRace()) race = true;
          return true;
        });
  } catch (const Diagnostic& d) {
    res.error = d;
  } catch (const LimitError& e) {
    res.error = e.d;
  } catch (const Timeout&) {
    res.error = Diagnostic{p.file, {1, 1}, "the LKMM engine gave up after " + std::to_string(en.candidates()) +
                                               " candidate executions (--model-timeout)"};
  }
  if (race) res.flags.push_back("data-race");
  res.candidates = en.candidates();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

std::string ExplainForbidden(const Program& p, const std::vector<int64_t>& state, const LkmmOptions& opt) {
  std::string best;
  int best_rank = -1;
  bool allowed = false;
  Enumerator en(p, opt);
  try {
    en.Run([&](const std::vector<int64_t>& s) { return s != state; },
           [&](const Candidate& c, const std::vector<int64_t>&, lkmm::Model& m, lkmm::Axiom a) {
             if (a == lkmm::Axiom::kNone) {
               allowed = true;
               return false;
             }
             // Prefer the candidate that gets furthest through the axioms.
             int rank = static_cast<int>(a);
             if (rank > best_rank) {
               std::vector<std::string> names;
               for (const Event& e : c.ev) names.push_back(EventName(p, e));
               best_rank = rank;
               best = std::string(lkmm::AxiomName(a)) + ": " + m.DescribeViolation(a, names);
             }
             return true;
           });
  } catch (const Diagnostic&) {
    return "";
  } catch (const LimitError&) {
    return "";
  } catch (const Timeout&) {
    return "";
  }
  return allowed ? "" : best;
}

}  // namespace litmus
