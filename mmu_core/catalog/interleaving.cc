// mmu_core/catalog/interleaving.cc: parser and writer of the interleaving format.
#include "mmu_core/catalog/interleaving.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace mmu {
namespace {

constexpr std::string_view kKeys[] = {"scenario", "config", "mutation", "initial", "values"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A line with tabs expanded to 8-column stops and the comment removed. UTF-8
// continuation bytes take no display column, so positions match what the
// author saw in a pasted table.
struct Line {
  std::string text;          // comment removed, tabs expanded
  std::vector<int> columns;  // display column of each byte of `text`
};

Line Expand(std::string_view raw) {
  Line l;
  int col = 0;
  for (char c : raw) {
    if (c == '#') break;
    if (c == '\r') continue;
    if (c == '\t') {
      do {
        l.text.push_back(' ');
        l.columns.push_back(col++);
      } while (col % 8 != 0);
      continue;
    }
    l.text.push_back(c);
    l.columns.push_back(col);
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++col;
  }
  while (!l.text.empty() && std::isspace(static_cast<unsigned char>(l.text.back()))) {
    l.text.pop_back();
    l.columns.pop_back();
  }
  return l;
}

bool IsRule(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '-' || c == '=' || c == '+' || c == ' ' || c == '|'; });
}

// "CPU <digits> :" at position i (case-insensitive, spaces allowed around the
// number). Returns the length matched and the number, or 0.
std::size_t MatchCpu(std::string_view s, std::size_t i, int* number) {
  if (i + 3 > s.size()) return 0;
  if (Lower(s.substr(i, 3)) != "cpu") return 0;
  if (i > 0 && (std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_')) return 0;
  std::size_t j = i + 3;
  while (j < s.size() && s[j] == ' ') ++j;
  const std::size_t digits = j;
  int n = 0;
  while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) && j - digits < 6) n = n * 10 + (s[j++] - '0');
  if (j == digits) return 0;
  while (j < s.size() && s[j] == ' ') ++j;
  if (j >= s.size() || s[j] != ':') return 0;
  *number = n;
  return j + 1 - i;
}

bool IsHeader(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  int n = 0;
  return MatchCpu(s, i, &n) > 0;
}

// Cells of a row: runs of text separated by two or more spaces.
struct Cell {
  std::size_t pos;
  std::string text;
};
std::vector<Cell> Cells(std::string_view s) {
  std::vector<Cell> cells;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    std::size_t j = i;
    while (j < s.size() && !(s[j] == ' ' && (j + 1 >= s.size() || s[j + 1] == ' '))) ++j;
    cells.push_back(Cell{i, std::string(s.substr(i, j - i))});
    i = j;
  }
  return cells;
}

std::string Hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string UnknownStepMessage(std::string_view text) {
  std::string msg = "unknown step '" + std::string(text) + "'";
  if (text.find_first_of(":=") != std::string_view::npos) {
    msg += " (a cell holds a step name only; values are not part of the format)";
  } else if (auto near = NearestStep(text)) {
    msg += "; did you mean '" + std::string(StepName(*near)) + "'?";
  }
  return msg + " (replay --list prints the step vocabulary)";
}

class Parser {
 public:
  Parser(std::string_view text, std::string file) : text_(text) { il_.file = std::move(file); }

  Parsed<Interleaving> Run() {
    std::size_t start = 0;
    int number = 0;
    while (start <= text_.size()) {
      std::size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      ++number;
      if (!Feed(number, text_.substr(start, end - start))) return {std::nullopt, problem_};
      if (end == text_.size()) break;
      start = end + 1;
    }
    if (il_.header_line == 0) {
      return Fail(0, "no table header: expected a line such as 'CPU 1: __get_spte_lockless   CPU 2: __set_spte'");
    }
    return {std::move(il_), {}};
  }

 private:
  Parsed<Interleaving> Fail(int line, std::string message) {
    problem_ = Problem{il_.file, line, std::move(message)};
    return {std::nullopt, problem_};
  }
  bool Error(int line, std::string message) {
    problem_ = Problem{il_.file, line, std::move(message)};
    return false;
  }

  bool Feed(int number, std::string_view raw) {
    const Line line = Expand(raw);
    const std::string_view s = line.text;
    if (Trim(s).empty() || IsRule(s)) return true;
    if (il_.header_line == 0) {
      if (IsHeader(s)) return Header(number, line);
      return Key(number, s);
    }
    return StepLine(number, line);
  }

  bool Key(int number, std::string_view s) {
    const std::size_t colon = s.find(':');
    if (colon == std::string_view::npos) {
      return Error(number, "expected 'key: value' or the table header ('CPU 1: function   CPU 2: function'), got '" +
                               std::string(Trim(s)) + "'");
    }
    const std::string key = Lower(Trim(s.substr(0, colon)));
    const std::string value(Trim(s.substr(colon + 1)));
    KeyLine* slot = nullptr;
    if (key == "scenario") slot = &il_.scenario;
    if (key == "config") slot = &il_.config;
    if (key == "mutation") slot = &il_.mutation;
    if (key == "initial") slot = &il_.initial;
    if (key == "values") slot = &il_.values;
    if (slot == nullptr) {
      std::string known;
      for (std::string_view k : kKeys) known += (known.empty() ? "" : ", ") + std::string(k);
      return Error(number, "unknown key '" + key + "' (the keys are " + known + ")");
    }
    if (slot->present()) {
      return Error(number, "'" + key + "' given twice (first on line " + std::to_string(slot->line) + ")");
    }
    if (value.empty()) return Error(number, "'" + key + ":' has no value");
    *slot = KeyLine{value, number};
    if (key == "mutation") return MutationKey(number, value);
    if (key == "initial") {
      auto v = ParseNumber(value);
      if (!v) return Error(number, "initial: '" + value + "' is not a number (0x... or decimal)");
      il_.initial_value = *v;
    }
    if (key == "values") {
      std::string list = value;
      std::replace(list.begin(), list.end(), ',', ' ');
      std::istringstream in(list);
      std::string word;
      while (in >> word) {
        auto v = ParseNumber(word);
        if (!v) return Error(number, "values: '" + word + "' is not a number (0x... or decimal)");
        il_.written_values.push_back(*v);
      }
    }
    return true;
  }

  bool MutationKey(int number, const std::string& value) {
    if (Lower(value) == "none") return true;
    std::string list = value;
    std::replace_if(list.begin(), list.end(), [](char c) { return c == '+' || c == ','; }, ' ');
    std::istringstream in(list);
    std::string word;
    while (in >> word) {
      auto m = MutationFromName(word);
      if (!m) return Error(number, "unknown mutation '" + word + "' (replay --list prints the catalogue)");
      il_.mutations = il_.mutations.Plus(*m);
    }
    return true;
  }

  bool Header(int number, const Line& line) {
    const std::string_view s = line.text;
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    struct Mark {
      std::size_t pos, len;
      int cpu;
    };
    std::vector<Mark> marks;
    for (std::size_t j = i; j < s.size(); ++j) {
      int cpu = 0;
      if (std::size_t len = MatchCpu(s, j, &cpu); len > 0) {
        marks.push_back(Mark{j, len, cpu});
        j += len - 1;
      }
    }
    for (std::size_t k = 0; k < marks.size(); ++k) {
      const std::size_t from = marks[k].pos + marks[k].len;
      const std::size_t to = k + 1 < marks.size() ? marks[k + 1].pos : s.size();
      Column c;
      c.cpu_label = marks[k].cpu;
      c.function = std::string(Trim(s.substr(from, to - from)));
      c.start = line.columns[marks[k].pos];
      for (const Column& other : il_.columns) {
        if (other.cpu_label == c.cpu_label) {
          return Error(number, "the header names CPU " + std::to_string(c.cpu_label) + " twice");
        }
      }
      il_.columns.push_back(std::move(c));
    }
    il_.header_line = number;
    return true;
  }

  bool StepLine(int number, const Line& line) {
    const std::string_view s = line.text;
    if (IsHeader(s)) {
      return Error(number, "a second table header (the first is on line " + std::to_string(il_.header_line) +
                               "); one file holds one table");
    }
    std::vector<Cell> cells = Cells(s);
    auto column_of = [&](std::size_t pos) {
      const int at = line.columns[pos];
      int col = 0;
      for (std::size_t k = 0; k < il_.columns.size(); ++k) {
        if (il_.columns[k].start <= at) col = static_cast<int>(k);
      }
      return col;
    };
    // A whole line that names a step is one step, however it is spaced.
    if (cells.size() > 1 && StepFromName(Trim(s))) cells = {Cell{cells.front().pos, std::string(Trim(s))}};
    if (cells.size() > 1) {
      std::string list;
      for (const Cell& c : cells) {
        list += (list.empty() ? "'" : ", '") + c.text + "' (" + il_.CpuName(column_of(c.pos)) + ")";
      }
      return Error(number, "several steps on one row: " + list + "; time goes down, one step per row");
    }
    const Cell& cell = cells.front();
    const std::size_t colon = cell.text.find(':');
    if (colon != std::string::npos) {
      const std::string key = Lower(Trim(std::string_view(cell.text).substr(0, colon)));
      if (std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys)) {
        return Error(number, "'" + key + ":' must come before the table (header on line " +
                                 std::to_string(il_.header_line) + ")");
      }
    }
    auto step = StepFromName(cell.text);
    if (!step) return Error(number, UnknownStepMessage(cell.text));
    il_.rows.push_back(Row{column_of(cell.pos), *step, number, cell.text});
    return true;
  }

  std::string_view text_;
  Interleaving il_;
  Problem problem_;
};

}  // namespace

std::string Problem::Format() const {
  if (file.empty()) return message;
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

void Interleaving::AddColumn(std::string function) {
  Column c;
  c.cpu_label = static_cast<int>(columns.size()) + 1;
  c.function = std::move(function);
  columns.push_back(std::move(c));
}

void Interleaving::AddRow(int thread, Step step) { rows.push_back(Row{thread, step, 0, std::string(StepName(step))}); }

std::string Interleaving::CpuName(int thread) const {
  if (thread < 0 || thread >= static_cast<int>(columns.size())) return "CPU " + std::to_string(thread + 1);
  return "CPU " + std::to_string(columns[static_cast<std::size_t>(thread)].cpu_label);
}

std::string Interleaving::ColumnTitle(int thread) const {
  std::string t = CpuName(thread) + ":";
  if (thread >= 0 && thread < static_cast<int>(columns.size())) {
    const std::string& f = columns[static_cast<std::size_t>(thread)].function;
    if (!f.empty()) t += " " + f;
  }
  return t;
}

std::optional<std::uint64_t> ParseNumber(std::string_view s) {
  s = Trim(s);
  std::string t = Lower(s);
  while (!t.empty() && (t.back() == 'u' || t.back() == 'l')) t.pop_back();
  int base = 10;
  std::size_t i = 0;
  if (t.size() > 2 && t[0] == '0' && t[1] == 'x') {
    base = 16;
    i = 2;
  }
  if (i >= t.size()) return std::nullopt;
  std::uint64_t v = 0;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c == '_' || c == '\'') {
      continue;
    } else {
      return std::nullopt;
    }
    if (__builtin_mul_overflow(v, static_cast<std::uint64_t>(base), &v) ||
        __builtin_add_overflow(v, static_cast<std::uint64_t>(d), &v)) {
      return std::nullopt;
    }
  }
  return v;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<Step> NearestStep(std::string_view text) {
  const std::string want = Lower(Trim(text));
  std::optional<Step> best;
  std::size_t best_d = 4;
  for (const StepInfo& i : kSteps) {
    const std::size_t d = EditDistance(want, i.name);
    if (d < best_d) {
      best_d = d;
      best = i.id;
    }
  }
  return best;
}

Parsed<Interleaving> ParseInterleaving(std::string_view text, std::string file) {
  return Parser(text, std::move(file)).Run();
}

Parsed<Interleaving> ReadInterleaving(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, Problem{path, 0, "cannot open the file"}};
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return {std::nullopt, Problem{path, 0, "cannot read the file"}};
  return ParseInterleaving(buf.str(), path);
}

std::string WriteInterleaving(const Interleaving& il) {
  std::string out;
  for (const std::string& c : il.comments) out += c.empty() ? "#\n" : "# " + c + "\n";
  auto key = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) out += std::string(k) + ": " + v + "\n";
  };
  key("scenario", il.scenario.value);
  key("config", il.config.value);
  key("mutation", !il.mutations.Empty() ? il.mutations.ToString() : il.mutation.present() ? "none" : "");
  if (il.initial_value) key("initial", Hex(*il.initial_value));
  std::string values;
  for (std::uint64_t v : il.written_values) values += (values.empty() ? "" : " ") + Hex(v);
  key("values", values);
  if (!out.empty()) out += "\n";

  // Each column is as wide as its title or its longest step, plus a gutter.
  constexpr std::size_t kIndent = 4, kGutter = 4;
  std::vector<std::size_t> width(il.columns.size());
  for (std::size_t k = 0; k < il.columns.size(); ++k) width[k] = il.ColumnTitle(static_cast<int>(k)).size();
  for (const Row& r : il.rows) {
    const auto k = static_cast<std::size_t>(r.thread);
    if (k < width.size()) width[k] = std::max(width[k], StepName(r.step).size());
  }
  std::vector<std::size_t> start(il.columns.size());
  std::size_t total = kIndent;
  for (std::size_t k = 0; k < il.columns.size(); ++k) {
    start[k] = total;
    total += width[k] + kGutter;
  }
  std::string header;
  for (std::size_t k = 0; k < il.columns.size(); ++k) {
    header.resize(start[k], ' ');
    header += il.ColumnTitle(static_cast<int>(k));
  }
  out += header + "\n" + std::string(std::max(total - kGutter, header.size()), '-') + "\n";
  for (const Row& r : il.rows) {
    const auto k = static_cast<std::size_t>(r.thread);
    out += std::string(k < start.size() ? start[k] : kIndent, ' ') + std::string(StepName(r.step)) + "\n";
  }
  return out;
}

}  // namespace mmu
