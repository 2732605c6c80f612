// Unit tests for the front end and the judging rules: parser, compiler, gap
// analysis, state table and verdicts. No engine runs here.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "litmus/compile.h"
#include "litmus/gaps.h"
#include "litmus/parser.h"
#include "litmus/testing/test_util.h"
#include "litmus/state_table.h"
#include "litmus/verdict.h"

namespace litmus {
namespace {

const char kSb[] = R"(C SB+test
(* Result: Sometimes *)
{ x=0; y=0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\ 1:r0=0)
)";

// The full "file:line:col: message" of the first error, parse or compile.
std::string ErrorOf(const std::string& src) {
  ParseResult pr = ParseLitmus(src, "t.litmus");
  if (pr.error) return pr.error->Format();
  CompileResult cr = Compile(*pr.test);
  return cr.error ? cr.error->Format() : "";
}

bool HasGap(const Program& p, GapKind k) {
  for (const Gap& g : FindGaps(p)) {
    if (g.kind == k) return true;
  }
  return false;
}

std::string Wrap(const std::string& p0, const std::string& p1, const std::string& cond) {
  return "C t\n{}\nP0(int *x, int *y, int *z) {\n" + p0 + "\n}\nP1(int *x, int *y, int *z) {\n" + p1 + "\n}\nexists (" +
         cond + ")\n";
}

TEST_CASE("parse_store_buffering") {
  ParseResult pr = ParseLitmus(kSb, "sb.litmus");
  REQUIRE(!pr.error);
  const Test& t = *pr.test;
  CHECK(t.name == "SB+test");
  REQUIRE(t.declared);
  CHECK(*t.declared == Verdict::kSometimes);
  CHECK(t.processes.size() == 2);
  CHECK(t.init.size() == 2);
  CHECK(t.condition.kind == Cond::Kind::kAnd);
}

TEST_CASE("compile_store_buffering") {
  Program p = MustCompile(kSb);
  CHECK(p.locations.size() == 2);
  CHECK(p.threads.size() == 2);
  REQUIRE(p.observed.size() == 2);
  CHECK(p.observed[0].name == "0:r0");
  CHECK(p.observed[1].name == "1:r0");
  int64_t both_zero[] = {0, 0};
  int64_t one_zero[] = {0, 1};
  CHECK(EvalCond(p.condition, both_zero));
  CHECK(!EvalCond(p.condition, one_zero));
  CHECK(FormatState(p, both_zero) == "0:r0=0; 1:r0=0;");
}

TEST_CASE("compile_pointers_and_address_values") {
  Program p = MustCompile(R"(C ptr
{ int *p = y; int x = 0; int y = 0; }
P0(int *x, int **p) { WRITE_ONCE(*x, 1); rcu_assign_pointer(*p, x); }
P1(int *x, int **p) { int *r0; int r1; r0 = rcu_dereference(*p); r1 = READ_ONCE(*r0); }
exists (1:r0=x /\ 1:r1=0)
)");
  CHECK(p.locations[0].name == "p");
  CHECK(p.locations[0].init == kAddrBase + 2);  // y
  // The dereferenced pointer load runs as acquire (address dependency).
  bool upgraded = false;
  for (const OpInfo& i : p.threads[1].info) upgraded |= i.upgraded_to_acquire;
  CHECK(upgraded);
  CHECK(FormatValue(p, kAddrBase + 1) == "x");
}

TEST_CASE("compile_atomic_t_family") {
  Program p = MustCompile(R"(C atomics
{ atomic_t v = ATOMIC_INIT(3); }
P0(atomic_t *v) {
  int r0; int r1; int r2; int r3;
  atomic_inc(v);
  r0 = atomic_add_return(2, v);
  r1 = atomic_fetch_sub_relaxed(1, v);
  r2 = atomic_dec_and_test(v);
  r3 = atomic_cmpxchg_acquire(v, 5, 6);
  atomic_set(v, 7);
}
exists (v=7)
)");
  CHECK(p.locations[0].init == 3);
  int rmw = 0, cas = 0;
  for (const Op& op : p.threads[0].ops) {
    rmw += op.code == OpCode::kRmw;
    cas += op.code == OpCode::kCas;
  }
  CHECK(rmw == 4);
  CHECK(cas == 1);
}

TEST_CASE("parse_errors_have_positions") {
  CHECK(ErrorOf("") == "t.litmus:1:1: empty file: expected `C <test name>`");
  CHECK(ErrorOf("X foo\n") == "t.litmus:1:1: expected `C <test name>` on the first line");
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=1)\n") ==
        "t.litmus:3:32: expected `;` after a call, found `}`");
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\n") ==
        "t.litmus:4:1: missing final condition: expected `exists (...)`");
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { while (1) ; }\nexists (x=1)\n") ==
        "t.litmus:3:14: `while` is not supported in litmus tests (no loops or jumps)");
  CHECK(ErrorOf("C t\n(* Result: Maybe *)\n{}\nP0(int *x) { }\nexists (x=1)\n") ==
        "t.litmus:2:4: `Result:` must be followed by Never, Sometimes or Always");
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { int r0; r0 = 99999999999999999999; }\nexists (x=1)\n") ==
        "t.litmus:3:27: number does not fit in 64 bits");
}

TEST_CASE("compile_errors_have_positions") {
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { WRITE_ONCE(x, 1); }\nexists (x=1)\n") ==
        "t.litmus:3:25: WRITE_ONCE() takes an lvalue such as `*x` as its first argument");
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { smp_mb(); foo(x); }\nexists (x=1)\n") ==
        "t.litmus:3:24: unsupported primitive `foo()`; see litmus/README.md for the supported subset");
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { int r0; r0 = READ_ONCE(*y); }\nexists (x=1)\n") ==
        "t.litmus:3:38: unknown identifier `y`");
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (0:r9=1)\n") ==
        "t.litmus:4:9: P0 has no register `r9`");
  CHECK(ErrorOf("C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (q=1)\n") ==
        "t.litmus:4:9: unknown location `q`");
  CHECK(ErrorOf("C t\n{}\nP1(int *x) { }\nexists (x=1)\n") == "t.litmus:3:1: expected process P0, found P1");
}

TEST_CASE("deep_nesting_is_an_error_not_a_crash") {
  std::string deep = "C t\n{}\nP0(int *x) { int r0; r0 = " + std::string(500, '(') + "1" + std::string(500, ')') +
                     "; }\nexists (x=1)\n";
  CHECK(ErrorOf(deep).find("nesting deeper than") != std::string::npos);
}

TEST_CASE("gaps_flag_load_buffering_but_not_ordered_cycles") {
  Program lb = MustCompile(Wrap("int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*y, 1);",
                                "int r0; r0 = READ_ONCE(*y); WRITE_ONCE(*x, 1);", "0:r0=1 /\\ 1:r0=1"));
  CHECK(HasGap(lb, GapKind::kLoadBuffering));
  Program lb_ordered = MustCompile(Wrap("int r0; r0 = READ_ONCE(*x); smp_mb(); WRITE_ONCE(*y, 1);",
                                        "int r0; r0 = READ_ONCE(*y); if (r0) WRITE_ONCE(*x, 1);", "0:r0=1 /\\ 1:r0=1"));
  CHECK(FindGaps(lb_ordered).empty());
  Program lb_data = MustCompile(Wrap("int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*y, r0);",
                                     "int r0; r0 = READ_ONCE(*y); WRITE_ONCE(*x, r0);", "0:r0=1 /\\ 1:r0=1"));
  CHECK(FindGaps(lb_data).empty());
  Program sb = MustCompile(Wrap("int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y);",
                                "int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x);", "0:r0=0 /\\ 1:r0=0"));
  CHECK(FindGaps(sb).empty());
}

TEST_CASE("gaps_flag_coherence_cycles_without_smp_mb") {
  Program ww = MustCompile(Wrap("WRITE_ONCE(*x, 1); smp_wmb(); WRITE_ONCE(*y, 2);",
                                "WRITE_ONCE(*y, 1); smp_wmb(); WRITE_ONCE(*x, 2);", "x=1 /\\ y=1"));
  CHECK(HasGap(ww, GapKind::kLoadBuffering));
  Program ww_mb = MustCompile(Wrap("WRITE_ONCE(*x, 1); smp_mb(); WRITE_ONCE(*y, 2);",
                                   "WRITE_ONCE(*y, 1); smp_mb(); WRITE_ONCE(*x, 2);", "x=1 /\\ y=1"));
  CHECK(FindGaps(ww_mb).empty());
}

TEST_CASE("gaps_flag_short_history") {
  // P1 may read x's initial value after both of P0's stores ran (it saw y).
  Program p = MustCompile(Wrap("WRITE_ONCE(*x, 1); WRITE_ONCE(*x, 2); WRITE_ONCE(*y, 1);",
                               "int r0; int r1; r0 = READ_ONCE(*y); r1 = READ_ONCE(*x);", "1:r0=1 /\\ 1:r1=0"));
  CHECK(HasGap(p, GapKind::kShortHistory));
  // With release/acquire the read cannot go back past the second store.
  Program q = MustCompile(Wrap("WRITE_ONCE(*x, 1); WRITE_ONCE(*x, 2); smp_store_release(y, 1);",
                               "int r0; int r1; r0 = smp_load_acquire(y); r1 = READ_ONCE(*x);", "1:r0=1 /\\ 1:r1=0"));
  CHECK(!HasGap(q, GapKind::kShortHistory));
}

TEST_CASE("gaps_flag_stronger_mappings") {
  Program consume = MustCompile(R"(C t
{ int *p = x; }
P0(int *x, int **p, int *y) { int *r0; int r1; int r2; r0 = READ_ONCE(*p); r1 = READ_ONCE(*r0); r2 = READ_ONCE(*y); }
exists (0:r1=0)
)");
  CHECK(HasGap(consume, GapKind::kConsumeAsAcquire));
  Program wmb = MustCompile(Wrap("int r0; r0 = READ_ONCE(*x); smp_wmb(); WRITE_ONCE(*y, 1);", "WRITE_ONCE(*x, 1);",
                                 "0:r0=1"));
  CHECK(HasGap(wmb, GapKind::kFenceStrength));
  Program cas = MustCompile(Wrap("int r0; int r1; WRITE_ONCE(*x, 1); r0 = cmpxchg(z, 0, 1); r1 = READ_ONCE(*y);",
                                 "WRITE_ONCE(*y, 1);", "0:r1=0"));
  CHECK(HasGap(cas, GapKind::kFailedCmpxchg));
  Program standalone = MustCompile(Wrap("WRITE_ONCE(*x, 1); smp_mb__before_atomic(); WRITE_ONCE(*y, 1);",
                                        "WRITE_ONCE(*y, 2);", "y=1"));
  CHECK(HasGap(standalone, GapKind::kStandaloneMb));
  Program adjacent = MustCompile(Wrap("int r0; WRITE_ONCE(*x, 1); smp_mb__before_atomic(); atomic_inc(z);",
                                      "WRITE_ONCE(*y, 2);", "y=2"));
  CHECK(!HasGap(adjacent, GapKind::kStandaloneMb));
}

TEST_CASE("state_table_counts_and_sorts") {
  StateTable t(2, 4, /*growable=*/true);
  int64_t a[] = {1, 2}, b[] = {0, 5};
  for (int i = 0; i < 100; ++i) t.Add(i % 2 ? a : b);
  for (int64_t i = 0; i < 50; ++i) {
    int64_t c[] = {i, i};
    t.Add(c);
  }
  CHECK(t.size() == 52);
  CHECK(t.Count(a) == 50);
  auto sorted = t.Sorted();
  CHECK(sorted.front().first == std::vector<int64_t>{0, 0});
  StateTable fixed(1, 16, /*growable=*/false);
  int added = 0;
  for (int64_t i = 0; i < 64; ++i) added += fixed.Add(&i);
  CHECK(added < 64);  // refuses instead of allocating
}

TEST_CASE("judge_takes_lkmm_as_the_verdict_and_relacy_as_a_second_opinion") {
  Program p = MustCompile(kSb);  // declared Sometimes
  StateTable lkmm(2, 16, false), relacy(2, 16, false), native(2, 16, true);
  int64_t s00[] = {0, 0}, s01[] = {0, 1}, s11[] = {1, 1};
  lkmm.Add(s01);
  lkmm.Add(s11);
  relacy.Add(s01);
  relacy.Add(s11);
  relacy.Add(s00);
  native.Add(s01, 10);
  Judgement j = Judge(p, &lkmm, &relacy, &native);
  REQUIRE(j.lkmm);
  CHECK(*j.lkmm == Verdict::kNever);
  CHECK(*j.relacy == Verdict::kSometimes);
  CHECK(j.status == Status::kFail);  // LKMM contradicts the declared Sometimes
  REQUIRE(j.relacy_only.size() == 1);
  CHECK(j.relacy_only[0] == std::vector<int64_t>{0, 0});
  lkmm.Add(s00);
  native.Add(s00, 3);
  Judgement ok = Judge(p, &lkmm, &relacy, &native);
  CHECK(ok.status == Status::kOk);
  CHECK(ok.relacy_only.empty());
  CHECK(ok.observed_hits == 3);
  CHECK(ok.observed_total == 13);
  // Hardware doing what LKMM forbids is a failure whatever was declared.
  StateTable lk2(2, 16, false);
  lk2.Add(s01);
  CHECK(Judge(p, &lk2, nullptr, &native).status == Status::kFail);
  CHECK(Classify(0, 5) == Verdict::kNever);
  CHECK(Classify(5, 5) == Verdict::kAlways);
  CHECK(Classify(2, 5) == Verdict::kSometimes);
}

TEST_CASE("judge_without_result_line_says_so") {
  Program p = MustCompile("C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n");
  StateTable lkmm(1, 16, false);
  int64_t s1[] = {1};
  lkmm.Add(s1);
  Judgement j = Judge(p, &lkmm, nullptr, nullptr);
  CHECK(j.status == Status::kUndeclared);
  CHECK(std::string(StatusName(j.status)) == "no declared result");
}

TEST_CASE("herd7_syntax_metadata_init_comments_typed_registers_register_conditions") {
  const char* src = R"(C herd-syntax
"Rfe PodRR Fre PodWW"
Hash=0123abcd
Cycle=Rfe PodRR Fre PodWW
(* Result: Sometimes *)
{
  int y = 1;            (* a comment in the init block *)
  int *p = z;           (* z exists only here *)
  int 0:r1;
  int *1:r2;
}
P0(int *y, int **p)
{
  r1 = READ_ONCE(*y);
  (void)xchg(y, 2);
}
P1(int **p)
{
  r2 = READ_ONCE(*p);
  *r2 = 3;
}
exists (0:r1=1:r2 \/ 0:r1=1)
)";
  Program p = MustCompile(src);
  CHECK(p.name == "herd-syntax");
  REQUIRE(p.declared);
  CHECK(*p.declared == Verdict::kSometimes);
  bool has_z = false;
  for (const Location& l : p.locations) has_z |= l.name == "z";
  CHECK(has_z);
  CHECK(p.condition.kind == Cond::Kind::kOr);
  CHECK(p.condition.args[0].rhs_slot >= 0);  // 0:r1=1:r2 compares two slots
  bool plain_store = false;
  for (const Op& op : p.threads[1].ops) plain_store |= op.code == OpCode::kStore && op.plain;
  CHECK(plain_store);
}

TEST_CASE("result_deadlock_is_no_declared_verdict") {
  Program p = MustCompile("C t\n(* Result: DEADLOCK *)\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n");
  CHECK(!p.declared);
}

}  // namespace
}  // namespace litmus
