// bazel run //stress:kill_matrix -- [--budget S] [--tsan-budget S] [--mutation M]... [--markdown]
//
// The kill matrix: for every catalogue mutation, which checker catches it.
//
//   Relacy   the scenario's model binary (//models:<target> --variant M
//            --json FILE): caught at which iteration of its declared search;
//   native   //stress:stress --stop-on-violation for the budget (default
//            10 s) per scenario that shows the mutation: the invariant, or a
//            stall (the watchdog found a round that made no progress: a
//            livelock or deadlock, a cell value of its own);
//   TSan     //stress:stress_tsan, the same run under ThreadSanitizer: a
//            TSan report (plain data race, use after free) or the
//            scenario's invariant;
//   x86      whether the bug can happen on an x86 host at all
//            (stress/expectations.h; notes below the table).
//
// Each tool runs as a child process, so a crash or a sanitizer abort is a
// cell of the table. A scenario with no model binary given (--model) shows
// "n/a" in the Relacy column. Exit status: 0 when the matrix was produced,
// 1 when a tool failed in an unexpected way (crash, timeout, bad JSON),
// 2 on bad input.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mmu_core/mutations.h"
#include "stress/expectations.h"
#include "stress/options.h"
#include "stress/output_path.h"
#include "stress/registry.h"
#include "stress/report.h"
#include "stress/stall.h"
#include "stress/subprocess.h"

namespace stress {
namespace {

struct MatrixOptions {
  double budget = 10;
  double tsan_budget = 10;
  double relacy_timeout = 600;
  std::uint64_t seed = 1;
  std::vector<std::string> mutations;  // empty: the whole catalogue
  std::string stress;
  std::string stress_tsan;
  std::vector<std::string> models;  // paths; the file name is the scenario's target
  bool markdown = false;
  std::string json;
};

// One checker's verdict on one mutation.
struct Cell {
  enum Kind { kCaught, kMissed, kNoScenario, kNotAvailable, kError, kStall } kind = kNotAvailable;
  std::string scenario;  // that caught it (or the last one tried)
  std::string how;       // "iteration 1,234" / "invariant" / "data race"
  double seconds = 0;
  std::string detail;    // for errors

  std::string Text() const {
    switch (kind) {
      case kCaught: return fmt::format("{} ({}, {:.2f} s)", how, scenario, seconds);
      case kMissed: return "missed";
      case kNoScenario: return "no scenario";
      case kNotAvailable: return "n/a";
      case kError: return "error: " + detail;
      case kStall: return fmt::format("stall ({}, {:.2f} s)", scenario, seconds);
    }
    return "";
  }
  nlohmann::json Json() const {
    static const char* const kNames[] = {"caught", "missed", "no scenario", "n/a", "error", "stall"};
    return {{"result", kNames[kind]}, {"scenario", scenario}, {"how", how}, {"seconds", seconds}, {"detail", detail}};
  }
};

struct Row {
  mmu::Mutation mutation;
  std::vector<std::string> scenarios;
  Cell relacy, native, tsan;
};

std::string TempFile(const std::string& stem) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string base = dir != nullptr ? dir : std::filesystem::temp_directory_path().string();
  return fmt::format("{}/kill_matrix_{}_{}.json", base, getpid(), stem);
}

std::optional<nlohmann::json> ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string LastLine(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.size() > 120 ? last.substr(0, 117) + "..." : last;
}

// The first "WARNING: ThreadSanitizer: <kind>" in a TSan run's output.
std::string TsanKind(const std::string& out) {
  const std::string tag = "WARNING: ThreadSanitizer: ";
  const std::size_t at = out.find(tag);
  if (at == std::string::npos) return "";
  std::string kind = out.substr(at + tag.size(), out.find('\n', at) - at - tag.size());
  const std::size_t paren = kind.find(" (");
  return paren == std::string::npos ? kind : kind.substr(0, paren);
}

Cell RunRelacy(const MatrixOptions& o, const std::map<std::string, std::string>& models,
               const std::vector<const ScenarioInfo*>& shows, mmu::Mutation m) {
  Cell cell;
  bool any = false;
  for (const ScenarioInfo* s : shows) {
    auto it = models.find(s->target);
    if (it == models.end()) continue;
    any = true;
    const std::string json = TempFile("relacy_" + s->target);
    std::filesystem::remove(json);
    const ChildResult r = RunChild({it->second, "--variant", std::string(mmu::Describe(m).name), "--json", json}, {},
                                   o.relacy_timeout);
    const std::optional<nlohmann::json> j = ReadJson(json);
    std::filesystem::remove(json);
    cell.scenario = s->name;
    if (r.timed_out || r.signaled || r.spawn_failed || !j || !j->is_array()) {
      cell.kind = Cell::kError;
      cell.detail = fmt::format("{} {}", r.Describe(), LastLine(r.output));
      return cell;
    }
    double seconds = 0;
    for (const nlohmann::json& e : *j) {
      seconds += e.value("seconds", 0.0);
      if (e.value("result", "") == "caught") {
        cell.kind = Cell::kCaught;
        cell.how = fmt::format("iteration {}", Count(e.value("found_at_iteration", std::uint64_t{0})));
        cell.seconds = seconds;
        return cell;
      }
    }
    cell.kind = Cell::kMissed;
  }
  if (!any) cell.kind = Cell::kNotAvailable;
  return cell;
}

// Native or TSan stress of every scenario that shows m, until one catches it.
Cell RunStress(const MatrixOptions& o, bool tsan, const std::vector<const ScenarioInfo*>& shows, mmu::Mutation m) {
  Cell cell;
  cell.kind = Cell::kMissed;
  const double budget = tsan ? o.tsan_budget : o.budget;
  const std::string& binary = tsan ? o.stress_tsan : o.stress;
  for (const ScenarioInfo* s : shows) {
    const std::string json = TempFile(std::string(tsan ? "tsan_" : "native_") + s->target);
    std::filesystem::remove(json);
    const ChildResult r = RunChild(
        {binary, "--scenario", s->name, "--mutation", std::string(mmu::Describe(m).name), "--seconds",
         fmt::format("{:g}", budget), "--seed", std::to_string(o.seed), "--stop-on-violation", "--quiet", "--json",
         json},
        {{"TSAN_OPTIONS", "halt_on_error=1:exitcode=66"}}, budget * 4 + 60);
    const std::optional<nlohmann::json> j = ReadJson(json);
    std::filesystem::remove(json);
    cell.scenario = s->name;
    const std::string race = TsanKind(r.output);
    if (tsan && !race.empty() && !r.timed_out && r.exit_code != 0) {
      cell.kind = Cell::kCaught;
      cell.how = race;
      cell.seconds = r.seconds;
      return cell;
    }
    if (!r.timed_out && !r.signaled && r.exit_code == 1 && j && j->is_array() && !j->empty()) {
      const nlohmann::json& f = (*j)[0]["first_violation"];
      cell.kind = Cell::kCaught;
      cell.how = "invariant";
      cell.seconds = f.is_object() ? f.value("seconds", 0.0) : 0.0;
      return cell;
    }
    // A round that made no progress: the run ended on the watchdog (exit 3).
    if (!r.timed_out && !r.signaled && r.exit_code == kExitStall && j && j->is_array() && !j->empty() &&
        j->back()["stall"].is_object()) {
      cell.kind = Cell::kStall;
      cell.how = "stall";
      cell.seconds = j->back()["stall"].value("seconds", 0.0);
      return cell;
    }
    if (r.timed_out || r.signaled || r.spawn_failed || r.exit_code != 0) {
      cell.kind = Cell::kError;
      cell.detail = fmt::format("{} {}", r.Describe(), LastLine(r.output));
      return cell;
    }
  }
  return cell;
}

std::string Table(const std::vector<Row>& rows, const MatrixOptions& o, bool markdown) {
  const std::vector<std::string> head = {"mutation", "scenarios", "Relacy model",
                                         fmt::format("native stress ({:g} s)", o.budget),
                                         fmt::format("TSan stress ({:g} s)", o.tsan_budget), "x86"};
  std::vector<std::vector<std::string>> cells;
  for (const Row& r : rows) {
    std::string scenarios;
    for (const std::string& s : r.scenarios) scenarios += (scenarios.empty() ? "" : ", ") + s;
    const MutationExpectation x = ExpectationFor(r.mutation);
    cells.push_back({std::string(mmu::Describe(r.mutation).name), scenarios.empty() ? "-" : scenarios,
                     r.relacy.Text(), r.native.Text(), r.tsan.Text(), x.x86_visible ? "visible" : "invisible (TSO)"});
  }
  std::vector<std::size_t> w(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    w[c] = head[c].size();
    for (const auto& row : cells) w[c] = std::max(w[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string out = markdown ? "|" : "";
    for (std::size_t c = 0; c < row.size(); ++c) {
      out += markdown ? fmt::format(" {:<{}} |", row[c], w[c]) : fmt::format("{:<{}}  ", row[c], w[c]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(head);
  if (markdown) {
    std::string rule = "|";
    for (std::size_t c = 0; c < head.size(); ++c) rule += std::string(w[c] + 2, '-') + "|";
    out += rule + "\n";
  } else {
    std::size_t total = 0;
    for (std::size_t c = 0; c < head.size(); ++c) total += w[c] + 2;
    out += std::string(total - 2, '-') + "\n";
  }
  for (const auto& row : cells) out += line(row);
  // Two kinds of native miss: the hardware cannot do it (TSO), or it can and
  // the window did not open within the budget (timing).
  std::string tso, timing, stalls;
  for (const Row& r : rows) {
    const MutationExpectation x = ExpectationFor(r.mutation);
    if (r.native.kind == Cell::kStall || r.tsan.kind == Cell::kStall) {
      stalls += fmt::format("{}{}: {}\n", markdown ? "- " : "  ", x.mutation, x.why);
    }
    if (!x.x86_visible) tso += fmt::format("{}{}: {}\n", markdown ? "- " : "  ", x.mutation, x.why);
    if (x.x86_visible && r.native.kind == Cell::kMissed) {
      timing += fmt::format("{}{}: {}\n", markdown ? "- " : "  ", x.mutation, x.why);
    }
  }
  if (!tso.empty()) out += "\nInvisible on x86 (TSO: no x86 CPU can produce the outcome, whatever the budget):\n" + tso;
  if (!stalls.empty()) {
    out += "\nStalls (a round made no progress for the stall limit: the run ended on the watchdog, exit 3):\n" +
           stalls;
  }
  if (!timing.empty()) {
    out += fmt::format("\nMissed by native stress in {:g} s although x86 can produce the outcome (timing):\n", o.budget) +
           timing;
  }
  return out;
}

int Main(int argc, char** argv) {
  MatrixOptions o;
  CLI::App app{"The kill matrix: which checker (Relacy model, native stress, TSan stress) catches each mutation.",
               "kill_matrix"};
  app.add_option("--budget", o.budget, "native stress seconds per scenario (default 10)");
  app.add_option("--tsan-budget", o.tsan_budget, "TSan stress seconds per scenario (default 10)");
  app.add_option("--relacy-timeout", o.relacy_timeout, "seconds allowed to one model run (default 600)");
  app.add_option("--seed", o.seed, "delay seed for the stress runs (default 1)");
  app.add_option("--mutation", o.mutations, "only these mutations (repeatable; default: the whole catalogue)");
  app.add_option("--stress", o.stress, "the native stress binary")->required();
  app.add_option("--stress-tsan", o.stress_tsan, "the ThreadSanitizer stress binary")->required();
  app.add_option("--model", o.models, "a model binary, named after its scenario's target (repeatable)");
  app.add_flag("--markdown", o.markdown, "print the table in Markdown (for README.md)");
  app.add_option("--json", o.json, "also write the matrix as JSON to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "kill_matrix: " << e.what() << "\nRun with --help for the options.\n";
    return 2;
  }
  if (!o.json.empty()) {
    // Checked before the matrix runs, so that a long run is not lost to it.
    if (const std::string bad = CheckOutputPath("--json", o.json); !bad.empty()) {
      std::cerr << "kill_matrix: " << bad << "\n";
      return 2;
    }
  }
  for (double b : {o.budget, o.tsan_budget, o.relacy_timeout}) {
    if (!(b > 0 && b <= kMaxSeconds)) {
      std::cerr << fmt::format("kill_matrix: {:g} is not a duration in seconds (0, {:g}]\n", b, kMaxSeconds);
      return 2;
    }
  }
  std::vector<mmu::Mutation> wanted;
  for (const std::string& name : o.mutations) {
    const std::optional<mmu::Mutation> m = mmu::MutationFromName(name);
    if (!m) {
      std::cerr << fmt::format("kill_matrix: unknown mutation '{}' (see bazel run //stress:stress -- --list)\n", name);
      return 2;
    }
    wanted.push_back(*m);
  }
  if (wanted.empty()) {
    for (const mmu::MutationInfo& i : mmu::kMutations) wanted.push_back(i.id);
  }
  for (const std::string* path : {&o.stress, &o.stress_tsan}) {
    if (access(path->c_str(), X_OK) != 0) {
      std::cerr << "kill_matrix: cannot execute " << *path << "\n";
      return 2;
    }
  }
  std::map<std::string, std::string> models;
  for (const std::string& path : o.models) {
    if (access(path.c_str(), X_OK) != 0) {
      std::cerr << "kill_matrix: cannot execute model " << path << "\n";
      return 2;
    }
    models[std::filesystem::path(path).filename().string()] = path;
  }

  const bool terminal = isatty(STDERR_FILENO) != 0;
  std::vector<Row> rows;
  bool tool_error = false;
  for (mmu::Mutation m : wanted) {
    Row row{m, {}, {}, {}, {}};
    std::vector<const ScenarioInfo*> shows;
    for (const ScenarioEntry& e : Scenarios()) {
      if (e.info.Shows(m)) {
        shows.push_back(&e.info);
        row.scenarios.push_back(e.info.name);
      }
    }
    if (shows.empty()) {
      row.relacy.kind = row.native.kind = row.tsan.kind = Cell::kNoScenario;
    } else {
      if (terminal) std::fprintf(stderr, "\r\033[K  %s: Relacy model...", std::string(mmu::Describe(m).name).c_str());
      row.relacy = RunRelacy(o, models, shows, m);
      if (terminal) std::fprintf(stderr, "\r\033[K  %s: native stress...", std::string(mmu::Describe(m).name).c_str());
      row.native = RunStress(o, false, shows, m);
      if (terminal) std::fprintf(stderr, "\r\033[K  %s: TSan stress...", std::string(mmu::Describe(m).name).c_str());
      row.tsan = RunStress(o, true, shows, m);
    }
    for (const Cell* c : {&row.relacy, &row.native, &row.tsan}) tool_error = tool_error || c->kind == Cell::kError;
    // One line per mutation as it completes (also in CI logs), the table at the end.
    std::fprintf(stderr, "%s  %s: Relacy %s; native %s; TSan %s\n", terminal ? "\r\033[K" : "",
                 std::string(mmu::Describe(m).name).c_str(), row.relacy.Text().c_str(), row.native.Text().c_str(),
                 row.tsan.Text().c_str());
    rows.push_back(row);
  }
  std::cout << Table(rows, o, o.markdown);
  if (!o.json.empty()) {
    nlohmann::json j = nlohmann::json::array();
    for (const Row& r : rows) {
      const MutationExpectation x = ExpectationFor(r.mutation);
      j.push_back({{"mutation", mmu::Describe(r.mutation).name},
                   {"scenarios", r.scenarios},
                   {"relacy", r.relacy.Json()},
                   {"native", r.native.Json()},
                   {"tsan", r.tsan.Json()},
                   {"x86_visible", x.x86_visible},
                   {"x86_note", x.why}});
    }
    std::ofstream out(UserPath(o.json));
    out << j.dump(2) << "\n";
    if (!out) {
      std::cerr << "kill_matrix: cannot write " << o.json << "\n";
      return 2;
    }
  }
  return tool_error ? 1 : 0;
}

}  // namespace
}  // namespace stress

int main(int argc, char** argv) { return stress::Main(argc, argv); }
