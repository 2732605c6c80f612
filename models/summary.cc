// summary: the models job's table, from the model binaries' JSON results.
//
//   summary split_tear=/tmp/split_tear.json split_pnp=/tmp/split_pnp.json ...
//
// One row per model and variant (the correct core, then each twin), with the
// configurations of a variant added up; then the line
//   models: C correct passed, M mutations caught, F failed
// Exit code 0 iff nothing failed: every correct model passed, every twin was
// caught, and every model produced results. A model whose JSON is missing or
// unreadable (it crashed, or was not built) counts as failed.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Row {
  std::string model;
  std::string variant;
  std::string search;
  std::string search_why;
  std::string result;
  std::uint64_t interleavings = 0;
  double seconds = 0;
  bool correct = false;
  std::string problem;  // why a model has no results
};

// Adds the rows of one model's results (runs of a variant are adjacent).
bool AddModel(const std::string& target, const std::string& path, std::vector<Row>& rows) {
  nlohmann::json runs;
  try {
    std::ifstream f(path);
    if (!f) throw std::runtime_error("no results file");
    runs = nlohmann::json::parse(f);
    if (!runs.is_array() || runs.empty()) throw std::runtime_error("no runs in the results");
    for (const nlohmann::json& run : runs) {
      const std::string variant = run.at("variant").get<std::string>();
      const bool correct = variant == "none";
      const std::string label = correct ? "correct" : variant;
      if (rows.empty() || rows.back().model != run.at("scenario").get<std::string>() || rows.back().variant != label) {
        Row r;
        r.model = run.at("scenario").get<std::string>();
        r.variant = label;
        r.search = run.at("search").get<std::string>();
        r.search_why = run.value("search_why", "");
        r.correct = correct;
        r.result = correct ? "passed" : "missed";
        rows.push_back(r);
      }
      Row& r = rows.back();
      const std::string result = run.at("result").get<std::string>();
      r.interleavings += run.at("iterations").get<std::uint64_t>();
      r.seconds += run.at("seconds").get<double>();
      if (correct && result != "passed") r.result = "FAILED";
      if (!correct && result == "caught") r.result = "caught";
      if (!correct && result == "failed" && r.result != "caught") r.result = "FAILED";
    }
    return true;
  } catch (const std::exception& e) {
    Row r;
    r.model = target;
    r.variant = "-";
    r.search = "-";
    r.result = "NO RESULTS";
    r.problem = fmt::format("{}: {}: {}", target, path, e.what());
    rows.push_back(r);
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: summary TARGET=RESULTS.json...\n");
    return 2;
  }
  std::vector<Row> rows;
  int failed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(stderr, "summary: {}: expected TARGET=RESULTS.json\n", arg);
      return 2;
    }
    if (!AddModel(arg.substr(0, eq), arg.substr(eq + 1), rows)) ++failed;
  }

  const std::vector<std::string> head = {"model", "variant", "search", "result", "interleavings explored", "seconds",
                                         "interleavings/s"};
  std::vector<std::vector<std::string>> cells;
  int correct_passed = 0;
  int caught = 0;
  double slowest_twin = 0;
  std::string slowest_name = "-";
  for (const Row& r : rows) {
    const bool ok = r.result == "passed" || r.result == "caught";
    if (r.variant != "-" && !ok) ++failed;
    if (r.correct && ok) ++correct_passed;
    if (!r.correct && r.result == "caught") {
      ++caught;
      if (r.seconds >= slowest_twin) {
        slowest_twin = r.seconds;
        slowest_name = r.model + " " + r.variant;
      }
    }
    const bool measured = r.variant != "-";
    cells.push_back({r.model, r.variant, r.search, r.result, measured ? fmt::format("{}", r.interleavings) : "-",
                     measured ? fmt::format("{:.2f}", r.seconds) : "-",
                     measured && r.seconds > 0 ? fmt::format("{:.0f}", static_cast<double>(r.interleavings) / r.seconds)
                                               : "-"});
  }
  std::vector<std::size_t> width(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& row : cells) width[c] = std::max(width[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool numeric = c >= 4;
      line += numeric ? fmt::format("{:>{}}", row[c], width[c]) : fmt::format("{:<{}}", row[c], width[c]);
      if (c + 1 < row.size()) line += "  ";
    }
    fmt::print("{}\n", line);
  };
  print_row(head);
  std::size_t total = 0;
  for (std::size_t w : width) total += w + 2;
  fmt::print("{}\n", std::string(total - 2, '-'));
  for (const auto& row : cells) print_row(row);
  for (const Row& r : rows) {
    if (!r.problem.empty()) fmt::print("no results from {} (it crashed, was killed or was not built)\n", r.problem);
  }

  // Why each search: the correct core's, and the twins' where it differs.
  fmt::print("\nsearches and why:\n");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (r.variant == "-") continue;
    const bool first_of_model = i == 0 || rows[i - 1].model != r.model;
    const bool new_search = !first_of_model && r.search != rows[i - 1].search;
    if (!first_of_model && !new_search) continue;
    fmt::print("  {:<{}}  {:<8} {} {}\n", first_of_model ? r.model : "", width[0], r.search,
               r.correct ? "correct:" : "twins:", r.search_why.empty() ? "(no reason recorded)" : r.search_why);
  }
  fmt::print("\nslowest negative twin: {:.2f} s ({})\n", slowest_twin, slowest_name);
  fmt::print("models: {} correct passed, {} mutations caught, {} failed\n", correct_passed, caught, failed);
  return failed == 0 && !rows.empty() ? 0 : 1;
}
