// The model binary's driver: command line, the runs a shard makes, reports.
//
// Runs, in order: the correct core on every selected configuration, then
// each selected negative twin on the configurations where its mutation
// applies, stopping at the first configuration that catches it. Sharding
// splits the correct runs' search trees between shards (split_search.h) and
// hands each twin, whole, to one shard.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/model.h"
#include "models/report.h"

namespace mmu::models {
namespace {

constexpr int kBadInput = 2;
constexpr std::string_view kScenarioDir = "mmu_core/scenarios/";

std::optional<unsigned> ParseUnsigned(std::string_view s) {
  unsigned v = 0;
  if (s.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Does search a explore every execution search b does? The full search
// contains every bounded one, and a context bound contains the smaller ones.
bool Contains(const Search& a, const Search& b) {
  if (!a.IsTree() || !b.IsTree()) return false;
  if (a.kind == Search::Kind::kDpor) return true;  // models/dpor/README.md: it reaches every outcome of Relacy's
  if (b.kind == Search::Kind::kDpor) return false;
  if (a.kind == Search::Kind::kFull) return true;
  return b.kind == Search::Kind::kBound && a.n >= b.n;
}

// What a run's outcome means for its variant.
enum class Verdict { kPassed, kCaught, kMissed, kFailed };
const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPassed: return "passed";
    case Verdict::kCaught: return "caught";
    case Verdict::kMissed: return "missed";
    case Verdict::kFailed: return "failed";
  }
  return "failed";
}

// The error a twin must produce.
struct Expected {
  std::string kind = std::string(kUserAssert);  // Relacy's error kind
  std::string message;                          // a prefix of the message, if declared
  bool in_scenario = true;                      // raised in mmu_core/scenarios/ (the default)
  std::string ToString() const {
    if (!message.empty()) return kind + ": " + message;
    return in_scenario ? kind + " in the scenario" : kind;
  }
};

struct RunRecord {
  std::optional<Mutation> mutation;
  int config = 0;
  Search search;
  std::string search_why;  // why this search
  RunOutcome outcome;
  Verdict verdict = Verdict::kFailed;
  Expected expected;  // twins
  std::string why;    // why the verdict, when it is not the obvious one
};

std::string VariantName(const std::optional<Mutation>& m) { return m ? std::string(Describe(*m).name) : "none"; }

class Driver {
 public:
  explicit Driver(Model& model) : model_(model), info_(model.Info()) {}

  int Main(int argc, char** argv);

 private:
  int Fail(const std::string& message) const {
    fmt::print(stderr, "{}: {}\n", info_.target, message);
    return kBadInput;
  }
  std::optional<int> ParseFlags(int argc, char** argv);
  std::optional<int> ResolveShard();
  int List() const;
  int CompareOutcomes();

  Expected ExpectedError(Mutation m) const;
  bool Shows(Mutation m, int config) const;
  Verdict Judge(const RunRecord& r, std::string& why) const;
  RunRecord RunOne(std::optional<Mutation> m, int config, Shard shard);
  std::vector<std::string> Roles(int config) const;
  const std::string& Config(int config) const { return info_.configs[static_cast<std::size_t>(config)]; }
  Counterexample MakeCounterexample(const RunRecord& r) const;
  void PrintRun(const RunRecord& r) const;
  void PrintCounterexample(const RunRecord& r) const;
  void PrintSummary() const;
  bool WriteJson() const;
  bool WriteCounterexample() const;

  Model& model_;
  const ScenarioInfo& info_;

  // Flags.
  std::string variant_flag_ = "all";
  std::string config_flag_ = "all";
  std::string search_flag_;
  std::string counterexample_out_;
  std::string json_out_;
  std::string shard_flag_;
  std::string expect_flag_;
  unsigned split_depth_ = 8;
  int dpor_split_depth_ = -1;  // -1: 0 unsharded, 3 sharded
  bool dpor_keep_retries_ = false;
  bool list_ = false;
  bool relacy_scheduler_ = false;
  bool history_ = true;
  std::string compare_flag_;  // --compare-outcomes REF

  // Resolved.
  std::vector<std::optional<Mutation>> variants_;
  std::vector<int> configs_;
  Search search_;       // the correct core's
  Search twin_search_;  // the twins' (the declared search under --search ci)
  std::string search_why_;
  std::string twin_search_why_;
  Shard shard_;
  std::vector<RunRecord> records_;
};

std::optional<int> Driver::ParseFlags(int argc, char** argv) {
  CLI::App app(fmt::format("Relacy model of scenario {} ({}): {}", info_.name, info_.section, info_.invariant),
               info_.target);
  app.add_option("--variant", variant_flag_,
                 "none (the correct core), a mutation of this scenario, twins (every mutation), or all")
      ->capture_default_str();
  app.add_option("--config", config_flag_, "all, a configuration index, or key=value pairs that select members (--list)")
      ->capture_default_str();
  app.add_option("--search", search_flag_,
                 fmt::format("full | bound:N | random:N | dpor | ci (declared: {}; ci: the main job's, {})", info_.search.search,
                             info_.search.ci_search.empty() ? info_.search.search : info_.search.ci_search));
  app.add_option("--expect", expect_flag_,
                 "the error a twin must produce, \"KIND\" or \"KIND: message prefix\", instead of the declared one "
                 "(checks the checker: a wrong expectation must fail the run)");
  app.add_option("--counterexample-out", counterexample_out_,
                 "write the first counterexample here, in the interleaving file format");
  app.add_option("--json", json_out_, "write the results here as a JSON array");
  app.add_flag("--list", list_, "describe the model (configurations, mutations, search) and exit");
  app.add_option("--shard", shard_flag_, "run shard I of N (I/N); default: Bazel's TEST_SHARD_INDEX/TEST_TOTAL_SHARDS");
  app.add_option("--split-depth", split_depth_, "scheduling decisions that name a subtree when shards split a search")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--dpor-split-depth", dpor_split_depth_,
                 "reduced search: thread choices that branch fully so that shards can split the rest (default: 0, "
                 "or 3 with shards)")
      ->check(CLI::Range(0, 32));
  app.add_flag("--dpor-keep-retries", dpor_keep_retries_,
               "reduced search: also count executions in which a loop iteration that only loaded failed and looped "
               "(they are cut by default; models/dpor/README.md)");
  app.add_flag("--relacy-scheduler", relacy_scheduler_,
               "use Relacy's own scheduler classes (no split; cross-checks the split search)");
  app.add_option("--compare-outcomes", compare_flag_,
                 "cross-check: run the correct core with this reference search (full or bound:N) and with --search "
                 "(default dpor), and compare the sets of final outcomes (equal to a full search, a superset of a "
                 "bounded one)");
  app.add_flag("!--no-history", history_, "do not print Relacy's raw history after a counterexample");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: {}\nRun with --help for the flags.\n", info_.target, e.what());
    return kBadInput;
  }

  // --variant
  if (variant_flag_ == "all") {
    variants_.push_back(std::nullopt);
    for (Mutation m : info_.Mutations()) variants_.push_back(m);
  } else if (variant_flag_ == "none") {
    variants_.push_back(std::nullopt);
  } else if (variant_flag_ == "twins") {
    for (Mutation m : info_.Mutations()) variants_.push_back(m);
  } else {
    const std::optional<Mutation> m = MutationFromName(variant_flag_);
    const std::vector<Mutation> mine = info_.Mutations();
    std::string names;
    for (Mutation x : mine) names += fmt::format(" {}", Describe(x).name);
    if (!m) return Fail(fmt::format("--variant {}: not none, twins, all or a catalogue mutation (this scenario's:{})",
                                    variant_flag_, names));
    if (std::find(mine.begin(), mine.end(), *m) == mine.end()) {
      return Fail(fmt::format("--variant {}: {} does not show this mutation (its mutations:{})", variant_flag_,
                              info_.name, names));
    }
    variants_.push_back(*m);
  }

  // --config
  const ConfigSelection sel = SelectConfigs(info_.name, info_.configs, config_flag_, /*many=*/true);
  if (!sel.ok()) return Fail("--config " + config_flag_ + ": " + sel.error);
  configs_ = sel.indices;

  // --search: the declared search by default; "ci" is the main job's search
  // for the correct core (ci_search in models/BUILD) with the twins on the
  // declared one, which the stronger search contains.
  const ModelSearch& plan = info_.search;
  const std::optional<Search> declared = Search::Parse(plan.search);
  if (!declared) return Fail(fmt::format("the scenario's search {} does not parse (kSearch)", plan.search));
  twin_search_ = *declared;
  twin_search_why_ = std::string(plan.why);
  if (search_flag_.empty() || (search_flag_ == "ci" && plan.ci_search.empty())) {
    search_ = *declared;
    search_why_ = std::string(plan.why);
  } else if (search_flag_ == "ci") {
    const std::optional<Search> ci = Search::Parse(plan.ci_search);
    if (!ci) return Fail(fmt::format("the scenario's ci_search {} does not parse (kSearch)", plan.ci_search));
    if (!Contains(*ci, *declared)) {
      // The twins run the declared search as a part of the main job's.
      return Fail(fmt::format("the scenario's ci_search {} does not contain its search {} (kSearch)", plan.ci_search,
                              plan.search));
    }
    search_ = *ci;
    search_why_ = fmt::format("main job's search: {}", plan.ci_why);
  } else {
    const std::optional<Search> s = Search::Parse(search_flag_);
    if (!s) {
      return Fail(fmt::format("--search {}: expected full, bound:N, random:N (N > 0 for random), dpor or ci",
                              search_flag_));
    }
    search_ = twin_search_ = *s;
    search_why_ = twin_search_why_ = "from --search";
  }

  // --expect
  if (!expect_flag_.empty()) {
    const std::size_t colon = expect_flag_.find(": ");
    if (expect_flag_.substr(0, colon).empty()) {
      return Fail(fmt::format("--expect {}: expected KIND or \"KIND: message prefix\"", expect_flag_));
    }
  }
  return ResolveShard();
}

// Bazel's test sharding protocol: TEST_TOTAL_SHARDS and TEST_SHARD_INDEX
// name the shard; touching TEST_SHARD_STATUS_FILE says the test honours them.
std::optional<int> Driver::ResolveShard() {
  std::string text = shard_flag_;
  const char* total = std::getenv("TEST_TOTAL_SHARDS");
  const char* index = std::getenv("TEST_SHARD_INDEX");
  if (text.empty() && total != nullptr && index != nullptr) text = fmt::format("{}/{}", index, total);
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE"); status != nullptr && *status != '\0') {
    std::ofstream touch(status, std::ios::app);
  }
  if (text.empty()) return std::nullopt;
  const std::size_t slash = text.find('/');
  const std::optional<unsigned> i = ParseUnsigned(std::string_view(text).substr(0, slash));
  const std::optional<unsigned> n =
      slash == std::string::npos ? std::nullopt : ParseUnsigned(std::string_view(text).substr(slash + 1));
  if (!i || !n || *n == 0 || *i >= *n) return Fail(fmt::format("shard {}: expected I/N with 0 <= I < N", text));
  shard_ = Shard{static_cast<int>(*i), static_cast<int>(*n)};
  return std::nullopt;
}

Expected Driver::ExpectedError(Mutation m) const {
  Expected e;
  if (!expect_flag_.empty()) {
    const std::size_t colon = expect_flag_.find(": ");
    e.kind = expect_flag_.substr(0, colon);
    if (colon != std::string::npos) e.message = expect_flag_.substr(colon + 2);
    e.in_scenario = false;
    return e;
  }
  const Twin* twin = info_.TwinOf(m);
  if (twin == nullptr) return e;
  switch (twin->expect.kind) {
    case Failure::Kind::kInvariant:
      // An invariant of the scenario's own; one named by its message may be
      // raised anywhere in the core (the MMIO hit check is in mmio.h).
      e.message = std::string(twin->expect.message);
      e.in_scenario = e.message.empty();
      break;
    case Failure::Kind::kUseAfterFree:
      e.kind = "ACCESS TO FREED MEMORY";
      e.in_scenario = false;
      break;
    case Failure::Kind::kLivelock:
      e.kind = "LIVELOCK";
      e.in_scenario = false;
      break;
    case Failure::Kind::kDataRace:
      e.kind = "DATA RACE";
      e.in_scenario = false;
      break;
  }
  return e;
}

bool Driver::Shows(Mutation m, int config) const { return info_.Shows(m, config); }

// A correct run passes when Relacy finds nothing. A twin is caught when
// Relacy reports the expected error: its kind, the declared message if any,
// and for the default (a user assert) an assert raised by the scenario, not
// by a consistency check inside the core.
Verdict Driver::Judge(const RunRecord& r, std::string& why) const {
  const RunOutcome& o = r.outcome;
  if (!r.mutation) return o.found ? Verdict::kFailed : Verdict::kPassed;
  if (!o.found) return Verdict::kMissed;
  const Expected& e = r.expected;
  if (o.error_kind != e.kind) {
    why = fmt::format("expected {}, got {}", e.ToString(), o.error_kind);
    return Verdict::kFailed;
  }
  if (!e.message.empty() && o.message.rfind(e.message, 0) != 0) {
    why = fmt::format("expected the message \"{}...\", got \"{}\"", e.message, o.message);
    return Verdict::kFailed;
  }
  if (e.in_scenario && !o.where.empty() && o.where.find(kScenarioDir) == std::string::npos) {
    why = fmt::format("the assert at {} is not the scenario's (name its message in the twin's expected failure if it "
                      "should be)",
                      o.where);
    return Verdict::kFailed;
  }
  return Verdict::kCaught;
}

RunRecord Driver::RunOne(std::optional<Mutation> m, int config, Shard shard) {
  RunRecord r;
  r.mutation = m;
  r.config = config;
  r.search = m ? twin_search_ : search_;
  r.search_why = m ? twin_search_why_ : search_why_;
  if (m) r.expected = ExpectedError(*m);
  RunRequest req;
  req.config = config;
  req.mutation = m;
  req.search = r.search;
  req.shard = shard;
  req.split_depth = split_depth_;
  req.dpor_keep_retries = dpor_keep_retries_;
  req.dpor_split_depth = dpor_split_depth_ >= 0 ? static_cast<unsigned>(dpor_split_depth_) : (shard.total > 1 ? 3u : 0u);
  req.relacy_scheduler = relacy_scheduler_;
  req.progress = isatty(STDERR_FILENO) != 0;
  req.label = fmt::format("{} {} [{}]", info_.name, VariantName(m), Config(config));
  r.outcome = model_.Run(req);
  r.verdict = Judge(r, r.why);
  return r;
}

std::vector<std::string> Driver::Roles(int config) const {
  std::vector<std::string> roles;
  for (int cpu = 0; cpu < info_.threads; ++cpu) roles.push_back(info_.Header(config, cpu));
  return roles;
}

Counterexample Driver::MakeCounterexample(const RunRecord& r) const {
  const RunOutcome& o = r.outcome;
  Counterexample c;
  c.scenario = info_.name;
  c.config = Config(r.config);
  c.mutation = VariantName(r.mutation);
  c.roles = Roles(r.config);
  c.trace = o.trace;
  c.comments.push_back(fmt::format("Counterexample found by //models:{} ({} search): {} {}", info_.target,
                                   r.search.ToString(), info_.name, info_.section));
  c.comments.push_back(fmt::format("invariant: {}", info_.invariant));
  if (r.mutation) c.comments.push_back(fmt::format("mutation {}: {}", Describe(*r.mutation).name, Describe(*r.mutation).what));
  c.comments.push_back(fmt::format("Relacy: {}{} at iteration {}{}", o.error_kind,
                                   o.message.empty() ? "" : " (" + o.message + ")", o.found_at,
                                   o.where.empty() ? "" : ", raised at " + o.where));
  if (o.trace_truncated) c.comments.push_back("the execution had more steps than were recorded: the table is cut short");
  c.comments.push_back("Steps are listed in the order their shared access completed under Relacy. An outcome that");
  c.comments.push_back("needs relaxed memory (a load reading an older store) may not replay on x86.");
  return c;
}

void Driver::PrintRun(const RunRecord& r) const {
  const RunOutcome& o = r.outcome;
  std::string detail;
  if (o.found) {
    detail = fmt::format("{} at iteration {}", o.error_kind, o.found_at);
  } else {
    detail = fmt::format("{} interleavings", o.iterations);
  }
  if (shard_.total > 1 && r.search.IsTree() && !r.mutation) {
    detail += fmt::format(" (shard {}/{}: {} subtrees, {} probes)", shard_.index, shard_.total, o.subtrees, o.probes);
  }
  fmt::print("  {:<6} {:<28} {:<9} {:<7} {}  {:.2f} s\n", VariantName(r.mutation), Config(r.config),
             r.search.ToString(), VerdictName(r.verdict), detail, o.seconds);
  if (!r.why.empty()) fmt::print("         {}\n", r.why);
  std::fflush(stdout);
}

void Driver::PrintCounterexample(const RunRecord& r) const {
  const RunOutcome& o = r.outcome;
  const Counterexample c = MakeCounterexample(r);
  fmt::print("\n---- counterexample: {} {} [{}] ----\n", info_.name, VariantName(r.mutation), Config(r.config));
  fmt::print("{}\n{}", WriteInterleaving(ToInterleaving(c)), FormatValues(c, o.observations, o.observed));
  if (history_) fmt::print("\nRelacy's history of the failing execution:\n{}", o.history);
  fmt::print("---- end of counterexample ----\n\n");
  std::fflush(stdout);
}

void Driver::PrintSummary() const {
  int correct_passed = 0;
  int correct_failed = 0;
  int caught = 0;
  int twins = 0;
  for (const std::optional<Mutation>& v : variants_) {
    bool any = false;
    bool all_ok = true;
    bool twin_caught = false;
    for (const RunRecord& r : records_) {
      if (r.mutation != v) continue;
      any = true;
      all_ok = all_ok && r.verdict == Verdict::kPassed;
      twin_caught = twin_caught || r.verdict == Verdict::kCaught;
    }
    if (!any) continue;
    if (!v) {
      (all_ok ? correct_passed : correct_failed) += 1;
    } else {
      ++twins;
      if (twin_caught) ++caught;
    }
  }
  fmt::print("{}: correct {}, {} of {} mutations caught{}\n", info_.name,
             correct_passed + correct_failed == 0 ? "not run" : (correct_failed == 0 ? "passed" : "FAILED"), caught,
             twins, shard_.total > 1 ? fmt::format(" (shard {}/{})", shard_.index, shard_.total) : "");
}

bool Driver::WriteJson() const {
  nlohmann::json results = nlohmann::json::array();
  for (const RunRecord& r : records_) {
    const RunOutcome& o = r.outcome;
    nlohmann::json j;
    j["scenario"] = info_.name;
    j["target"] = info_.target;
    j["variant"] = VariantName(r.mutation);
    j["config"] = Config(r.config);
    j["config_index"] = r.config;
    j["search"] = r.search.ToString();
    j["search_why"] = r.search_why;
    j["result"] = VerdictName(r.verdict);
    j["error_kind"] = o.found ? nlohmann::json(o.error_kind) : nlohmann::json(nullptr);
    j["expected_error"] = r.mutation ? nlohmann::json(r.expected.ToString()) : nlohmann::json(nullptr);
    j["message"] = o.found ? nlohmann::json(o.message) : nlohmann::json(nullptr);
    j["where"] = o.found ? nlohmann::json(o.where) : nlohmann::json(nullptr);
    j["iterations"] = o.iterations;
    j["found_at_iteration"] = o.found ? nlohmann::json(o.found_at) : nlohmann::json(nullptr);
    j["seconds"] = o.seconds;
    j["shard"] = shard_.index;
    j["shards"] = shard_.total;
    j["probes"] = o.probes;
    j["blocked"] = o.blocked;
    j["discarded"] = o.discarded;
    j["digest"] = fmt::format("{:016x}", o.digest);
    results.push_back(std::move(j));
  }
  std::ofstream f(json_out_);
  f << results.dump(2) << "\n";
  return static_cast<bool>(f);
}

bool Driver::WriteCounterexample() const {
  for (const RunRecord& r : records_) {
    if (!r.outcome.found) continue;
    std::ofstream f(counterexample_out_);
    f << WriteInterleaving(ToInterleaving(MakeCounterexample(r)));
    return static_cast<bool>(f);
  }
  fmt::print("no counterexample found: {} not written\n", counterexample_out_);
  std::remove(counterexample_out_.c_str());  // no stale counterexample from an earlier run
  return true;
}

// The cross-check of the reduced search (models/dpor/README.md): for each
// selected configuration (dealt to shards whole), the correct core's set of
// final outcomes under the reference search and under --search.
int Driver::CompareOutcomes() {
  const std::optional<Search> ref = Search::Parse(compare_flag_);
  if (!ref || !ref->IsTree() || ref->kind == Search::Kind::kDpor) {
    return Fail(fmt::format("--compare-outcomes {}: expected full or bound:N", compare_flag_));
  }
  const Search reduced = search_flag_.empty() ? Search{Search::Kind::kDpor, 0} : search_;
  fmt::print("model {}: outcomes of the correct core, {} against {}\n", info_.name, reduced.ToString(),
             ref->ToString());
  std::fflush(stdout);
  bool ok = true;
  nlohmann::json results = nlohmann::json::array();
  for (std::size_t i = 0; i < configs_.size(); ++i) {
    if (static_cast<int>(i) % shard_.total != shard_.index) continue;
    const int config = configs_[i];
    RunOutcome o[2];
    const Search searches[2] = {*ref, reduced};
    for (int k = 0; k < 2; ++k) {
      RunRequest req;
      req.config = config;
      req.search = searches[k];
      req.collect_outcomes = true;
      req.dpor_keep_retries = dpor_keep_retries_;
      req.progress = isatty(STDERR_FILENO) != 0;
      req.label = fmt::format("{} none [{}] {}", info_.name, Config(config), searches[k].ToString());
      o[k] = model_.Run(req);
    }
    std::vector<std::uint64_t> missing;  // the reference reached them, the reduced search did not
    std::vector<std::uint64_t> extra;
    std::set_difference(o[0].outcomes.begin(), o[0].outcomes.end(), o[1].outcomes.begin(), o[1].outcomes.end(),
                        std::back_inserter(missing));
    std::set_difference(o[1].outcomes.begin(), o[1].outcomes.end(), o[0].outcomes.begin(), o[0].outcomes.end(),
                        std::back_inserter(extra));
    std::vector<std::uint64_t> reads_missing;
    std::vector<std::uint64_t> reads_extra;
    std::set_difference(o[0].reads.begin(), o[0].reads.end(), o[1].reads.begin(), o[1].reads.end(),
                        std::back_inserter(reads_missing));
    std::set_difference(o[1].reads.begin(), o[1].reads.end(), o[0].reads.begin(), o[0].reads.end(),
                        std::back_inserter(reads_extra));
    const bool full = ref->kind == Search::Kind::kFull;
    std::string verdict;
    bool good = !o[0].found && !o[1].found && !o[0].outcomes_overflow && !o[1].outcomes_overflow && missing.empty();
    if (o[0].found || o[1].found) {
      verdict = fmt::format("an error was found ({} / {}): not comparable", o[0].found ? o[0].error_kind : "none",
                            o[1].found ? o[1].error_kind : "none");
    } else if (o[0].outcomes_overflow || o[1].outcomes_overflow) {
      verdict = "too many outcomes to compare";
    } else if (!missing.empty()) {
      verdict = fmt::format("LOST {} of the reference's outcomes", missing.size());
    } else if (!reads_missing.empty()) {
      verdict = fmt::format("LOST {} of the reference's combinations of values read", reads_missing.size());
      good = false;
    } else if (!extra.empty()) {
      verdict = fmt::format("{} more outcomes than the reference", extra.size());
      if (full) good = false;  // Relacy's full search and the reduced one must agree
    } else {
      verdict = "same outcomes";
    }
    ok = ok && good;
    fmt::print("  {:<32} {} {} executions {:.2f} s | {} {} executions (+{} not counted) {:.2f} s | {} outcomes: {}\n",
               Config(config), ref->ToString(), o[0].iterations, o[0].seconds, reduced.ToString(),
               o[1].iterations, o[1].blocked + o[1].discarded, o[1].seconds, o[0].outcomes.size(), verdict);
    fmt::print("  {:<32} values read by the steps: {} and {} combinations, {} missing, {} more\n", "",
               o[0].reads.size(), o[1].reads.size(), reads_missing.size(), reads_extra.size());
    std::fflush(stdout);
    nlohmann::json j;
    j["scenario"] = std::string(info_.name);
    j["config"] = Config(config);
    j["reference"] = ref->ToString();
    j["reference_executions"] = o[0].iterations;
    j["reference_seconds"] = o[0].seconds;
    j["reference_outcomes"] = o[0].outcomes.size();
    j["search"] = reduced.ToString();
    j["executions"] = o[1].iterations;
    j["blocked"] = o[1].blocked;
    j["discarded"] = o[1].discarded;
    j["seconds"] = o[1].seconds;
    j["outcomes"] = o[1].outcomes.size();
    j["missing"] = missing.size();
    j["extra"] = extra.size();
    j["reference_reads"] = o[0].reads.size();
    j["reads"] = o[1].reads.size();
    j["reads_missing"] = reads_missing.size();
    j["reads_extra"] = reads_extra.size();
    j["result"] = good ? "passed" : "failed";
    results.push_back(std::move(j));
  }
  if (!json_out_.empty()) {
    std::ofstream f(json_out_);
    f << results.dump(2) << "\n";
    if (!f) return Fail(fmt::format("--json {}: write failed", json_out_));
  }
  fmt::print("{}: outcomes {}\n", info_.name, ok ? "agree" : "DISAGREE");
  return ok ? 0 : 1;
}

int Driver::List() const {
  if (!json_out_.empty()) {
    // The scenario's facts, for tools (the round-trip survey, the kill matrix).
    nlohmann::json j;
    j["scenario"] = info_.name;
    j["target"] = info_.target;
    j["section"] = info_.section;
    j["invariant"] = info_.invariant;
    j["threads"] = info_.threads;
    j["configs"] = info_.configs;
    j["search"] = {{"search", info_.search.search}, {"why", info_.search.why},
                   {"ci_search", info_.search.ci_search.empty() ? info_.search.search : info_.search.ci_search}};
    nlohmann::json twins = nlohmann::json::array();
    for (Mutation m : info_.Mutations()) {
      std::vector<int> configs;
      for (int c = 0; c < static_cast<int>(info_.configs.size()); ++c) {
        if (Shows(m, c)) configs.push_back(c);
      }
      twins.push_back({{"mutation", std::string(Describe(m).name)},
                       {"configs", configs},
                       {"expect", ExpectedError(m).ToString()}});
    }
    j["twins"] = twins;
    std::ofstream f(json_out_);
    f << j.dump(2) << "\n";
    if (!f) return Fail(fmt::format("--json {}: write failed", json_out_));
  }
  fmt::print("model {} (//models:{}): {} {}\n", info_.name, info_.target, info_.section, info_.invariant);
  fmt::print("threads: {}\n", info_.threads);
  fmt::print("search: {} ({})\n", info_.search.search, info_.search.why);
  if (!info_.search.ci_search.empty()) {
    fmt::print("main job's search (--search ci, correct core only): {} ({})\n", info_.search.ci_search,
               info_.search.ci_why);
  }
  fmt::print("configurations:\n");
  for (int c = 0; c < static_cast<int>(info_.configs.size()); ++c) {
    std::string roles;
    for (const std::string& r : Roles(c)) roles += (roles.empty() ? "" : " | ") + r;
    fmt::print("  {}  {:<34} threads: {}\n", c, Config(c), roles);
  }
  fmt::print("negative twins:\n");
  for (Mutation m : info_.Mutations()) {
    std::string where;
    for (int c = 0; c < static_cast<int>(info_.configs.size()); ++c) {
      if (Shows(m, c)) where += fmt::format("{}{}", where.empty() ? "" : ",", c);
    }
    fmt::print("  {:<5} expects {:<40} configs {:<6} {}\n", Describe(m).name, ExpectedError(m).ToString(), where,
               Describe(m).what);
  }
  return 0;
}

int Driver::Main(int argc, char** argv) {
  if (std::optional<int> rc = ParseFlags(argc, argv)) return *rc;
  if (list_) return List();
  if (!compare_flag_.empty()) return CompareOutcomes();
  if (!json_out_.empty() && !std::ofstream(json_out_)) return Fail(fmt::format("--json {}: cannot write", json_out_));
  if (!counterexample_out_.empty()) {
    // Open it now to fail fast, but leave no empty file behind.
    const bool existed = std::ifstream(counterexample_out_).good();
    if (!std::ofstream(counterexample_out_, std::ios::app)) {
      return Fail(fmt::format("--counterexample-out {}: cannot write", counterexample_out_));
    }
    if (!existed) std::remove(counterexample_out_.c_str());
  }
  fmt::print("model {}: {} {}\n", info_.name, info_.section, info_.invariant);
  fmt::print("search {} ({})\n", search_.ToString(), search_why_);
  if (twin_search_.ToString() != search_.ToString()) {
    fmt::print("twins: search {} ({}; the stronger search above contains it)\n", twin_search_.ToString(),
               twin_search_why_);
  }
  if (search_.kind == Search::Kind::kRandom) fmt::print("a random search is a smoke run, not a verdict\n");
  if (shard_.total > 1) fmt::print("shard {} of {}\n", shard_.index, shard_.total);
  std::fflush(stdout);

  int twin_index = 0;
  for (const std::optional<Mutation>& v : variants_) {
    if (!v) {
      // The correct core: every configuration; a tree search is split
      // between shards, a random one goes whole to one shard.
      for (std::size_t i = 0; i < configs_.size(); ++i) {
        const bool mine = search_.IsTree() || static_cast<int>(i) % shard_.total == shard_.index;
        if (!mine) continue;
        records_.push_back(RunOne(v, configs_[i], search_.IsTree() ? shard_ : Shard{}));
        PrintRun(records_.back());
        if (records_.back().outcome.found) PrintCounterexample(records_.back());
      }
      continue;
    }
    // A twin: one shard runs it, configuration by configuration, until caught.
    if (twin_index++ % shard_.total != shard_.index) continue;
    bool ran = false;
    for (int c : configs_) {
      if (!Shows(*v, c)) continue;
      ran = true;
      records_.push_back(RunOne(v, c, Shard{}));
      PrintRun(records_.back());
      if (records_.back().outcome.found) PrintCounterexample(records_.back());
      if (records_.back().verdict == Verdict::kCaught) break;
    }
    if (!ran) fmt::print("  {:<6} does not apply to the selected configurations\n", Describe(*v).name);
  }

  PrintSummary();
  bool ok = true;
  for (const std::optional<Mutation>& v : variants_) {
    bool any = false;
    bool caught = false;
    for (const RunRecord& r : records_) {
      if (r.mutation != v) continue;
      any = true;
      if (!v && r.verdict != Verdict::kPassed) ok = false;
      if (v && r.verdict == Verdict::kCaught) caught = true;
    }
    if (v && any && !caught) ok = false;
  }
  if (!json_out_.empty() && !WriteJson()) return Fail(fmt::format("--json {}: write failed", json_out_));
  if (!counterexample_out_.empty() && !WriteCounterexample()) {
    return Fail(fmt::format("--counterexample-out {}: write failed", counterexample_out_));
  }
  return ok ? 0 : 1;
}

}  // namespace

std::optional<Search> Search::Parse(std::string_view text) {
  if (text == "full") return Search{Kind::kFull, 0};
  if (text == "dpor") return Search{Kind::kDpor, 0};
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view kind = text.substr(0, colon);
  const std::optional<unsigned> n = ParseUnsigned(text.substr(colon + 1));
  if (!n) return std::nullopt;
  if (kind == "bound") return Search{Kind::kBound, *n};
  if (kind == "random" && *n > 0) return Search{Kind::kRandom, *n};
  return std::nullopt;
}

std::string Search::ToString() const {
  switch (kind) {
    case Kind::kFull: return "full";
    case Kind::kBound: return fmt::format("bound:{}", n);
    case Kind::kRandom: return fmt::format("random:{}", n);
    case Kind::kDpor: return "dpor";
  }
  return "full";
}

int ModelMain(Model& model, int argc, char** argv) {
  Driver driver(model);
  return driver.Main(argc, argv);
}

}  // namespace mmu::models
