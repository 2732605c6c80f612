// replay/cli.cc: option parsing, engine hand-off and output.
#include "replay/cli.h"

#include "mmu_core/catalog/files.h"
#include "replay/report.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <new>

#include <CLI/CLI.hpp>

namespace mmu::replay {
namespace {

std::string Dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// The sibling binary: next to argv[0] (bazel run, runfiles), else next to
// the real executable.
std::string FindSibling(const char* argv0, const char* name) {
  std::vector<std::string> dirs;
  if (std::strchr(argv0, '/') != nullptr) dirs.push_back(Dir(argv0));
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    dirs.push_back(Dir(exe));
  }
  for (const std::string& d : dirs) {
    const std::string p = (d.empty() ? "." : d) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// `bazel run` starts the binary in its runfiles; a relative FILE means the
// caller's directory.
std::string UserPath(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  return wd != nullptr && *wd != '\0' ? std::string(wd) + "/" + path : path;
}

std::optional<Mutations> ParseMutations(const std::string& text, std::string* error) {
  Mutations m;
  std::string list = text;
  for (char& c : list) {
    if (c == '+' || c == ',') c = ' ';
  }
  std::string word;
  std::size_t i = 0;
  bool any = false;
  while (i <= list.size()) {
    if (i == list.size() || list[i] == ' ') {
      if (!word.empty()) {
        any = true;
        if (word == "none" || word == "NONE") {
          word.clear();
          ++i;
          continue;
        }
        auto one = MutationFromName(word);
        if (!one) {
          *error = "--mutation: unknown mutation '" + word + "' (replay --list prints the catalogue)";
          return std::nullopt;
        }
        m = m.Plus(*one);
      }
      word.clear();
    } else {
      word.push_back(list[i]);
    }
    ++i;
  }
  if (!any) {
    *error = "--mutation: expected a catalogue name such as M2.4, or none";
    return std::nullopt;
  }
  return m;
}

}  // namespace

std::optional<Interleaving> TraceAsInterleaving(const Interleaving& il, const Resolved& r, const ScenarioInfo& s,
                                                const Outcome& out) {
  if (out.engine != "native" && !out.violation) return std::nullopt;
  std::vector<MergedEvent> events = out.table;
  std::stable_sort(events.begin(), events.end(), EventBefore);
  Interleaving t;
  t.comments = {"Written by replay from " + il.file + " (" + out.engine + " engine" +
                    (out.engine == "native" ? "" : ", the failing execution") + "):",
                "every step the CPUs ran, in the order they ran it."};
  t.scenario = KeyLine{s.name, 1};
  t.config = KeyLine{s.configs[static_cast<std::size_t>(r.config)], 1};
  t.mutation = KeyLine{r.mutations.ToString(), 1};
  t.mutations = r.mutations;
  t.initial_value = r.initial;
  t.written_values = r.values;
  for (const Column& c : il.columns) t.AddColumn(c.function);
  for (const MergedEvent& m : events) {
    if (m.event.kind == EventKind::kStep) t.AddRow(m.event.cpu, m.event.step);
  }
  return t;
}

std::string JsonError(const Problem& p, const std::string& file) {
  nlohmann::json j;
  j["file"] = file;
  j["exit"] = static_cast<int>(kBadInput);
  j["verdict"] = "bad-input";
  j["error"] = {{"line", p.line}, {"message", p.message}, {"text", p.Format()}};
  return j.dump(2) + "\n";
}

int ReplayFile(const RunRequest& req, const std::vector<CatalogEntry>& catalog, std::string* out, std::string* err,
               bool* must_exit) {
  *must_exit = false;
  const std::string shown = req.display.empty() ? req.path : req.display;
  // Bad input: the message on stderr (its last line), and with --json the
  // same as a JSON object on stdout.
  auto bad = [&](const Problem& p) {
    if (req.json) *out += JsonError(p, shown);
    *err += p.Format() + "\n";
    return static_cast<int>(kBadInput);
  };
  // Output paths first: a run must not end in "cannot write".
  if (!req.write_trace.empty()) {
    const std::string trace_shown = req.write_trace_display.empty() ? req.write_trace : req.write_trace_display;
    if (std::string m = CheckOutputPath("--write-trace", trace_shown, req.write_trace); !m.empty()) {
      return bad(Problem{"replay", 0, m});
    }
  }
  Overrides ov;
  if (req.mutation) {
    std::string error;
    ov.mutations = ParseMutations(*req.mutation, &error);
    if (!ov.mutations) return bad(Problem{"", 0, error});
  }
  auto parsed = ReadInterleaving(req.path, shown);
  if (!parsed.ok()) return bad(parsed.problem);
  Interleaving& il = *parsed.value;
  il.file = shown;
  const std::vector<ScenarioInfo> infos = Infos(catalog);
  const StepFacts facts = Facts(catalog);
  auto resolved = Resolve(il, infos, ov, &facts);
  if (!resolved.ok()) return bad(resolved.problem);
  if (resolved.value->table) il = *resolved.value->table;  // with the idle CPUs' columns
  const Resolved& r = *resolved.value;
  for (const std::string& note : r.notes) *err += il.file + ": note: " + note + "\n";
  const CatalogEntry& entry = catalog[static_cast<std::size_t>(r.scenario)];
  const Plan plan = MakePlan(il, r, entry.info.threads);
  const Outcome outcome = entry.run(entry.info, plan, req.options);
  *must_exit = outcome.stuck && outcome.engine == "native";

  const Report report{il, r, entry.info, outcome};
  int code = ExitCodeOf(outcome);
  if (req.json) {
    *out += JsonReport(report).dump(2) + "\n";
  } else {
    *out += TextReport(report);
  }
  if (!req.write_trace.empty()) {
    const auto trace = TraceAsInterleaving(il, r, entry.info, outcome);
    if (!trace) {
      *err += "replay: nothing written to " + req.write_trace + ": Relacy found no failing execution\n";
    } else if (std::ofstream f(req.write_trace); f << WriteInterleaving(*trace) && f.flush()) {
      *err += "replay: wrote the execution to " + req.write_trace + "\n";
    } else {
      // Checked before the run, so the disk filled or the file went away:
      // not silent, and not an exit 0 (a violation keeps its exit 1).
      *err += "replay: --write-trace " + req.write_trace + ": cannot write it: " + std::strerror(errno) + "\n";
      if (code == kHeld) code = kBadInput;
    }
  }
  if (code == kBadInput) {
    Problem p = FailureProblem(il, outcome.failure, outcome.watchdog_s, &r);
    p.message = CannotHappen(r) + p.message;
    *err += p.Format() + "\n";
  }
  return code;
}

int ReplayMain(int argc, char** argv, const std::vector<CatalogEntry>& catalog, const BinaryInfo& bin) {
  CLI::App app{
      "Replays a reported interleaving (a table of steps, one column per CPU) against the real shadow-MMU core.\n"
      "Exit status: 0 the invariant held, 1 it was violated, 2 bad input (file, options, or an order that cannot "
      "happen), 3 undecided (time or budget ran out).",
      "replay"};
  RunRequest req;
  std::string engine = bin.engine;
  std::string mutation;
  bool list = false;
  app.add_option("file", req.path, "the interleaving file (replay/README.md describes the format)");
  app.add_option("--engine", engine, "native: real threads in the table's order; relacy: every memory-model outcome "
                                     "consistent with the order")
      ->check(CLI::IsMember({"native", "relacy"}));
  app.add_option("--mutation", mutation, "run the core with these mutations (M2.4, M2.4+M2.5, none), overriding the file's");
  app.add_flag("--json", req.json, "print the result as JSON");
  app.add_option("--write-trace", req.write_trace,
                 "write the execution (native; Relacy: the failing one) as an interleaving that lists every step");
  app.add_flag("--list", list, "print the scenarios, the step vocabulary and the mutation catalogue");
  app.add_flag("--history", req.options.history, "relacy: also print Relacy's report of a failing execution");
  // CLI::Range lets NaN through (every comparison with NaN is false).
  const CLI::Validator finite(
      [](std::string& text) -> std::string {
        double v = 0;
        if (CLI::detail::lexical_cast(text, v) && std::isfinite(v)) return "";
        return "Value " + text + " is not a finite number";
      },
      "FINITE");
  app.add_option("--timeout", req.options.timeout_s,
                 "native: give up after this many seconds without a step (default 10); relacy: the exploration's time "
                 "limit (default 120)")
      ->check(finite)
      ->check(CLI::Range(0.01, 86400.0));
  app.add_option("--max-executions", req.options.max_executions, "relacy: stop (undecided) after this many executions")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  app.add_option("--lock-wait", req.options.lock_wait_ms,
                 "native: milliseconds the CPU holding the turn may wait for mmu_lock before the turn passes on")
      ->check(finite)
      ->check(CLI::Range(1.0, 600000.0));
  // --json holds for errors of the command line too, even when it is the
  // command line that is wrong.
  const bool json = std::any_of(argv + 1, argv + argc, [](const char* a) { return std::strcmp(a, "--json") == 0; });
  auto usage_error = [&](const std::string& message) {
    if (json) std::fputs(JsonError(Problem{"", 0, message}, "").c_str(), stdout);
    std::fprintf(stderr, "%s\n", message.c_str());
    return static_cast<int>(kBadInput);
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(std::string("replay: ") + e.what() + " (replay --help)");
  }
  if (list) {
    std::fputs(ListText(Infos(catalog)).c_str(), stdout);
    return 0;
  }
  if (req.path.empty()) return usage_error("replay: no interleaving file given (replay --help)");
  if (engine != bin.engine) {
    const std::string sibling = FindSibling(argv[0], bin.sibling);
    if (sibling.empty()) {
      std::fprintf(stderr, "replay: the %s engine's binary '%s' is not next to this one\n", engine.c_str(), bin.sibling);
      return kUndecided;
    }
    std::fflush(nullptr);
    std::vector<char*> args(argv, argv + argc);
    args[0] = const_cast<char*>(sibling.c_str());
    args.push_back(nullptr);
    ::execv(sibling.c_str(), args.data());
    std::fprintf(stderr, "replay: cannot run %s: %s\n", sibling.c_str(), std::strerror(errno));
    return kUndecided;
  }
  if (!mutation.empty()) req.mutation = mutation;
  req.display = req.path;
  req.path = UserPath(req.path);
  req.write_trace_display = req.write_trace;
  if (!req.write_trace.empty()) req.write_trace = UserPath(req.write_trace);
  req.options.progress = ::isatty(2) != 0 && !req.json;

  std::string out, err;
  bool must_exit = false;
  int code = kUndecided;
  try {
    code = ReplayFile(req, catalog, &out, &err, &must_exit);
  } catch (const std::bad_alloc&) {
    err += "replay: out of memory\n";
    code = kUndecided;
  } catch (const std::exception& e) {
    err += std::string("replay: internal error: ") + e.what() + "\n";
    code = kUndecided;
  }
  std::fputs(out.c_str(), stdout);
  std::fputs(err.c_str(), stderr);
  if (must_exit) {
    // Threads that could not be stopped still run the core: leave at once.
    std::fflush(nullptr);
    ::_exit(code);
  }
  return code;
}

}  // namespace mmu::replay
