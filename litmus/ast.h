// The syntax tree of a C litmus test, as herd7 and tools/memory-model read it:
//
//   C <name>
//   (* optional comment; "Result: Never|Sometimes|Always" is the oracle *)
//   { init; ... }
//   P0(int *x, int *y) { <C statements> }
//   ...
//   locations [x; 0:r1]            (optional)
//   filter (<condition>)           (optional)
//   exists (<condition>)           (or ~exists, forall)
//
// The parser (parser.h) builds it; compile.h lowers it to the small op form
// both engines run. Every node keeps the source position its errors cite.
#ifndef LITMUS_AST_H_
#define LITMUS_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace litmus {

struct SourcePos {
  int line = 0;  // 1-based
  int col = 0;   // 1-based, in bytes
};

// The verdict vocabulary of LKMM's "Result:" comments.
enum class Verdict { kNever, kSometimes, kAlways };

const char* VerdictName(Verdict v);

// An expression inside a process body.
struct Expr {
  enum class Kind {
    kInt,     // 42
    kName,    // a register or a parameter (a parameter denotes its location's address)
    kAddrOf,  // &x
    kDeref,   // *e (only as the lvalue argument of READ_ONCE and friends)
    kUnary,   // op args[0]
    kBinary,  // args[0] op args[1]
    kCall,    // name(args...)
  };
  Kind kind = Kind::kInt;
  SourcePos pos;
  int64_t value = 0;
  std::string name;  // kName, kAddrOf, kCall
  std::string op;    // kUnary, kBinary
  std::vector<Expr> args;
};

struct Stmt {
  enum class Kind {
    kExpr,    // a call used as a statement: WRITE_ONCE(*x, 1);
    kAssign,  // r0 = expr;
    kDecl,    // int r0; / int r0 = expr;
    kIf,      // if (cond) then_body [else else_body]
    kBlock,   // { ... }
  };
  Kind kind = Kind::kExpr;
  SourcePos pos;
  std::string reg;    // kAssign, kDecl
  bool has_init = false;  // kDecl
  Expr expr;          // kExpr, kAssign, kDecl (init), kIf (condition)
  std::vector<Stmt> then_body;
  std::vector<Stmt> else_body;
};

struct Param {
  std::string name;
  SourcePos pos;
};

struct Process {
  int index = 0;  // N in PN
  SourcePos pos;
  std::vector<Param> params;
  std::vector<Stmt> body;
};

// A value in the init block or a condition: an integer or a location's address.
struct Value {
  bool is_address = false;
  int64_t number = 0;
  std::string location;  // when is_address
  SourcePos pos;
};

// One init-block item: `x = 1;`, `int *p = y;`, `0:r1 = 2;`, `int x;`.
struct InitItem {
  int thread = -1;  // >= 0 for a register initialiser `N:reg = v`
  std::string name;
  bool has_value = false;
  Value value;
  SourcePos pos;
};

// A term of a final-state condition: a location or `N:reg`.
struct StateRef {
  int thread = -1;  // -1: a location
  std::string name;
  SourcePos pos;
};

struct Cond {
  enum class Kind { kTrue, kFalse, kEq, kNe, kNot, kAnd, kOr };
  Kind kind = Kind::kTrue;
  SourcePos pos;
  StateRef lhs;  // kEq, kNe
  Value rhs;     // kEq, kNe: a value ...
  bool rhs_is_ref = false;
  StateRef rhs_ref;  // ... or, when rhs_is_ref, another register (`0:r1=1:r2`)
  std::vector<Cond> args;  // kNot (1), kAnd, kOr (2)
};

enum class Quantifier { kExists, kNotExists, kForall };

struct Test {
  std::string file;
  std::string name;
  SourcePos name_pos;
  std::optional<Verdict> declared;
  std::vector<InitItem> init;
  std::vector<Process> processes;
  std::vector<StateRef> locations;
  std::optional<Cond> filter;
  Quantifier quantifier = Quantifier::kExists;
  Cond condition;
  SourcePos condition_pos;
};

}  // namespace litmus

#endif  // LITMUS_AST_H_
