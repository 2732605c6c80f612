// The one interpreter of a process's ops, shared by both engines. A backend
// supplies the shared-memory side; the interpreter owns control flow, the
// register file and the runtime checks, so Relacy and the host threads run
// the same semantics:
//
//   struct Backend {
//     int64_t Load(int loc, MemOrder);
//     void Store(int loc, int64_t v, MemOrder);
//     int64_t Rmw(int loc, RmwOp, int64_t v, MemOrder);         // old value
//     bool Cas(int loc, int64_t* expected, int64_t desired, MemOrder);
//     void Fence(FenceKind);
//     void Lock(int slot); void Unlock(int slot); bool TryLock(int slot);
//     void RcuLock(); void RcuUnlock(); void SyncRcu();
//     void Fail(const Op&, const std::string&);  // records the first error
//   };
//
// The interpreter tracks held spinlocks and RCU nesting itself and reports
// misuse (unlock without lock, synchronize_rcu() inside a reader, ending a
// process with a lock held), so backends only see legal calls.
//
// A full-barrier RMW (MemOrder::kMb) is a seq_cst fence, the RMW, and a
// seq_cst fence; a failed full cmpxchg skips the trailing fence (LKMM: a
// failed cmpxchg orders nothing). The leading fence cannot be skipped since
// failure is only known afterwards; gaps.cc flags tests where that matters.
//
// Header-only and free of Relacy's macros, so the Relacy TU includes it
// before relacy/relacy.hpp.
#ifndef LITMUS_INTERP_H_
#define LITMUS_INTERP_H_

#include <cstdint>
#include <string>

#include "litmus/program.h"

namespace litmus {

// False on division by zero or an oversized shift.
inline bool EvalAlu(AluOp op, int64_t a, int64_t b, int64_t* out) {
  uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  switch (op) {
    case AluOp::kMov: *out = a; return true;
    case AluOp::kAdd: *out = static_cast<int64_t>(ua + ub); return true;
    case AluOp::kSub: *out = static_cast<int64_t>(ua - ub); return true;
    case AluOp::kMul: *out = static_cast<int64_t>(ua * ub); return true;
    case AluOp::kDiv:
    case AluOp::kMod:
      if (b == 0 || (a == INT64_MIN && b == -1)) return false;
      *out = op == AluOp::kDiv ? a / b : a % b;
      return true;
    case AluOp::kAnd: *out = a & b; return true;
    case AluOp::kOr: *out = a | b; return true;
    case AluOp::kXor: *out = a ^ b; return true;
    case AluOp::kShl:
    case AluOp::kShr:
      if (b < 0 || b > 63) return false;
      *out = op == AluOp::kShl ? static_cast<int64_t>(ua << b) : a >> b;
      return true;
    case AluOp::kEq: *out = a == b; return true;
    case AluOp::kNe: *out = a != b; return true;
    case AluOp::kLt: *out = a < b; return true;
    case AluOp::kLe: *out = a <= b; return true;
    case AluOp::kGt: *out = a > b; return true;
    case AluOp::kGe: *out = a >= b; return true;
    case AluOp::kNeg: *out = static_cast<int64_t>(0 - ua); return true;
    case AluOp::kNot: *out = a == 0; return true;
    case AluOp::kBitNot: *out = ~a; return true;
    case AluOp::kBool: *out = a != 0; return true;
  }
  return false;
}

inline int64_t ApplyRmw(RmwOp op, int64_t old, int64_t v) {
  uint64_t uo = static_cast<uint64_t>(old), uv = static_cast<uint64_t>(v);
  switch (op) {
    case RmwOp::kXchg: return v;
    case RmwOp::kAdd: return static_cast<int64_t>(uo + uv);
    case RmwOp::kSub: return static_cast<int64_t>(uo - uv);
    case RmwOp::kAnd: return old & v;
    case RmwOp::kOr: return old | v;
    case RmwOp::kXor: return old ^ v;
    case RmwOp::kAndNot: return old & ~v;
  }
  return old;
}

// Initial register file of a process.
inline void ResetRegisters(const Thread& th, int64_t* regs) {
  for (int i = 0; i < th.nregs; ++i) regs[i] = 0;
  for (const auto& [r, v] : th.reg_init) regs[r] = v;
}

// Runs process `th` to completion. Returns false after backend.Fail().
template <class Backend>
bool Interpret(const Program& p, const Thread& th, Backend& be, int64_t* regs) {
  const Op* ops = th.ops.data();
  const int n = static_cast<int>(th.ops.size());
  const int64_t nlocs = static_cast<int64_t>(p.locations.size());
  auto val = [regs](const Operand& o) { return o.is_reg ? regs[o.v] : o.v; };
  // Location index of an address operand, or -1 after reporting the error.
  auto deref = [&](const Op& op) -> int {
    int64_t a = val(op.addr);
    if (a < kAddrBase || a >= kAddrBase + nlocs) {
      be.Fail(op, op.primitive + "() dereferences " + std::to_string(a) + ", which is not the address of a location");
      return -1;
    }
    int loc = static_cast<int>(a - kAddrBase);
    if (p.locations[loc].is_lock) {
      be.Fail(op, op.primitive + "() accesses spinlock `" + p.locations[loc].name + "` as data");
      return -1;
    }
    return loc;
  };
  unsigned held = 0;    // spinlocks this process holds, one bit per slot
  int rcu_nesting = 0;  // rcu_read_lock() depth
  int pc = 0;
  while (pc < n) {
    const Op& op = ops[pc];
    ++pc;
    switch (op.code) {
      case OpCode::kLoad: {
        int loc = deref(op);
        if (loc < 0) return false;
        regs[op.dst] = be.Load(loc, op.order);
        break;
      }
      case OpCode::kStore: {
        int loc = deref(op);
        if (loc < 0) return false;
        be.Store(loc, val(op.a), op.order);
        break;
      }
      case OpCode::kRmw: {
        int loc = deref(op);
        if (loc < 0) return false;
        int64_t v = val(op.a);
        if (op.order == MemOrder::kMb) be.Fence(FenceKind::kMb);
        int64_t old = be.Rmw(loc, op.rmw, v, op.order);
        if (op.order == MemOrder::kMb) be.Fence(FenceKind::kMb);
        regs[op.dst] = op.ret_new ? ApplyRmw(op.rmw, old, v) : old;
        break;
      }
      case OpCode::kCas: {
        int loc = deref(op);
        if (loc < 0) return false;
        int64_t expected = val(op.a);
        int64_t desired = val(op.b);
        if (op.order == MemOrder::kMb) be.Fence(FenceKind::kMb);
        bool ok = be.Cas(loc, &expected, desired, op.order);
        if (ok && op.order == MemOrder::kMb) be.Fence(FenceKind::kMb);
        regs[op.dst] = expected;  // the old value either way
        break;
      }
      case OpCode::kFence:
        be.Fence(op.fence);
        break;
      case OpCode::kAlu:
        if (!EvalAlu(op.alu, val(op.a), val(op.b), &regs[op.dst])) {
          be.Fail(op, "division by zero or shift out of range");
          return false;
        }
        break;
      case OpCode::kJumpIfZero:
        if (val(op.a) == 0) pc = op.target;
        break;
      case OpCode::kJump:
        pc = op.target;
        break;
      case OpCode::kLock:
      case OpCode::kUnlock:
      case OpCode::kTryLock: {
        const int slot = p.lock_slot[op.addr.v - kAddrBase];
        const unsigned bit = 1u << slot;
        const std::string& lock = p.locations[op.addr.v - kAddrBase].name;
        if (op.code == OpCode::kLock) {
          if (held & bit) {
            be.Fail(op, "spin_lock(" + lock + ") by a process that already holds it (self-deadlock)");
            return false;
          }
          be.Lock(slot);
          held |= bit;
        } else if (op.code == OpCode::kUnlock) {
          if (!(held & bit)) {
            be.Fail(op, "spin_unlock(" + lock + ") by a process that does not hold it");
            return false;
          }
          be.Unlock(slot);
          held &= ~bit;
        } else {
          bool got = !(held & bit) && be.TryLock(slot);
          if (got) held |= bit;
          regs[op.dst] = got ? 1 : 0;
        }
        break;
      }
      case OpCode::kRcuLock:
        if (rcu_nesting++ == 0) be.RcuLock();
        break;
      case OpCode::kRcuUnlock:
        if (rcu_nesting == 0) {
          be.Fail(op, "rcu_read_unlock() without a matching rcu_read_lock()");
          return false;
        }
        if (--rcu_nesting == 0) be.RcuUnlock();
        break;
      case OpCode::kSyncRcu:
        if (rcu_nesting > 0) {
          be.Fail(op, "synchronize_rcu() inside an RCU read-side critical section (deadlock)");
          return false;
        }
        be.SyncRcu();
        break;
      case OpCode::kNop:
        break;
      case OpCode::kSrcuLock:
      case OpCode::kSrcuUnlock:
      case OpCode::kSyncSrcu:
      case OpCode::kIsLocked:
      case OpCode::kAddUnless:
        // Program::lkmm_only keeps such a test away from this interpreter.
        be.Fail(op, op.primitive + "() is modelled by the LKMM engine only");
        return false;
    }
  }
  if (held != 0 || rcu_nesting != 0) {
    Op end;
    end.pos = th.pos;
    be.Fail(end, held ? "ends holding a spinlock" : "ends inside an RCU read-side critical section");
    return false;
  }
  return true;
}

}  // namespace litmus

#endif  // LITMUS_INTERP_H_
