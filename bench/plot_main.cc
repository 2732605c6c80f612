// bench/plot_main.cc: bazel run //bench:plot -- FILE.json [--out DIR]
//
// Redraws the size-sweep plots from a JSON that bench:all wrote. Exit 2 on
// a missing or malformed file or an unwritable directory.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/plot.h"

int main(int argc, char** argv) {
  std::string in, dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << "usage: plot FILE.json [--out DIR]  (default DIR: the JSON's directory)\n";
      return 0;
    }
    if (a == "--out") {
      if (i + 1 >= argc) {
        std::cerr << "plot: --out needs a directory\n";
        return 2;
      }
      dir = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << fmt::format("plot: unknown option {}\n", a);
      return 2;
    } else if (in.empty()) {
      in = a;
    } else {
      std::cerr << fmt::format("plot: one JSON file only ({} and {})\n", in, a);
      return 2;
    }
  }
  if (in.empty()) {
    std::cerr << "usage: plot FILE.json [--out DIR]\n";
    return 2;
  }
  std::ifstream f(in);
  if (!f) {
    std::cerr << fmt::format("plot: cannot read {}\n", in);
    return 2;
  }
  nlohmann::json j;
  try {
    f >> j;
  } catch (const nlohmann::json::exception& e) {
    std::cerr << fmt::format("plot: {} is not valid JSON: {}\n", in, e.what());
    return 2;
  }
  if (!j.is_object() || !j.contains("comparisons") || !j["comparisons"].is_array()) {
    std::cerr << fmt::format("plot: {} is not a bench:all results file (no \"comparisons\" array)\n", in);
    return 2;
  }
  if (dir.empty()) {
    const std::filesystem::path parent = std::filesystem::path(in).parent_path();
    dir = parent.empty() ? "." : parent.string();
  }
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << fmt::format("plot: {} is not a directory\n", dir);
    return 2;
  }
  std::string error;
  const auto written = mmu::bench::WritePlots(j, dir, &error);
  for (const std::string& w : written) std::cout << "plot: " << w << "\n";
  if (!error.empty()) {
    std::cerr << "plot: " << error << "\n";
    return 1;
  }
  if (written.empty()) std::cout << "plot: no size sweep (zap-all, mmio-gen) in " << in << "\n";
  return 0;
}
