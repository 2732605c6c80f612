// bazel run //litmus:run -- [options] FILE...
//
// For each litmus file: parse and compile it, decide it under LKMM (lkmm.h,
// the verdict that counts), explore it under Relacy as a second opinion for
// the C++ reading (with the gaps of gaps.h flagged), run it natively, and
// judge the three against the declared Result (verdict.h). Prints the
// allowed, reachable and observed states per test, then one line per test
// and a summary.
//
// Exit status: 0 when every test agrees (tests without a Result: included),
// 1 when LKMM or the hardware contradicts a declared Result, 2 on bad input
// or a test that cannot run (the message is `file:line:col: message`).
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "litmus/compile.h"
#include "litmus/engines.h"
#include "litmus/gaps.h"
#include "litmus/lkmm.h"
#include "litmus/parser.h"
#include "litmus/verdict.h"

namespace litmus {
namespace {

struct Options {
  std::vector<std::string> files;
  uint64_t trials = 1000000;
  uint32_t batch = 4096;
  std::string sync = "timebase";
  bool no_native = false;
  bool no_model = false;
  bool json = false;
  bool quiet = false;
  double model_timeout = 300;
  double relacy_timeout = 60;
  double native_timeout = 120;
  std::vector<std::string> drop;
};

struct TestRun {
  std::string file;
  std::optional<Program> program;
  std::optional<Diagnostic> error;
  std::string error_detail;
  std::vector<Gap> gaps;
  std::optional<LkmmResult> lkmm;
  std::optional<ModelResult> model;
  std::string model_skipped;  // why Relacy and the native run did not run
  std::optional<NativeResult> native;
  Judgement judgement;
  // Per state Relacy reaches and LKMM forbids: the axiom and cycle.
  std::vector<std::string> relacy_only_why;
};

std::string Rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f}M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f}k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

// Text from the user (a path, a message quoting it) as printable ASCII:
// other bytes become \xNN, so binary input never reaches the terminal raw.
std::string Printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else if (c == '\n' || c == '\t') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

// Reads a litmus file: checks what the path is and its size before reading
// a byte, so a directory, a FIFO, a device or a huge file each get their
// own message. `bazel run` starts the runner in its runfiles tree; a
// relative path is then taken from where `bazel run` was typed
// (BUILD_WORKING_DIRECTORY).
std::optional<Diagnostic> ReadInput(const std::string& file, std::string* text) {
  std::string path = file;
  struct stat st;
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT && wd && !file.empty() && file[0] != '/') {
    std::string alt = std::string(wd) + "/" + file;
    if (::stat(alt.c_str(), &st) == 0) path = alt;
  }
  auto fail = [&](const std::string& msg) { return Diagnostic{file, {1, 1}, msg}; };
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return fail("no such file");
    return fail(std::string("cannot open file: ") + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return fail("is a directory, not a litmus file");
  if (S_ISFIFO(st.st_mode)) return fail("is a FIFO, not a regular file (litmus files are read whole)");
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return fail("is a device, not a regular file");
  if (S_ISSOCK(st.st_mode)) return fail("is a socket, not a regular file");
  if (!S_ISREG(st.st_mode)) return fail("is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxSourceBytes) {
    return fail("file larger than " + std::to_string(kMaxSourceBytes) + " bytes");
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (errno == EACCES) return fail("permission denied");
    return fail(std::string("cannot open file: ") + std::strerror(errno));
  }
  text->assign(kMaxSourceBytes + 1, '\0');
  size_t n = std::fread(text->data(), 1, text->size(), f);
  bool err = std::ferror(f);
  std::fclose(f);
  if (err) return fail("cannot read file");
  text->resize(n);
  if (n > kMaxSourceBytes) return fail("file larger than " + std::to_string(kMaxSourceBytes) + " bytes");
  return std::nullopt;
}

TestRun RunOne(const std::string& file, const Options& opt) {
  TestRun r;
  r.file = file;
  std::string text;
  if (auto d = ReadInput(file, &text)) {
    r.error = d;
    return r;
  }
  ParseResult parsed = ParseLitmus(text, file);
  if (parsed.error) {
    r.error = parsed.error;
    return r;
  }
  CompileResult compiled = Compile(*parsed.test);
  if (compiled.error) {
    r.error = compiled.error;
    return r;
  }
  r.program = std::move(compiled.program);
  const Program& p = *r.program;
  LkmmOptions lo;
  lo.drop.insert(opt.drop.begin(), opt.drop.end());
  lo.timeout_seconds = opt.model_timeout;
  r.lkmm = RunLkmm(p, lo);
  if (r.lkmm->error) {
    r.error = r.lkmm->error;
    return r;
  }
  if (!p.lkmm_only.empty()) {
    r.model_skipped = p.lkmm_only + " (line " + std::to_string(p.lkmm_only_pos.line) +
                      ") has no Relacy or native mapping; LKMM alone decides";
  } else if (p.threads.size() > static_cast<size_t>(kMaxThreads)) {
    r.model_skipped = std::to_string(p.threads.size()) + " processes: Relacy and the native run take 1.." +
                      std::to_string(kMaxThreads) + "; LKMM alone decides";
  }
  if (!opt.no_model && r.model_skipped.empty()) {
    r.gaps = FindGaps(p);
    ModelOptions mo;
    mo.timeout_seconds = opt.relacy_timeout;
    r.model = RunModel(p, mo);
    if (r.model->timed_out) {
      // Relacy is a second opinion: LKMM has decided already.
      r.model_skipped = "Relacy gave up after " + fmt::format("{:g}", opt.relacy_timeout) +
                        " s (--relacy-timeout); LKMM decides";
      r.model.reset();
    } else if (r.model->error) {
      r.error = r.model->error;
      r.error_detail = r.model->detail;
      return r;
    }
  }
  if (!opt.no_native && p.lkmm_only.empty() && p.threads.size() <= static_cast<size_t>(kMaxThreads)) {
    NativeOptions no;
    no.trials = opt.trials;
    no.batch = opt.batch;
    no.timeout_seconds = opt.native_timeout;
    no.sync = opt.sync == "instance" ? NativeSync::kInstance
              : opt.sync == "batch"  ? NativeSync::kBatch
                                     : NativeSync::kTimebase;
    r.native = RunNative(p, no);
    if (r.native->error) {
      r.error = r.native->error;
      return r;
    }
  }
  r.judgement = Judge(p, &r.lkmm->states, r.model ? &r.model->states : nullptr, r.native ? &r.native->histogram : nullptr);
  for (const auto& s : r.judgement.relacy_only) r.relacy_only_why.push_back(ExplainForbidden(p, s, lo));
  return r;
}

std::string SyncName(const NativeResult& n) {
  switch (n.sync) {
    case NativeSync::kTimebase: return fmt::format("timebase, period {} ticks", n.final_period);
    case NativeSync::kInstance: return "barrier per instance";
    case NativeSync::kBatch: return "barrier per batch";
  }
  return "?";
}

Status StatusOf(const TestRun& r) { return r.error ? Status::kError : r.judgement.status; }

std::string LkmmColumn(const TestRun& r) {
  if (!r.judgement.lkmm) return "-";
  return VerdictName(*r.judgement.lkmm);
}

// Relacy's verdict; `*` when a gap rule fired (it may miss outcomes), `!`
// when it differs from LKMM's with no gap rule to say why (the C++ reading
// orders something LKMM does not, or the reverse): never a bare verdict
// stronger than LKMM.
std::string RelacyColumn(const TestRun& r) {
  if (!r.judgement.relacy) return "-";
  std::string mark = !r.gaps.empty() ? "*" : r.judgement.relacy != r.judgement.lkmm ? "!" : "";
  return std::string(VerdictName(*r.judgement.relacy)) + mark;
}

std::string GapList(const TestRun& r) {
  std::string s;
  for (const Gap& g : r.gaps) {
    if (s.find(GapName(g.kind)) == std::string::npos) s += std::string(s.empty() ? "" : " ") + GapName(g.kind);
  }
  return s;
}

void PrintDetails(const TestRun& r) {
  const Program& p = *r.program;
  const char* quant = p.quantifier == Quantifier::kExists ? "exists" : p.quantifier == Quantifier::kNotExists ? "~exists" : "forall";
  fmt::print("Test {} ({})\n", p.name, Printable(p.file));
  fmt::print("  {} ({})", quant, FormatCond(p, p.condition));
  if (p.filter) fmt::print("  filter ({})", FormatCond(p, *p.filter));
  fmt::print("\n");
  auto mark = [&](const std::vector<int64_t>& s) {
    bool pass = !p.filter || EvalCond(*p.filter, s.data());
    if (!pass) return "  [filtered out]";
    return EvalCond(p.condition, s.data()) ? "  <- condition" : "";
  };
  const LkmmResult& lk = *r.lkmm;
  auto lstates = lk.states.Sorted();
  fmt::print("  LKMM: {} candidate executions, {} consistent, {} allowed states in {:.2f} s, {}{}\n", lk.candidates,
             lk.consistent, lstates.size(), lk.seconds, LkmmColumn(r),
             lk.flags.empty() ? "" : fmt::format(" (flag {})", fmt::join(lk.flags, ", ")));
  for (const auto& [s, n] : lstates) fmt::print("    {}{}\n", FormatState(p, s.data()), mark(s));
  if (r.model) {
    auto states = r.model->states.Sorted();
    fmt::print("  Relacy (C++ reading): full search, {} iterations in {:.2f} s, {} reachable states, {}\n",
               r.model->iterations, r.model->seconds, states.size(), RelacyColumn(r));
    for (const auto& [s, n] : states) {
      bool extra = !lk.states.Contains(s.data());
      fmt::print("    {}{}{}\n", FormatState(p, s.data()), mark(s), extra ? "  [LKMM forbids]" : "");
    }
  } else if (!r.model_skipped.empty()) {
    fmt::print("  Relacy: not run: {}\n", r.model_skipped);
  }
  if (r.native) {
    auto states = r.native->histogram.Sorted();
    double rate = r.native->seconds > 0 ? r.native->trials / r.native->seconds : 0;
    fmt::print("  native: {} trials in {:.2f} s ({} trials/s, {}), {} observed states\n", r.native->trials,
               r.native->seconds, Rate(rate), SyncName(*r.native), states.size());
    for (const auto& [s, n] : states) {
      bool outside = !lk.states.Contains(s.data());
      fmt::print("    {:>10} {}{}{}\n", n, FormatState(p, s.data()), mark(s), outside ? "  [LKMM FORBIDS]" : "");
    }
  }
  for (size_t i = 0; i < r.judgement.relacy_only.size(); ++i) {
    fmt::print("  Relacy and LKMM differ: Relacy reaches {} which LKMM forbids by {}\n",
               FormatState(p, r.judgement.relacy_only[i].data()), r.relacy_only_why[i]);
  }
  for (const auto& s : r.judgement.lkmm_only) {
    std::string gaps = GapList(r);
    fmt::print("  Relacy and LKMM differ: LKMM allows {} which Relacy never reaches{}\n", FormatState(p, s.data()),
               gaps.empty() ? " (C++ orders what LKMM does not, no gap rule fired)" : " (gap: " + gaps + ")");
  }
  for (const Gap& g : r.gaps) fmt::print("  gap {} at line {}: {}\n", GapName(g.kind), g.pos.line, g.message);
  for (const std::string& n : r.judgement.notes) fmt::print("  disagreement: {}\n", n);
  fmt::print("  => {}\n\n", StatusName(StatusOf(r)));
}

nlohmann::json ToJson(const TestRun& r) {
  nlohmann::json j;
  j["file"] = Printable(r.file);
  j["status"] = StatusName(StatusOf(r));
  if (r.error) {
    j["error"] = Printable(r.error->Format());
    if (!r.error_detail.empty()) j["error_detail"] = Printable(r.error_detail);
  }
  if (!r.program) return j;
  const Program& p = *r.program;
  j["name"] = p.name;
  j["declared"] = p.declared ? nlohmann::json(VerdictName(*p.declared)) : nlohmann::json(nullptr);
  j["condition"] = FormatCond(p, p.condition);
  if (r.lkmm && !r.lkmm->error) {
    nlohmann::json states = nlohmann::json::array();
    nlohmann::json after_filter = nlohmann::json::array();
    for (const auto& [s, n] : r.lkmm->states.Sorted()) {
      states.push_back(FormatState(p, s.data()));
      if (!p.filter || EvalCond(*p.filter, s.data())) after_filter.push_back(FormatState(p, s.data()));
    }
    j["lkmm"] = {{"states_after_filter", after_filter},
                 {"verdict", r.judgement.lkmm ? nlohmann::json(VerdictName(*r.judgement.lkmm)) : nlohmann::json(nullptr)},
                 {"candidates", r.lkmm->candidates},
                 {"consistent", r.lkmm->consistent},
                 {"seconds", r.lkmm->seconds},
                 {"flags", r.lkmm->flags},
                 {"states", states}};
  }
  nlohmann::json gaps = nlohmann::json::array();
  for (const Gap& g : r.gaps) {
    gaps.push_back({{"kind", GapName(g.kind)}, {"line", g.pos.line}, {"col", g.pos.col}, {"message", g.message}});
  }
  j["gaps"] = gaps;
  if (!r.model_skipped.empty()) j["relacy_skipped"] = r.model_skipped;
  if (r.model && !r.model->error) {
    nlohmann::json states = nlohmann::json::array();
    for (const auto& [s, n] : r.model->states.Sorted()) states.push_back(FormatState(p, s.data()));
    nlohmann::json differ = nlohmann::json::array();
    for (size_t i = 0; i < r.judgement.relacy_only.size(); ++i) {
      differ.push_back({{"state", FormatState(p, r.judgement.relacy_only[i].data())},
                        {"relacy", "reaches"},
                        {"lkmm", "forbids"},
                        {"why", r.relacy_only_why[i]}});
    }
    for (const auto& s : r.judgement.lkmm_only) {
      differ.push_back({{"state", FormatState(p, s.data())}, {"relacy", "never reaches"}, {"lkmm", "allows"}, {"why", GapList(r)}});
    }
    j["relacy"] = {{"verdict", r.judgement.relacy ? nlohmann::json(RelacyColumn(r)) : nlohmann::json(nullptr)},
                   {"iterations", r.model->iterations},
                   {"seconds", r.model->seconds},
                   {"states", states},
                   {"differs_from_lkmm", differ}};
  }
  if (r.native && !r.native->error) {
    nlohmann::json hist = nlohmann::json::array();
    for (const auto& [s, n] : r.native->histogram.Sorted()) hist.push_back({{"state", FormatState(p, s.data())}, {"count", n}});
    j["native"] = {{"trials", r.native->trials},
                   {"seconds", r.native->seconds},
                   {"trials_per_second", r.native->seconds > 0 ? r.native->trials / r.native->seconds : 0.0},
                   {"sync", SyncName(*r.native)},
                   {"hits", r.judgement.observed_hits},
                   {"histogram", hist}};
  }
  j["notes"] = r.judgement.notes;
  return j;
}

void PrintSummary(const std::vector<TestRun>& runs) {
  size_t width = 4;
  for (const TestRun& r : runs) width = std::max(width, r.program ? r.program->name.size() : Printable(r.file).size());
  fmt::print("{:<{}}  {:<9}  {:<9}  {:<10}  {:>19}  {:>9}  {}\n", "Test", width, "Declared", "LKMM", "Relacy", "Observed",
             "Trials/s", "Status");
  int counts[4] = {0, 0, 0, 0};
  for (const TestRun& r : runs) {
    Status st = StatusOf(r);
    ++counts[static_cast<int>(st)];
    std::string name = r.program ? r.program->name : Printable(r.file);
    std::string declared = r.program && r.program->declared ? VerdictName(*r.program->declared) : "-";
    std::string observed = "-", rate = "-";
    if (r.native && !r.native->error) {
      observed = fmt::format("{}/{}", r.judgement.observed_hits, r.judgement.observed_total);
      if (r.native->seconds > 0) rate = Rate(r.native->trials / r.native->seconds);
    }
    fmt::print("{:<{}}  {:<9}  {:<9}  {:<10}  {:>19}  {:>9}  {}\n", name, width, declared, LkmmColumn(r), RelacyColumn(r),
               observed, rate, StatusName(st));
  }
  fmt::print("{} tests: {} ok, {} without a declared result, {} failed, {} errors\n", runs.size(), counts[0],
             counts[1], counts[2], counts[3]);
  fmt::print("(LKMM decides. Relacy is the C++ reading: * = a Relacy gap may hide outcomes, ! = differs from LKMM;\n"
             " the `differ` lines above name the relation; litmus/README.md)\n");
}

// A positive, finite number of seconds (CLI11 would take -1 and nan).
std::string PositiveSeconds(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v) || v <= 0 || v > 1e6) {
    return "must be a number of seconds greater than 0 and at most 1000000, got '" + Printable(s) + "'";
  }
  return "";
}

int Main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Decides C litmus tests under LKMM, explores them under Relacy (the C++ reading) and runs them natively, "
               "and checks the declared Result."};
  app.add_option("files", opt.files, "litmus files")->required();
  app.add_option("--trials", opt.trials, "native trials per test")->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--batch", opt.batch, "native instances per batch")->check(CLI::Range(1u, 1u << 20));
  app.add_option("--sync", opt.sync, "native alignment of instances: timebase, instance or batch")
      ->check(CLI::IsMember({"timebase", "instance", "batch"}));
  app.add_flag("--no-native", opt.no_native, "skip the native run");
  app.add_flag("--no-model", opt.no_model, "skip the Relacy exploration");
  app.add_flag("--json", opt.json, "print JSON instead of text");
  app.add_flag("-q,--quiet", opt.quiet, "print only the summary table");
  app.add_option("--model-timeout", opt.model_timeout, "seconds before the LKMM engine gives up (an error)")
      ->check(CLI::Validator(PositiveSeconds, "SECONDS"));
  app.add_option("--relacy-timeout", opt.relacy_timeout,
                 "seconds before the Relacy second opinion gives up (noted, not an error)")
      ->check(CLI::Validator(PositiveSeconds, "SECONDS"));
  app.add_option("--native-timeout", opt.native_timeout, "seconds a native process may spin")
      ->check(CLI::Validator(PositiveSeconds, "SECONDS"));
  app.add_option("--drop-relation", opt.drop,
                 "leave one LKMM relation (empty) or axiom (unchecked) out, by its .cat name; repeatable")
      ->check(CLI::IsMember(LkmmDroppableNames()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::vector<TestRun> runs;
  bool any_error = false, any_fail = false;
  for (const std::string& f : opt.files) {
    runs.push_back(RunOne(f, opt));
    const TestRun& r = runs.back();
    if (r.error) {
      any_error = true;
      std::fprintf(stderr, "%s\n", Printable(r.error->Format()).c_str());
      if (!r.error_detail.empty() && !opt.json) std::fprintf(stderr, "%s\n", Printable(r.error_detail).c_str());
    } else {
      any_fail |= r.judgement.status == Status::kFail;
      if (!opt.json && !opt.quiet) PrintDetails(r);
    }
    std::fflush(stdout);
  }
  if (opt.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const TestRun& r : runs) all.push_back(ToJson(r));
    std::cout << all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    PrintSummary(runs);
  }
  return any_error ? 2 : any_fail ? 1 : 0;
}

}  // namespace
}  // namespace litmus

int main(int argc, char** argv) { return litmus::Main(argc, argv); }
