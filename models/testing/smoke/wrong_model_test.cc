// A deliberately wrong Relacy model that Relacy must catch (issue 2).
//
// Message passing: a producer writes a plain payload, then sets a flag; a
// consumer that sees the flag reads the payload. With a relaxed flag store
// and load nothing orders the payload, so Relacy must report a data race on
// it; with release/acquire the same model is correct. The test passes only
// if the wrong model is caught with DATA RACE and the right one passes: it
// shows the checker is really searching, not just compiling.
//
// Raw Relacy on purpose (no mmu_core facade): it checks the toolchain chain
// Bazel -> relacy-dev (through the suite's include wrapper) -> doctest on its own.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "models/relacy/stream.h"
#include "third_party/relacy_include.h"

namespace {

template <rl::memory_order kStore, rl::memory_order kLoad>
struct MessagePassing : rl::test_suite<MessagePassing<kStore, kLoad>, 2> {
  rl::atomic<int> flag;
  rl::var<int> payload;

  void before() {
    flag.store(0, rl::mo_relaxed, $);
    payload($).store(0);
  }
  void thread(unsigned cpu) {
    if (cpu == 0) {
      payload($).store(42);
      flag.store(1, kStore, $);
    } else if (flag.load(kLoad, $) == 1) {
      RL_ASSERT(payload($).load() == 42);
    }
  }
};

struct Result {
  rl::test_result_e kind;
  rl::iteration_t iterations;
  std::string report;
};

template <class Suite>
Result Simulate() {
  static mmu::relacy::FixedStreamBuf out_buf(1 << 20);
  static mmu::relacy::NullStreamBuf null_buf;
  out_buf.Clear();
  std::ostream out(&out_buf);
  std::ostream null(&null_buf);
  rl::test_params p;
  p.search_type = rl::sched_full;
  p.output_stream = &out;
  p.progress_stream = &null;
  rl::simulate<Suite>(p);
  return Result{p.test_result, p.stop_iteration, std::string(out_buf.View())};
}

TEST_CASE("the deliberately wrong model (relaxed flag) is caught: data race on the payload") {
  const Result r = Simulate<MessagePassing<rl::mo_relaxed, rl::mo_relaxed>>();
  INFO(r.report);
  CHECK(r.kind == rl::test_result_data_race);
  CHECK(r.report.find("DATA RACE") != std::string::npos);
  MESSAGE("caught at iteration " << r.iterations);
}

TEST_CASE("the fixed model (release/acquire flag) passes the full search") {
  const Result r = Simulate<MessagePassing<rl::mo_release, rl::mo_acquire>>();
  INFO(r.report);
  CHECK(r.kind == rl::test_result_success);
  CHECK(r.iterations > 1);
}

}  // namespace
