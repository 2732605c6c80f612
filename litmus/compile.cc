// AST -> Program. See program.h for the op set and the primitive mapping.
#include "litmus/compile.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace litmus {

bool EvalCond(const CondNode& c, const int64_t* state) {
  switch (c.kind) {
    case Cond::Kind::kTrue: return true;
    case Cond::Kind::kFalse: return false;
    case Cond::Kind::kEq: return state[c.slot] == (c.rhs_slot >= 0 ? state[c.rhs_slot] : c.value);
    case Cond::Kind::kNe: return state[c.slot] != (c.rhs_slot >= 0 ? state[c.rhs_slot] : c.value);
    case Cond::Kind::kNot: return !EvalCond(c.args[0], state);
    case Cond::Kind::kAnd: return EvalCond(c.args[0], state) && EvalCond(c.args[1], state);
    case Cond::Kind::kOr: return EvalCond(c.args[0], state) || EvalCond(c.args[1], state);
  }
  return false;
}

std::string FormatValue(const Program& p, int64_t v) {
  if (v == kAnyValue) return "?";
  if (v >= kAddrBase && v < kAddrBase + static_cast<int64_t>(p.locations.size())) {
    return p.locations[v - kAddrBase].name;
  }
  return std::to_string(v);
}

std::string FormatState(const Program& p, const int64_t* state) {
  std::string s;
  for (size_t i = 0; i < p.observed.size(); ++i) {
    if (i) s += ' ';
    s += p.observed[i].name + "=" + FormatValue(p, state[i]) + ";";
  }
  return s;
}

namespace {

[[noreturn]] void Fail(const Test& t, SourcePos pos, const std::string& msg) { throw Diagnostic{t.file, pos, msg}; }

struct Val {
  Operand op;
  Deps deps;
};

Operand Imm(int64_t v) { return Operand{false, v}; }
Operand Reg(int r) { return Operand{true, r}; }

// Order suffixes of value-returning RMWs: "" is fully ordered (LKMM's mb).
bool SplitOrderSuffix(const std::string& name, std::string* base, MemOrder* order) {
  static const std::pair<const char*, MemOrder> kSuffixes[] = {
      {"_relaxed", MemOrder::kRelaxed}, {"_acquire", MemOrder::kAcquire}, {"_release", MemOrder::kRelease}};
  for (const auto& [suffix, o] : kSuffixes) {
    std::string sfx = suffix;
    if (name.size() > sfx.size() && name.compare(name.size() - sfx.size(), sfx.size(), sfx) == 0) {
      *base = name.substr(0, name.size() - sfx.size());
      *order = o;
      return true;
    }
  }
  *base = name;
  *order = MemOrder::kMb;
  return false;
}

bool RmwFromWord(const std::string& w, RmwOp* op) {
  static const std::pair<const char*, RmwOp> kOps[] = {{"add", RmwOp::kAdd}, {"sub", RmwOp::kSub},
                                                       {"and", RmwOp::kAnd}, {"or", RmwOp::kOr},
                                                       {"xor", RmwOp::kXor}, {"andnot", RmwOp::kAndNot}};
  for (const auto& [name, o] : kOps) {
    if (w == name) {
      *op = o;
      return true;
    }
  }
  return false;
}

class Compiler;

// Lowers one process.
class ThreadCompiler {
 public:
  ThreadCompiler(Compiler& c, const Test& test, const Process& proc, Program& prog, Thread& th,
                 std::map<std::string, int>& regs)
      : c_(c), test_(test), proc_(proc), prog_(prog), th_(th), regs_(regs) {}

  void Run();

 private:
  [[noreturn]] void Fail(SourcePos pos, const std::string& msg) const { litmus::Fail(test_, pos, msg); }

  int Emit(Op op, const Deps& addr = {}, const Deps& data = {}) {
    if (th_.ops.size() >= static_cast<size_t>(kMaxOps)) {
      Fail(op.pos, "P" + std::to_string(proc_.index) + " is too long (more than " + std::to_string(kMaxOps) + " ops)");
    }
    OpInfo info;
    info.addr = addr;
    info.data = data;
    info.ctrl = ctrl_;
    th_.ops.push_back(std::move(op));
    th_.info.push_back(info);
    return static_cast<int>(th_.ops.size()) - 1;
  }

  // r[dst] = a alu b, with the dependencies of its operands.
  int EmitAlu(AluOp alu, int dst, Operand a, Operand b, SourcePos pos, const Deps& deps) {
    Op op;
    op.code = OpCode::kAlu;
    op.alu = alu;
    op.dst = dst;
    op.a = a;
    op.b = b;
    op.pos = pos;
    return Emit(op, {}, deps);
  }

  // Opens code that runs only when `test` is non-zero: emits the jump over
  // it (its target is set by the caller) and makes the test's loads control
  // dependencies of everything until CloseConditional. Returns the jump.
  int OpenConditional(Operand test, const Deps& deps, SourcePos pos, Deps* saved) {
    Op jz;
    jz.code = OpCode::kJumpIfZero;
    jz.a = test;
    jz.pos = pos;
    int at = Emit(jz, {}, deps);
    *saved = ctrl_;
    ctrl_.may |= deps.may;
    ctrl_.must |= deps.must;
    ++if_depth_;
    return at;
  }

  void CloseConditional(const Deps& saved) {
    --if_depth_;
    ctrl_ = saved;
  }

  // r[dst] = v, as a declaration initialiser or an assignment.
  void EmitMove(int dst, const Val& v, SourcePos pos) {
    EmitAlu(AluOp::kMov, dst, v.op, {}, pos, v.deps);
    SetRegDeps(dst, v.deps);
  }

  int NewReg(const std::string& name, SourcePos pos) {
    if (th_.nregs >= kMaxRegs) Fail(pos, "too many registers and temporaries in P" + std::to_string(proc_.index));
    th_.reg_names.push_back(name);
    reg_deps_.emplace_back();
    return th_.nregs++;
  }
  int NewTemp(SourcePos pos) { return NewReg("$t" + std::to_string(th_.nregs), pos); }

  int LocationOfParam(const std::string& name) const {
    auto it = params_.find(name);
    return it == params_.end() ? -1 : it->second;
  }

  // Assigns deps to register r, respecting enclosing conditionals.
  void SetRegDeps(int r, const Deps& d) {
    if (if_depth_ == 0) {
      reg_deps_[r] = d;
    } else {
      reg_deps_[r].may |= d.may;
      reg_deps_[r].must &= d.must;
    }
  }

  Val Lower(const Expr& e);
  Val LowerCall(const Expr& e, bool want_value);
  Val LowerBinary(const Expr& e);
  Val Address(const Expr& e, const std::string& prim, bool lvalue);
  Val EmitMem(Op op, const Val& addr, const Val* a, const Val* b, bool produces);
  void LowerStmt(const Stmt& s);
  void CheckArgs(const Expr& e, size_t n) const {
    if (e.args.size() != n) {
      Fail(e.pos, e.name + "() takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
                      std::to_string(e.args.size()));
    }
  }

  Compiler& c_;
  const Test& test_;
  const Process& proc_;
  Program& prog_;
  Thread& th_;
  std::map<std::string, int>& regs_;
  std::map<std::string, int> params_;
  std::vector<Deps> reg_deps_;
  std::set<std::string> declared_;
  Deps ctrl_;
  int if_depth_ = 0;
};

class Compiler {
 public:
  explicit Compiler(const Test& t) : t_(t) {}

  Program Run() {
    Program p;
    p.name = t_.name;
    p.file = t_.file;
    p.declared = t_.declared;
    if (t_.processes.size() > static_cast<size_t>(kMaxLkmmThreads)) {
      Fail(t_, t_.processes[kMaxLkmmThreads].pos,
           "at most " + std::to_string(kMaxLkmmThreads) + " processes are supported (Relacy and the native run take 1.." +
               std::to_string(kMaxThreads) + ")");
    }
    // Locations: init items first, then parameters, in order of appearance.
    for (const InitItem& it : t_.init) {
      if (it.thread >= 0) continue;
      if (Find(p, it.name) >= 0) Fail(t_, it.pos, "location `" + it.name + "` initialised twice");
      AddLocation(&p, it.name, it.pos);
    }
    for (const Process& proc : t_.processes) {
      for (const Param& prm : proc.params) {
        if (Find(p, prm.name) < 0) AddLocation(&p, prm.name, prm.pos);
      }
    }
    // A location named only as an init value (`p=y;`) exists too, as in herd7.
    for (const InitItem& it : t_.init) {
      if (it.has_value && it.value.is_address && Find(p, it.value.location) < 0) {
        AddLocation(&p, it.value.location, it.value.pos);
      }
    }
    for (const InitItem& it : t_.init) {
      if (it.thread >= 0 || !it.has_value) continue;
      p.locations[Find(p, it.name)].init = ResolveValue(p, it.value);
    }
    // Register initialisers.
    regs_.resize(t_.processes.size());
    p.threads.resize(t_.processes.size());
    for (const InitItem& it : t_.init) {
      if (it.thread < 0) continue;
      if (it.thread >= static_cast<int>(t_.processes.size())) {
        Fail(t_, it.pos, "register initialiser for P" + std::to_string(it.thread) + ", which does not exist");
      }
      Thread& th = p.threads[it.thread];
      if (regs_[it.thread].count(it.name)) Fail(t_, it.pos, "register `" + it.name + "` initialised twice");
      regs_[it.thread][it.name] = th.nregs++;
      th.reg_names.push_back(it.name);
      th.reg_init.emplace_back(regs_[it.thread][it.name], it.has_value ? ResolveValue(p, it.value) : 0);
    }
    for (size_t i = 0; i < t_.processes.size(); ++i) {
      p.threads[i].name = "P" + std::to_string(i);
      p.threads[i].pos = t_.processes[i].pos;
      ThreadCompiler tc(*this, t_, t_.processes[i], p, p.threads[i], regs_[i]);
      tc.Run();
    }
    p.lock_slot.assign(p.locations.size(), -1);
    for (size_t i = 0; i < p.locations.size(); ++i) {
      if (!p.locations[i].is_lock) continue;
      if (p.nlocks >= kMaxLocks) Fail(t_, p.locations[i].pos, "more than " + std::to_string(kMaxLocks) + " spinlocks");
      if (p.locations[i].init != 0) Fail(t_, p.locations[i].pos, "spinlock `" + p.locations[i].name + "` must start unlocked (0)");
      p.lock_slot[i] = p.nlocks++;
    }
    CheckLockUse(p);
    BuildObserved(&p);
    return p;
  }

  int Find(const Program& p, const std::string& name) const {
    for (size_t i = 0; i < p.locations.size(); ++i) {
      if (p.locations[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }

 private:
  void AddLocation(Program* p, const std::string& name, SourcePos pos) {
    if (p->locations.size() >= static_cast<size_t>(kMaxLocations)) {
      Fail(t_, pos, "more than " + std::to_string(kMaxLocations) + " shared locations");
    }
    p->locations.push_back(Location{name, 0, false, pos});
  }

  int64_t ResolveValue(const Program& p, const Value& v) const {
    if (!v.is_address) return v.number;
    int i = Find(p, v.location);
    if (i < 0) Fail(t_, v.pos, "unknown location `" + v.location + "`");
    return kAddrBase + i;
  }

  // Spinlock words are not data: nothing may load or store them directly.
  void CheckLockUse(const Program& p) const {
    for (const Thread& th : p.threads) {
      for (const Op& op : th.ops) {
        bool data_access = op.code == OpCode::kLoad || op.code == OpCode::kStore || op.code == OpCode::kRmw ||
                           op.code == OpCode::kCas;
        bool lock_op = op.code == OpCode::kLock || op.code == OpCode::kUnlock || op.code == OpCode::kTryLock;
        if (op.addr.is_reg || !(data_access || lock_op)) continue;
        const Location& loc = p.locations[op.addr.v - kAddrBase];
        if (data_access && loc.is_lock) {
          Fail(t_, op.pos, "`" + loc.name + "` is a spinlock; " + op.primitive + (op.plain ? "" : "()") +
                               " may not access it");
        }
      }
    }
  }

  void BuildObserved(Program* p) {
    std::vector<StateRef> refs = t_.locations;
    CollectRefs(t_.condition, &refs);
    if (t_.filter) CollectRefs(*t_.filter, &refs);
    std::vector<Observable> regs, locs;
    std::set<std::pair<int, std::string>> seen;
    for (const StateRef& r : refs) {
      if (!seen.insert({r.thread, r.name}).second) continue;
      Observable o;
      o.thread = r.thread;
      o.index = ResolveRef(*p, r);
      o.name = r.thread >= 0 ? std::to_string(r.thread) + ":" + r.name : r.name;
      (r.thread >= 0 ? regs : locs).push_back(o);
    }
    std::sort(regs.begin(), regs.end(), [](const Observable& a, const Observable& b) {
      return a.thread != b.thread ? a.thread < b.thread : a.name < b.name;
    });
    std::sort(locs.begin(), locs.end(), [](const Observable& a, const Observable& b) { return a.name < b.name; });
    p->observed = regs;
    p->observed.insert(p->observed.end(), locs.begin(), locs.end());
    if (p->observed.size() > static_cast<size_t>(kMaxObserved)) {
      Fail(t_, t_.condition_pos, "more than " + std::to_string(kMaxObserved) + " observed registers and locations");
    }
    p->quantifier = t_.quantifier;
    p->condition = CompileCond(*p, t_.condition);
    if (t_.filter) p->filter = CompileCond(*p, *t_.filter);
  }

  static void CollectRefs(const Cond& c, std::vector<StateRef>* out) {
    if (c.kind == Cond::Kind::kEq || c.kind == Cond::Kind::kNe) {
      out->push_back(c.lhs);
      if (c.rhs_is_ref) out->push_back(c.rhs_ref);
    }
    for (const Cond& a : c.args) CollectRefs(a, out);
  }

  int ResolveRef(const Program& p, const StateRef& r) const {
    if (r.thread < 0) {
      int i = Find(p, r.name);
      if (i < 0) Fail(t_, r.pos, "unknown location `" + r.name + "`");
      if (p.locations[i].is_lock) Fail(t_, r.pos, "`" + r.name + "` is a spinlock and cannot be observed");
      return i;
    }
    if (r.thread >= static_cast<int>(p.threads.size())) {
      Fail(t_, r.pos, "P" + std::to_string(r.thread) + " does not exist");
    }
    auto it = regs_[r.thread].find(r.name);
    if (it == regs_[r.thread].end()) {
      Fail(t_, r.pos, "P" + std::to_string(r.thread) + " has no register `" + r.name + "`");
    }
    return it->second;
  }

  int SlotOf(const Program& p, const StateRef& r) const {
    std::string name = r.thread >= 0 ? std::to_string(r.thread) + ":" + r.name : r.name;
    for (size_t i = 0; i < p.observed.size(); ++i) {
      if (p.observed[i].name == name) return static_cast<int>(i);
    }
    return -1;  // unreachable: every ref was collected
  }

  CondNode CompileCond(const Program& p, const Cond& c) const {
    CondNode n;
    n.kind = c.kind;
    if (c.kind == Cond::Kind::kEq || c.kind == Cond::Kind::kNe) {
      n.slot = SlotOf(p, c.lhs);
      if (c.rhs_is_ref) {
        n.rhs_slot = SlotOf(p, c.rhs_ref);
      } else {
        n.value = ResolveValue(p, c.rhs);
      }
    }
    for (const Cond& a : c.args) n.args.push_back(CompileCond(p, a));
    return n;
  }

  const Test& t_;
  std::vector<std::map<std::string, int>> regs_;
};

void ThreadCompiler::Run() {
  for (const Param& prm : proc_.params) {
    params_[prm.name] = c_.Find(prog_, prm.name);
    if (regs_.count(prm.name)) {
      Fail(prm.pos, "`" + prm.name + "` is both a parameter and a register of P" + std::to_string(proc_.index));
    }
  }
  reg_deps_.resize(th_.nregs);
  for (const Stmt& s : proc_.body) LowerStmt(s);
  // LKMM orders a load before a later access whose address it computes;
  // C++ relaxed loads do not, so such a load becomes acquire (the
  // consume-as-acquire gap in gaps.h says where this is stronger than LKMM).
  for (size_t i = 0; i < th_.ops.size(); ++i) {
    const Op& op = th_.ops[i];
    bool mem = op.code == OpCode::kLoad || op.code == OpCode::kStore || op.code == OpCode::kRmw ||
               op.code == OpCode::kCas;
    if (!mem || !op.addr.is_reg) continue;
    for (size_t j = 0; j < i; ++j) {
      if (!th_.info[i].addr.may.test(j)) continue;
      Op& src = th_.ops[j];
      if (src.order == MemOrder::kRelaxed) {
        src.order = MemOrder::kAcquire;
        th_.info[j].upgraded_to_acquire = true;
      }
    }
  }
}

void ThreadCompiler::LowerStmt(const Stmt& s) {
  switch (s.kind) {
    case Stmt::Kind::kBlock:
      for (const Stmt& x : s.then_body) LowerStmt(x);
      return;
    case Stmt::Kind::kExpr:
      if (s.expr.kind != Expr::Kind::kCall) Fail(s.pos, "expected a call statement");
      LowerCall(s.expr, /*want_value=*/false);
      return;
    case Stmt::Kind::kDecl: {
      if (params_.count(s.reg)) Fail(s.pos, "register `" + s.reg + "` shadows a parameter");
      if (regs_.count(s.reg)) {
        // A declaration after an init-block initialiser is fine; a second
        // declaration is not.
        bool from_init = false;
        for (const auto& [r, v] : th_.reg_init) from_init |= (r == regs_[s.reg]);
        if (!from_init || declared_.count(s.reg)) Fail(s.pos, "register `" + s.reg + "` declared twice");
      } else {
        regs_[s.reg] = NewReg(s.reg, s.pos);
      }
      declared_.insert(s.reg);
      if (s.has_init) EmitMove(regs_[s.reg], Lower(s.expr), s.pos);
      return;
    }
    case Stmt::Kind::kAssign: {
      if (params_.count(s.reg)) {
        Fail(s.pos, "cannot assign to parameter `" + s.reg + "`; use WRITE_ONCE(*" + s.reg + ", ...)");
      }
      Val v = Lower(s.expr);
      if (!regs_.count(s.reg)) regs_[s.reg] = NewReg(s.reg, s.pos);
      EmitMove(regs_[s.reg], v, s.pos);
      return;
    }
    case Stmt::Kind::kIf: {
      Val cond = Lower(s.expr);
      Deps saved;
      int jz_at = OpenConditional(cond.op, cond.deps, s.pos, &saved);
      for (const Stmt& x : s.then_body) LowerStmt(x);
      int jmp_at = -1;
      if (!s.else_body.empty()) {
        Op jmp;
        jmp.code = OpCode::kJump;
        jmp.pos = s.pos;
        jmp_at = Emit(jmp);
      }
      th_.ops[jz_at].target = static_cast<int>(th_.ops.size());
      for (const Stmt& x : s.else_body) LowerStmt(x);
      if (jmp_at >= 0) th_.ops[jmp_at].target = static_cast<int>(th_.ops.size());
      CloseConditional(saved);
      return;
    }
  }
}

Val ThreadCompiler::Lower(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kInt:
      return {Imm(e.value), {}};
    case Expr::Kind::kName: {
      auto r = regs_.find(e.name);
      if (r != regs_.end()) return {Reg(r->second), reg_deps_[r->second]};
      int loc = LocationOfParam(e.name);
      if (loc >= 0) return {Imm(kAddrBase + loc), {}};
      if (c_.Find(prog_, e.name) >= 0) {
        Fail(e.pos, "location `" + e.name + "` is not a parameter of P" + std::to_string(proc_.index));
      }
      Fail(e.pos, "unknown identifier `" + e.name + "`");
    }
    case Expr::Kind::kAddrOf:
      Fail(e.pos, "`&` is not needed: parameters are already pointers (write `" + e.name + "`)");
    case Expr::Kind::kDeref: {
      // A plain (unmarked) read: LKMM's Plain, run as a relaxed load by the
      // C++ engines.
      Val addr = Address(e, "a plain read", /*lvalue=*/true);
      Op op;
      op.pos = e.pos;
      op.primitive = "a plain read";
      op.code = OpCode::kLoad;
      op.order = MemOrder::kRelaxed;
      op.plain = true;
      return EmitMem(op, addr, nullptr, nullptr, true);
    }
    case Expr::Kind::kUnary: {
      Val a = Lower(e.args[0]);
      AluOp op = e.op == "-" ? AluOp::kNeg : e.op == "!" ? AluOp::kNot : AluOp::kBitNot;
      if (!a.op.is_reg) {
        int64_t v = a.op.v;
        uint64_t u = static_cast<uint64_t>(v);
        int64_t r = op == AluOp::kNeg ? static_cast<int64_t>(0 - u) : op == AluOp::kNot ? (v == 0) : ~v;
        return {Imm(r), {}};
      }
      int dst = NewTemp(e.pos);
      EmitAlu(op, dst, a.op, {}, e.pos, a.deps);
      return {Reg(dst), a.deps};
    }
    case Expr::Kind::kBinary:
      return LowerBinary(e);
    case Expr::Kind::kCall:
      return LowerCall(e, /*want_value=*/true);
  }
  Fail(e.pos, "unsupported expression");
}

Val ThreadCompiler::LowerBinary(const Expr& e) {
  if (e.op == "&&" || e.op == "||") {
    // Short circuit: the right operand runs only when needed.
    bool is_and = e.op == "&&";
    Val l = Lower(e.args[0]);
    int dst = NewTemp(e.pos);
    EmitAlu(AluOp::kBool, dst, l.op, {}, e.pos, l.deps);
    // Skip the right operand when the left decides: && on 0, || on non-0
    // (jump when !dst is zero).
    int test = dst;
    if (!is_and) {
      test = NewTemp(e.pos);
      EmitAlu(AluOp::kNot, test, Reg(dst), {}, e.pos, l.deps);
    }
    Deps saved;
    int skip = OpenConditional(Reg(test), l.deps, e.pos, &saved);
    Val r = Lower(e.args[1]);
    EmitAlu(AluOp::kBool, dst, r.op, {}, e.pos, r.deps);
    CloseConditional(saved);
    th_.ops[skip].target = static_cast<int>(th_.ops.size());
    Deps d;
    d.may = l.deps.may | r.deps.may;
    d.must = l.deps.must;
    return {Reg(dst), d};
  }
  static const std::pair<const char*, AluOp> kOps[] = {
      {"+", AluOp::kAdd}, {"-", AluOp::kSub}, {"*", AluOp::kMul}, {"/", AluOp::kDiv},  {"%", AluOp::kMod},
      {"&", AluOp::kAnd}, {"|", AluOp::kOr},  {"^", AluOp::kXor}, {"<<", AluOp::kShl}, {">>", AluOp::kShr},
      {"==", AluOp::kEq}, {"!=", AluOp::kNe}, {"<", AluOp::kLt},  {"<=", AluOp::kLe},  {">", AluOp::kGt},
      {">=", AluOp::kGe}};
  AluOp op = AluOp::kAdd;
  bool found = false;
  for (const auto& [name, o] : kOps) {
    if (e.op == name) {
      op = o;
      found = true;
    }
  }
  if (!found) Fail(e.pos, "unsupported operator `" + e.op + "`");
  Val l = Lower(e.args[0]);
  Val r = Lower(e.args[1]);
  if ((op == AluOp::kDiv || op == AluOp::kMod) && !r.op.is_reg && r.op.v == 0) Fail(e.pos, "division by zero");
  Deps d;
  d.may = l.deps.may | r.deps.may;
  d.must = l.deps.must | r.deps.must;
  int dst = NewTemp(e.pos);
  EmitAlu(op, dst, l.op, r.op, e.pos, d);
  return {Reg(dst), d};
}

// The location argument of a primitive. `lvalue` primitives (READ_ONCE & co)
// take `*p`; the others take the pointer `p` itself, as in the kernel.
Val ThreadCompiler::Address(const Expr& e, const std::string& prim, bool lvalue) {
  const Expr* target = &e;
  if (lvalue) {
    if (e.kind != Expr::Kind::kDeref) {
      Fail(e.pos, prim + "() takes an lvalue such as `*" + (e.kind == Expr::Kind::kName ? e.name : std::string("x")) +
                      "` as its first argument");
    }
    target = &e.args[0];
  } else if (e.kind == Expr::Kind::kDeref) {
    Fail(e.pos, prim + "() takes a pointer: write `" +
                    (e.args[0].kind == Expr::Kind::kName ? e.args[0].name : std::string("x")) + "`, not `*...`");
  }
  Val a = Lower(*target);
  if (!a.op.is_reg && (a.op.v < kAddrBase || a.op.v >= kAddrBase + static_cast<int64_t>(prog_.locations.size()))) {
    Fail(target->pos, prim + "() needs a pointer to a shared location");
  }
  return a;
}

Val ThreadCompiler::EmitMem(Op op, const Val& addr, const Val* a, const Val* b, bool produces) {
  op.addr = addr.op;
  Deps data;
  if (a) {
    op.a = a->op;
    data.may |= a->deps.may;
    data.must |= a->deps.must;
  }
  if (b) {
    op.b = b->op;
    data.may |= b->deps.may;
    data.must |= b->deps.must;
  }
  if (produces) op.dst = NewTemp(op.pos);
  int at = Emit(op, addr.deps, data);
  if (!produces) return {Imm(0), {}};
  Deps d;
  d.may.set(at);
  d.must.set(at);
  return {Reg(op.dst), d};
}

Val ThreadCompiler::LowerCall(const Expr& e, bool want_value) {
  const std::string& n = e.name;
  Op op;
  op.pos = e.pos;
  op.primitive = n;
  auto no_value = [&]() {
    if (want_value) Fail(e.pos, n + "() does not return a value");
  };
  auto fence = [&](FenceKind k, LkmmFence lk) {
    Op f;
    f.code = OpCode::kFence;
    f.fence = k;
    f.lkmm_fence = lk;
    f.pos = e.pos;
    f.primitive = n;
    Emit(f);
  };

  // ONCE accesses and their RCU and release/acquire relatives.
  if (n == "READ_ONCE" || n == "rcu_dereference" || n == "smp_load_acquire" || n == "atomic_read" ||
      n == "atomic_read_acquire") {
    CheckArgs(e, 1);
    bool lvalue = n == "READ_ONCE" || n == "rcu_dereference";
    Val addr = Address(e.args[0], n, lvalue);
    op.code = OpCode::kLoad;
    op.order = (n == "smp_load_acquire" || n == "atomic_read_acquire") ? MemOrder::kAcquire : MemOrder::kRelaxed;
    return EmitMem(op, addr, nullptr, nullptr, true);
  }
  if (n == "__plain_store") {  // `*x = v;` (the parser's name for it)
    Val addr = Address(e.args[0], "a plain write", true);
    Val v = Lower(e.args[1]);
    op.primitive = "a plain write";
    op.code = OpCode::kStore;
    op.order = MemOrder::kRelaxed;
    op.plain = true;
    EmitMem(op, addr, &v, nullptr, false);
    return {Imm(0), {}};
  }
  if (n == "WRITE_ONCE" || n == "rcu_assign_pointer" || n == "smp_store_mb" || n == "smp_store_release" ||
      n == "atomic_set" || n == "atomic_set_release") {
    CheckArgs(e, 2);
    no_value();
    bool lvalue = n == "WRITE_ONCE" || n == "rcu_assign_pointer" || n == "smp_store_mb";
    Val addr = Address(e.args[0], n, lvalue);
    Val v = Lower(e.args[1]);
    op.code = OpCode::kStore;
    op.order = (n == "rcu_assign_pointer" || n == "smp_store_release" || n == "atomic_set_release")
                   ? MemOrder::kRelease
                   : MemOrder::kRelaxed;
    EmitMem(op, addr, &v, nullptr, false);
    if (n == "smp_store_mb") fence(FenceKind::kMb, LkmmFence::kMb);
    return {Imm(0), {}};
  }
  static const std::pair<const char*, LkmmFence> kFences[] = {
      {"smp_mb", LkmmFence::kMb},
      {"smp_rmb", LkmmFence::kRmb},
      {"smp_wmb", LkmmFence::kWmb},
      {"smp_mb__before_atomic", LkmmFence::kBeforeAtomic},
      {"smp_mb__after_atomic", LkmmFence::kAfterAtomic},
      {"smp_mb__after_spinlock", LkmmFence::kAfterSpinlock},
      {"smp_mb__after_unlock_lock", LkmmFence::kAfterUnlockLock},
      {"smp_mb__after_srcu_read_unlock", LkmmFence::kAfterSrcuReadUnlock},
      {"barrier", LkmmFence::kBarrier}};
  for (const auto& [name, lk] : kFences) {
    if (n != name) continue;
    CheckArgs(e, 0);
    no_value();
    if (lk == LkmmFence::kBarrier) {
      // A compiler barrier orders nothing between CPUs; LKMM still sees it
      // (it bounds `mixed-accesses`).
      Op nop;
      nop.code = OpCode::kNop;
      nop.lkmm_fence = lk;
      nop.pos = e.pos;
      nop.primitive = n;
      Emit(nop);
      return {Imm(0), {}};
    }
    fence(lk == LkmmFence::kRmb ? FenceKind::kRmb : lk == LkmmFence::kWmb ? FenceKind::kWmb : FenceKind::kMb, lk);
    return {Imm(0), {}};
  }
  auto lkmm_only = [&]() {
    if (prog_.lkmm_only.empty()) {
      prog_.lkmm_only = n + "()";
      prog_.lkmm_only_pos = e.pos;
    }
  };
  if (n == "srcu_read_lock" || n == "srcu_down_read") {
    CheckArgs(e, 1);
    lkmm_only();
    Val addr = Address(e.args[0], n, false);
    op.code = OpCode::kSrcuLock;
    return EmitMem(op, addr, nullptr, nullptr, true);
  }
  if (n == "srcu_read_unlock" || n == "srcu_up_read") {
    CheckArgs(e, 2);
    no_value();
    lkmm_only();
    Val addr = Address(e.args[0], n, false);
    Val v = Lower(e.args[1]);
    op.code = OpCode::kSrcuUnlock;
    EmitMem(op, addr, &v, nullptr, false);
    return {Imm(0), {}};
  }
  if (n == "synchronize_srcu" || n == "synchronize_srcu_expedited") {
    CheckArgs(e, 1);
    no_value();
    lkmm_only();
    Val addr = Address(e.args[0], n, false);
    op.code = OpCode::kSyncSrcu;
    EmitMem(op, addr, nullptr, nullptr, false);
    return {Imm(0), {}};
  }
  if (n == "spin_is_locked") {
    CheckArgs(e, 1);
    lkmm_only();
    Val addr = Address(e.args[0], n, false);
    if (addr.op.is_reg) Fail(e.args[0].pos, n + "() needs a lock parameter, not a register");
    prog_.locations[addr.op.v - kAddrBase].is_lock = true;
    op.code = OpCode::kIsLocked;
    return EmitMem(op, addr, nullptr, nullptr, true);
  }
  if (n == "atomic_add_unless") {
    CheckArgs(e, 3);
    lkmm_only();
    Val addr = Address(e.args[0], n, false);
    Val a = Lower(e.args[1]);
    Val u = Lower(e.args[2]);
    op.code = OpCode::kAddUnless;
    op.order = MemOrder::kMb;
    return EmitMem(op, addr, &a, &u, true);
  }
  if (n == "spin_lock" || n == "spin_unlock" || n == "spin_trylock") {
    CheckArgs(e, 1);
    if (n != "spin_trylock") no_value();
    Val addr = Address(e.args[0], n, false);
    if (addr.op.is_reg) Fail(e.args[0].pos, n + "() needs a lock parameter, not a register");
    prog_.locations[addr.op.v - kAddrBase].is_lock = true;
    op.code = n == "spin_lock" ? OpCode::kLock : n == "spin_unlock" ? OpCode::kUnlock : OpCode::kTryLock;
    op.order = n == "spin_unlock" ? MemOrder::kRelease : MemOrder::kAcquire;
    return EmitMem(op, addr, nullptr, nullptr, n == "spin_trylock");
  }
  if (n == "rcu_read_lock" || n == "rcu_read_unlock" || n == "synchronize_rcu" || n == "synchronize_rcu_expedited") {
    CheckArgs(e, 0);
    no_value();
    op.code = n == "rcu_read_lock" ? OpCode::kRcuLock : n == "rcu_read_unlock" ? OpCode::kRcuUnlock : OpCode::kSyncRcu;
    prog_.uses_rcu = true;
    Emit(op);
    return {Imm(0), {}};
  }

  // Exchange and compare-exchange, plain and atomic_t.
  std::string base;
  MemOrder order;
  SplitOrderSuffix(n, &base, &order);
  if (base == "xchg" || base == "atomic_xchg" || base == "cmpxchg" || base == "atomic_cmpxchg") {
    bool cas = base == "cmpxchg" || base == "atomic_cmpxchg";
    CheckArgs(e, cas ? 3 : 2);
    Val addr = Address(e.args[0], n, false);
    Val a = Lower(e.args[1]);
    op.order = order;
    if (cas) {
      Val b = Lower(e.args[2]);
      op.code = OpCode::kCas;
      return EmitMem(op, addr, &a, &b, true);
    }
    op.code = OpCode::kRmw;
    op.rmw = RmwOp::kXchg;
    return EmitMem(op, addr, &a, nullptr, true);
  }

  // atomic_t arithmetic: atomic_OP(v, p), atomic_OP_return(v, p),
  // atomic_fetch_OP(v, p), inc/dec forms without v, and the _and_test forms.
  if (base.rfind("atomic_", 0) == 0) {
    std::string rest = base.substr(7);
    bool fetch = false, ret = false, and_test = false, negative = false;
    if (rest.rfind("fetch_", 0) == 0) {
      fetch = true;
      rest = rest.substr(6);
    }
    auto strip = [&rest](const std::string& sfx) {
      if (rest.size() > sfx.size() && rest.compare(rest.size() - sfx.size(), sfx.size(), sfx) == 0) {
        rest = rest.substr(0, rest.size() - sfx.size());
        return true;
      }
      return false;
    };
    if (!fetch) {
      ret = strip("_return");
      if (!ret) and_test = strip("_and_test");
      if (!ret && !and_test && rest == "add_negative") {
        negative = true;
        rest = "add";
      }
    }
    bool suffixed = order != MemOrder::kMb;
    bool unary = rest == "inc" || rest == "dec";
    RmwOp rmw = RmwOp::kAdd;
    bool known = unary || RmwFromWord(rest, &rmw);
    if (unary) rmw = rest == "inc" ? RmwOp::kAdd : RmwOp::kSub;
    bool returns = fetch || ret || and_test || negative;
    bool arith_ok = fetch || ((ret || and_test || negative) && (rmw == RmwOp::kAdd || rmw == RmwOp::kSub)) ||
                    (!returns && !suffixed);
    if (known && arith_ok && !(and_test && (rest == "add" || suffixed))) {
      CheckArgs(e, unary ? 1 : 2);
      Val addr = Address(e.args[unary ? 0 : 1], n, false);
      Val v = unary ? Val{Imm(1), {}} : Lower(e.args[0]);
      if (!returns) no_value();
      op.code = OpCode::kRmw;
      op.rmw = rmw;
      op.ret_new = ret || and_test || negative;
      op.order = returns ? order : MemOrder::kRelaxed;
      op.noreturn = !returns;
      Val r = EmitMem(op, addr, &v, nullptr, true);
      if (!and_test && !negative) return returns ? r : Val{Imm(0), {}};
      int dst = NewTemp(e.pos);
      EmitAlu(and_test ? AluOp::kEq : AluOp::kLt, dst, r.op, Imm(0), e.pos, r.deps);
      return {Reg(dst), r.deps};
    }
  }
  Fail(e.pos, "unsupported primitive `" + n + "()`; see litmus/README.md for the supported subset");
}

}  // namespace

CompileResult Compile(const Test& test) {
  CompileResult r;
  try {
    Compiler c(test);
    r.program = c.Run();
  } catch (const Diagnostic& d) {
    r.error = d;
  }
  return r;
}

}  // namespace litmus
