// libFuzzer entry point for the front end: parse, compile and analyse any
// byte string. Properties checked: no crash, no hang, and every input ends
// either as a Program or as one Diagnostic with a real position.
//
// libFuzzer run (clang; see README.md):
//   bazel run --config=clang --copt=-fsanitize=fuzzer-no-link,address
//     --linkopt=-fsanitize=fuzzer,address //litmus:parser_fuzz --
//     -max_total_time=60 $PWD/litmus $PWD/litmus/bad
// Without clang, parser_fuzz_smoke drives the same function (fuzz_smoke.cc).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "litmus/compile.h"
#include "litmus/gaps.h"
#include "litmus/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view src(reinterpret_cast<const char*>(data), size);
  litmus::ParseResult pr = litmus::ParseLitmus(src, "fuzz.litmus");
  if (pr.test.has_value() == pr.error.has_value()) std::abort();
  if (pr.error) {
    if (pr.error->pos.line < 1 || pr.error->pos.col < 1 || pr.error->message.empty()) std::abort();
    return 0;
  }
  litmus::CompileResult cr = litmus::Compile(*pr.test);
  if (cr.program.has_value() == cr.error.has_value()) std::abort();
  if (cr.error) {
    if (cr.error->pos.line < 1 || cr.error->pos.col < 1 || cr.error->message.empty()) std::abort();
    return 0;
  }
  litmus::FindGaps(*cr.program);
  return 0;
}
