// The core's single-threaded cases on the Relacy engine: each case runs as
// the only thread of a one-iteration Relacy simulation, so every access goes
// through rl::atomic / rl::var and Relacy's heap (leaks and uninitialised
// reads are reported).
#include "mmu_core/testing/all_cases.h"  // includes sync.h, hence relacy.hpp, first
#include "models/relacy/stream.h"

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

namespace {

using CaseFn = void (*)(mmu::testing::CaseLog&);
CaseFn g_case = nullptr;
mmu::testing::CaseLog* g_log = nullptr;

struct OneThread : rl::test_suite<OneThread, 1> {
  void thread(unsigned) { g_case(*g_log); }
};

void RunUnderRelacy(CaseFn fn) {
  mmu::testing::CaseLog log;
  g_case = fn;
  g_log = &log;
  static mmu::relacy::FixedStreamBuf buf(1 << 16);
  buf.Clear();
  std::ostream out(&buf);
  rl::test_params p;
  p.search_type = rl::sched_random;
  p.iteration_count = 1;
  // One execution runs a whole case (ScenariosSequential: every scenario in
  // turn), longer than Relacy's livelock limit for one execution.
  p.execution_depth_limit = 1 << 20;
  p.output_stream = &out;
  p.progress_stream = &out;
  const bool ok = rl::simulate<OneThread>(p);
  char text[4096];
  log.Format(text, sizeof text);
  INFO(text);
  INFO(std::string(buf.View()));
  CHECK(ok);
  CHECK(log.failures() == 0);
}

}  // namespace

#define MMU_RELACY_CASE(name) \
  TEST_CASE(#name " [relacy]") { RunUnderRelacy(&mmu::testing::Case##name); }
MMU_CORE_CASES(MMU_RELACY_CASE)
