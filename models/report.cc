#include "models/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace mmu::models {
namespace {

// Column geometry: the first column starts at kIndent; every column is at
// least kMinWidth wide and two spaces wider than its header or longest step.
constexpr std::size_t kIndent = 4;
constexpr std::size_t kMinWidth = 36;

std::string Header(std::size_t cpu, const std::vector<std::string>& roles) {
  const std::string role = cpu < roles.size() && !roles[cpu].empty() ? roles[cpu] : "thread";
  return fmt::format("CPU {}: {}", cpu + 1, role);
}

}  // namespace

std::string FormatValue(std::uint64_t v) { return v < 10 ? fmt::format("{}", v) : fmt::format("{:#x}", v); }

std::vector<std::pair<std::string, std::string>> ConfigPairs(std::string_view description) {
  // Pairs are separated by blanks or commas outside parentheses: "leaf=(1,1,0),A=1".
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string item;
  int depth = 0;
  auto flush = [&] {
    const std::size_t eq = item.find('=');
    if (eq != std::string::npos) pairs.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    item.clear();
  };
  for (char c : description) {
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (depth == 0 && (c == ' ' || c == ',' || c == '\t')) {
      flush();
      continue;
    }
    item.push_back(c);
  }
  flush();
  return pairs;
}

std::string ExpandRole(std::string_view role, std::string_view config_description) {
  const auto pairs = ConfigPairs(config_description);
  auto value_of = [&](std::string_view key) -> const std::string* {
    for (const auto& [k, v] : pairs) {
      if (k == key) return &v;
    }
    return nullptr;
  };
  std::string out;
  std::size_t i = 0;
  while (i < role.size()) {
    const std::size_t open = role.find('{', i);
    const std::size_t close = open == std::string_view::npos ? open : role.find('}', open);
    if (close == std::string_view::npos) {
      out += role.substr(i);
      break;
    }
    out += role.substr(i, open - i);
    const std::string_view inner = role.substr(open + 1, close - open - 1);
    const std::size_t question = inner.find('?');
    const std::size_t colon = inner.find(':', question == std::string_view::npos ? 0 : question);
    const std::size_t eq = inner.find('=');
    if (question != std::string_view::npos && colon != std::string_view::npos && eq < question) {
      // {key=value?then:else}
      const std::string* v = value_of(inner.substr(0, eq));
      const bool match = v != nullptr && *v == inner.substr(eq + 1, question - eq - 1);
      out += match ? inner.substr(question + 1, colon - question - 1) : inner.substr(colon + 1);
    } else if (const std::string* v = value_of(inner)) {
      out += *v;  // {key}
    } else {
      out += role.substr(open, close - open + 1);
    }
    i = close + 1;
  }
  return out;
}

std::string FormatInterleaving(const Counterexample& c) {
  std::size_t threads = c.roles.size();
  for (const StepEvent& e : c.trace) threads = std::max(threads, static_cast<std::size_t>(e.cpu) + 1);

  std::vector<std::string> headers;
  std::vector<std::size_t> start;
  std::size_t pos = kIndent;
  for (std::size_t cpu = 0; cpu < threads; ++cpu) {
    headers.push_back(Header(cpu, c.roles));
    std::size_t width = std::max(kMinWidth, headers.back().size() + 2);
    for (const StepEvent& e : c.trace) {
      if (static_cast<std::size_t>(e.cpu) == cpu) width = std::max(width, e.step.size() + 2);
    }
    start.push_back(pos);
    pos += width;
  }

  std::string out;
  for (const std::string& line : c.comments) out += line.empty() ? "#\n" : "# " + line + "\n";
  out += fmt::format("scenario: {}\n", c.scenario);
  if (!c.config.empty()) out += fmt::format("config: {}\n", c.config);
  out += fmt::format("mutation: {}\n\n", c.mutation);

  std::string header;
  for (std::size_t cpu = 0; cpu < threads; ++cpu) {
    header.resize(start[cpu], ' ');
    header += headers[cpu];
  }
  out += header + "\n";
  out += std::string(std::max(pos + 2, header.size()), '-') + "\n";
  for (const StepEvent& e : c.trace) {
    out += std::string(start[static_cast<std::size_t>(e.cpu)], ' ') + e.step + "\n";
  }
  return out;
}

std::string FormatValues(const Counterexample& c, const std::vector<Observation>& observations, bool observed) {
  std::size_t threads = c.roles.size();
  for (const StepEvent& e : c.trace) threads = std::max(threads, static_cast<std::size_t>(e.cpu) + 1);
  std::string out = "values read (each step's value, in order):\n";
  for (std::size_t cpu = 0; cpu < threads; ++cpu) {
    std::string line;
    for (const StepEvent& e : c.trace) {
      if (static_cast<std::size_t>(e.cpu) != cpu) continue;
      if (!line.empty()) line += ", ";
      line += fmt::format("{} = {}", e.step, FormatValue(e.value));
    }
    out += fmt::format("  {}: {}\n", Header(cpu, c.roles), line.empty() ? "(no steps)" : line);
  }
  if (!observed) {
    out += "scenario's observations: none (the execution stopped before Check())\n";
    return out;
  }
  out += "scenario's observations (S::Observe, before Check()):\n";
  for (const Observation& o : observations) {
    out += fmt::format("  CPU {}: {} = {}\n", o.cpu + 1, o.what, FormatValue(o.value));
  }
  return out;
}

}  // namespace mmu::models
