// stress/testing/stress_test_driver.cc: the stress binaries' Bazel tests.
//
// One driver, several tests (the cc_test targets differ only in args). It
// runs a stress binary as a child process per case, so a crash, a TSan abort
// or a hang fails the case instead of the test runner:
//
//   clean        every scenario in the registry, correct core, for a few
//                seconds: exit 0, no violation, no ThreadSanitizer report,
//                every race window opened (--min-window-hits 1);
//   exit         one command line: the expected exit status and a fragment
//                of the output (EXIT FRAGMENT -- ARGS...);
//   catch        each SCENARIO:MUTATION case: stress stops at a violation
//                (exit 1) within the budget;
//   tsan-report  each SCENARIO:MUTATION case on the TSan build: the output
//                has "WARNING: ThreadSanitizer" and the exit is non-zero;
//   stall        each SCENARIO:MUTATION case (a livelock twin) with the
//                default stall limit: the run ends with the stall code (3)
//                within the limit plus a few seconds, prints the stall
//                report, and writes it to --json and --interleaving-out;
//   bad-input    malformed command lines: exit 2 with a message naming the
//                mistake, quickly;
//   matrix       the kill matrix: each expectation MUTATION:COLUMN=RESULT
//                holds in its JSON (MUTATION "all": every row that has a
//                scenario).
//
// Cases are split across Bazel test shards (TEST_TOTAL_SHARDS,
// TEST_SHARD_INDEX; TEST_SHARD_STATUS_FILE is touched). The scenario list of
// `clean` comes from the registry, so a new scenario is covered at once.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "stress/expectations.h"
#include "stress/registry.h"
#include "stress/subprocess.h"

namespace stress {
namespace {

struct Shard {
  int index = 0;
  int total = 1;
  bool Mine(std::size_t i) const { return static_cast<int>(i % static_cast<std::size_t>(total)) == index; }
};

Shard CurrentShard() {
  Shard s;
  if (const char* t = std::getenv("TEST_TOTAL_SHARDS")) s.total = std::max(1, std::atoi(t));
  if (const char* i = std::getenv("TEST_SHARD_INDEX")) s.index = std::atoi(i);
  if (const char* f = std::getenv("TEST_SHARD_STATUS_FILE")) std::ofstream(f).put('\n');
  return s;
}

const std::map<std::string, std::string> kTsanEnv = {{"TSAN_OPTIONS", "halt_on_error=1:exitcode=66"}};

bool HasTsanReport(const std::string& out) { return out.find("WARNING: ThreadSanitizer") != std::string::npos; }

std::string Tail(const std::string& out, std::size_t n = 4000) {
  return out.size() <= n ? out : "...\n" + out.substr(out.size() - n);
}

std::string Line(const std::string& out, const std::string& starts_with) {
  const std::size_t at = out.find(starts_with);
  if (at == std::string::npos) return "";
  return out.substr(at, out.find('\n', at) - at);
}

// The summary's "N rounds in S s (R rounds/s): ..." line.
std::string RoundsLine(const std::string& out) {
  const std::size_t at = out.find(" rounds in ");
  if (at == std::string::npos) return "";
  const std::size_t bol = out.rfind('\n', at) + 1;
  return out.substr(bol, out.find('\n', at) - bol);
}

// The correct core on the scenarios named (all of the registry if none),
// split across shards.
int Clean(const std::string& stress, double seconds, const std::string& only = "") {
  const Shard shard = CurrentShard();
  int failures = 0;
  int ran = 0;
  for (std::size_t i = 0; i < Scenarios().size(); ++i) {
    if (!shard.Mine(i)) continue;
    const ScenarioInfo& s = Scenarios()[i].info;
    if (!only.empty() && s.target != only) continue;
    // Every race window of the scenario must open at least once: a change
    // that silently closes one fails here (exit 4).
    const ChildResult r = RunChild({stress, "--scenario", s.name, "--seconds", fmt::format("{:g}", seconds), "--seed",
                                    "1", "--quiet", "--min-window-hits", "1"},
                                   kTsanEnv, seconds * 10 + 60);
    ++ran;
    const bool ok = !r.timed_out && !r.signaled && r.exit_code == 0 && !HasTsanReport(r.output);
    std::cout << fmt::format("{} {:<20} {}\n", ok ? "ok  " : "FAIL", s.name, r.Describe());
    if (ok) {
      std::cout << "   " << RoundsLine(r.output) << "\n";
    } else {
      std::cout << Tail(r.output) << "\n";
      ++failures;
    }
  }
  std::cout << fmt::format("{} scenarios on this shard, {} failures\n", ran, failures);
  return failures == 0 ? 0 : 1;
}

struct Case {
  std::string scenario;
  std::string mutation;
};

bool ParseCases(const std::vector<std::string>& args, std::vector<Case>* cases) {
  for (const std::string& a : args) {
    const std::size_t colon = a.find(':');
    if (colon == std::string::npos) {
      std::cerr << "not SCENARIO:MUTATION: " << a << "\n";
      return false;
    }
    cases->push_back(Case{a.substr(0, colon), a.substr(colon + 1)});
  }
  return true;
}

int Catch(const std::string& stress, double seconds, const std::vector<Case>& cases, bool want_tsan_report) {
  const Shard shard = CurrentShard();
  int failures = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (!shard.Mine(i)) continue;
    const Case& c = cases[i];
    const ChildResult r = RunChild({stress, "--scenario", c.scenario, "--mutation", c.mutation, "--seconds",
                                    fmt::format("{:g}", seconds), "--seed", "1", "--stop-on-violation", "--quiet"},
                                   kTsanEnv, seconds * 10 + 60);
    bool ok;
    std::string how;
    if (want_tsan_report) {
      ok = !r.timed_out && !r.signaled && r.exit_code != 0 && HasTsanReport(r.output);
      how = ok ? Line(r.output, "WARNING: ThreadSanitizer") : "no ThreadSanitizer report";
    } else {
      ok = !r.timed_out && !r.signaled && r.exit_code == 1 && r.output.find("first violation:") != std::string::npos;
      how = ok ? Line(r.output, "first violation:") : "not caught";
    }
    std::cout << fmt::format("{} {}:{}  {} after {:.2f} s: {}\n", ok ? "ok  " : "FAIL", c.scenario, c.mutation,
                             r.Describe(), r.seconds, how);
    if (!ok) {
      std::cout << Tail(r.output) << "\n";
      ++failures;
    }
  }
  std::cout << fmt::format("{} failures\n", failures);
  return failures == 0 ? 0 : 1;
}

// A livelock twin: the watchdog ends the run (exit 3) within its limit plus
// a few seconds, whatever the budget, with the report and its files.
int Stalls(const std::string& stress, double seconds, const std::vector<Case>& cases) {
  const Shard shard = CurrentShard();
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string tmp = dir != nullptr ? dir : "/tmp";
  int failures = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (!shard.Mine(i)) continue;
    const Case& c = cases[i];
    const std::string json = fmt::format("{}/stall_{}.json", tmp, i);
    const std::string table = fmt::format("{}/stall_{}.txt", tmp, i);
    std::remove(json.c_str());
    std::remove(table.c_str());
    // The derived limit is at least 3 s; allow it, start-up and a loaded machine.
    const double allowed = seconds + 3 + 20;
    const ChildResult r = RunChild({stress, "--scenario", c.scenario, "--mutation", c.mutation, "--seconds",
                                    fmt::format("{:g}", seconds), "--seed", "1", "--quiet", "--json", json,
                                    "--interleaving-out", table},
                                   kTsanEnv, allowed + 60);
    std::vector<std::string> problems;
    if (r.timed_out || r.signaled || r.exit_code != 3) problems.push_back(r.Describe() + ", want exit 3");
    if (r.seconds > allowed) problems.push_back(fmt::format("took {:.1f} s, more than {:.0f} s", r.seconds, allowed));
    if (r.output.find("STALL: round") == std::string::npos) problems.push_back("no stall report");
    if (r.output.find("a livelock") == std::string::npos) problems.push_back("the report names no livelocked CPU");
    if (HasTsanReport(r.output)) problems.push_back("a ThreadSanitizer report");
    try {
      std::ifstream in(json);
      const nlohmann::json j = nlohmann::json::parse(in);
      if (!j.is_array() || j.empty() || !j.back()["stall"].is_object()) problems.push_back("no stall in the JSON");
    } catch (const nlohmann::json::exception& e) {
      problems.push_back(std::string("bad JSON: ") + e.what());
    }
    std::ifstream in(table);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("scenario: " + c.scenario + "\n") == std::string::npos || text.find("mutation: " + c.mutation) == std::string::npos) {
      problems.push_back("no partial round in the interleaving file");
    }
    std::string why;
    for (const std::string& p : problems) why += (why.empty() ? "" : "; ") + p;
    std::cout << fmt::format("{} {}:{}  {} after {:.2f} s{}\n", problems.empty() ? "ok  " : "FAIL", c.scenario,
                             c.mutation, r.Describe(), r.seconds, problems.empty() ? "" : ": " + why);
    if (!problems.empty()) {
      std::cout << Tail(r.output) << "\n";
      ++failures;
    } else {
      std::cout << "   " << Line(r.output, "STALL:") << "\n";
    }
  }
  std::cout << fmt::format("{} failures\n", failures);
  return failures == 0 ? 0 : 1;
}

// Malformed command lines, each with a fragment its message must contain.
struct BadInput {
  std::vector<std::string> args;
  std::string expect;
};

int BadInputs(const std::string& stress, const std::string& kill_matrix) {
  const std::vector<BadInput> stress_cases = {
      {{"--scenario", "split-nope"}, "unknown scenario 'split-nope'"},
      {{}, "--scenario is required"},
      {{"--scenario", "split-pnp", "--mutation", "M9.9"}, "unknown mutation 'M9.9'"},
      {{"--scenario", "split-tear", "--mutation", "M2.1"}, "split-tear does not show M2.1"},
      {{"--scenario", "split-pnp", "--threads", "3"}, "--threads must be a multiple of 2 (3 given)"},
      {{"--scenario", "split-pnp", "--threads", "0"}, "--threads 0 is not a thread count"},
      {{"--scenario", "split-pnp", "--threads", "-4"}, "is not a thread count"},
      {{"--scenario", "split-pnp", "--threads", "many"}, "--threads"},
      {{"--scenario", "split-pnp", "--seconds", "0"}, "--seconds 0 is not a duration"},
      {{"--scenario", "split-pnp", "--seconds", "-1"}, "--seconds"},
      {{"--scenario", "split-pnp", "--seconds", "soon"}, "--seconds"},
      {{"--scenario", "split-pnp", "--seconds", "inf"}, "--seconds"},
      {{"--scenario", "split-pnp", "--seconds", "1e9"}, "is not a duration"},
      {{"--scenario", "split-pnp", "--ops", "0"}, "--ops 0"},
      {{"--scenario", "split-pnp", "--ops", "-5"}, "--ops -5: give a positive number"},
      {{"--scenario", "split-pnp", "--ops", "many"}, "--ops"},
      {{"--scenario", "split-pnp", "--seconds", "nan"}, "--seconds nan is not a duration"},
      {{"--scenario", "split-pnp", "--threads", "100000"}, "--threads 100000 is not a thread count (1 to 256)"},
      {{"--scenario", "split-pnp", "--threads", "99999999999999999999"},
       "--threads: 99999999999999999999 is not a thread count (1 to 256)"},
      {{"--scenario", "split-pnp", "--max-delay-ns", "5000000"}, "--max-delay-ns 5000000 is too long"},
      {{"--scenario", "split-pnp", "--max-delay-ns", "-1"}, "'-1' is negative"},
      {{"--scenario", "split-pnp", "--seed", "-1"}, "'-1' is negative"},
      {{"--scenario", "split-pnp", "--seed", "abc"}, "--seed"},
      {{"--scenario", "split-pnp", "--config", "clear=medium"}, "matches no member"},
      {{"--scenario", "split-pnp", "--config", "7"}, "config index 7 is out of range"},
      {{"--scenario", "split-pnp", "--config", "cycles=1"}, "matches several members"},
      {{"--scenario", "split-pnp", "--config", "fast"}, "is not key=value"},
      {{"--scenario", "split-pnp", "--frobnicate"}, "frobnicate"},
      {{"--scenario", "split-pnp", "--timing", "fast"}, "--timing 'fast' is not a timing mode: give 'delays', 'pct' or 'mixed'"},
      {{"--scenario", "split-pnp", "--timing", "pct", "--pct-depth", "0"}, "--pct-depth 0 is not a bug depth: give 1 to 8"},
      {{"--scenario", "split-pnp", "--timing", "pct", "--pct-depth", "9"}, "--pct-depth 9 is not a bug depth: give 1 to 8"},
      {{"--scenario", "split-pnp", "--timing", "pct", "--pct-depth", "deep"}, "--pct-depth"},
      {{"--scenario", "split-pnp", "--timing", "pct", "--max-delay-ns", "100"},
       "--max-delay-ns applies to --timing delays"},
      {{"--scenario", "split-pnp", "--timing", "delays", "--pct-depth", "2"}, "--pct-depth applies to --timing pct"},
      {{"--scenario", "split-pnp", "--min-window-hits", "0"}, "--min-window-hits 0 is not a round count: give 1 to"},
      {{"--scenario", "split-pnp", "--min-window-hits", "-3"}, "--min-window-hits -3 is not a round count"},
      {{"--scenario", "split-pnp", "--min-window-hits", "many"}, "--min-window-hits"},
      {{"--scenario", "split-pnp", "--min-window-hits", "10000000000"},
       "--min-window-hits 10000000000 is not a round count"},
      {{"--scenario", "split-pnp", "--stall-seconds", "0"}, "--stall-seconds 0 is not a stall limit"},
      {{"--scenario", "split-pnp", "--stall-seconds", "-2"}, "--stall-seconds -2 is not a stall limit"},
      {{"--scenario", "split-pnp", "--stall-seconds", "0.01"}, "--stall-seconds 0.01 is not a stall limit"},
      {{"--scenario", "split-pnp", "--stall-seconds", "nan"}, "--stall-seconds nan is not a stall limit"},
      {{"--scenario", "split-pnp", "--stall-seconds", "1e9"}, "--stall-seconds 1e+09 is not a stall limit"},
      {{"--scenario", "split-pnp", "--stall-seconds", "soon"}, "--stall-seconds"},
      {{"--scenario", "split-pnp", "--json", "/tmp"}, "--json /tmp: is a directory"},
      {{"--scenario", "split-pnp", "--json", "/nonexistent/dir/out.json"},
       "--json /nonexistent/dir/out.json: the directory /nonexistent/dir does not exist"},
      {{"--scenario", "split-pnp", "--json", "/proc/self/out.json"},
       "--json /proc/self/out.json: cannot create a file in /proc/self"},
      {{"--scenario", "split-pnp", "--interleaving-out", "/tmp"}, "--interleaving-out /tmp: is a directory"},
      {{"--scenario", "split-pnp", "--interleaving-out", "/nonexistent/dir/t.txt"},
       "--interleaving-out /nonexistent/dir/t.txt: the directory /nonexistent/dir does not exist"},
      {{"--scenario", "split-pnp", "--interleaving-out", "/proc/self/t.txt"},
       "--interleaving-out /proc/self/t.txt: cannot create a file in /proc/self"},
      {{"--scenario", "split-pnp", "--json", "/etc/passwd/x.json"}, "--json /etc/passwd/x.json: /etc/passwd is not a directory"},
      {{"--scenario", "split-pnp", "--json", "/tmp/stress_same.json", "--interleaving-out", "/tmp/stress_same.json"},
       "--json and --interleaving-out name the same file"},
      // A violation found, then an unwritable file: the check comes first (exit 2, no run).
      {{"--scenario", "split-pnp", "--mutation", "M2.4", "--stop-on-violation", "--json", "/nonexistent/r.json"},
       "the directory /nonexistent does not exist"},
  };
  const std::vector<BadInput> matrix_cases = {
      {{"--mutation", "M9.9"}, "unknown mutation 'M9.9'"},
      {{"--budget", "0"}, "is not a duration"},
      {{"--budget", "never"}, "--budget"},
      {{"--tsan-budget", "-3"}, "is not a duration"},
      {{"--budget", "nan"}, "is not a duration"},
      {{"--model", "/nonexistent/split_pnp"}, "cannot execute model /nonexistent/split_pnp"},
      {{"--json", "/tmp"}, "--json /tmp: is a directory"},
      {{"--json", "/nonexistent/dir/m.json"}, "--json /nonexistent/dir/m.json: the directory /nonexistent/dir does not exist"},
      {{"--json", "/proc/self/m.json"}, "--json /proc/self/m.json: cannot create a file in /proc/self"},
  };
  int failures = 0;
  auto run = [&](const std::string& tool, const std::vector<std::string>& prefix, const BadInput& b) {
    std::vector<std::string> argv = {tool};
    argv.insert(argv.end(), prefix.begin(), prefix.end());
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    const ChildResult r = RunChild(argv, {}, 30);
    const bool ok = !r.timed_out && !r.signaled && r.exit_code == 2 && r.output.find(b.expect) != std::string::npos;
    std::string shown;
    for (std::size_t i = 1; i < argv.size(); ++i) shown += " " + argv[i];
    std::cout << fmt::format("{} {}{}: {}\n", ok ? "ok  " : "FAIL", tool.substr(tool.rfind('/') + 1), shown,
                             r.Describe());
    if (!ok) {
      std::cout << "  expected exit 2 and a message containing: " << b.expect << "\n  got:\n" << Tail(r.output) << "\n";
      ++failures;
    }
  };
  for (const BadInput& b : stress_cases) run(stress, {}, b);
  if (!kill_matrix.empty()) {
    for (const BadInput& b : matrix_cases) run(kill_matrix, {"--stress", stress, "--stress-tsan", stress}, b);
  }
  std::cout << fmt::format("{} failures\n", failures);
  return failures == 0 ? 0 : 1;
}

// matrix KILL_MATRIX EXPECT... -- ARGS...: run the kill matrix with ARGS and
// check each EXPECT (e.g. M2.4:native=caught) against its JSON.
int Matrix(const std::string& kill_matrix, const std::vector<std::string>& rest) {
  std::vector<std::string> expects, args;
  bool after = false;
  for (const std::string& a : rest) {
    if (a == "--") {
      after = true;
    } else {
      (after ? args : expects).push_back(a);
    }
  }
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string json = std::string(dir != nullptr ? dir : "/tmp") + "/kill_matrix_test.json";
  std::vector<std::string> argv = {kill_matrix};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--json", json});
  const ChildResult r = RunChild(argv, {}, 600);
  std::cout << r.output << "\n" << r.Describe() << "\n";
  if (r.timed_out || r.signaled || r.exit_code != 0) return 1;
  std::ifstream in(json);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    std::cout << "FAIL: bad JSON: " << e.what() << "\n";
    return 1;
  }
  int failures = 0;
  for (const std::string& e : expects) {
    const std::size_t colon = e.find(':'), eq = e.find('=');
    if (colon == std::string::npos || eq == std::string::npos || eq < colon) {
      std::cout << "FAIL: bad expectation " << e << "\n";
      return 1;
    }
    const std::string mutation = e.substr(0, colon), column = e.substr(colon + 1, eq - colon - 1),
                      want = e.substr(eq + 1);
    if (mutation == "all") {
      // Every row that has a scenario (a mutation without one is "no scenario").
      int rows = 0, bad = 0;
      for (const nlohmann::json& row : j) {
        if (row.value("scenarios", nlohmann::json::array()).empty()) continue;
        ++rows;
        const std::string got = row.contains(column) ? row[column].value("result", "") : "(no column)";
        if (got != want) {
          std::cout << fmt::format("FAIL {} {}: want {}, got {}\n", row.value("mutation", "?"), column, want, got);
          ++bad;
        }
      }
      if (rows == 0) ++bad;
      std::cout << fmt::format("{} all {} rows with a scenario, {}: want {}\n", bad == 0 ? "ok  " : "FAIL", rows,
                               column, want);
      failures += bad;
      continue;
    }
    std::string got = "(no row)";
    for (const nlohmann::json& row : j) {
      if (row.value("mutation", "") == mutation && row.contains(column)) got = row[column].value("result", "");
    }
    const bool ok = got == want;
    std::cout << fmt::format("{} {} {}: want {}, got {}\n", ok ? "ok  " : "FAIL", mutation, column, want, got);
    if (!ok) ++failures;
  }
  return failures == 0 ? 0 : 1;
}

// scenario STRESS SECONDS TARGET [tsan]: one scenario's stress test. The
// correct core for SECONDS without a violation, then each of its twins that
// stress must catch (stress/expectations.h: stress_catches; with tsan, the
// twins whose bug is a plain data race that TSan must report), and each
// livelock twin (its expected failure is Livelock()) as a stall.
int OneScenario(const std::string& stress, double seconds, const std::string& target, bool tsan) {
  const ScenarioEntry* e = FindScenario(target);
  if (e == nullptr) {
    std::cerr << "no scenario " << target << " in the registry\n";
    return 2;
  }
  std::cout << fmt::format("{} ({}){}\n", e->info.name, e->info.target, tsan ? " under ThreadSanitizer" : "");
  const int clean = Clean(stress, seconds, e->info.target);
  std::vector<Case> cases, stalls;
  for (const mmu::Twin& t : e->info.twins) {
    const Case c{e->info.name, std::string(mmu::Describe(t.mutation).name)};
    const MutationExpectation x = ExpectationFor(t.mutation);
    if (t.expect.kind == mmu::Failure::Kind::kLivelock) {
      stalls.push_back(c);  // its only symptom: the watchdog ends the run
    } else if (x.stress_catches && (!tsan || x.tsan_race)) {
      cases.push_back(c);
    }
  }
  const int caught = cases.empty() ? 0 : Catch(stress, 30, cases, tsan);
  const int stalled = stalls.empty() ? 0 : Stalls(stress, seconds, stalls);
  return clean == 0 && caught == 0 && stalled == 0 ? 0 : 1;
}

// exit STRESS CODE FRAGMENT -- ARGS...: run stress with ARGS; the exit status
// must be CODE and the output must contain FRAGMENT.
int ExitCase(const std::string& stress, const std::vector<std::string>& rest) {
  if (rest.size() < 3 || rest[2] != "--") {
    std::cerr << "exit: CODE FRAGMENT -- ARGS...\n";
    return 2;
  }
  const int want = std::atoi(rest[0].c_str());
  std::vector<std::string> argv = {stress};
  argv.insert(argv.end(), rest.begin() + 3, rest.end());
  const ChildResult r = RunChild(argv, kTsanEnv, 120);
  const bool ok = !r.timed_out && !r.signaled && r.exit_code == want && r.output.find(rest[1]) != std::string::npos;
  std::string shown;
  for (std::size_t i = 1; i < argv.size(); ++i) shown += " " + argv[i];
  std::cout << fmt::format("{} stress{}: {} (want exit {} and '{}')\n", ok ? "ok  " : "FAIL", shown, r.Describe(), want,
                           rest[1]);
  std::cout << Tail(r.output) << "\n";
  return ok ? 0 : 1;
}

int Usage() {
  std::cerr << "usage: stress_test_driver clean STRESS SECONDS\n"
               "       stress_test_driver scenario STRESS SECONDS TARGET [tsan]\n"
               "       stress_test_driver catch STRESS SECONDS SCENARIO:MUTATION...\n"
               "       stress_test_driver tsan-report STRESS_TSAN SECONDS SCENARIO:MUTATION...\n"
               "       stress_test_driver stall STRESS SECONDS SCENARIO:MUTATION...\n"
               "       stress_test_driver bad-input STRESS [KILL_MATRIX]\n"
               "       stress_test_driver exit STRESS CODE FRAGMENT -- ARGS...\n"
               "       stress_test_driver matrix KILL_MATRIX MUTATION:COLUMN=RESULT... -- ARGS...\n";
  return 2;
}

}  // namespace
}  // namespace stress

int main(int argc, char** argv) {
  using namespace stress;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 2) return Usage();
  const std::string& mode = args[0];
  if (mode == "bad-input") return BadInputs(args[1], args.size() > 2 ? args[2] : "");
  if (mode == "matrix") return Matrix(args[1], {args.begin() + 2, args.end()});
  if (mode == "exit") return ExitCase(args[1], {args.begin() + 2, args.end()});
  if (args.size() < 3) return Usage();
  const double seconds = std::atof(args[2].c_str());
  if (!(seconds > 0)) return Usage();
  if (mode == "clean") return Clean(args[1], seconds);
  if (mode == "scenario" && args.size() >= 4) return OneScenario(args[1], seconds, args[3], args.size() > 4 && args[4] == "tsan");
  std::vector<Case> cases;
  if (!ParseCases({args.begin() + 3, args.end()}, &cases) || cases.empty()) return Usage();
  if (mode == "catch") return Catch(args[1], seconds, cases, false);
  if (mode == "tsan-report") return Catch(args[1], seconds, cases, true);
  if (mode == "stall") return Stalls(args[1], seconds, cases);
  return Usage();
}
