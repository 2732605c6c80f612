// Helpers shared by the doctest suites.
#ifndef LITMUS_TEST_UTIL_H_
#define LITMUS_TEST_UTIL_H_

#include <doctest/doctest.h>

#include <string>

#include "litmus/compile.h"
#include "litmus/parser.h"

namespace litmus {

// Parses and compiles `src` (as t.litmus), failing the test on any error.
inline Program MustCompile(const std::string& src) {
  ParseResult pr = ParseLitmus(src, "t.litmus");
  REQUIRE_MESSAGE(!pr.error, (pr.error ? pr.error->Format() : ""));
  CompileResult cr = Compile(*pr.test);
  REQUIRE_MESSAGE(!cr.error, (cr.error ? cr.error->Format() : ""));
  return *cr.program;
}

}  // namespace litmus

#endif  // LITMUS_TEST_UTIL_H_
