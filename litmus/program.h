// The executable form of a litmus test: per process, a short vector of ops
// over a register file, plus the shared locations, the observed final-state
// slots and the compiled conditions. Both engines (model_engine.cc under
// Relacy, native_engine.cc on host threads) interpret exactly this form, so
// a test means the same thing to both.
//
// Values are int64_t. The address of location i is kAddrBase + i, so pointer
// values survive a round trip through memory and print as the location name.
//
// Mapping of the kernel primitives (LKMM) onto C++ orders, used by both
// engines (kvm-mmu.md section 0):
//   READ_ONCE/WRITE_ONCE          relaxed (a READ_ONCE whose value reaches an
//                                 address is made acquire: LKMM orders
//                                 address dependencies, C++ relaxed does not)
//   smp_load_acquire/store_release acquire / release
//   smp_rmb / smp_wmb             acquire fence / release fence
//   smp_mb, smp_mb__{before,after}_atomic, smp_store_mb's barrier
//                                 seq_cst fence
//   value-returning RMW (xchg, cmpxchg, atomic_*_return, atomic_fetch_*)
//                                 seq_cst fence; seq_cst RMW; seq_cst fence
//                                 (a failed cmpxchg skips the trailing fence)
//   _relaxed/_acquire/_release RMW forms, non-returning atomic_add & co
//                                 the named order (non-returning: relaxed)
#ifndef LITMUS_PROGRAM_H_
#define LITMUS_PROGRAM_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "litmus/ast.h"

namespace litmus {

// The Relacy harness is instantiated for 1..kMaxThreads processes; the
// native engine takes as many. The LKMM engine takes up to kMaxLkmmThreads.
inline constexpr int kMaxThreads = 4;
inline constexpr int kMaxLkmmThreads = 8;
inline constexpr int kMaxLocations = 16;
inline constexpr int kMaxLocks = 4;
inline constexpr int kMaxRegs = 64;       // named registers plus temporaries, per process
inline constexpr int kMaxOps = 256;       // per process
inline constexpr int kMaxObserved = 32;   // width of a final state
inline constexpr int64_t kAddrBase = int64_t{1} << 40;
// The LKMM engine's stand-in for "a value no write is known to produce"
// (herd7's unresolved symbolic value); prints as `?`.
inline constexpr int64_t kAnyValue = 0x5eed5eed5eedLL;

enum class MemOrder : uint8_t { kRelaxed, kAcquire, kRelease, kMb };
enum class FenceKind : uint8_t { kMb, kRmb, kWmb };
enum class RmwOp : uint8_t { kXchg, kAdd, kSub, kAnd, kOr, kXor, kAndNot };
enum class AluOp : uint8_t {
  kMov, kAdd, kSub, kMul, kDiv, kMod, kAnd, kOr, kXor, kShl, kShr,
  kEq, kNe, kLt, kLe, kGt, kGe, kNeg, kNot, kBitNot, kBool,
};

enum class OpCode : uint8_t {
  kLoad,        // r[dst] = *addr
  kStore,       // *addr = a
  kRmw,         // r[dst] = fetch_rmw(*addr, a), or the new value if ret_new
  kCas,         // r[dst] = cmpxchg(*addr, a, b): the old value
  kFence,       // fence
  kAlu,         // r[dst] = a alu b
  kJumpIfZero,  // if (a == 0) goto target
  kJump,        // goto target
  kLock,        // spin_lock(addr)
  kUnlock,      // spin_unlock(addr)
  kTryLock,     // r[dst] = spin_trylock(addr)
  kRcuLock,     // rcu_read_lock()
  kRcuUnlock,   // rcu_read_unlock()
  kSyncRcu,     // synchronize_rcu()
  // Only the LKMM engine runs these (Program::lkmm_only names the first):
  kNop,         // barrier(): no code, an LKMM fence event for `barrier`
  kSrcuLock,    // r[dst] = srcu_read_lock(addr): a read of the srcu_struct
  kSrcuUnlock,  // srcu_read_unlock(addr, a): a write of the index a
  kSyncSrcu,    // synchronize_srcu(addr)
  kIsLocked,    // r[dst] = spin_is_locked(addr)
  kAddUnless,   // r[dst] = atomic_add_unless(addr, a, b): add a unless *addr == b
};

// The fence an op stands for in LKMM (linux-kernel.def), finer than the
// FenceKind the C++ engines run.
enum class LkmmFence : uint8_t {
  kNone, kMb, kRmb, kWmb, kBeforeAtomic, kAfterAtomic, kAfterSpinlock, kAfterUnlockLock, kAfterSrcuReadUnlock, kBarrier,
};

struct Operand {
  bool is_reg = false;
  int64_t v = 0;  // register index or immediate
};

struct Op {
  OpCode code = OpCode::kAlu;
  MemOrder order = MemOrder::kRelaxed;
  FenceKind fence = FenceKind::kMb;
  RmwOp rmw = RmwOp::kXchg;
  AluOp alu = AluOp::kMov;
  bool ret_new = false;
  bool plain = false;     // an unmarked C access (`*x`, `*x = v`)
  bool noreturn = false;  // an atomic RMW that returns no value (LKMM's Noreturn)
  LkmmFence lkmm_fence = LkmmFence::kNone;
  int dst = -1;
  int target = -1;
  Operand addr, a, b;
  SourcePos pos;
  std::string primitive;  // the kernel name, for messages
};

// Register dependencies of a value: the loads (by op index) it was computed
// from. `may` over-approximates (any path), `must` under-approximates.
struct Deps {
  std::bitset<kMaxOps> may, must;
};

// What the analysis (gaps.h) needs to know about an op beyond the op itself.
struct OpInfo {
  Deps addr, data, ctrl;
  bool upgraded_to_acquire = false;  // READ_ONCE/rcu_dereference feeding an address
};

struct Location {
  std::string name;
  int64_t init = 0;
  bool is_lock = false;  // used by spin_lock & co; never read as data
  SourcePos pos;
};

struct Thread {
  std::string name;  // "P0"
  SourcePos pos;     // of the process header
  std::vector<Op> ops;
  std::vector<OpInfo> info;  // parallel to ops
  int nregs = 0;
  std::vector<std::string> reg_names;  // index -> name; temporaries are "$tN"
  std::vector<std::pair<int, int64_t>> reg_init;
};

// One slot of a final state.
struct Observable {
  int thread = -1;  // -1: location `index`
  int index = 0;    // register or location index
  std::string name; // "0:r0" or "x"
};

struct CondNode {
  Cond::Kind kind = Cond::Kind::kTrue;
  int slot = 0;       // kEq/kNe: index into the state
  int64_t value = 0;  // kEq/kNe
  int rhs_slot = -1;  // kEq/kNe: compare with this slot instead of `value`
  std::vector<CondNode> args;
};

using State = std::vector<int64_t>;

struct Program {
  std::string name;
  std::string file;
  std::optional<Verdict> declared;
  std::vector<Location> locations;
  std::vector<Thread> threads;
  std::vector<Observable> observed;
  Quantifier quantifier = Quantifier::kExists;
  CondNode condition;
  std::optional<CondNode> filter;
  int nlocks = 0;               // locations with is_lock, numbered by lock_slot
  std::vector<int> lock_slot;   // per location: slot or -1
  bool uses_rcu = false;
  // The first primitive that only the LKMM engine models (SRCU,
  // spin_is_locked(), atomic_add_unless()), with its position; empty when
  // Relacy and the native engine can run the test too.
  std::string lkmm_only;
  SourcePos lkmm_only_pos;
};

bool EvalCond(const CondNode& c, const int64_t* state);

// "x", "42" or "-1": pointer values print as their location.
std::string FormatValue(const Program& p, int64_t v);
// "0:r0=1; x=2;"
std::string FormatState(const Program& p, const int64_t* state);

}  // namespace litmus

#endif  // LITMUS_PROGRAM_H_
