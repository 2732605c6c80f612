// bench/main.cc: bazel run -c opt //bench:all -- [options]
//
// Runs the five comparisons of bench/README.md on the core (native engine),
// prints a progress line per comparison group and a table per comparison,
// writes the results as JSON and the size sweeps as SVG plots (gnuplot).
// Exit status: 0 all comparisons ran both sides with the same work; 1 a
// comparison had a problem (printed); 2 bad command line or unwritable output.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench/comparisons.h"
#include "bench/run.h"

namespace {

namespace fs = std::filesystem;

std::string Names() {
  std::string s;
  for (const auto& c : mmu::bench::AllComparisons()) s += (s.empty() ? "" : ", ") + c.name;
  return s;
}

// A file can be written at path (creating its directory).
bool Writable(const std::string& path, std::string* why) {
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (ec) {
    *why = ec.message();
    return false;
  }
  const bool existed = fs::exists(p);
  std::ofstream f(path, std::ios::app);
  if (!f) {
    *why = "cannot open it for writing";
    return false;
  }
  f.close();
  if (!existed) fs::remove(p, ec);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  mmu::bench::RunOptions o;
  std::string json_path, plot_dir, only;
  bool no_plots = false;
  CLI::App app{"bench: what each lockless protocol of the shadow MMU buys, measured on the core at kernel scale "
               "(512-entry tables, 4 levels). Comparisons: " + Names()};
  app.add_option("--json", json_path,
                 "write the results here (default: bench/results/bench.json in the workspace under bazel run)");
  app.add_option("--plots", plot_dir, "write the SVG plots into this directory (default: the JSON's directory)");
  app.add_flag("--no-plots", no_plots, "do not run gnuplot");
  app.add_option("--only", only, "comma-separated comparisons to run (default: all): " + Names());
  app.add_option("--max-pages", o.max_pages, "largest VM of the size sweeps, 1000..1000000 (default 1000000)");
  app.add_flag("--smoke", o.smoke, "tiny sizes and short runs: checks that both sides run and do the same work");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "bench: " << e.what() << "\nRun with --help for the options.\n";
    return 2;
  }
  if (o.max_pages < 1000 || o.max_pages > 1000000) {
    std::cerr << fmt::format("bench: --max-pages {} is outside 1000..1000000\n", o.max_pages);
    return 2;
  }
  if (!only.empty()) {
    std::stringstream ss(only);
    std::string name;
    while (std::getline(ss, name, ',')) {
      bool known = false;
      for (const auto& c : mmu::bench::AllComparisons()) known |= c.name == name;
      if (!known) {
        std::cerr << fmt::format("bench: unknown comparison '{}' in --only (known: {})\n", name, Names());
        return 2;
      }
      o.only.push_back(name);
    }
  }
  // Defaults: next to the README under `bazel run`; the current directory otherwise.
  if (json_path.empty() && !o.smoke) {
    const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
    json_path = ws != nullptr ? std::string(ws) + "/bench/results/bench.json" : "bench.json";
  }
  if (!json_path.empty()) {
    std::string why;
    if (!Writable(json_path, &why)) {
      std::cerr << fmt::format("bench: cannot write the JSON file {}: {}\n", json_path, why);
      return 2;
    }
  }
  if (!no_plots) {
    if (plot_dir.empty() && !json_path.empty()) {
      const fs::path parent = fs::path(json_path).parent_path();
      plot_dir = parent.empty() ? "." : parent.string();
    }
    if (!plot_dir.empty()) {
      std::string why;
      if (!Writable(plot_dir + "/.bench-probe", &why)) {
        std::cerr << fmt::format("bench: cannot write plots into {}: {}\n", plot_dir, why);
        return 2;
      }
    }
  }
  o.json_path = json_path;
  o.plot_dir = no_plots ? "" : plot_dir;
  o.mem_available = mmu::bench::MemAvailable();
  o.command = "bazel run -c opt //bench:all --";
  for (int i = 1; i < argc; ++i) o.command += std::string(" ") + argv[i];
  return mmu::bench::RunAll(o, std::cout, nullptr);
}
