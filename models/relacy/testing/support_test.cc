// The Relacy support package against Relacy itself: the report reader on
// the text Relacy writes, a full search that stops when asked, and a yield
// that keeps the load history where rl::yield does not.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "models/relacy/control.h"  // first: relacy.hpp
#include "models/relacy/report.h"
#include "models/relacy/stream.h"

#include <string>

namespace {

using mmu::relacy::FixedStreamBuf;
using mmu::relacy::NullStreamBuf;

// A test that fails on purpose, to read Relacy's report of it.
struct Fails : rl::test_suite<Fails, 2> {
  rl::atomic<int> x;
  void before() { x.store(0, rl::mo_relaxed, $); }
  void thread(unsigned i) {
    if (i == 1) {
      x.store(1, rl::mo_relaxed, $);
    } else if (x.load(rl::mo_relaxed, $) == 1) {
      rl::ctx().fail_test("saw one (twice)", rl::test_result_user_assert_failed, $);
    }
  }
};

TEST_CASE("the report reader reads Relacy's own report") {
  static FixedStreamBuf report(1 << 20), state(1 << 16);
  static NullStreamBuf null;
  std::ostream out(&report), none(&null);
  rl::test_params p;
  p.search_type = rl::sched_full;
  p.output_stream = &out;
  p.progress_stream = &none;
  bool reran = false;
  const rl::test_result_e r =
      mmu::relacy::RunWithHistory<Fails, rl::full_search_scheduler<2>>(p, report, state, [&] { reran = true; });
  REQUIRE(r == rl::test_result_user_assert_failed);
  CHECK(reran);
  const mmu::relacy::FailureReport f = mmu::relacy::ReadFailure(report.View());
  INFO(std::string(report.View()));
  CHECK(f.kind == "USER ASSERT FAILED");
  CHECK(f.message == "saw one (twice)");
  CHECK(f.cpu == 0);
  CHECK(f.where.find("support_test.cc:") != std::string::npos);
}

TEST_CASE("the report reader on text without a failure or without a history") {
  CHECK(mmu::relacy::ReadFailure("iterations: 12\n").kind.empty());
  const mmu::relacy::FailureReport bare = mmu::relacy::ReadFailure("DEADLOCK\niteration: 3\n");
  CHECK(bare.kind == "DEADLOCK");
  CHECK(bare.message.empty());
  CHECK(bare.where.empty());
  CHECK(bare.cpu == -1);
  // rl::simulate writes the test's name first.
  const mmu::relacy::FailureReport named = mmu::relacy::ReadFailure(
      "Suite<Foo>\nACCESS TO FREED MEMORY (access to freed memory)\niteration: 7\n\n"
      "[31] 1: ACCESS TO FREED MEMORY (access to freed memory), in f, ./mmu_core/vm.h(205)\n");
  CHECK(named.kind == "ACCESS TO FREED MEMORY");
  CHECK(named.cpu == 1);
  CHECK(named.where == "mmu_core/vm.h:205");
}

// Every execution of a four-way race, counted.
int g_executions = 0;
struct Counts : rl::test_suite<Counts, 2> {
  rl::atomic<int> x;
  void before() {
    ++g_executions;
    x.store(0, rl::mo_relaxed, $);
  }
  void thread(unsigned i) {
    x.store(static_cast<int>(i), rl::mo_relaxed, $);
    x.load(rl::mo_relaxed, $);
    if (g_executions == 3) mmu::relacy::RequestStop();
  }
};

TEST_CASE("a stoppable full search ends after the execution that asked, as a success") {
  static FixedStreamBuf report(1 << 16), state(1 << 16);
  static NullStreamBuf null;
  std::ostream out(&report), none(&null);
  rl::test_params p;
  p.output_stream = &out;
  p.progress_stream = &none;

  g_executions = 0;
  mmu::relacy::g_search_stop = {};
  const rl::test_result_e r =
      mmu::relacy::RunWithHistory<Counts, mmu::relacy::StoppableFullSearch<2>>(p, report, state, [] {});
  CHECK(r == rl::test_result_success);
  CHECK(mmu::relacy::g_search_stop.stopped);
  CHECK(g_executions == 3);

  // Without the request, the same search runs to its end.
  struct Whole : rl::test_suite<Whole, 2> {
    rl::atomic<int> x;
    void before() { ++g_executions; }
    void thread(unsigned i) {
      x.store(static_cast<int>(i), rl::mo_relaxed, $);
      x.load(rl::mo_relaxed, $);
    }
  };
  g_executions = 0;
  mmu::relacy::g_search_stop = {};
  mmu::relacy::RunWithHistory<Whole, mmu::relacy::StoppableFullSearch<2>>(p, report, state, [] {});
  CHECK_FALSE(mmu::relacy::g_search_stop.stopped);
  CHECK(g_executions > 3);
}

// CPU 0 stores 1, then 2; CPU 1 loads x, waits (a yield), loads x again. In
// some execution the second load returns 1 although 2 was already stored:
// Relacy lets a relaxed load read the store before the newest one. After a
// plain rl::yield it does not (its spin-loop rule); after
// YieldKeepingHistory it still does. This pins control.h's one access to
// Relacy's internals (thread_info_base::last_yield_).
bool g_keep_history = false;
bool g_stale_after_wait = false;
bool g_two_stored = false;
struct Wait : rl::test_suite<Wait, 2> {
  rl::atomic<int> x;
  void before() {
    g_two_stored = false;
    x.store(0, rl::mo_relaxed, $);
  }
  void thread(unsigned i) {
    if (i == 0) {
      x.store(1, rl::mo_relaxed, $);
      x.store(2, rl::mo_relaxed, $);
      g_two_stored = true;  // plain memory: invisible to Relacy
      return;
    }
    if (x.load(rl::mo_relaxed, $) != 1) return;
    if (g_keep_history) {
      mmu::relacy::YieldKeepingHistory(1, $);
    } else {
      rl::yield(1, $);
    }
    const bool stored = g_two_stored;
    if (x.load(rl::mo_relaxed, $) == 1 && stored) g_stale_after_wait = true;
  }
};

bool StaleAfterWait(bool keep_history) {
  static FixedStreamBuf report(1 << 16), state(1 << 16);
  static NullStreamBuf null;
  std::ostream out(&report), none(&null);
  rl::test_params p;
  p.output_stream = &out;
  p.progress_stream = &none;
  g_keep_history = keep_history;
  g_stale_after_wait = false;
  mmu::relacy::g_search_stop = {};
  mmu::relacy::RunWithHistory<Wait, rl::full_search_scheduler<2>>(p, report, state, [] {});
  return g_stale_after_wait;
}

TEST_CASE("a yield that keeps the load history, where rl::yield drops it") {
  CHECK_FALSE(StaleAfterWait(/*keep_history=*/false));
  CHECK(StaleAfterWait(/*keep_history=*/true));
}

}  // namespace
