// replay/survey.cc: the round-trip survey. Every negative twin's
// counterexample, as its model binary writes it, is replayed natively,
// natively with the correct core (--mutation none), and under Relacy.
//
//   bazel run //replay:round_trip_survey                 every scenario
//   bazel run //replay:round_trip_survey -- --search dpor   the counterexamples the reduced search writes
//   round_trip_survey --replay R --model M... [--check] [--expect FILE] [--search S] [--json FILE]
//
// One row per twin: the three exit codes (0 held, 1 violated, 2 the order
// cannot happen, 3 undecided) and the native verdict. Everything is read as
// data: the model's facts and results from its --json, each replay's verdict
// from replay --json.
//
// --check fails (exit 1) when a model run fails or does not write its
// counterexample, or when a replay does not run the file it was given (a
// parse or resolve error, a crash, a timeout): every file a model writes must
// be a table replay reads and runs. --expect FILE (JSON: scenario -> twin ->
// {native, correct, relacy}) also pins the exit codes of the twins it lists;
// replay/round_trips.json pins the survey in replay/README.md. --search S
// runs every twin with that search instead of its declared one (`dpor`: the
// reduced search of models/dpor/); the pins are the declared searches', so
// --expect is not checked then.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "stress/subprocess.h"

namespace {

constexpr double kModelTimeout = 600;
constexpr double kReplayTimeout = 120;

struct Replayed {
  int code = -1;        // exit code, -1 if the replay did not end normally
  std::string verdict;  // held / violated / bad-order / undecided, from its JSON
  std::string detail;   // the violation, the order error or why undecided
  std::string problem;  // why this replay is not a result (crash, no JSON, parse error)
};

struct Row {
  std::string model;
  std::string twin;
  std::string problem;  // the model run failed
  Replayed native, correct, relacy;
};

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
}

Replayed RunReplay(const std::string& replay, const std::string& file, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {replay, file, "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  const stress::ChildResult c = stress::RunChild(argv, {}, kReplayTimeout);
  Replayed r;
  if (c.spawn_failed || c.signaled || c.timed_out) {
    r.problem = "replay " + c.Describe();
    return r;
  }
  r.code = c.exit_code;
  const nlohmann::json j = nlohmann::json::parse(c.out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    // Exit 2 without a report: the file did not parse or resolve.
    r.problem = "replay wrote no report: " + c.output.substr(0, c.output.find('\n'));
    return r;
  }
  r.verdict = j.value("verdict", "");
  if (r.verdict == "bad-input") {
    // The file did not parse or resolve: replay --json reports that too, with
    // exit 2 like an order that cannot happen, so the verdict tells them apart.
    const std::string text = j.contains("error") && j["error"].is_object() ? j["error"].value("text", "") : "";
    r.problem = "replay could not run the file: " + (text.empty() ? c.output.substr(0, c.output.find('\n')) : text);
    return r;
  }
  if (j.contains("violation")) r.detail = j["violation"].value("what", "");
  if (j.contains("order_error")) r.detail = j["order_error"].value("message", "");
  if (j.contains("undecided")) r.detail = j.value("undecided", "");
  return r;
}

std::string Cell(const Replayed& r) { return r.code >= 0 ? std::to_string(r.code) : "-"; }

class Survey {
 public:
  int Main(int argc, char** argv) {
    CLI::App app("Replays every negative twin's counterexample (the round-trip survey).", "round_trip_survey");
    app.add_option("--replay", replay_, "the replay binary")->required();
    app.add_option("--model", models_, "a model binary (//models:<target>); repeatable")->required();
    app.add_flag("--check", check_, "fail when a counterexample does not replay as a table (see the header)");
    app.add_option("--expect", expect_, "pinned exit codes (JSON: scenario -> twin -> {native, correct, relacy})");
    app.add_option("--search", search_,
                   "run the twins with this search instead of the declared one (--expect unchecked)");
    app.add_option("--json", json_out_, "write the rows here as JSON");
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) { return app.exit(e); } catch (const CLI::ParseError& e) {
      std::fprintf(stderr, "round_trip_survey: %s (--help)\n", e.what());
      return 2;
    }
    if (!expect_.empty()) {
      expected_ = ReadJson(expect_);
      if (expected_.is_discarded() || !expected_.is_object()) {
        std::fprintf(stderr, "round_trip_survey: --expect %s: not a JSON object\n", expect_.c_str());
        return 2;
      }
    }
    if (!search_.empty() && !expect_.empty()) {
      fmt::print("--search {}: the pinned exit codes of {} are the declared searches', not checked\n", search_,
                 expect_);
      expected_ = nlohmann::json();
    }
    char tmpl[] = "/tmp/round_trip_survey.XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    if (d == nullptr) {
      std::fprintf(stderr, "round_trip_survey: cannot make a temporary directory\n");
      return 2;
    }
    dir_ = d;
    fmt::print("{:<20} {:<5} {:<7} {:<8} {:<7} {}\n", "model", "twin", "native", "correct", "relacy", "native verdict");
    std::fflush(stdout);
    for (const std::string& m : models_) SurveyModel(m);
    Summary();
    if (!json_out_.empty() && !WriteJson()) {
      std::fprintf(stderr, "round_trip_survey: cannot write %s\n", json_out_.c_str());
      return 2;
    }
    std::filesystem::remove_all(dir_);
    return failures_.empty() ? 0 : 1;
  }

 private:
  void SurveyModel(const std::string& model) {
    const std::string facts = dir_ + "/facts.json";
    const stress::ChildResult list = stress::RunChild({model, "--list", "--json", facts}, {}, 60);
    const nlohmann::json info = ReadJson(facts);
    if (list.exit_code != 0 || info.is_discarded() || !info.contains("twins")) {
      Fail(fmt::format("{}: --list --json failed ({})", model, list.Describe()));
      return;
    }
    const std::string target = info.value("target", "");
    for (const nlohmann::json& t : info["twins"]) {
      Row row;
      row.model = target;
      row.twin = t.value("mutation", "");
      const std::string file = fmt::format("{}/{}_{}.txt", dir_, target, row.twin);
      std::vector<std::string> args = {model, "--variant", row.twin, "--no-history", "--counterexample-out", file};
      if (!search_.empty()) args.insert(args.end(), {"--search", search_});
      const stress::ChildResult run = stress::RunChild(args, {}, kModelTimeout);
      if (run.exit_code != 0 || !std::filesystem::exists(file)) {
        row.problem = fmt::format("model run {} without a counterexample", run.Describe());
      } else {
        row.native = RunReplay(replay_, file, {"--engine", "native"});
        row.correct = RunReplay(replay_, file, {"--engine", "native", "--mutation", "none"});
        row.relacy = RunReplay(replay_, file, {"--engine", "relacy"});
      }
      Print(row);
      Judge(row);
      rows_.push_back(std::move(row));
    }
  }

  void Print(const Row& r) const {
    if (!r.problem.empty()) {
      fmt::print("{:<20} {:<5} {}\n", r.model, r.twin, r.problem);
    } else {
      std::string verdict = r.native.verdict + (r.native.detail.empty() ? "" : ": " + r.native.detail);
      if (!r.native.problem.empty()) verdict = r.native.problem;
      if (verdict.size() > 90) verdict = verdict.substr(0, 90);
      fmt::print("{:<20} {:<5} {:<7} {:<8} {:<7} {}\n", r.model, r.twin, Cell(r.native), Cell(r.correct),
                 Cell(r.relacy), verdict);
    }
    std::fflush(stdout);
  }

  void Judge(const Row& r) {
    const std::string name = r.model + " " + r.twin;
    if (check_) {
      if (!r.problem.empty()) Fail(name + ": " + r.problem);
      for (const Replayed* x : {&r.native, &r.correct, &r.relacy}) {
        if (r.problem.empty() && !x->problem.empty()) Fail(name + ": " + x->problem);
      }
    }
    if (expected_.is_object() && expected_.contains(r.model) && expected_[r.model].contains(r.twin)) {
      const nlohmann::json& want = expected_[r.model][r.twin];
      const std::pair<const char*, const Replayed*> cells[] = {
          {"native", &r.native}, {"correct", &r.correct}, {"relacy", &r.relacy}};
      for (const auto& [key, got] : cells) {
        if (want.contains(key) && want[key].get<int>() != got->code) {
          Fail(fmt::format("{}: {} replay exited {}, the pinned survey says {}", name, key, got->code,
                           want[key].get<int>()));
        }
      }
    }
  }

  void Fail(const std::string& why) { failures_.push_back(why); }

  void Summary() const {
    int native = 0, relacy = 0;
    for (const Row& r : rows_) {
      native += r.native.code == 1 ? 1 : 0;
      relacy += r.relacy.code == 1 ? 1 : 0;
    }
    fmt::print("{} twins: {} replay natively as written, {} under the Relacy engine\n", rows_.size(), native, relacy);
    for (const std::string& f : failures_) fmt::print("FAIL: {}\n", f);
  }

  bool WriteJson() const {
    nlohmann::json out = nlohmann::json::array();
    for (const Row& r : rows_) {
      nlohmann::json j = {{"model", r.model}, {"twin", r.twin}};
      if (!r.problem.empty()) j["problem"] = r.problem;
      for (const auto& [key, x] :
           {std::pair{"native", &r.native}, std::pair{"correct", &r.correct}, std::pair{"relacy", &r.relacy}}) {
        j[key] = {{"exit", x->code}, {"verdict", x->verdict}, {"detail", x->detail}};
      }
      out.push_back(j);
    }
    std::ofstream f(json_out_);
    f << out.dump(2) << "\n";
    return static_cast<bool>(f);
  }

  std::string replay_;
  std::vector<std::string> models_;
  bool check_ = false;
  std::string expect_;
  std::string search_;
  std::string json_out_;
  nlohmann::json expected_;
  std::string dir_;
  std::vector<Row> rows_;
  std::vector<std::string> failures_;
};

}  // namespace

int main(int argc, char** argv) { return Survey().Main(argc, argv); }
