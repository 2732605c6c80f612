// Parser for C litmus files. Never throws and never crashes on bad input:
// every problem comes back as one Diagnostic, printed `file:line:col: message`.
#ifndef LITMUS_PARSER_H_
#define LITMUS_PARSER_H_

#include <optional>
#include <string>
#include <string_view>

#include "litmus/ast.h"

namespace litmus {

struct Diagnostic {
  std::string file;
  SourcePos pos;
  std::string message;

  // "file:line:col: message"
  std::string Format() const;
};

struct ParseResult {
  std::optional<Test> test;
  std::optional<Diagnostic> error;
};

// Inputs larger than this are rejected (litmus tests are a few hundred bytes).
inline constexpr size_t kMaxSourceBytes = 1 << 20;
// Nesting limit for expressions, conditions and statements.
inline constexpr int kMaxNesting = 64;

ParseResult ParseLitmus(std::string_view source, const std::string& file);

}  // namespace litmus

#endif  // LITMUS_PARSER_H_
