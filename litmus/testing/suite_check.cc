// Checks the runner's --json output against an expectations file, one line
// per test: `NAME LKMM RELACY STATUS` (LKMM is the verdict with `+FLAG` for
// each flag such as data-race; RELACY is `-` when Relacy did not run;
// STATUS may contain spaces). Reads data, never the text table.
//
//   suite_check RESULTS.json EXPECTED
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: suite_check RESULTS.json EXPECTED\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  nlohmann::json results = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!results.is_array()) {
    std::cerr << argv[1] << ": not a JSON array\n";
    return 2;
  }
  std::map<std::string, std::string> actual;
  for (const auto& t : results) {
    std::string name = t.value("name", t.value("file", std::string("?")));
    std::string lkmm = t.contains("lkmm") ? t["lkmm"].value("verdict", std::string("-")) : "-";
    if (t.contains("lkmm") && t["lkmm"].contains("flags")) {
      for (const auto& f : t["lkmm"]["flags"]) lkmm += "+" + f.get<std::string>();
    }
    std::string relacy = t.contains("relacy") ? t["relacy"].value("verdict", std::string("-")) : "-";
    actual[name] = lkmm + " " + relacy + " " + t.value("status", std::string("?"));
  }
  std::ifstream ex(argv[2]);
  std::string line;
  int failures = 0, checked = 0;
  std::map<std::string, bool> seen;
  while (std::getline(ex, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name;
    ls >> name;
    std::string want;
    std::getline(ls, want);
    want.erase(0, want.find_first_not_of(' '));
    seen[name] = true;
    ++checked;
    auto it = actual.find(name);
    if (it == actual.end()) {
      std::cout << "MISSING " << name << "\n";
      ++failures;
    } else if (it->second != want) {
      std::cout << "DIFFERS " << name << ": want `" << want << "`, got `" << it->second << "`\n";
      ++failures;
    }
  }
  for (const auto& [name, got] : actual) {
    if (!seen.count(name)) {
      std::cout << "UNLISTED " << name << ": got `" << got << "`\n";
      ++failures;
    }
  }
  std::cout << checked << " expectations, " << failures << " failures\n";
  return failures == 0 ? 0 : 1;
}
