// The explorer against brute force on small random programs.
//
// A toy machine (sequentially consistent shared variables, mutexes, local
// registers, value-dependent jumps and local nondeterministic choices) runs
// random programs of 2-3 threads. Every interleaving and every choice is
// enumerated by brute force; the explorer drives the same machine by
// re-execution. The reduced search must reach exactly the brute-force set of
// final states (shared variables and every register) and explore no more
// executions. Split searches (every split depth, 1-3 shards) must reach the
// same states, their shards' explored counts and digests must add up to the
// unsplit run at the same depth, and each subtree must belong to one shard.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <compare>
#include <tuple>
#include <vector>

#include "models/dpor/explorer.h"

namespace mmu::models::dpor {
namespace {

enum class Op { kLoad, kStore, kStoreReg, kAdd, kLock, kUnlock, kChoice, kSkipIfEq, kLoadRelaxed };

struct Instr {
  Op op;
  int var = 0;    // shared variable or mutex
  int reg = 0;    // register
  int value = 0;  // constant, choice count, or compared value
  int skip = 0;   // kSkipIfEq: instructions skipped when reg == value
};

struct Program {
  int vars = 2;
  int mutexes = 1;
  std::vector<std::vector<Instr>> threads;
};

constexpr int kRegs = 2;

// Memory: every store of a variable is kept. A thread has seen, per
// variable, the newest store it read or wrote, and never reads an older one
// (coherence); a relaxed load may read the store before the latest one (as
// Relacy's does); a lock passes the releaser's view to the next owner.
struct State {
  std::vector<std::vector<int>> hist;  // stores per variable, oldest first
  std::vector<std::vector<int>> seen;  // [thread][variable]: index of the newest store seen
  std::vector<std::vector<int>> view;  // [mutex][variable]: the last releaser's seen
  std::vector<int> owner;  // mutex owner, -1 free
  std::vector<int> parked;  // the mutex a thread waits for, -1 none
  std::vector<int> pc;
  std::vector<std::vector<int>> regs;
  auto operator<=>(const State&) const = default;
};

State Initial(const Program& p) {
  State s;
  s.hist.assign(static_cast<std::size_t>(p.vars), std::vector<int>{0});
  s.seen.assign(p.threads.size(), std::vector<int>(static_cast<std::size_t>(p.vars), 0));
  s.view.assign(static_cast<std::size_t>(p.mutexes), std::vector<int>(static_cast<std::size_t>(p.vars), 0));
  s.owner.assign(static_cast<std::size_t>(p.mutexes), -1);
  s.pc.assign(p.threads.size(), 0);
  s.parked.assign(p.threads.size(), -1);
  s.regs.assign(p.threads.size(), std::vector<int>(kRegs, 0));
  return s;
}

bool Finished(const Program& p, const State& s, int t) {
  return s.pc[static_cast<std::size_t>(t)] >= static_cast<int>(p.threads[static_cast<std::size_t>(t)].size());
}

// A lock is taken the way Relacy's mutex is: an attempt on a held lock is an
// event of its own that parks the thread; an unlock wakes one waiter (a
// choice), which retries.
bool Enabled(const Program& p, const State& s, int t) {
  return !Finished(p, s, t) && s.parked[static_cast<std::size_t>(t)] == -1;
}

bool OlderReadable(const State& s, int t, int v) {
  const int n = static_cast<int>(s.hist[static_cast<std::size_t>(v)].size());
  return n >= 2 && n - 2 >= s.seen[static_cast<std::size_t>(t)][static_cast<std::size_t>(v)];
}

// How many choices the next step of t makes (an unlock picks a waiter).
unsigned Alternatives(const Program& p, const State& s, int t) {
  const Instr& in = p.threads[static_cast<std::size_t>(t)][static_cast<std::size_t>(s.pc[static_cast<std::size_t>(t)])];
  if (in.op == Op::kChoice) return static_cast<unsigned>(in.value);
  if (in.op == Op::kLoadRelaxed) return OlderReadable(s, t, in.var) ? 2 : 1;
  if (in.op == Op::kUnlock) {
    unsigned waiters = 0;
    for (int w : s.parked) waiters += w == in.var ? 1 : 0;
    return waiters > 0 ? waiters : 1;
  }
  return 1;
}

// Objects: variables are 100 + v, mutexes 200 + m.
template <class OnAccess, class OnChoice, class OnLoad>
void Step(const Program& p, State& s, int t, OnAccess&& access, OnChoice&& choice, OnLoad&& older) {
  const std::size_t ti = static_cast<std::size_t>(t);
  const Instr& in = p.threads[ti][static_cast<std::size_t>(s.pc[ti])];
  auto& r = s.regs[ti];
  const std::size_t v = static_cast<std::size_t>(in.var);
  const std::size_t reg = static_cast<std::size_t>(in.reg);
  int next = s.pc[ti] + 1;
  auto& h = s.hist[v % s.hist.size()];
  auto& seen = s.seen[ti];
  auto store = [&](int value) {
    h.push_back(value);
    seen[v] = static_cast<int>(h.size()) - 1;
  };
  switch (in.op) {
    case Op::kLoad:
      access(Access{100 + v, false});
      r[reg] = h.back();
      seen[v] = static_cast<int>(h.size()) - 1;
      break;
    case Op::kLoadRelaxed: {
      access(Access{100 + v, false});
      const int k = static_cast<int>(h.size()) - 1 - (OlderReadable(s, t, in.var) && older(100 + v) ? 1 : 0);
      r[reg] = h[static_cast<std::size_t>(k)];
      seen[v] = k;
      break;
    }
    case Op::kStore:
      access(Access{100 + v, true});
      store(in.value);
      break;
    case Op::kStoreReg:
      access(Access{100 + v, true});
      store(r[reg] + in.value);
      break;
    case Op::kAdd:
      access(Access{100 + v, true});
      r[reg] = h.back();
      store(h.back() + in.value);
      break;
    case Op::kLock:
      access(Access{200 + v, true});
      if (s.owner[v] == -1) {
        s.owner[v] = t;
        for (std::size_t x = 0; x < seen.size(); ++x) seen[x] = std::max(seen[x], s.view[v][x]);
      } else {
        s.parked[ti] = in.var;
        next = s.pc[ti];  // retry when woken
      }
      break;
    case Op::kUnlock: {
      access(Access{200 + v, true});
      s.owner[v] = -1;
      s.view[v] = seen;
      std::vector<std::size_t> waiters;
      for (std::size_t w = 0; w < s.parked.size(); ++w) {
        if (s.parked[w] == in.var) waiters.push_back(w);
      }
      if (!waiters.empty()) {
        const unsigned c = waiters.size() > 1 ? choice(static_cast<unsigned>(waiters.size())) : 0;
        s.parked[waiters[c]] = -1;
      }
      break;
    }
    case Op::kChoice:
      r[reg] = static_cast<int>(choice(static_cast<unsigned>(in.value)));
      break;
    case Op::kSkipIfEq:
      if (r[reg] == in.value) next += in.skip;
      break;
  }
  s.pc[ti] = next;
}

// Brute force: every interleaving and every choice. Returns final states
// (deadlocked states included, marked by their pcs) and the execution count.
void BruteForce(const Program& p, State s, std::set<State>& finals, std::uint64_t& executions) {
  bool any = false;
  for (int t = 0; t < static_cast<int>(p.threads.size()); ++t) {
    if (!Enabled(p, s, t)) continue;
    any = true;
    const unsigned alternatives = Alternatives(p, s, t);
    for (unsigned c = 0; c < alternatives; ++c) {
      State n = s;
      Step(p, n, t, [](const Access&) {}, [&](unsigned) { return c; }, [&](std::uint64_t) { return c == 1; });
      BruteForce(p, n, finals, executions);
    }
  }
  if (!any) {
    finals.insert(s);
    ++executions;
  }
}

struct DporResult {
  std::set<State> finals;
  ExplorerStats stats;
};

DporResult RunDpor(const Program& p, int split_depth = 0, int shard = 0, int shards = 1, bool prune_older = true) {
  Explorer ex;
  ExplorerOptions o;
  o.threads = static_cast<int>(p.threads.size());
  o.split_depth = split_depth;
  o.shard = shard;
  o.shards = shards;
  ex.Reset(o);
  DporResult out;
  for (int guard = 0; guard < 1000000; ++guard) {
    ex.BeginExecution();
    State s = Initial(p);
    int current = 0;
    for (;;) {
      ThreadSet enabled = 0;
      for (int t = 0; t < static_cast<int>(p.threads.size()); ++t) {
        if (Enabled(p, s, t)) enabled |= Bit(t);
      }
      if (enabled == 0) break;
      current = ex.ChooseThread(enabled, current);
      Step(p, s, current, [&](const Access& a) { ex.AddAccess(a); }, [&](unsigned n) { return ex.ChooseData(n); },
           [&](std::uint64_t object) {
             if (prune_older && !ex.OlderStoreNeeded(current, object)) return ex.ChooseFirst() == 1;
             return ex.ChooseData(2) == 1;
           });
    }
    if (ex.Counting()) out.finals.insert(s);
    if (ex.EndExecution()) {
      out.stats = ex.Stats();
      return out;
    }
  }
  FAIL("the search did not end");
  return out;
}

Program RandomProgram(std::mt19937& rng, int threads, int length) {
  Program p;
  p.vars = 2;
  p.mutexes = 1;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int t = 0; t < threads; ++t) {
    std::vector<Instr> code;
    bool locked = false;
    for (int i = 0; i < length; ++i) {
      Instr in{};
      const int kind = pick(10);
      if (locked && (kind < 2 || i == length - 1)) {
        in.op = Op::kUnlock;
        locked = false;
      } else if (kind < 2 && !locked && i < length - 1) {
        in.op = Op::kLock;
        locked = true;
      } else if (kind < 4) {
        in.op = rng() % 2 == 0 ? Op::kLoad : Op::kLoadRelaxed;
      } else if (kind < 6) {
        in.op = Op::kStore;
        in.value = 1 + pick(2);
      } else if (kind == 6) {
        in.op = Op::kStoreReg;
        in.value = pick(2);
      } else if (kind == 7) {
        in.op = Op::kAdd;
        in.value = 1;
      } else if (kind == 8) {
        in.op = Op::kChoice;
        in.value = 2;
      } else {
        in.op = Op::kSkipIfEq;
        in.value = pick(2);
        in.skip = 1;
      }
      in.var = pick(2);
      in.reg = pick(kRegs);
      if (in.op == Op::kLock || in.op == Op::kUnlock) in.var = 0;
      code.push_back(in);
    }
    if (locked) code.push_back(Instr{Op::kUnlock, 0, 0, 0, 0});
    p.threads.push_back(code);
  }
  return p;
}

TEST_CASE("the reduced search reaches every final state of every interleaving") {
  std::mt19937 rng(20261121);
  std::uint64_t brute_total = 0;
  std::uint64_t dpor_total = 0;
  for (int round = 0; round < 400; ++round) {
    const int threads = 2 + static_cast<int>(rng() % 2);
    const int length = threads == 2 ? 3 + static_cast<int>(rng() % 3) : 2 + static_cast<int>(rng() % 2);
    const Program p = RandomProgram(rng, threads, length);
    std::set<State> brute;
    std::uint64_t brute_n = 0;
    BruteForce(p, Initial(p), brute, brute_n);
    const DporResult d = RunDpor(p);
    const DporResult unpruned = RunDpor(p, 0, 0, 1, /*prune_older=*/false);
    CHECK(unpruned.finals == brute);
    CHECK(d.stats.explored <= unpruned.stats.explored);
    CAPTURE(round);
    if (d.finals != brute && getenv("DPOR_DEBUG")) {
      static const char* names[] = {"load","store","storereg","add","lock","unlock","choice","skipifeq","loadrelaxed"};
      for (std::size_t t = 0; t < p.threads.size(); ++t) {
        printf("T%zu:", t);
        for (auto& in : p.threads[t]) printf(" %s(v%d,r%d,%d,%d)", names[(int)in.op], in.var, in.reg, in.value, in.skip);
        printf("\n");
      }
      for (auto& st : brute) if (!d.finals.count(st)) {
        printf("missing: mem"); for (auto& m : st.hist) printf(" %d", m.back());
        for (auto& r : st.regs) printf(" | %d %d", r[0], r[1]);
        printf("\n");
      }
      for (auto& st : d.finals) if (!brute.count(st)) printf("extra!\n");
      printf("explored %llu brute %llu\n", (unsigned long long)d.stats.explored, (unsigned long long)brute_n);
    }
    CHECK(d.finals == brute);
    CHECK(d.stats.explored <= brute_n);
    brute_total += brute_n;
    dpor_total += d.stats.explored;
  }
  MESSAGE("brute force " << brute_total << " executions, reduced " << dpor_total);
  CHECK(dpor_total * 2 < brute_total);  // it does reduce
}

TEST_CASE("relaxed loads: the older store is read wherever it must be, and nowhere else") {
  // Message passing with relaxed loads: T1 can see y == 1 and still x == 0
  // (the store of x happens before T1's load only through y, which carries
  // no view here). That needs the older store; reading x before T0's store
  // of x does not.
  Program p;
  p.vars = 2;
  p.threads = {{{Op::kStore, 0, 0, 1}, {Op::kStore, 1, 0, 1}},
               {{Op::kLoadRelaxed, 1, 0}, {Op::kLoadRelaxed, 0, 1}}};
  std::set<State> brute;
  std::uint64_t n = 0;
  BruteForce(p, Initial(p), brute, n);
  const DporResult pruned = RunDpor(p);
  const DporResult unpruned = RunDpor(p, 0, 0, 1, /*prune_older=*/false);
  CHECK(pruned.finals == brute);
  CHECK(unpruned.finals == brute);
  bool mp = false;
  for (const State& st : pruned.finals) mp = mp || (st.regs[1][0] == 1 && st.regs[1][1] == 0);
  CHECK(mp);
  CHECK(pruned.stats.explored < unpruned.stats.explored);
}

TEST_CASE("independent threads need one execution") {
  Program p;
  p.vars = 2;
  p.threads = {{{Op::kStore, 0, 0, 1}, {Op::kLoad, 0, 0}, {Op::kStore, 0, 0, 2}},
               {{Op::kStore, 1, 0, 1}, {Op::kLoad, 1, 1}, {Op::kStore, 1, 0, 3}}};
  const DporResult d = RunDpor(p);
  CHECK(d.stats.explored == 1);
  CHECK(d.finals.size() == 1);
}

TEST_CASE("two writers of one variable: both orders, nothing else") {
  Program p;
  p.vars = 2;
  p.threads = {{{Op::kStore, 1, 0, 5}, {Op::kStore, 0, 0, 1}}, {{Op::kStore, 1, 0, 6}, {Op::kStore, 0, 0, 2}}};
  const DporResult d = RunDpor(p);
  std::set<State> brute;
  std::uint64_t n = 0;
  BruteForce(p, Initial(p), brute, n);
  CHECK(d.finals == brute);
  CHECK(d.finals.size() == 4);
  CHECK(d.stats.explored == 4);  // one per order of each pair of writes
  CHECK(n == 6);
}

TEST_CASE("split searches reach the same states and their shards add up") {
  std::mt19937 rng(7);
  for (int round = 0; round < 60; ++round) {
    const Program p = RandomProgram(rng, 2 + static_cast<int>(rng() % 2), 3);
    const DporResult whole = RunDpor(p);
    for (int depth = 1; depth <= 3; ++depth) {
      const DporResult unsplit = RunDpor(p, depth, 0, 1);
      CHECK(unsplit.finals == whole.finals);
      for (int shards = 2; shards <= 3; ++shards) {
        std::set<State> finals;
        std::uint64_t explored = 0;
        std::uint64_t digest = 0;
        std::uint64_t owned = 0;
        for (int s = 0; s < shards; ++s) {
          const DporResult part = RunDpor(p, depth, s, shards);
          finals.insert(part.finals.begin(), part.finals.end());
          explored += part.stats.explored;
          digest += part.stats.digest;
          owned += part.stats.owned_subtrees;
          CHECK(part.stats.subtrees == unsplit.stats.subtrees);
        }
        CAPTURE(round);
        CAPTURE(depth);
        CAPTURE(shards);
        CHECK(finals == whole.finals);
        CHECK(explored == unsplit.stats.explored);
        CHECK(digest == unsplit.stats.digest);
        CHECK(owned == unsplit.stats.subtrees);
      }
    }
  }
}

TEST_CASE("replay follows the decisions it is given") {
  Program p;
  p.vars = 2;
  p.threads = {{{Op::kStore, 0, 0, 1}, {Op::kChoice, 0, 0, 2}, {Op::kStoreReg, 1, 0, 0}},
               {{Op::kLoad, 0, 1}, {Op::kStoreReg, 1, 1, 5}}};
  Explorer ex;
  ex.Reset(ExplorerOptions{});
  Vec<std::uint16_t> decisions = {1, 0, 0, 1, 0, 1};  // T1, T0, T0, choice 1, T0, T1
  ex.SetReplay(decisions);
  ex.BeginExecution();
  State s = Initial(p);
  for (;;) {
    ThreadSet enabled = 0;
    for (int t = 0; t < 2; ++t) {
      if (Enabled(p, s, t)) enabled |= Bit(t);
    }
    if (enabled == 0) break;
    const int t = ex.ChooseThread(enabled, 0);
    Step(p, s, t, [&](const Access& a) { ex.AddAccess(a); }, [&](unsigned n) { return ex.ChooseData(n); },
         [&](std::uint64_t) { return ex.ChooseData(2) == 1; });
  }
  CHECK(ex.EndExecution());
  CHECK_FALSE(ex.ReplayDiverged());
  CHECK(ex.Decisions() == decisions);
  CHECK(s.regs[1][1] == 0);  // T1 read x0 before T0 stored it
  CHECK(s.hist[1].back() == 5);  // T1's store came last
}

}  // namespace
}  // namespace mmu::models::dpor
