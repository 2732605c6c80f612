// libFuzzer entry point for the front end and the LKMM engine: parse,
// compile, analyse and decide any byte string. Properties checked: no
// crash, no hang, every input ends either as a Program or as one Diagnostic
// with a real position, and the LKMM engine (on a small budget) either
// errs with a position or returns allowed states of the program's width.
//
// libFuzzer run (clang with ASan and UBSan; see README.md):
//   bazel test --config=fuzz //litmus:parser_fuzz_run     (20 s, CI)
//   bazel build --config=fuzz //litmus:parser_fuzz &&
//     bazel-bin/litmus/parser_fuzz -max_total_time=600 -timeout=5 CORPUS litmus litmus/testdata/bad
// Without clang, parser_fuzz_smoke drives the same function (testing/fuzz_smoke.cc).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "litmus/compile.h"
#include "litmus/gaps.h"
#include "litmus/lkmm.h"
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
  if (cr.program->threads.size() <= static_cast<size_t>(litmus::kMaxThreads)) litmus::FindGaps(*cr.program);
  litmus::LkmmOptions lo;
  lo.timeout_seconds = 0.5;
  lo.max_candidates = 2000;
  litmus::LkmmResult lr = litmus::RunLkmm(*cr.program, lo);
  if (lr.error) {
    if (lr.error->pos.line < 1 || lr.error->pos.col < 1 || lr.error->message.empty()) std::abort();
  } else if (lr.states.size() > 0 && lr.consistent == 0) {
    std::abort();  // an allowed state needs a consistent candidate
  }
  return 0;
}
