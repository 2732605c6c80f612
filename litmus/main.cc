// bazel run //litmus:run -- [options] FILE...
//
// For each litmus file: parse and compile it, flag the Relacy gaps its
// verdict may depend on (gaps.h), explore it exhaustively under Relacy,
// run it natively, and judge the three against the declared Result
// (verdict.h). Prints the reachable and observed states per test, then one
// line per test and a summary.
//
// Exit status: 0 when every test agrees (gap-limited tests included),
// 1 on any unexplained disagreement, 2 on malformed input or a test that
// cannot run (the message is `file:line:col: message`).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "litmus/compile.h"
#include "litmus/engines.h"
#include "litmus/gaps.h"
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
  double native_timeout = 120;
};

struct TestRun {
  std::string file;
  std::optional<Program> program;
  std::optional<Diagnostic> error;
  std::string error_detail;
  std::vector<Gap> gaps;
  std::optional<ModelResult> model;
  std::optional<NativeResult> native;
  Judgement judgement;
};

std::string Rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f}M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f}k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

// `bazel run` starts the runner in its runfiles tree; a relative path is
// then taken from where `bazel run` was typed (BUILD_WORKING_DIRECTORY).
std::ifstream OpenInput(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (!in && wd && !file.empty() && file[0] != '/') in.open(std::string(wd) + "/" + file, std::ios::binary);
  return in;
}

TestRun RunOne(const std::string& file, const Options& opt) {
  TestRun r;
  r.file = file;
  std::ifstream in = OpenInput(file);
  if (!in) {
    r.error = Diagnostic{file, {1, 1}, "cannot open file"};
    return r;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  ParseResult parsed = ParseLitmus(buf.str(), file);
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
  r.gaps = FindGaps(p);
  if (!opt.no_model) {
    ModelOptions mo;
    mo.timeout_seconds = opt.model_timeout;
    r.model = RunModel(p, mo);
    if (r.model->error) {
      r.error = r.model->error;
      r.error_detail = r.model->detail;
      return r;
    }
  }
  if (!opt.no_native) {
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
  r.judgement = Judge(p, r.gaps, r.model ? &r.model->states : nullptr, r.native ? &r.native->histogram : nullptr);
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

std::string ModelColumn(const TestRun& r) {
  if (!r.judgement.model) return "-";
  return std::string(VerdictName(*r.judgement.model)) + (r.gaps.empty() ? "" : "*");
}

void PrintDetails(const TestRun& r) {
  const Program& p = *r.program;
  const char* quant = p.quantifier == Quantifier::kExists ? "exists" : p.quantifier == Quantifier::kNotExists ? "~exists" : "forall";
  fmt::print("Test {} ({})\n", p.name, p.file);
  fmt::print("  {} ({})", quant, FormatCond(p, p.condition));
  if (p.filter) fmt::print("  filter ({})", FormatCond(p, *p.filter));
  fmt::print("\n");
  auto mark = [&](const std::vector<int64_t>& s) {
    bool pass = !p.filter || EvalCond(*p.filter, s.data());
    if (!pass) return "  [filtered out]";
    return EvalCond(p.condition, s.data()) ? "  <- condition" : "";
  };
  if (r.model) {
    auto states = r.model->states.Sorted();
    fmt::print("  model: Relacy full search, {} iterations in {:.2f} s, {} reachable states, {}\n", r.model->iterations,
               r.model->seconds, states.size(), ModelColumn(r));
    for (const auto& [s, n] : states) fmt::print("    {}{}\n", FormatState(p, s.data()), mark(s));
  }
  if (r.native) {
    auto states = r.native->histogram.Sorted();
    double rate = r.native->seconds > 0 ? r.native->trials / r.native->seconds : 0;
    fmt::print("  native: {} trials in {:.2f} s ({} trials/s, {}), {} observed states\n", r.native->trials,
               r.native->seconds, Rate(rate), SyncName(*r.native),
               states.size());
    for (const auto& [s, n] : states) {
      bool outside = r.model && !r.model->states.Contains(s.data());
      fmt::print("    {:>10} {}{}{}\n", n, FormatState(p, s.data()), mark(s), outside ? "  [NOT IN MODEL]" : "");
    }
  }
  for (const Gap& g : r.gaps) fmt::print("  gap {} at line {}: {}\n", GapName(g.kind), g.pos.line, g.message);
  for (const std::string& n : r.judgement.notes) fmt::print("  disagreement: {}\n", n);
  fmt::print("  => {}\n\n", StatusName(StatusOf(r)));
}

nlohmann::json ToJson(const TestRun& r) {
  nlohmann::json j;
  j["file"] = r.file;
  j["status"] = StatusName(StatusOf(r));
  if (r.error) {
    j["error"] = r.error->Format();
    if (!r.error_detail.empty()) j["error_detail"] = r.error_detail;
  }
  if (!r.program) return j;
  const Program& p = *r.program;
  j["name"] = p.name;
  j["declared"] = p.declared ? VerdictName(*p.declared) : nullptr;
  j["condition"] = FormatCond(p, p.condition);
  nlohmann::json gaps = nlohmann::json::array();
  for (const Gap& g : r.gaps) {
    gaps.push_back({{"kind", GapName(g.kind)}, {"line", g.pos.line}, {"col", g.pos.col}, {"message", g.message}});
  }
  j["gaps"] = gaps;
  if (r.model && !r.model->error) {
    nlohmann::json states = nlohmann::json::array();
    for (const auto& [s, n] : r.model->states.Sorted()) states.push_back(FormatState(p, s.data()));
    j["model"] = {{"verdict", r.judgement.model ? VerdictName(*r.judgement.model) : "-"},
                  {"iterations", r.model->iterations},
                  {"seconds", r.model->seconds},
                  {"states", states}};
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
  for (const TestRun& r : runs) width = std::max(width, r.program ? r.program->name.size() : r.file.size());
  fmt::print("{:<{}}  {:<9}  {:<10}  {:>19}  {:>9}  {}\n", "Test", width, "Declared", "Model", "Observed", "Trials/s",
             "Status");
  int counts[4] = {0, 0, 0, 0};
  for (const TestRun& r : runs) {
    Status st = StatusOf(r);
    ++counts[static_cast<int>(st)];
    std::string name = r.program ? r.program->name : r.file;
    std::string declared = r.program && r.program->declared ? VerdictName(*r.program->declared) : "-";
    std::string observed = "-", rate = "-";
    if (r.native && !r.native->error) {
      observed = fmt::format("{}/{}", r.judgement.observed_hits, r.judgement.observed_total);
      if (r.native->seconds > 0) rate = Rate(r.native->trials / r.native->seconds);
    }
    std::string status = StatusName(st);
    if (st == Status::kGap) {
      status += ":";
      for (const Gap& g : r.gaps) {
        if (status.find(GapName(g.kind)) == std::string::npos) status += std::string(" ") + GapName(g.kind);
      }
    }
    fmt::print("{:<{}}  {:<9}  {:<10}  {:>19}  {:>9}  {}\n", name, width, declared, ModelColumn(r), observed, rate,
               status);
  }
  fmt::print("{} tests: {} ok, {} limited by model gaps, {} failed, {} errors\n", runs.size(), counts[0], counts[1],
             counts[2], counts[3]);
  fmt::print("(Model* = a Relacy gap may hide outcomes; see the gap lines above and litmus/README.md)\n");
}

int Main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Runs C litmus tests under Relacy (exhaustive) and natively, and checks the declared Result."};
  app.add_option("files", opt.files, "litmus files")->required();
  app.add_option("--trials", opt.trials, "native trials per test")->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--batch", opt.batch, "native instances per batch")->check(CLI::Range(1u, 1u << 20));
  app.add_option("--sync", opt.sync, "native alignment of instances: timebase, instance or batch")
      ->check(CLI::IsMember({"timebase", "instance", "batch"}));
  app.add_flag("--no-native", opt.no_native, "skip the native run");
  app.add_flag("--no-model", opt.no_model, "skip the Relacy exploration");
  app.add_flag("--json", opt.json, "print JSON instead of text");
  app.add_flag("-q,--quiet", opt.quiet, "print only the summary table");
  app.add_option("--model-timeout", opt.model_timeout, "seconds before the exploration gives up");
  app.add_option("--native-timeout", opt.native_timeout, "seconds a native process may spin");
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
      std::fprintf(stderr, "%s\n", r.error->Format().c_str());
      if (!r.error_detail.empty() && !opt.json) std::fprintf(stderr, "%s\n", r.error_detail.c_str());
    } else {
      any_fail |= r.judgement.status == Status::kFail;
      if (!opt.json && !opt.quiet) PrintDetails(r);
    }
    std::fflush(stdout);
  }
  if (opt.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const TestRun& r : runs) all.push_back(ToJson(r));
    std::cout << all.dump(2) << "\n";
  } else {
    PrintSummary(runs);
  }
  return any_error ? 2 : any_fail ? 1 : 0;
}

}  // namespace
}  // namespace litmus

int main(int argc, char** argv) { return litmus::Main(argc, argv); }
