// stress/testing/driver_test.cc: the stress driver's pieces, on a toy scenario.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "mmu_core/catalog/interleaving.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "mmu_core/scenario.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"
#include "mmu_core/windows.h"
#include "stress/barrier.h"
#include "stress/expectations.h"
#include "stress/options.h"
#include "stress/registry.h"
#include "stress/report.h"
#include "stress/runner.h"

// A named namespace: clang flags a class's unused static members in an
// anonymous one, and Toy provides the whole scenario interface.
namespace stress_test {

using mmu::Mutation;

// Two CPUs: CPU 0 writes a word and CPU 1 reads it, as two steps. Config 1
// fails in CPU 1's Thread(), config 2 in Check(): a stand-in for a race with
// a known outcome. Config 3 deadlocks once: CPU 0 takes "toy_lock" and keeps
// it, CPU 1 waits for it, until the test releases it (the stall watchdog).
class Toy {
 public:
  static constexpr std::string_view kName = "toy";
  static constexpr std::string_view kSection = "test";
  static constexpr std::string_view kInvariant = "nothing fails";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"fail=never", "fail=thread,where=cpu", "fail=check,where=end",
                                                  "fail=deadlock"};
  static constexpr mmu::Role kRoles[] = {{0, "writer"}, {1, "reader"}};
  static constexpr mmu::Twin kTwins[] = {{Mutation::M2_4}};
  static constexpr mmu::ModelSearch kSearch = {"full", "a stress test scenario"};
  static constexpr mmu::Window kWindows[] = {
      {"the read after the write", 0, "write low", "", 1, "read low"},
  };
  struct Config {
    int fail = 0;  // 0 never, 1 in Thread(1), 2 in Check(), 3 deadlock once
  };
  static Config MakeConfig(const mmu::ConfigPairs& p) {
    const int fail = p.Choice("fail", {"never", "thread", "check", "deadlock"});
    if (fail == 1 || fail == 2) p.Choice("where", {fail == 1 ? "cpu" : "end"});
    return Config{fail};
  }
  // Config 3: the lock CPU 0 keeps (the first time only) and CPU 1 waits for.
  static inline mmu::sync::Mutex lock;
  static inline std::atomic<bool> keep_lock_once{true};

  Toy(const Config& c, mmu::Mutations) : cfg_(c), word_(0) {}
  void Thread(int cpu) {
    if (cfg_.fail == 3) {
      if (cpu == 0) {
        mmu::LockNamed(lock, "toy_lock");
        const bool keep = keep_lock_once.exchange(false);  // keeps it once: CPU 1 waits for good
        taken_.store(true, std::memory_order_release);
        if (!keep) lock.unlock();
        return;
      }
      while (!taken_.load(std::memory_order_acquire)) mmu::sync::pause();
      mmu::LockNamed(lock, "toy_lock");
      lock.unlock();
      return;
    }
    if (cpu == 0) {
      mmu::At(mmu::Step::WriteLow, [&] {
        word_.store(7, std::memory_order_relaxed);
        return 7;
      });
      return;
    }
    const int v = mmu::At(mmu::Step::ReadLow, [&] { return word_.load(std::memory_order_relaxed); });
    seen_.store(v, std::memory_order_relaxed);
    if (cfg_.fail == 1) mmu::sync::fail("toy failure in a thread");
  }
  void Check() {
    if (cfg_.fail == 2) mmu::sync::fail("toy failure in the check");
  }
  void Observe(mmu::Observations& o) const { o.Add(1, "seen", static_cast<std::uint64_t>(seen_.load(std::memory_order_relaxed))); }

 private:
  Config cfg_;
  mmu::sync::Atomic<int> word_;
  mmu::sync::Atomic<int> seen_{0};
  mmu::sync::Atomic<bool> taken_{false};
};

stress::RunSpec Spec(std::vector<int> configs, std::uint64_t rounds) {
  stress::RunSpec s;
  s.configs = std::move(configs);
  s.rounds = rounds;
  s.seed = 5;
  s.max_delay_ns = 200;
  return s;
}

}  // namespace stress_test

using stress_test::Spec;
using stress_test::Toy;

const mmu::ScenarioInfo& ToyInfo() {
  static const mmu::ScenarioInfo info = mmu::DescribeScenario<Toy>();
  return info;
}
using mmu::Mutation;

TEST_CASE("the spin barrier releases every thread of a phase together") {
  constexpr int kThreads = 3;
  constexpr int kPhases = 2000;
  stress::SpinBarrier barrier(kThreads, 16);
  std::atomic<int> arrived{0};
  std::atomic<bool> bad{false};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&] {
      for (int p = 0; p < kPhases; ++p) {
        arrived.fetch_add(1, std::memory_order_relaxed);
        barrier.Wait();
        // Everyone of phase p has arrived; nobody of phase p+1 can have yet.
        const int a = arrived.load(std::memory_order_relaxed);
        if (a < (p + 1) * kThreads || a > (p + 2) * kThreads) bad.store(true);
        barrier.Wait();
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK_FALSE(bad.load());
  CHECK(arrived.load() == kThreads * kPhases);
}

TEST_CASE("a correct round budget is exact and every round is clean") {
  const stress::RunResult r = stress::RunScenario<Toy>(ToyInfo(), Spec({0}, 1000));
  CHECK(r.rounds == 1000);
  CHECK(r.violating_rounds == 0);
  CHECK(r.violations == 0);
  CHECK_FALSE(r.first.has_value());
  REQUIRE(r.per_config.size() == 1);
  CHECK(r.per_config[0].config == "fail=never");
}

TEST_CASE("a failure in a thread is kept with its CPU, values and steps") {
  const stress::RunResult r = stress::RunScenario<Toy>(ToyInfo(), Spec({1}, 100));
  CHECK(r.rounds == 100);
  CHECK(r.violating_rounds == 100);
  CHECK(r.violations == 100);
  REQUIRE(r.first.has_value());
  const stress::Violation& v = *r.first;
  CHECK(v.cpu == 1);
  CHECK(v.what == "toy failure in a thread");
  CHECK(v.config == "fail=thread,where=cpu");
  REQUIRE(v.observations.size() == 1);
  CHECK(v.observations[0].what == "seen");
  REQUIRE(v.steps.size() == 2);
  int writes = 0, reads = 0;
  for (const stress::StepRecord& s : v.steps) {
    if (s.step == "write low" && s.cpu == 0 && s.value == 7) ++writes;
    if (s.step == "read low" && s.cpu == 1) ++reads;
    CHECK(s.ns >= 0);
  }
  CHECK(writes == 1);
  CHECK(reads == 1);
  CHECK(v.steps[0].ns == 0);
}

TEST_CASE("a failure in Check() is reported as the final check's") {
  stress::RunSpec spec = Spec({0, 2}, 64);
  const stress::RunResult r = stress::RunScenario<Toy>(ToyInfo(), spec);
  CHECK(r.rounds == 64);
  CHECK(r.violating_rounds == 32);
  REQUIRE(r.first.has_value());
  CHECK(r.first->cpu == -1);
  CHECK(r.first->what == "toy failure in the check");
  REQUIRE(r.per_config.size() == 2);
  CHECK(r.per_config[0].violating_rounds == 0);
  CHECK(r.per_config[1].violating_rounds == 32);
}

TEST_CASE("stop on violation ends the run within a batch per copy") {
  stress::RunSpec spec = Spec({1}, 0);
  spec.seconds = 30;
  spec.stop_on_violation = true;
  spec.copies = 2;
  const stress::RunResult r = stress::RunScenario<Toy>(ToyInfo(), spec);
  CHECK(r.first.has_value());
  CHECK(r.rounds <= 4 * stress::Runner<Toy>::kBatch);
  CHECK(r.seconds < 10);
}

TEST_CASE("PCT runs every round to the end, in order of priority") {
  for (int depth : {1, 2, 3}) {
    stress::RunSpec spec = Spec({0, 1}, 2000);
    spec.timing = stress::Timing::kPct;
    spec.pct_depth = depth;
    const stress::RunResult r = stress::RunScenario<Toy>(ToyInfo(), spec);
    CHECK(r.rounds == 2000);
    CHECK(r.violating_rounds == 1000);  // config 1 fails in every round
    CHECK_FALSE(r.stall.has_value());
    CHECK(r.max_round_steps == 2);
  }
}

TEST_CASE("race windows: the read falls after the write or before it, and counts say which") {
  // PCT with no change point: the CPU with the higher priority runs its
  // whole part first, so each round is one order or the other.
  stress::RunSpec spec = Spec({0}, 2000);
  spec.timing = stress::Timing::kPct;
  spec.pct_depth = 1;
  const stress::RunResult r = stress::RunScenario<Toy>(ToyInfo(), spec);
  REQUIRE(r.windows.size() == 1);
  const stress::WindowTally& w = r.windows[0];
  CHECK(w.name == "the read after the write");
  // The span runs to the end of the round, so a read is inside or before it;
  // but the stamps come from two CPUs' timestamp counters, and a read stamped
  // at the very tick of the write is neither (the tally counts it "after";
  // by Classify in stress/windows.h a tie is the only way to land there).
  // A cold ThreadSanitizer run on this 2-vCPU VM had 23 such rounds of 2000.
  CHECK(w.inside + w.before + w.after == 2000);
  CHECK(w.after <= 200);
  CHECK(w.inside > 500);
  CHECK(w.before > 500);
  CHECK(w.not_run == 0);
  // With delays, every round lands in exactly one column too.
  const stress::RunResult n = stress::RunScenario<Toy>(ToyInfo(), Spec({2}, 64));
  REQUIRE(n.windows.size() == 1);
  CHECK(n.windows[0].inside + n.windows[0].before + n.windows[0].after + n.windows[0].not_run == 64);
}

TEST_CASE("a time budget ends the run") {
  stress::RunSpec spec = Spec({0}, 0);
  spec.seconds = 0.2;
  const stress::RunResult r = stress::RunScenario<Toy>(ToyInfo(), spec);
  CHECK(r.rounds > 0);
  CHECK(r.seconds >= 0.2);
  CHECK(r.seconds < 5);
}

TEST_CASE("the plan checks options against the registry") {
  stress::Options o;
  o.scenario = "split-pnp";
  o.mutation = "m2_4";
  stress::Plan p = stress::MakePlan(o, 42);
  REQUIRE(p.error.empty());
  REQUIRE(p.runs.size() == 1);
  CHECK(p.runs[0].spec.mutations.Has(Mutation::M2_4));
  CHECK(p.runs[0].spec.seed == 42);
  CHECK(p.runs[0].spec.seconds == stress::kDefaultSeconds);
  CHECK(p.runs[0].command ==
        std::string("bazel run //stress:") + (std::string(stress::EngineName()) == "native" ? "stress" : "stress_tsan") +
            " -- --scenario split-pnp --mutation M2.4 --seconds 3 --seed 42");

  o.threads = 6;
  o.ops = 1000;
  o.config = "clear=slow";
  p = stress::MakePlan(o, 1);
  REQUIRE(p.error.empty());
  CHECK(p.runs[0].spec.copies == 3);
  CHECK(p.runs[0].spec.seconds == 0);
  CHECK(p.runs[0].spec.rounds == 1000);
  CHECK(p.runs[0].spec.configs == std::vector<int>{1});
  CHECK(p.runs[0].command.find("--config clear=slow --threads 6 --ops 1000") != std::string::npos);

  o = stress::Options{};
  o.scenario = "all";
  o.mutation = "M2.2";
  p = stress::MakePlan(o, 1);
  REQUIRE(p.error.empty());
  CHECK(p.runs.size() == 2);  // split-tear and split-pnp show M2.2
}

TEST_CASE("the step table puts each step under its CPU's header") {
  stress::ScenarioInfo s;
  s.name = "toy";
  s.threads = 2;
  stress::Violation v;
  v.config = "fail=thread,where=cpu";
  v.steps = {{0, "read count", 0, 0}, {1, "write low", 0x100, 5}, {0, "read low", 0x100, 9}};
  const std::string table = stress::StepTable(s, v, false);
  const std::vector<std::string> lines = [&] {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < table.size()) {
      const std::size_t nl = table.find('\n', at);
      out.push_back(table.substr(at, nl - at));
      at = nl + 1;
    }
    return out;
  }();
  REQUIRE(lines.size() == 5);
  const std::size_t col1 = lines[0].find("CPU 1: thread 0");
  const std::size_t col2 = lines[0].find("CPU 2: thread 1");
  REQUIRE(col2 != std::string::npos);
  CHECK(lines[1].find_first_not_of(' ') == col1);  // the rule
  CHECK(lines[2].find("read count") == col1);
  CHECK(lines[3].find("write low") == col2);
  CHECK(lines[4].find("read low") == col1);

  stress::RunSpec spec;
  spec.mutations = mmu::Mutations::Inject(Mutation::M2_4);
  const mmu::Parsed<mmu::Interleaving> file = mmu::ParseInterleaving(stress::InterleavingFile(s, spec, v), "f.txt");
  REQUIRE(file.ok());
  CHECK(file.value->scenario.value == "toy");
  CHECK(file.value->config.value == "fail=thread,where=cpu");
  CHECK(file.value->mutations == mmu::Mutations::Inject(Mutation::M2_4));
  REQUIRE(file.value->rows.size() == v.steps.size());
  for (std::size_t i = 0; i < v.steps.size(); ++i) {
    CHECK(file.value->rows[i].thread == v.steps[i].cpu);
    CHECK(mmu::StepName(file.value->rows[i].step) == v.steps[i].step);
  }
}

TEST_CASE("every expectation names a catalogue mutation") {
  for (const stress::MutationExpectation& e : stress::kExpectations) {
    CHECK_MESSAGE(mmu::MutationFromName(e.mutation).has_value(), e.mutation);
  }
}

TEST_CASE("the registry lists every scenario with its family") {
  REQUIRE_FALSE(stress::Scenarios().empty());
  for (const stress::ScenarioEntry& e : stress::Scenarios()) {
    CHECK(stress::FindScenario(e.info.name) == &e);
    CHECK(stress::FindScenario(e.info.target) == &e);
    CHECK(e.info.threads >= 1);
    CHECK_FALSE(e.info.configs.empty());
  }
}

// Last in the file: it leaves the run's threads stuck until it releases them.
TEST_CASE("the watchdog reports a round that makes no progress, and who waits for whom") {
  stress::RunSpec spec = Spec({3}, 0);
  spec.seconds = 30;
  spec.stall_seconds = 0.3;
  const stress::RunResult r = stress::RunScenario<Toy>(ToyInfo(), spec);
  REQUIRE(r.stall.has_value());
  const stress::Stall& st = *r.stall;
  CHECK(r.seconds < 10);
  CHECK(st.no_progress >= 0.3);
  CHECK(st.limit == doctest::Approx(0.3));
  CHECK_FALSE(st.limit_derived);
  CHECK(st.config == "fail=deadlock");
  REQUIRE(st.cpus.size() == 2);
  CHECK(st.cpus[0].phase == "at barrier");  // finished its part, holding the lock
  CHECK(st.cpus[0].last_step == "take lock");
  CHECK(st.cpus[1].phase == "running");
  CHECK(st.cpus[1].in_step == "take lock");
  CHECK(st.cpus[1].waits_for == "toy_lock");
  CHECK(st.cpus[1].lock_holder == 0);
  CHECK(st.cpus[1].steps_since_progress == 0);  // blocked, not livelocked
  REQUIRE(st.steps.size() == 1);                // CPU 0's take lock; CPU 1's never ended
  CHECK(st.steps[0].cpu == 0);
  CHECK(st.steps[0].step == "take lock");
  // Let the stuck threads finish (the run was told to stop).
  Toy::lock.unlock();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}
