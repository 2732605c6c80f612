// replay/fuzz/interleaving_fuzz.cc: libFuzzer target for the interleaving
// table reader (mmu_core/catalog/interleaving.h) and replay's resolution of
// a table against the real catalogue (replay/resolve.h): any byte string.
//
// Properties checked (std::abort on a breach, so libFuzzer reports it):
//  - parsing never crashes; a failure is one Problem with a message and a
//    line within the text (0: the text as a whole);
//  - a parsed table written back (WriteInterleaving) parses again to the
//    same columns and rows (CPU, step, composite phrase): models and stress
//    write their files that way, and replay reads them;
//  - resolution never crashes; a resolved table has one resolved row per
//    row, each with at least one step, on a CPU of the scenario, and it
//    makes a plan the sequencer accepts.
//
//   bazel test --config=fuzz //replay/fuzz:interleaving_fuzz_run   (30 s, CI)
//   bazel build --config=fuzz --build_tag_filters= //replay/fuzz:interleaving_fuzz &&   (tagged manual)
//     bazel-bin/replay/fuzz/interleaving_fuzz -max_total_time=600 CORPUS replay/interleavings replay/testdata/...
// Without clang, interleaving_fuzz_smoke drives the same function (testing/fuzz_smoke.cc).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mmu_core/catalog/interleaving.h"
#include "mmu_core/catalog/scenario_info.h"
#include "mmu_core/scenarios/all.h"
#include "replay/plan.h"
#include "replay/resolve.h"

namespace {

using namespace mmu;
using namespace mmu::replay;

const std::vector<ScenarioInfo>& Catalogue() { return scenarios::AllScenarioInfo(); }

// A property that does not hold: say which, then abort (libFuzzer keeps the input).
void RequireAt(bool ok, int line) {
  if (ok) return;
  std::fprintf(stderr, "%s:%d: property violated\n", __FILE__, line);
  std::abort();
}
#define Require(ok) RequireAt((ok), __LINE__)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  const Parsed<Interleaving> p = ParseInterleaving(text, "fuzz.txt");
  if (!p.ok()) {
    Require(!p.problem.message.empty());
    Require(p.problem.line >= 0 && p.problem.line <= lines);
    return 0;
  }
  const Interleaving& il = *p.value;
  Require(il.header_line >= 1 && il.header_line <= lines);
  for (const Row& r : il.rows) {
    Require(r.thread >= 0 && r.thread < static_cast<int>(il.columns.size()));
    Require(r.alt_thread == -1 || r.alt_thread == r.thread + 1);
    Require(r.line > il.header_line && r.line <= lines);
  }
  // Written back, it reads the same.
  const Parsed<Interleaving> back = ParseInterleaving(WriteInterleaving(il), "back.txt");
  Require(back.ok());
  Require(back.value->columns.size() == il.columns.size());
  Require(back.value->rows.size() == il.rows.size());
  for (std::size_t i = 0; i < il.rows.size(); ++i) {
    const Row &a = il.rows[i], &b = back.value->rows[i];
    Require(a.thread == b.thread && a.phrase == b.phrase);
    if (a.phrase == Phrase::kStep) Require(a.step == b.step);
  }
  // Resolved against the real catalogue.
  const Parsed<Resolved> r = Resolve(il, Catalogue(), Overrides{});
  if (!r.ok()) {
    Require(!r.problem.message.empty());
    return 0;
  }
  const ScenarioInfo& s = Catalogue()[static_cast<std::size_t>(r.value->scenario)];
  Require(r.value->config >= 0 && r.value->config < static_cast<int>(s.configs.size()));
  Require(r.value->rows.size() == il.rows.size());
  for (const ResolvedRow& row : r.value->rows) {
    Require(!row.steps.empty() && row.steps.size() <= static_cast<std::size_t>(kMaxGroup));
    Require(row.thread >= 0 && row.thread < s.threads);
  }
  const Plan plan = MakePlan(il, *r.value, s.threads);
  Require(plan.rows.size() == il.rows.size());
  return 0;
}
