// The native engine on small programs: the histogram holds only outcomes
// the program allows, errors are reported instead of hanging, and the
// spinlock and RCU emulation keep their promises. Native only (no Relacy),
// so it also runs under ThreadSanitizer.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "litmus/compile.h"
#include "litmus/engines.h"
#include "litmus/parser.h"
#include "litmus/testing/test_util.h"

namespace litmus {
namespace {

NativeResult Run(const Program& p, uint64_t trials, NativeSync sync = NativeSync::kTimebase) {
  NativeOptions o;
  o.trials = trials;
  o.batch = 512;
  o.sync = sync;
  o.timeout_seconds = 20;
  return RunNative(p, o);
}

uint64_t Total(const StateTable& t) {
  uint64_t n = 0;
  for (const auto& [s, c] : t.Sorted()) n += c;
  return n;
}

TEST_CASE("native_store_buffering_all_syncs") {
  Program p = MustCompile(R"(C sb
{}
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\ 1:r0=0)
)");
  for (NativeSync sync : {NativeSync::kTimebase, NativeSync::kInstance, NativeSync::kBatch}) {
    NativeResult r = Run(p, 3000, sync);
    REQUIRE(!r.error);
    CHECK(r.trials == 3000);
    CHECK(Total(r.histogram) == 3000);
    for (const auto& [s, n] : r.histogram.Sorted()) {
      CHECK((s[0] == 0 || s[0] == 1));
      CHECK((s[1] == 0 || s[1] == 1));
    }
  }
}

TEST_CASE("native_spinlock_excludes") {
  // A lost update would leave the counter at 1.
  Program p = MustCompile(R"(C counter
{}
P0(int *c, spinlock_t *l) { int r0; spin_lock(l); r0 = READ_ONCE(*c); WRITE_ONCE(*c, r0 + 1); spin_unlock(l); }
P1(int *c, spinlock_t *l) { int r0; int r1; r1 = spin_trylock(l); if (r1) { r0 = READ_ONCE(*c); WRITE_ONCE(*c, r0 + 1); spin_unlock(l); } }
exists (c=1 /\ 1:r1=1)
)");
  NativeResult r = Run(p, 5000);
  REQUIRE(!r.error);
  for (const auto& [s, n] : r.histogram.Sorted()) {
    // s = {1:r1, c}
    if (s[0] == 1) CHECK(s[1] == 2);
    if (s[0] == 0) CHECK(s[1] == 1);
  }
}

TEST_CASE("native_rcu_grace_period_waits_for_readers") {
  Program p = MustCompile(R"(C rcu
{}
P0(int *x, int *y) { int r0; int r1; rcu_read_lock(); r0 = READ_ONCE(*x); r1 = READ_ONCE(*y); rcu_read_unlock(); }
P1(int *x, int *y) { WRITE_ONCE(*x, 1); synchronize_rcu(); WRITE_ONCE(*y, 1); }
exists (0:r0=0 /\ 0:r1=1)
)");
  NativeResult r = Run(p, 5000);
  REQUIRE(!r.error);
  int64_t bad[] = {0, 1};
  CHECK(r.histogram.Count(bad) == 0);
}

TEST_CASE("native_errors_are_reported") {
  Program bad_deref = MustCompile(R"(C deref
{}
P0(int *x) { int r0; int r1; r0 = READ_ONCE(*x); r1 = READ_ONCE(*r0); }
exists (0:r1=0)
)");
  NativeResult r = Run(bad_deref, 100);
  REQUIRE(r.error);
  CHECK(r.error->Format() == "t.litmus:3:55: P0: READ_ONCE() dereferences 0, which is not the address of a location");

  Program held = MustCompile(R"(C held
{}
P0(spinlock_t *l) { spin_lock(l); }
P1(spinlock_t *l) { int r0; r0 = spin_trylock(l); }
exists (1:r0=1)
)");
  r = Run(held, 100);
  REQUIRE(r.error);
  CHECK(r.error->message.find("ends holding a spinlock") != std::string::npos);
}

TEST_CASE("native_deadlock_times_out") {
  // Each process waits for the other's lock: the engine must give up.
  Program p = MustCompile(R"(C abba
{}
P0(spinlock_t *a, spinlock_t *b) { spin_lock(a); spin_lock(b); spin_unlock(b); spin_unlock(a); }
P1(spinlock_t *a, spinlock_t *b) { spin_lock(b); spin_lock(a); spin_unlock(a); spin_unlock(b); }
exists (true)
)");
  NativeOptions o;
  o.trials = 200000;
  o.batch = 64;
  o.sync = NativeSync::kInstance;
  o.timeout_seconds = 0.5;
  NativeResult r = RunNative(p, o);
  if (r.error) CHECK(r.error->message.find("deadlock?") != std::string::npos);
}

}  // namespace
}  // namespace litmus
