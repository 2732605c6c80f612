// replay/testing/json_check.cc: checks a replay's --json report against
// expectations, so that tests hold on data and not on the text's spacing.
//
//   json_check REPORT.json CHECK...
//
// Each CHECK is one of
//   /json/pointer=VALUE     the value there equals VALUE (a string, or a number: 12, 0x1f)
//   /json/pointer~TEXT      the string there contains TEXT
//   line:N=VALUE            a listed step of file line N read or wrote VALUE (in any execution)
//   line:N~TEXT             ... its decoded value contains TEXT
//   line:N!unfinished       ... it began and did not end (the execution failed inside it)
//   line:N@STEP             ... one of them is the step STEP ("lock break")
//   unlisted:STEP=VALUE     an unlisted step named STEP has VALUE
//   observed:WHAT=VALUE     some outcome has WHAT = VALUE
//   given:N=ok|mismatch|unchecked   the value the table gives on line N
// Exit 0 when every check holds; 1 with the failed checks listed.
#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "mmu_core/catalog/interleaving.h"

namespace {

using nlohmann::json;

bool NumberIs(const json& v, const std::string& want) {
  if (!want.empty() && want[0] == '-') {  // a negative number: -1 for "no CPU"
    const std::optional<std::uint64_t> n = mmu::ParseNumber(want.substr(1));
    return n && v.is_number_integer() && v.get<long long>() == -static_cast<long long>(*n);
  }
  const std::optional<std::uint64_t> n = mmu::ParseNumber(want);
  return n && v.is_number_unsigned() ? v.get<std::uint64_t>() == *n : n && v.is_number_integer() && v.get<long long>() >= 0 && static_cast<std::uint64_t>(v.get<long long>()) == *n;
}

bool Equals(const json& v, const std::string& want) {
  if (v.is_string()) return v.get<std::string>() == want;
  if (v.is_boolean()) return (want == "true") == v.get<bool>() && (want == "true" || want == "false");
  if (v.is_number()) return NumberIs(v, want);
  return false;
}

bool Contains(const json& v, const std::string& want) {
  return v.is_string() && v.get<std::string>().find(want) != std::string::npos;
}

bool AnyValue(const json& step, const std::string& want) {
  if (!step.contains("values")) return false;
  for (const json& v : step["values"]) {
    if (NumberIs(v, want)) return true;
  }
  return false;
}

bool AnyDecoded(const json& step, const std::string& want) {
  if (!step.contains("decoded")) return false;
  for (const json& v : step["decoded"]) {
    if (Contains(v, want)) return true;
  }
  return false;
}

bool Check(const json& j, const std::string& c) {
  if (c.rfind("line:", 0) == 0) {
    const std::size_t op = c.find_first_of("=~!@", 5);
    if (op == std::string::npos) return false;
    const long line = std::strtol(c.substr(5, op - 5).c_str(), nullptr, 10);
    const std::string want = c.substr(op + 1);
    for (const json& s : j.value("steps", json::array())) {
      if (!s.value("listed", false) || s.value("line", 0L) != line) continue;
      if (c[op] == '=' && AnyValue(s, want)) return true;
      if (c[op] == '~' && AnyDecoded(s, want)) return true;
      if (c[op] == '!' && want == "unfinished" && s.value("unfinished", false)) return true;
      if (c[op] == '@' && s.value("step", "") == want) return true;
    }
    return false;
  }
  if (c.rfind("unlisted:", 0) == 0) {
    const std::size_t eq = c.find('=');
    if (eq == std::string::npos) return false;
    const std::string step = c.substr(9, eq - 9), want = c.substr(eq + 1);
    for (const json& s : j.value("steps", json::array())) {
      if (!s.value("listed", true) && s.value("step", "") == step && AnyValue(s, want)) return true;
    }
    return false;
  }
  if (c.rfind("observed:", 0) == 0) {
    const std::size_t eq = c.find('=');
    if (eq == std::string::npos) return false;
    const std::string what = c.substr(9, eq - 9), want = c.substr(eq + 1);
    for (const json& set : j.value("observed", json::array())) {
      for (const json& o : set.value("values", json::array())) {
        if (o.value("what", "") == what && NumberIs(o["value"], want)) return true;
      }
    }
    return false;
  }
  if (c.rfind("given:", 0) == 0) {
    const std::size_t eq = c.find('=');
    if (eq == std::string::npos) return false;
    const long line = std::strtol(c.substr(6, eq - 6).c_str(), nullptr, 10);
    const std::string want = c.substr(eq + 1);
    for (const json& g : j.value("values_given", json::array())) {
      if (g.value("line", 0L) != line) continue;
      const bool checked = g.value("checked", false);
      if (want == "unchecked") return !checked;
      if (want == "ok") return checked && g.value("ok", false);
      if (want == "mismatch") return checked && !g.value("ok", true);
    }
    return false;
  }
  if (c.empty() || c[0] != '/') return false;
  const std::size_t op = c.find_first_of("=~");
  if (op == std::string::npos) return false;
  json::json_pointer ptr(c.substr(0, op));
  if (!j.contains(ptr)) return false;
  return c[op] == '=' ? Equals(j.at(ptr), c.substr(op + 1)) : Contains(j.at(ptr), c.substr(op + 1));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: json_check REPORT.json CHECK...\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    std::fprintf(stderr, "json_check: %s is not a JSON report\n", argv[1]);
    return 1;
  }
  int failed = 0;
  for (int i = 2; i < argc; ++i) {
    bool ok = false;
    try {
      ok = Check(j, argv[i]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "json_check: %s: %s\n", argv[i], e.what());
    }
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", argv[i]);
    if (!ok) ++failed;
  }
  return failed == 0 ? 0 : 1;
}
