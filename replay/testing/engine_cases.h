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
#include "replay/step_facts.h"
#include "replay/testing/scenarios.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mmu::replay::testing {

inline bool IsNative() { return std::string(TestEngine::kName) == "native"; }

inline const std::vector<CatalogEntry>& TestCatalog() {
  static const std::vector<CatalogEntry> cat = WithStepFacts(Catalog<TestEngine, LockedIncrement, FlagWait>());
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

// What a --json report says.
inline nlohmann::json Json(const Run& r) {
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE(j.is_object());
  return j;
}
// The values every outcome gives `what` (CPU `cpu`).
inline std::vector<std::uint64_t> ObservedValues(const nlohmann::json& j, const std::string& what) {
  std::vector<std::uint64_t> out;
  for (const auto& set : j["observed"]) {
    for (const auto& o : set["values"]) {
      if (o["what"] == what) out.push_back(o["value"].get<std::uint64_t>());
    }
  }
  return out;
}
// The values and decoded texts of the listed step(s) on file line `line`.
inline std::vector<std::uint64_t> LineValues(const nlohmann::json& j, int line) {
  std::vector<std::uint64_t> out;
  for (const auto& s : j["steps"]) {
    if (s["listed"] == true && s["line"] == line) {
      for (const auto& v : s["values"]) out.push_back(v.get<std::uint64_t>());
    }
  }
  return out;
}
inline std::vector<std::string> LineDecoded(const nlohmann::json& j, int line) {
  std::vector<std::string> out;
  for (const auto& s : j["steps"]) {
    if (s["listed"] == true && s["line"] == line && s.contains("decoded")) {
      for (const auto& v : s["decoded"]) out.push_back(v.get<std::string>());
    }
  }
  return out;
}
inline bool Has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }
inline bool Has(const std::vector<std::uint64_t>& v, std::uint64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST_CASE("Paolo's table: the torn value is read, and it is not present") {
  const Run r = Replay("replay/interleavings/paolo_torn_read.txt", nullptr, /*json=*/true);
  REPLAY_INFO(r);
  CHECK(r.code == kHeld);
  const nlohmann::json j = Json(r);
  CHECK(j["scenario"] == "split-tear");
  CHECK(j["config"] == "clear=slow");
  CHECK(j["inferred"] == true);
  CHECK(j["verdict"] == "held");
  // {old high, new low}: not present.
  CHECK(Has(ObservedValues(j, "returned"), 0x100000000ULL));
  CHECK(Has(LineDecoded(j, 21), "not present"));  // read low
}

TEST_CASE("Xiao's table with the correct core: the reader retries and returns a stored value") {
  const Run r = Replay("replay/interleavings/xiao_same_low.txt", nullptr, /*json=*/true);
  REPLAY_INFO(r);
  CHECK(r.code == kHeld);
  const nlohmann::json j = Json(r);
  CHECK(Has(LineDecoded(j, 28), "changed: retry"));
  CHECK(ObservedValues(j, "returned") == std::vector<std::uint64_t>{0xb11110001ULL});
}

TEST_CASE("Xiao's table with M2.4: a present spte nobody stored") {
  const Run r = Replay("replay/interleavings/xiao_same_low.txt", "M2.4", /*json=*/true);
  REPLAY_INFO(r);
  CHECK(r.code == kViolated);
  const nlohmann::json j = Json(r);
  CHECK(j["violation"]["what"] == "torn present spte: __get_spte_lockless returned a value never stored");
  CHECK(j["violation"]["cpu"] == 0);
  CHECK(Contains(j["violation"]["where"].get<std::string>(), "mmu_core/scenarios/split_common.h:"));
  CHECK(LineValues(j, 25) == std::vector<std::uint64_t>{0});  // read high: the cleared word
  CHECK(Has(LineDecoded(j, 28), "passed"));
  if (IsNative()) CHECK(ObservedValues(j, "returned") == std::vector<std::uint64_t>{0x11110001ULL});
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
          "replay/testdata/retry_listed.txt:16: this order cannot happen on the correct core: CPU 1 never reaches "
          "'read count': it finished after 'check low and count' (line 15) (CPU 1 has no further 'read count')");
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
      "never_reached.txt",   "never_in_scenario.txt", "value_mismatch.txt",
      "free_before_flush.txt", "lock_holder_no_drop.txt",
  };
  for (const char* f : files) {
    const std::string path = std::string("replay/testdata/bad/") + f;
    const Run r = Replay(path);
    REPLAY_INFO(r);
    CHECK(r.code == kBadInput);
    CHECK(LastLine(r.err) == Expected(path));
  }
}

// --- the seed thread's tables, pasted as they are -----------------------------

// The quote depth of a mail line: the '>' of its quote markers.
inline int QuoteDepth(const std::string& line) {
  int depth = 0;
  for (char c : line) {
    if (c == '>') {
      ++depth;
    } else if (c != ' ') {
      break;
    }
  }
  return depth;
}

inline std::string Unquoted(const std::string& line) {
  std::size_t i = 0;
  while (i < line.size() && (line[i] == '>' || line[i] == ' ')) ++i;
  return line.substr(i);
}

// Every copy of a table in the thread whose header starts with `header`: the
// block of lines around it that have its quote depth (the poster's own
// paragraphs around and inside the table), up to the next message.
inline std::vector<std::string> CopiesInThread(const std::string& thread, const std::string& header) {
  std::vector<std::string> lines;
  std::istringstream in(thread);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<std::string> copies;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (Unquoted(lines[i]).rfind(header, 0) != 0) continue;
    const int depth = QuoteDepth(lines[i]);
    auto inside = [&](std::size_t k) {
      return QuoteDepth(lines[k]) == depth && lines[k].rfind("^ permalink", 0) != 0;
    };
    std::size_t from = i, to = i;
    while (from > 0 && inside(from - 1)) --from;
    while (to + 1 < lines.size() && inside(to + 1)) ++to;
    std::string copy;
    for (std::size_t k = from; k <= to; ++k) copy += lines[k] + "\n";
    copies.push_back(copy);
  }
  return copies;
}

inline std::string SeedThread() {
  const std::string text = Contents("replay/testdata/seeds/001_61aa16377bf62e9f.txt");
  REQUIRE(text.size() > 10000);
  return text;
}

TEST_CASE("every copy of Paolo's table in the seed thread replays as the clean copy") {
  const std::vector<std::string> copies = CopiesInThread(SeedThread(), "CPU 1: __get_spte_lockless");
  const Run clean = Replay("replay/interleavings/paolo_torn_read.txt", nullptr, /*json=*/true);
  REQUIRE(clean.code == kHeld);
  const nlohmann::json want = Json(clean);
  int paolo = 0;
  for (std::size_t i = 0; i < copies.size(); ++i) {
    if (copies[i].find("write low") == std::string::npos) continue;  // Xiao's: below
    ++paolo;
    const Run r = Replay(TempFile("paolo_copy_" + std::to_string(i) + ".txt", copies[i]), nullptr, /*json=*/true);
    INFO("copy " << i << ":\n" << copies[i]);
    REPLAY_INFO(r);
    CHECK(r.code == kHeld);
    const nlohmann::json j = Json(r);
    CHECK(j["scenario"] == want["scenario"]);
    CHECK(j["config"] == want["config"]);
    CHECK(j["observed"] == want["observed"]);
    // The listed steps read what the clean copy's read.
    std::vector<nlohmann::json> a, b;
    for (const auto& s : j["steps"]) {
      if (s["listed"] == true) a.push_back({s["cpu"], s["step"], s["values"]});
    }
    for (const auto& s : want["steps"]) {
      if (s["listed"] == true) b.push_back({s["cpu"], s["step"], s["values"]});
    }
    CHECK(a == b);
  }
  CHECK(paolo == 6);  // the original and five quoted replies
}

TEST_CASE("every copy of Xiao's prose table in the seed thread: benign on the correct core, the bug with M2.4") {
  std::vector<std::string> copies;
  for (const std::string& c : CopiesInThread(SeedThread(), "CPU 1: __get_spte_lockless")) {
    if (c.find("set spte to") != std::string::npos) copies.push_back(c);
  }
  CHECK(copies.size() == 3);  // the original and two quoted replies
  const Run clean = Replay("replay/interleavings/xiao_same_low.txt", nullptr, /*json=*/true);
  const Run clean_m24 = Replay("replay/interleavings/xiao_same_low.txt", "M2.4", /*json=*/true);
  for (std::size_t i = 0; i < copies.size(); ++i) {
    INFO("copy " << i << ":\n" << copies[i]);
    const std::string path = TempFile("xiao_copy_" + std::to_string(i) + ".txt", copies[i]);
    Run r = Replay(path, nullptr, /*json=*/true);
    REPLAY_INFO(r);
    CHECK(r.code == clean.code);
    CHECK(r.code == kHeld);
    nlohmann::json j = Json(r);
    CHECK(j["scenario"] == "split-pnp");
    CHECK(j["config"] == "clear=slow,cycles=1");
    CHECK(ObservedValues(j, "returned") == std::vector<std::uint64_t>{0xb11110001ULL});
    // The values Xiao wrote were checked against what CPU 1 read.
    int checked = 0;
    for (const auto& g : j["values_given"]) {
      if (g["checked"] == true) {
        ++checked;
        CHECK(g["ok"] == true);
      }
    }
    CHECK(checked == 2);  // "low= 0x11110001", "high = 0x0"
    r = Replay(path, "M2.4", /*json=*/true);
    REPLAY_INFO(r);
    CHECK(r.code == clean_m24.code);
    CHECK(r.code == kViolated);
    j = Json(r);
    CHECK(j["violation"]["what"] == "torn present spte: __get_spte_lockless returned a value never stored");
    CHECK(j["violation"]["cpu"] == 0);
  }
}

TEST_CASE("a value the poster wrote that the CPU does not read is reported as a mismatch") {
  std::vector<std::string> copies;
  for (const std::string& c : CopiesInThread(SeedThread(), "CPU 1: __get_spte_lockless")) {
    if (c.find("set spte to") != std::string::npos) copies.push_back(c);
  }
  REQUIRE_FALSE(copies.empty());
  std::string wrong = copies.front();
  const std::size_t at = wrong.find("read high: high = 0x0");
  REQUIRE(at != std::string::npos);
  wrong.replace(at, 21, "read high: high = 0x5");  // no word CPU 1 can read here
  const Run r = Replay(TempFile("xiao_wrong_value.txt", wrong), nullptr, /*json=*/true);
  REPLAY_INFO(r);
  CHECK(r.code == kBadInput);
  const nlohmann::json j = Json(r);
  CHECK(j["verdict"] == "bad-order");
  CHECK(Contains(j["order_error"]["message"].get<std::string>(), "CPU 1's 'read high' read 0x"));
  CHECK(Contains(j["order_error"]["message"].get<std::string>(), ", but the table says 'high = 0x5'"));
  if (IsNative()) {
    CHECK(Contains(j["order_error"]["message"].get<std::string>(), "read 0x00000000, but"));
  }
  bool mismatch = false;
  for (const auto& g : j["values_given"]) {
    if (g["given"] == "high = 0x5") mismatch = g["checked"] == true && g["ok"] == false;
  }
  CHECK(mismatch);
}

// The composite phrases and the decoded values agree with the core.
TEST_CASE("'clear the spte' and 'set spte' are the steps the core's writers run") {
  const auto facts = StepFactsOf("split-tear");
  REQUIRE(facts.size() == 2);  // clear=fast, clear=slow
  auto set_of = [](const std::vector<Step>& steps) {
    StepSet s;
    for (Step x : steps) s.set(static_cast<std::size_t>(x));
    return s;
  };
  CHECK(facts[0][1] == set_of(CompositeSteps(Phrase::kClearSpte, "__update_clear_spte_fast")));
  CHECK(facts[1][1] == set_of(CompositeSteps(Phrase::kClearSpte, "__update_clear_spte_slow")));
  const auto pnp = StepFactsOf("split-pnp");
  REQUIRE(pnp.size() == 2);
  CHECK(pnp[1][1] == (set_of(CompositeSteps(Phrase::kClearSpte, "__update_clear_spte_slow")) |
                      set_of(CompositeSteps(Phrase::kSetSpte, "__set_spte"))));
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
