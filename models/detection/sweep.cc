// bazel run //models:sweep -- [--part barrier|logical|all] [--jobs N] [--json FILE] [--files F,...]
//
// The detection-power sweep (models/README.md, "Detection power"):
//
//  barrier table  every ordered call site the models' threads reach (recorded
//                 by the facade: --sites), weakened one at a time (--weaken
//                 FILE:LINE:HOW), run on every model configuration that
//                 reaches it with the reduced search (--search dpor) until one
//                 fails: killed (by which model, after how many executions)
//                 or survived;
//  logical table  every point of the source mutator's schemata (mutator.cc)
//                 that a model reaches, switched on one at a time (--mutant
//                 ID on the *_mutants binaries), the same way.
//
// A survivor must be explained in explained.h (redundant given another edge,
// needed only on a weaker architecture, a checker gap, an equivalent mutant,
// ...). Exit status: 0 when every survivor is explained and every explanation
// still matches something; 1 otherwise (an unexplained survivor, a stale
// explanation, a correct core that fails, a run that errs); 2 on bad input.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/detection/explained.h"
#include "models/detection/weakenings.h"
#include "stress/subprocess.h"

namespace mmu::models::detection {
namespace {

constexpr int kBadInput = 2;

struct Options {
  std::vector<std::string> models;   // model binaries (//models:<target>)
  std::vector<std::string> mutants;  // schemata binaries (//models:<target>_mutants)
  std::string catalog;               // the mutator's catalogue (JSON)
  std::string part = "all";
  int jobs = 2;
  double timeout = 300;          // one weakened run
  double mutant_timeout = 30;    // one mutant run: a mutant may loop for ever without a scheduling point
  std::string json;
  std::vector<std::string> files;  // only sites and points in these files
  std::vector<std::string> scenarios;  // only these models
  bool quiet = false;
};

// ---------------------------------------------------------------------------
// Model binaries and their configurations
// ---------------------------------------------------------------------------

struct Model {
  std::string path;
  std::string target;
  std::string name;
  std::vector<std::string> configs;
  std::string mutants;  // the schemata binary, if any
};

std::string Base(const std::string& p) { return std::filesystem::path(p).filename().string(); }

// One run of a model binary; JSON result of the driver.
struct RunResult {
  enum Kind { kPassed, kFailed, kTimeout, kCrash, kError } kind = kError;
  std::string error_kind;
  std::string message;
  std::uint64_t executions = 0;
  double seconds = 0;
  std::string detail;  // kError: what went wrong
};

std::string TempPath(const std::string& tag) {
  static std::atomic<int> n{0};
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string base = dir != nullptr ? dir : std::filesystem::temp_directory_path().string();
  return fmt::format("{}/sweep.{}.{}.{}", base, getpid(), n.fetch_add(1), tag);
}

RunResult RunModel(const std::string& binary, std::vector<std::string> args, double timeout) {
  RunResult r;
  const std::string json = TempPath("json");
  std::vector<std::string> argv = {binary, "--variant", "none", "--search", "dpor", "--no-history", "--json", json};
  argv.insert(argv.end(), args.begin(), args.end());
  const stress::ChildResult c = stress::RunChild(argv, {}, timeout);
  r.seconds = c.seconds;
  if (c.timed_out) {
    r.kind = RunResult::kTimeout;
    std::remove(json.c_str());
    return r;
  }
  if (c.signaled && (c.term_signal == SIGSEGV || c.term_signal == SIGBUS || c.term_signal == SIGFPE ||
                     c.term_signal == SIGILL)) {
    // The model crashed (a wild pointer, a bad index): the mutated kernel
    // would oops too. Counted as killed for a logical mutant only.
    r.kind = RunResult::kCrash;
    r.detail = fmt::format("{} {}", Base(binary), c.Describe());
    r.message = c.Describe();
    std::remove(json.c_str());
    return r;
  }
  if (c.signaled || c.spawn_failed || (c.exit_code != 0 && c.exit_code != 1)) {
    r.detail = fmt::format("{} {}: {}", Base(binary), c.Describe(), c.output.substr(0, 400));
    std::remove(json.c_str());
    return r;
  }
  std::ifstream f(json);
  nlohmann::json j;
  try {
    f >> j;
  } catch (const std::exception& e) {
    r.detail = fmt::format("{}: unreadable JSON ({})", Base(binary), e.what());
    std::remove(json.c_str());
    return r;
  }
  std::remove(json.c_str());
  r.kind = RunResult::kPassed;
  for (const nlohmann::json& run : j) {
    if (run.value("result", "") == "failed") {
      r.kind = RunResult::kFailed;
      r.error_kind = run.value("error_kind", "");
      r.message = run["message"].is_string() ? run["message"].get<std::string>() : "";
      r.executions = run["found_at_iteration"].is_number() ? run["found_at_iteration"].get<std::uint64_t>() : 0;
      break;
    }
    r.executions += run.value("iterations", std::uint64_t{0});
  }
  return r;
}

// ---------------------------------------------------------------------------
// Sources: statement text and edge labels
// ---------------------------------------------------------------------------

class Sources {
 public:
  const std::vector<std::string>& Lines(const std::string& file) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = files_.find(file);
    if (it != files_.end()) return it->second;
    std::vector<std::string> lines;
    std::ifstream f(file);
    for (std::string l; std::getline(f, l);) lines.push_back(l);
    return files_.emplace(file, std::move(lines)).first->second;
  }
  // The statement that starts at `line` (up to its ';', at most 6 lines), trimmed.
  std::string Statement(const std::string& file, unsigned line) {
    const std::vector<std::string>& ls = Lines(file);
    std::string s;
    for (unsigned i = line; i >= 1 && i <= ls.size() && i < line + 6; ++i) {
      std::string t = Trim(ls[i - 1]);
      s += (s.empty() ? "" : " ") + t;
      const std::string code = t.substr(0, t.find("//"));
      if (code.find(';') != std::string::npos || code.find('{') != std::string::npos) break;
    }
    return s;
  }
  // The edge label ("[R2]") on the statement, or in the comment lines just above it.
  std::string Label(const std::string& file, unsigned line) {
    const std::string st = Statement(file, line);
    if (std::string l = FindLabel(st); !l.empty()) return l;
    const std::vector<std::string>& ls = Lines(file);
    for (unsigned i = line - 1; i >= 1 && i <= ls.size() && i + 8 > line; --i) {
      const std::string t = Trim(ls[i - 1]);
      if (t.rfind("//", 0) != 0) break;
      if (std::string l = FindLabel(t); !l.empty()) return l;
    }
    return "";
  }
  static std::string Trim(const std::string& s) {
    const std::size_t a = s.find_first_not_of(" \t");
    if (a == std::string::npos) return "";
    const std::size_t b = s.find_last_not_of(" \t");
    return s.substr(a, b - a + 1);
  }

 private:
  static std::string FindLabel(const std::string& s) {
    for (std::size_t i = s.find('['); i != std::string::npos; i = s.find('[', i + 1)) {
      std::size_t j = i + 1;
      while (j < s.size() && s[j] >= 'A' && s[j] <= 'Z') ++j;
      const std::size_t letters = j - i - 1;
      std::size_t k = j;
      while (k < s.size() && s[k] >= '0' && s[k] <= '9') ++k;
      if (letters >= 1 && letters <= 2 && k > j && k < s.size() && s[k] == ']') return s.substr(i, k - i + 1);
    }
    return "";
  }
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> files_;
};

// ---------------------------------------------------------------------------
// What is swept
// ---------------------------------------------------------------------------

struct Reach {
  int model;
  int config;
  std::uint64_t cost;  // the correct run's executions: cheapest first
  double seconds;      // the correct run's time
};

struct Site {
  SiteId id;
  std::vector<std::pair<Op, Order>> calls;
  std::set<std::string> functions;
  std::vector<Reach> reached;
  std::string label;
  std::string text;
};

struct Point {  // a logical mutation point of the schemata
  int id = 0;
  std::string file;
  unsigned line = 0;
  std::string op;
  std::string original;
  std::string mutated;
  std::string function;
  std::vector<Reach> reached;
};

// One row of a table: a site and a weakening, or a point.
struct Row {
  bool logical = false;
  int index = 0;  // into sites or points
  How how = How::kNone;
  // Result.
  enum Kind { kKilled, kSurvived, kExplained, kError } kind = kError;
  int model = -1;
  int config = -1;
  RunResult run;
  int runs = 0;  // configurations tried
  const Explanation* why = nullptr;
  std::string detail;
};

class Sweep {
 public:
  explicit Sweep(const Options& o) : o_(o) {}
  int Main();

 private:
  bool LoadModels();
  bool Correct();  // the correct core of every configuration, recording sites and points
  void Plan();
  void RunRows();
  void RunRow(Row& r);
  void Explain();
  int Report(double seconds);
  bool Wanted(const std::string& file) const {
    if (o_.files.empty()) return true;
    for (const std::string& f : o_.files) {
      if (file == f) return true;
    }
    return false;
  }
  std::string Where(int model, int config) const {
    return fmt::format("{} [{}]", models_[model].name, models_[model].configs[config]);
  }
  void Progress(const std::string& what) {
    if (o_.quiet || isatty(STDERR_FILENO) == 0) return;
    std::fprintf(stderr, "\r\033[K  %s", what.c_str());
  }
  void EndProgress() {
    if (o_.quiet || isatty(STDERR_FILENO) == 0) return;
    std::fprintf(stderr, "\r\033[K");
  }

  const Options& o_;
  Sources sources_;
  std::vector<Model> models_;
  std::map<SiteId, Site> site_map_;
  std::vector<Site> sites_;
  std::vector<Point> points_;
  std::vector<Row> rows_;
  std::vector<std::string> errors_;
  std::vector<const Explanation*> stale_;
  int unreached_points_ = 0;
  std::vector<Point> all_points_;
};

bool Sweep::LoadModels() {
  std::map<std::string, std::string> mutants;
  for (const std::string& m : o_.mutants) {
    std::string t = Base(m);
    const std::string suffix = "_mutants";
    if (t.size() > suffix.size() && t.substr(t.size() - suffix.size()) == suffix) t = t.substr(0, t.size() - suffix.size());
    mutants[t] = m;
  }
  for (const std::string& path : o_.models) {
    Model m;
    m.path = path;
    m.target = Base(path);
    if (!o_.scenarios.empty() &&
        std::find(o_.scenarios.begin(), o_.scenarios.end(), m.target) == o_.scenarios.end()) {
      continue;
    }
    const std::string json = TempPath("list");
    const stress::ChildResult c = stress::RunChild({path, "--list", "--json", json}, {}, 60);
    std::ifstream f(json);
    nlohmann::json j;
    try {
      f >> j;
    } catch (const std::exception&) {
      fmt::print(stderr, "sweep: {} --list --json: {} ({})\n", path, c.Describe(), c.output.substr(0, 300));
      return false;
    }
    std::remove(json.c_str());
    m.name = j.value("scenario", m.target);
    for (const nlohmann::json& cfg : j["configs"]) m.configs.push_back(cfg.get<std::string>());
    if (auto it = mutants.find(m.target); it != mutants.end()) m.mutants = it->second;
    models_.push_back(std::move(m));
  }
  if (models_.empty()) {
    fmt::print(stderr, "sweep: no model binaries{}\n", o_.scenarios.empty() ? "" : " match --scenarios");
    return false;
  }
  return true;
}

// Runs every configuration's correct core once with --sites (and, on the
// schemata binary, --mutants-reached): the sites and points it reaches.
bool Sweep::Correct() {
  struct Task {
    int model;
    int config;
    bool mutants;
  };
  std::vector<Task> tasks;
  for (int m = 0; m < static_cast<int>(models_.size()); ++m) {
    for (int c = 0; c < static_cast<int>(models_[m].configs.size()); ++c) {
      if (o_.part != "logical") tasks.push_back({m, c, false});
      if (o_.part != "barrier" && !models_[m].mutants.empty()) tasks.push_back({m, c, true});
    }
  }
  std::mutex mu;
  std::atomic<std::size_t> next{0};
  bool ok = true;
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < tasks.size();) {
      const Task& t = tasks[i];
      const Model& m = models_[t.model];
      const std::string out = TempPath(t.mutants ? "reached" : "sites");
      const RunResult r = RunModel(t.mutants ? m.mutants : m.path,
                                   {"--config", std::to_string(t.config), t.mutants ? "--mutants-reached" : "--sites", out},
                                   o_.timeout);
      nlohmann::json j;
      bool read = false;
      try {
        std::ifstream f(out);
        f >> j;
        read = true;
      } catch (const std::exception&) {
      }
      std::remove(out.c_str());
      std::lock_guard<std::mutex> g(mu);
      Progress(fmt::format("correct cores: {} of {} runs", i + 1, tasks.size()));
      if (r.kind != RunResult::kPassed || !read) {
        errors_.push_back(fmt::format("the correct core of {}{} did not pass: {} {} {}", Where(t.model, t.config),
                                      t.mutants ? " (schemata build)" : "",
                                      r.kind == RunResult::kTimeout ? "timeout" : r.error_kind, r.message, r.detail));
        ok = false;
        continue;
      }
      const Reach reach{t.model, t.config, r.executions, r.seconds};
      if (!t.mutants) {
        if (j.value("truncated", false)) errors_.push_back(Where(t.model, t.config) + ": the site table overflowed");
        for (const nlohmann::json& s : j["sites"]) {
          const SiteId id{s["file"].get<std::string>(), s["line"].get<unsigned>()};
          Site& site = site_map_[id];
          site.id = id;
          const std::optional<Op> op = OpFromName(s["op"].get<std::string>());
          const std::optional<Order> order = OrderFromName(s["order"].get<std::string>());
          if (!op || !order) continue;
          if (std::find(site.calls.begin(), site.calls.end(), std::make_pair(*op, *order)) == site.calls.end()) {
            site.calls.emplace_back(*op, *order);
          }
          site.functions.insert(s["function"].get<std::string>());
          bool have = false;
          for (const Reach& x : site.reached) have = have || (x.model == t.model && x.config == t.config);
          if (!have) site.reached.push_back(reach);
        }
      } else {
        if (j.value("points", 0) != static_cast<int>(all_points_.size())) {
          errors_.push_back(fmt::format("{}: the schemata binary has {} points, the catalogue {}", m.mutants,
                                        j.value("points", 0), all_points_.size()));
          ok = false;
          continue;
        }
        for (const nlohmann::json& id : j["reached"]) {
          const int p = id.get<int>();
          if (p >= 0 && p < static_cast<int>(all_points_.size())) all_points_[p].reached.push_back(reach);
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < std::max(1, o_.jobs); ++i) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  EndProgress();
  return ok;
}

void Sweep::Plan() {
  for (auto& [id, site] : site_map_) {
    if (!Wanted(id.file)) continue;
    site.text = sources_.Statement(id.file, id.line);
    site.label = sources_.Label(id.file, id.line);
    std::sort(site.reached.begin(), site.reached.end(), [](const Reach& a, const Reach& b) { return a.cost < b.cost; });
    sites_.push_back(site);
  }
  for (int s = 0; s < static_cast<int>(sites_.size()); ++s) {
    std::vector<How> hows;
    for (const auto& [op, order] : sites_[s].calls) {
      for (How h : WeakeningsOf(op, order)) {
        if (std::find(hows.begin(), hows.end(), h) == hows.end()) hows.push_back(h);
      }
    }
    for (How h : hows) {
      Row r;
      r.index = s;
      r.how = h;
      rows_.push_back(r);
    }
  }
  for (Point& p : all_points_) {
    if (!Wanted(p.file)) continue;
    if (p.reached.empty()) {
      ++unreached_points_;
      continue;
    }
    std::sort(p.reached.begin(), p.reached.end(), [](const Reach& a, const Reach& b) { return a.cost < b.cost; });
    points_.push_back(p);
    Row r;
    r.logical = true;
    r.index = static_cast<int>(points_.size()) - 1;
    rows_.push_back(r);
  }
}

void Sweep::RunRow(Row& r) {
  const std::vector<Reach>& reached = r.logical ? points_[r.index].reached : sites_[r.index].reached;
  for (const Reach& at : reached) {
    const Model& m = models_[at.model];
    std::vector<std::string> args = {"--config", std::to_string(at.config)};
    if (r.logical) {
      args.push_back("--mutant");
      args.push_back(std::to_string(points_[r.index].id));
    } else {
      args.push_back("--weaken");
      args.push_back(sites_[r.index].id.ToString() + ":" + std::string(Name(r.how)));
    }
    // A mutant's run is cut off as a hang after --mutant-timeout seconds, or
    // 20 times its correct core's time if that is longer (a slow search is
    // no hang).
    const double limit = r.logical ? std::max(o_.mutant_timeout, 20 * at.seconds) : o_.timeout;
    RunResult run = RunModel(r.logical ? m.mutants : m.path, args, limit);
    ++r.runs;
    if (run.kind == RunResult::kPassed) continue;
    r.model = at.model;
    r.config = at.config;
    r.run = run;
    if (run.kind == RunResult::kFailed) {
      r.kind = Row::kKilled;
      return;
    }
    if (run.kind == RunResult::kCrash && r.logical) {
      r.kind = Row::kKilled;
      r.run.error_kind = "CRASH";
      return;
    }
    if (run.kind == RunResult::kTimeout && r.logical) {
      // A mutant that never ends: a loop with no way out (the kernel would hang).
      r.kind = Row::kKilled;
      r.run.error_kind = "TIMEOUT";
      r.run.message = fmt::format("the run did not end in {:.0f} s (a hang)", limit);
      return;
    }
    r.kind = Row::kError;
    r.detail = run.kind == RunResult::kTimeout ? fmt::format("timed out after {:.0f} s", run.seconds) : run.detail;
    return;
  }
  r.kind = Row::kSurvived;
}

void Sweep::RunRows() {
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex mu;
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < rows_.size();) {
      RunRow(rows_[i]);
      const std::size_t d = done.fetch_add(1) + 1;
      std::lock_guard<std::mutex> g(mu);
      Progress(fmt::format("{} of {} rows", d, rows_.size()));
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < std::max(1, o_.jobs); ++i) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  EndProgress();
}

// What an explanation is matched against: the file, and the statement text
// with the edge label (barrier rows) or the operator and original text (logical rows).
void Sweep::Explain() {
  std::set<const Explanation*> used;
  for (Row& r : rows_) {
    std::string file;
    std::string text;
    std::string how;
    if (r.logical) {
      const Point& p = points_[r.index];
      file = p.file;
      text = p.function + " " + p.original + " " + p.op + ": " + p.mutated;
      how = p.op;
    } else {
      const Site& s = sites_[r.index];
      file = s.id.file;
      text = s.label + " " + s.text;
      how = std::string(Name(r.how));
    }
    for (const Explanation& e : kExplained) {
      if (e.logical != r.logical || e.file != file) continue;
      if (text.find(e.match) == std::string::npos) continue;
      if (e.how != "*" && ("," + std::string(e.how) + ",").find("," + how + ",") == std::string::npos) continue;
      // Only a survivor keeps an explanation alive: one that matches killed
      // rows alone is stale (the row it explained is killed now).
      if (r.kind == Row::kSurvived) {
        used.insert(&e);
        r.kind = Row::kExplained;
        r.why = &e;
      }
      break;
    }
  }
  for (const Explanation& e : kExplained) {
    if (used.count(&e) != 0 || !Wanted(std::string(e.file))) continue;
    if (e.logical ? o_.part == "barrier" : o_.part == "logical") continue;
    if (!o_.scenarios.empty()) continue;  // a partial sweep cannot tell a stale entry
    stale_.push_back(&e);
  }
}

int Sweep::Report(double seconds) {
  nlohmann::json out;
  int counts[2][4] = {};
  for (int logical = 0; logical < 2; ++logical) {
    const bool want = logical ? o_.part != "barrier" : o_.part != "logical";
    if (!want) continue;
    if (!logical) {
      fmt::print("\nbarrier table: every ordered call site the models reach, weakened one at a time (search dpor)\n");
      fmt::print("{:<32} {:<6} {:<16} {:<13} {}\n", "site", "edge", "call", "weakening", "result");
    } else {
      fmt::print("\nlogical-mutation table: every mutation point the models reach, switched on one at a time (search "
                 "dpor)\n");
      fmt::print("{:<5} {:<28} {:<14} {:<40} {}\n", "id", "point", "operator", "mutation", "result");
    }
    fmt::print("{}\n", std::string(120, '-'));
    std::string last_site;
    for (const Row& r : rows_) {
      if (r.logical != static_cast<bool>(logical)) continue;
      ++counts[logical][r.kind];
      std::string result;
      nlohmann::json j;
      switch (r.kind) {
        case Row::kKilled:
          result = fmt::format("killed by {} after {} executions ({}{})", Where(r.model, r.config), r.run.executions,
                               r.run.error_kind, r.run.message.empty() ? "" : ": " + r.run.message.substr(0, 60));
          j["killed_by"] = models_[r.model].name;
          j["config"] = models_[r.model].configs[r.config];
          j["executions"] = r.run.executions;
          j["error_kind"] = r.run.error_kind;
          j["message"] = r.run.message;
          break;
        case Row::kSurvived:
          result = fmt::format("SURVIVED, unexplained ({} configuration{} tried)", r.runs, r.runs == 1 ? "" : "s");
          break;
        case Row::kExplained:
          result = fmt::format("survived: {}: {}", ReasonName(r.why->reason), r.why->why);
          j["reason"] = std::string(ReasonName(r.why->reason));
          j["why"] = std::string(r.why->why);
          break;
        case Row::kError:
          result = "ERROR: " + r.detail;
          j["error"] = r.detail;
          break;
      }
      j["result"] = std::string(r.kind == Row::kKilled ? "killed" : r.kind == Row::kExplained ? "explained"
                                : r.kind == Row::kSurvived ? "survived" : "error");
      j["configurations_tried"] = r.runs;
      if (!logical) {
        const Site& s = sites_[r.index];
        std::string call;
        for (const auto& [op, order] : s.calls) call += (call.empty() ? "" : "+") + fmt::format("{} {}", Name(op), Name(order));
        const std::string site = s.id.ToString();
        fmt::print("{:<32} {:<6} {:<16} {:<13} {}\n", site == last_site ? "" : site, site == last_site ? "" : s.label,
                   site == last_site ? "" : call, Name(r.how), result);
        last_site = site;
        j["site"] = site;
        j["label"] = s.label;
        j["call"] = call;
        j["weakening"] = std::string(Name(r.how));
        j["statement"] = s.text;
        out["barrier"].push_back(j);
      } else {
        const Point& p = points_[r.index];
        std::string mutation = p.original + " -> " + p.mutated;
        if (mutation.size() > 40) mutation = mutation.substr(0, 37) + "...";
        fmt::print("{:<5} {:<28} {:<14} {:<40} {}\n", p.id, fmt::format("{}:{}", p.file, p.line), p.op, mutation,
                   result);
        j["id"] = p.id;
        j["point"] = fmt::format("{}:{}", p.file, p.line);
        j["operator"] = p.op;
        j["original"] = p.original;
        j["mutated"] = p.mutated;
        j["function"] = p.function;
        out["logical"].push_back(j);
      }
    }
  }
  // The explained survivors by reason, per table: "3 redundant, 2 UNCHECKED".
  auto by_reason = [&](bool logical, nlohmann::json& j) {
    std::map<std::string, int> n;
    for (const Row& r : rows_) {
      if (r.logical == logical && r.kind == Row::kExplained) ++n[std::string(ReasonName(r.why->reason))];
    }
    std::string out;
    for (const auto& [reason, count] : n) {
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", count, reason);
      j[reason] = count;
    }
    return out.empty() ? std::string() : " (" + out + ")";
  };
  bool ok = true;
  fmt::print("\n");
  if (o_.part != "logical") {
    const long relaxed_only = std::count_if(sites_.begin(), sites_.end(), [](const Site& s) {
      for (const auto& [op, order] : s.calls) {
        if (!WeakeningsOf(op, order).empty()) return false;
      }
      return true;
    });
    nlohmann::json reasons = nlohmann::json::object();
    const std::string why = by_reason(false, reasons);
    fmt::print("barrier table: {} sites ({} of them relaxed loads and stores: nothing weaker to try), {} weakenings: {} "
               "killed, {} survived with a reason{}, {} survived unexplained{}\n",
               sites_.size(), relaxed_only, counts[0][0] + counts[0][1] + counts[0][2] + counts[0][3], counts[0][Row::kKilled],
               counts[0][Row::kExplained], why, counts[0][Row::kSurvived],
               counts[0][Row::kError] ? fmt::format(", {} errors", counts[0][Row::kError]) : "");
    out["barrier_totals"] = {{"sites", sites_.size()},
                             {"relaxed_only_sites", relaxed_only},
                             {"weakenings", counts[0][0] + counts[0][1] + counts[0][2] + counts[0][3]},
                             {"killed", counts[0][Row::kKilled]},
                             {"explained", counts[0][Row::kExplained]},
                             {"explained_by_reason", reasons},
                             {"unexplained", counts[0][Row::kSurvived]},
                             {"errors", counts[0][Row::kError]}};
  }
  if (o_.part != "barrier") {
    nlohmann::json reasons = nlohmann::json::object();
    const std::string why = by_reason(true, reasons);
    fmt::print("logical table: {} points reached ({} not reached by any model), {} mutants: {} killed, {} survived "
               "with a reason{}, {} survived unexplained{}\n",
               points_.size(), unreached_points_, counts[1][0] + counts[1][1] + counts[1][2] + counts[1][3],
               counts[1][Row::kKilled], counts[1][Row::kExplained], why, counts[1][Row::kSurvived],
               counts[1][Row::kError] ? fmt::format(", {} errors", counts[1][Row::kError]) : "");
    out["logical_totals"] = {{"points", points_.size()},
                             {"unreached", unreached_points_},
                             {"killed", counts[1][Row::kKilled]},
                             {"explained", counts[1][Row::kExplained]},
                             {"explained_by_reason", reasons},
                             {"unexplained", counts[1][Row::kSurvived]},
                             {"errors", counts[1][Row::kError]}};
  }
  for (const Explanation* e : stale_) {
    fmt::print("STALE explanation (matches no survivor): {} '{}' {}\n", e->file, e->match, e->how);
    out["stale"].push_back(fmt::format("{} '{}' {}", e->file, e->match, e->how));
    ok = false;
  }
  for (const std::string& e : errors_) {
    fmt::print("ERROR: {}\n", e);
    out["errors"].push_back(e);
    ok = false;
  }
  ok = ok && counts[0][Row::kSurvived] == 0 && counts[1][Row::kSurvived] == 0 && counts[0][Row::kError] == 0 &&
       counts[1][Row::kError] == 0;
  fmt::print("sweep: {} ({:.0f} s, {} jobs)\n", ok ? "every survivor explained" : "FAILED", seconds, o_.jobs);
  out["seconds"] = seconds;
  out["ok"] = ok;
  if (!o_.json.empty()) {
    std::ofstream f(o_.json);
    f << out.dump(2) << "\n";
    if (!f) {
      fmt::print(stderr, "sweep: --json {}: write failed\n", o_.json);
      return kBadInput;
    }
  }
  return ok ? 0 : 1;
}

int Sweep::Main() {
  const auto start = std::chrono::steady_clock::now();
  if (!o_.catalog.empty() && o_.part != "barrier") {
    std::ifstream f(o_.catalog);
    nlohmann::json j;
    try {
      f >> j;
    } catch (const std::exception& e) {
      fmt::print(stderr, "sweep: --catalog {}: {}\n", o_.catalog, e.what());
      return kBadInput;
    }
    for (const nlohmann::json& p : j["points"]) {
      Point x;
      x.id = p["id"].get<int>();
      x.file = p["file"].get<std::string>();
      x.line = p["line"].get<unsigned>();
      x.op = p["op"].get<std::string>();
      x.original = p["original"].get<std::string>();
      x.mutated = p["mutated"].get<std::string>();
      x.function = p.value("function", "");
      all_points_.push_back(x);
    }
  }
  if (!LoadModels()) return kBadInput;
  fmt::print("sweep: {} models, {} with a schemata build; {} jobs\n", models_.size(),
             std::count_if(models_.begin(), models_.end(), [](const Model& m) { return !m.mutants.empty(); }), o_.jobs);
  std::fflush(stdout);
  Correct();
  Plan();
  fmt::print("sweep: {} sites and {} weakenings, {} mutation points reached; running\n", sites_.size(),
             std::count_if(rows_.begin(), rows_.end(), [](const Row& r) { return !r.logical; }), points_.size());
  std::fflush(stdout);
  RunRows();
  Explain();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Report(secs);
}

}  // namespace
}  // namespace mmu::models::detection

int main(int argc, char** argv) {
  using mmu::models::detection::Options;
  Options o;
  CLI::App app("The detection-power sweep: the barrier table and the logical-mutation table (models/README.md, Detection power)",
               "sweep");
  app.add_option("--models", o.models, "model binaries (//models:<target>)");
  app.add_option("--mutants", o.mutants, "schemata binaries (//models:<target>_mutants)");
  app.add_option("--catalog", o.catalog, "the mutator's catalogue of mutation points (JSON)");
  app.add_option("--part", o.part, "barrier, logical or all")->check(CLI::IsMember({"barrier", "logical", "all"}));
  app.add_option("--jobs", o.jobs, "model runs at a time")->check(CLI::Range(1, 64));
  app.add_option("--timeout", o.timeout, "seconds for one weakened run")->check(CLI::Range(1.0, 86400.0));
  app.add_option("--mutant-timeout", o.mutant_timeout, "seconds for one mutant run (longer: a hang, killed)")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--files", o.files, "only sites and points in these files (mmu_core/split_spte.h ...)")->delimiter(',');
  app.add_option("--scenarios", o.scenarios, "only these models (target names)")->delimiter(',');
  app.add_option("--json", o.json, "write the tables and totals here as JSON");
  app.add_flag("--quiet", o.quiet, "no progress line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "sweep: {}\nRun with --help for the flags.\n", e.what());
    return 2;
  }
  if (!o.json.empty() && !std::ofstream(o.json)) {
    fmt::print(stderr, "sweep: --json {}: cannot write\n", o.json);
    return 2;
  }
  if (o.part != "barrier" && o.catalog.empty() && !o.mutants.empty()) {
    fmt::print(stderr, "sweep: --mutants needs --catalog\n");
    return 2;
  }
  for (const std::string& f : o.files) {
    if (!std::ifstream(f)) {
      fmt::print(stderr, "sweep: --files {}: no such file (paths are relative to the workspace)\n", f);
      return 2;
    }
  }
  return mmu::models::detection::Sweep(o).Main();
}
