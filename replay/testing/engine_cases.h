// replay/testing/engine_cases.h: the replay's cases, run in-process on
// one engine. The including file defines mmu::replay::testing::TestEngine
// (NativeEngine or RelacyEngine) and includes doctest first.
//
// Files come from the runfiles: the seed tables (replay/interleavings), the
// order corpus (replay/testdata) and the lock scenario's tables
// (testdata/lock), which need the test-only scenario in the catalogue.
#pragma once

#include "replay/cli.h"
#include "replay/report.h"
#include "replay/testing/scenarios.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mmu::replay::testing {

inline bool IsNative() { return std::string(TestEngine::kName) == "native"; }

inline const std::vector<CatalogEntry>& TestCatalog() {
  static const std::vector<CatalogEntry> cat = Catalog<TestEngine, LockedIncrement, FlagWait>();
  return cat;
}

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

inline Run Replay(const std::string& path, const char* mutation = nullptr, bool json = false,
                  std::uint64_t max_executions = 100000, double timeout_s = 20) {
  RunRequest req;
  req.path = path;
  if (mutation != nullptr) req.mutation = mutation;
  req.json = json;
  req.options.lock_wait_ms = 100;
  req.options.timeout_s = timeout_s;
  req.options.max_executions = max_executions;
  Run r;
  bool must_exit = false;
  r.code = ReplayFile(req, TestCatalog(), &r.out, &r.err, &must_exit);
  REQUIRE_FALSE(must_exit);
  return r;
}

inline std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string TempFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

inline bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The "# expect: LINE: message" line of a corpus file, as "file:LINE: message"
// ("file: message" when it names no line).
inline std::string Expected(const std::string& path) {
  const std::string text = Contents(path);
  const std::size_t at = text.find("# expect: ");
  if (at == std::string::npos) return "";
  const std::size_t end = text.find('\n', at);
  const std::string e = text.substr(at + 10, end - at - 10);
  const std::size_t digits = e.find_first_not_of("0123456789");
  return path + (digits > 0 && digits != std::string::npos && e[digits] == ':' ? ":" : ": ") + e;
}

inline std::string LastLine(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const std::size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

#define REPLAY_INFO(r) INFO("exit " << (r).code << "\n" << (r).out << (r).err)

TEST_CASE("Paolo's table: the torn value is read, and it is not present") {
  const Run r = Replay("replay/interleavings/paolo_torn_read.txt");
  REPLAY_INFO(r);
  CHECK(r.code == kHeld);
  CHECK(Contains(r.out, "split-tear, clear=slow (§2a; inferred from the header)"));
  CHECK(Contains(r.out, "returned"));
  CHECK(Contains(r.out, "0x00000001_00000000  (not present)"));  // {old high, new low}
  if (IsNative()) CHECK(Contains(r.out, "the invariant held\n"));
  if (!IsNative()) CHECK(Contains(r.out, "the invariant held in all"));
}

TEST_CASE("Xiao's table with the correct core: the reader retries and returns a stored value") {
  const Run r = Replay("replay/interleavings/xiao_same_low.txt");
  REPLAY_INFO(r);
  CHECK(r.code == kHeld);
  CHECK(Contains(r.out, "check low and count  changed: retry"));
  CHECK(Contains(r.out, "0x0000000b_11110001  (present)"));
  CHECK_FALSE(Contains(r.out, "0x00000000_11110001"));
}

TEST_CASE("Xiao's table with M2.4: a present spte nobody stored") {
  const Run r = Replay("replay/interleavings/xiao_same_low.txt", "M2.4");
  REPLAY_INFO(r);
  CHECK(r.code == kViolated);
  CHECK(Contains(r.out, "VIOLATED: torn present spte: __get_spte_lockless returned a value never stored"));
  CHECK(Contains(r.out, "read high            0x00000000"));
  CHECK(Contains(r.out, "check low and count  passed"));
  CHECK(Contains(r.out, "mmu_core/scenarios/split_common.h:"));
  if (IsNative()) CHECK(Contains(r.out, "returned           0x00000000_11110001  (present)"));
}

TEST_CASE("the mutation may come from the file; --mutation overrides it") {
  const std::string text = "mutation: M2.4\n" + Contents("replay/interleavings/xiao_same_low.txt");
  const std::string path = TempFile("xiao_m24.txt", text);
  Run r = Replay(path);
  REPLAY_INFO(r);
  CHECK(r.code == kViolated);
  CHECK(Contains(r.out, "mutation   M2.4"));
  r = Replay(path, "none");
  CHECK(r.code == kHeld);
  CHECK(Contains(r.err, "note: --mutation none overrides the file's 'mutation: M2.4'"));
}

TEST_CASE("--json") {
  const Run r = Replay("replay/interleavings/xiao_same_low.txt", "M2.4", /*json=*/true);
  REPLAY_INFO(r);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["verdict"] == "violated");
  CHECK(j["exit"] == 1);
  CHECK(j["scenario"] == "split-pnp");
  CHECK(j["mutation"] == "M2.4");
  CHECK(j["engine"] == TestEngine::kName);
  CHECK(j["violation"]["cpu"] == 0);
  CHECK(j["steps"].size() >= 9);
  CHECK(j["steps"][0]["step"] == "read count");
  CHECK(j["steps"][0]["line"] == 20);
}

TEST_CASE("a listed retry: natively it never happens; under Relacy only some executions follow the table") {
  const Run r = Replay("replay/testdata/retry_listed.txt");
  REPLAY_INFO(r);
  if (IsNative()) {
    CHECK(r.code == kBadInput);
    CHECK(LastLine(r.err) ==
          "replay/testdata/retry_listed.txt:16: CPU 1 never reaches 'read count': it finished after 'check low "
          "and count' (line 15) (CPU 1 has no further 'read count')");
  } else {
    CHECK(r.code == kHeld);
    CHECK(Contains(r.out, "executions could not follow the table and are not counted; the first: CPU 1 never reaches"));
  }
}

TEST_CASE("mmu_lock: in order, after the table, blocked forever, and a lost update without it") {
  Run r = Replay("replay/testdata/lock/lock_in_order.txt");
  REPLAY_INFO(r);
  CHECK(r.code == kHeld);
  CHECK(Contains(r.out, "(takes mmu_lock)"));

  r = Replay("replay/testdata/lock/lock_after_table.txt");
  REPLAY_INFO(r);
  CHECK(r.code == kHeld);
  CHECK(Contains(r.out, "(waits for mmu_lock)"));

  const std::string blocked = "replay/testdata/lock/lock_blocks_forever.txt";
  r = Replay(blocked);
  REPLAY_INFO(r);
  CHECK(r.code == kBadInput);
  CHECK(LastLine(r.err) == Expected(blocked));

  r = Replay("replay/testdata/lock/lock_lost_update.txt");
  REPLAY_INFO(r);
  CHECK(r.code == kViolated);
  CHECK(Contains(r.out, "lost update"));
}

TEST_CASE("slots_lock: the second zapper blocks forever, named by its lock") {
  const std::string blocked = "replay/testdata/lock/slots_lock_blocks_forever.txt";
  Run r = Replay(blocked);
  REPLAY_INFO(r);
  CHECK(r.code == kBadInput);
  CHECK(LastLine(r.err) == Expected(blocked));
  CHECK(Contains(r.out, "(waits for slots_lock)"));
}

TEST_CASE("a CPU waiting for another: listed polls, unlisted polls, a wait inside one step") {
  Run r = Replay("replay/testdata/flag/flag_poll_listed.txt");
  REPLAY_INFO(r);
  CHECK(r.code == kHeld);

  r = Replay("replay/testdata/flag/flag_poll_after_table.txt");
  REPLAY_INFO(r);
  CHECK(r.code == kHeld);  // the unlisted polls run after the table

  r = Replay("replay/testdata/flag/flag_wait_inside_step.txt", nullptr, false, 100000, 1);
  REPLAY_INFO(r);
  CHECK(r.code == kUndecided);
  if (IsNative()) {
    CHECK(Contains(r.out, "nothing happened for 1 s: CPU 1 holds the turn but reaches no step point"));
  } else {
    CHECK(Contains(r.out, "Relacy reports a livelock"));
  }
}

TEST_CASE("the order corpus: every file is bad input, named by its row") {
  const char* files[] = {
      "never_reached.txt",
      "never_in_scenario.txt",
  };
  for (const char* f : files) {
    const std::string path = std::string("replay/testdata/bad/") + f;
    const Run r = Replay(path);
    REPLAY_INFO(r);
    CHECK(r.code == kBadInput);
    CHECK(LastLine(r.err) == Expected(path));
  }
}

// Every scenario of all.h, every configuration: the empty table (each CPU
// runs to completion in column order) replays and the correct core holds.
// Relacy explores a bounded number of its outcomes (a smoke run: some
// scenarios have hundreds of thousands), so it may also end undecided.
TEST_CASE("every scenario replays") {
  for (const CatalogEntry& e : TestCatalog()) {
    if (e.info.name.rfind("test-", 0) == 0) continue;  // the replay's own scenarios have their tables
    for (const std::string& config : e.info.configs) {
      std::string text = "scenario: " + e.info.name + "\nconfig: " + config + "\n\n";
      for (int k = 0; k < e.info.threads; ++k) text += "    CPU " + std::to_string(k + 1) + ": thread " + std::to_string(k);
      text += "\n";
      const Run r = Replay(TempFile("empty.txt", text), nullptr, false, 2000);
      INFO(e.info.name << " " << config);
      REPLAY_INFO(r);
      if (IsNative()) CHECK(r.code == kHeld);
      if (!IsNative()) CHECK((r.code == kHeld || r.code == kUndecided));
    }
  }
}

}  // namespace mmu::replay::testing
