// models/relacy/report.cc: the reader of Relacy's failure report.
#include "models/relacy/report.h"

#include <cstdlib>

namespace mmu::relacy {
namespace {

// Relacy's result texts (rl::test_result_str), failures only.
constexpr std::string_view kKinds[] = {
    "USER ASSERT FAILED",
    "ACCESS TO FREED MEMORY",
    "LIVELOCK",
    "DEADLOCK",
    "DATA RACE",
    "MEMORY LEAK",
    "DOUBLE FREE",
    "RESOURCE LEAK",
    "UNITIALIZED ACCESS",
    "UNINITIALIZED ACCESS",
    "DYNAMIC TYPE ERROR",
    "INVARIANT VIOLATION",
    "USER INVARIANT FAILED",
    "INCONSISTENT API USAGE",
    "MUTEX DESTROYED WHILE OWNED",
    "MUTEX UNLOCKED BY NON-OWNER",
};

std::string_view KindOf(std::string_view line) {
  for (std::string_view k : kKinds) {
    if (line.substr(0, k.size()) == k && (line.size() == k.size() || line[k.size()] == ' ')) return k;
  }
  return {};
}

}  // namespace

FailureReport ReadFailure(std::string_view report) {
  FailureReport r;
  std::size_t at = 0;
  while (at < report.size()) {
    const std::size_t end = report.find('\n', at);
    const std::string_view line = report.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (const std::string_view kind = KindOf(line); !kind.empty()) {
      r.kind = std::string(kind);
      r.line = std::string(line);
      break;
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  if (r.kind.empty()) return r;
  const std::size_t open = r.line.find(" (");
  if (open != std::string::npos && r.line.back() == ')') r.message = r.line.substr(open + 2, r.line.size() - open - 3);
  // The history line: "[N] CPU: KIND (message), in <function>, <file>(<line>)".
  const std::size_t hist = report.find(": " + r.line + ", in ");
  if (hist == std::string_view::npos) return r;
  const std::size_t bol = report.rfind('\n', hist) == std::string_view::npos ? 0 : report.rfind('\n', hist) + 1;
  const std::size_t eol = report.find('\n', hist);
  const std::string_view line = report.substr(bol, eol == std::string_view::npos ? std::string_view::npos : eol - bol);
  if (const std::size_t bracket = line.find("] "); bracket != std::string_view::npos) {
    r.cpu = std::atoi(std::string(line.substr(bracket + 2)).c_str());
  }
  const std::size_t comma = line.rfind(", ");
  const std::size_t paren = line.rfind('(');
  if (comma == std::string_view::npos || paren == std::string_view::npos || paren < comma || line.back() != ')') {
    return r;
  }
  std::string_view file = line.substr(comma + 2, paren - comma - 2);
  if (file.substr(0, 2) == "./") file.remove_prefix(2);
  r.where = std::string(file) + ":" + std::string(line.substr(paren + 1, line.size() - paren - 2));
  return r;
}

}  // namespace mmu::relacy
