// Lowers a parsed Test to a Program (program.h): resolves names, checks the
// semantic rules the parser cannot (unknown identifiers, unsupported
// primitives, process and location limits) and flattens expressions and
// `if` statements to ops. Errors carry the position of the offending token.
#ifndef LITMUS_COMPILE_H_
#define LITMUS_COMPILE_H_

#include <optional>

#include "litmus/ast.h"
#include "litmus/parser.h"
#include "litmus/program.h"

namespace litmus {

struct CompileResult {
  std::optional<Program> program;
  std::optional<Diagnostic> error;
};

CompileResult Compile(const Test& test);

}  // namespace litmus

#endif  // LITMUS_COMPILE_H_
