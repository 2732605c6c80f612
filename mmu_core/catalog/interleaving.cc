// mmu_core/catalog/interleaving.cc: parser and writer of the interleaving format.
#include "mmu_core/catalog/interleaving.h"

#include "mmu_core/catalog/files.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <utility>

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

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// ---------------------------------------------------------------------------
// Lines as the author saw them
// ---------------------------------------------------------------------------

// A line with its quote markers removed, tabs expanded to 8-column stops,
// Unicode spaces turned into spaces and the comment removed. UTF-8
// continuation bytes take no display column, so positions match what the
// author saw in a pasted table.
struct Line {
  std::string text;          // what is left, as bytes
  std::vector<int> columns;  // display column of each byte of `text`
};

// Quote markers of a mail: "> ", ">> ", "> > " (any number of '>', each
// optionally preceded by blanks), then one blank. Every line loses its own,
// so a quoted table keeps its alignment.
std::size_t QuotePrefix(std::string_view raw) {
  std::size_t i = 0, end = 0;
  for (;;) {
    std::size_t j = i;
    while (j < raw.size() && raw[j] == ' ') ++j;
    if (j < raw.size() && raw[j] == '>') {
      i = j + 1;
      end = i;
      continue;
    }
    break;
  }
  if (end == 0) return 0;
  if (end < raw.size() && raw[end] == ' ') ++end;
  return end;
}

// The code point of a valid UTF-8 sequence at s[i] and its length, or
// length 0 for a byte that starts none (read as Latin-1 then).
std::pair<unsigned, std::size_t> Utf8At(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return {c, 1};
  std::size_t n = 0;
  unsigned cp = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1fu;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0fu;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return {c, 0};
  }
  if (i + n > s.size()) return {c, 0};
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return {c, 0};
    cp = (cp << 6) | (b(i + k) & 0x3fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return {c, 0};
  }
  return {cp, n};
}

bool IsUnicodeSpace(unsigned cp) {
  return cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0x1680;
}
bool IsZeroWidth(unsigned cp) { return cp == 0x200b || cp == 0x200c || cp == 0x200d || cp == 0x2060 || cp == 0xfeff; }

// Expands `raw`; returns false with `*bad` set to a control byte the line
// holds (not a text table).
bool Expand(std::string_view raw, Line* l, unsigned char* bad) {
  raw.remove_prefix(QuotePrefix(raw));
  int col = 0;
  auto put = [&](char c) {
    l->text.push_back(c);
    l->columns.push_back(col);
  };
  for (std::size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    if (c == '#') break;
    if (c == '\r') {
      ++i;
      continue;
    }
    if (c == '\t') {
      do put(' '), ++col;
      while (col % 8 != 0);
      ++i;
      continue;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      if (c == '\f' || c == '\v') {
        put(' ');
        ++col;
        ++i;
        continue;
      }
      *bad = u;
      return false;
    }
    const auto [cp, n] = Utf8At(raw, i);
    if (n == 0 || n == 1) {
      // ASCII, or a byte that is not UTF-8: Latin-1 (0xa0 is its no-break space).
      put(cp == 0xa0 ? ' ' : c);
      ++col;
      ++i;
      continue;
    }
    if (IsZeroWidth(cp)) {
      i += n;
      continue;
    }
    if (IsUnicodeSpace(cp)) {
      put(' ');
      ++col;
      i += n;
      continue;
    }
    for (std::size_t k = 0; k < n; ++k) {
      l->text.push_back(raw[i + k]);
      l->columns.push_back(col);
    }
    ++col;
    i += n;
  }
  while (!l->text.empty() && l->text.back() == ' ') {
    l->text.pop_back();
    l->columns.pop_back();
  }
  return true;
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
  if (i > 0 && IsWordChar(s[i - 1])) return 0;
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

// ---------------------------------------------------------------------------
// What a cell says
// ---------------------------------------------------------------------------

// A phrase of the vocabulary, as normalised words ("read low").
struct Term {
  std::string words;
  Step step;
  Phrase phrase;
};

// Lower case, '_' and '-' as blanks, runs of blanks as one; `index` maps
// each byte of the result to its byte in `text`.
std::string Normalise(std::string_view text, std::vector<std::size_t>* index) {
  std::string out;
  bool blank = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_' || c == '-' || c == ' ') {
      blank = !out.empty();
      continue;
    }
    if (blank) {
      out.push_back(' ');
      if (index != nullptr) index->push_back(i);
      blank = false;
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (index != nullptr) index->push_back(i);
  }
  return out;
}

// The vocabulary (mmu_core/step_names.h), the aliases a table may use, and
// the composite phrases.
const std::vector<Term>& Terms() {
  static const std::vector<Term> terms = [] {
    std::vector<Term> t;
    for (const StepInfo& i : kSteps) t.push_back(Term{Normalise(i.name, nullptr), i.id, Phrase::kStep});
    const std::pair<const char*, Step> aliases[] = {
        {"xchg low", Step::WriteLow},         {"recheck low", Step::CheckLowAndCount},
        {"reread low", Step::CheckLowAndCount}, {"re read low", Step::CheckLowAndCount},
        {"unlock", Step::DropLock},           {"spin unlock", Step::DropLock},
        {"release lock", Step::DropLock},     {"unlock mmu lock", Step::DropLock},
        {"drop mmu lock", Step::DropLock},    {"unlock slots lock", Step::DropLock},
        {"drop slots lock", Step::DropLock},  {"take mmu lock", Step::TakeLock},
        {"lock mmu lock", Step::TakeLock},    {"spin lock", Step::TakeLock},
        {"acquire lock", Step::TakeLock},     {"take slots lock", Step::TakeLock},
        {"lock slots lock", Step::TakeLock},
    };
    for (const auto& [words, step] : aliases) t.push_back(Term{words, step, Phrase::kStep});
    const std::pair<const char*, Phrase> composites[] = {
        {"clear the spte", Phrase::kClearSpte}, {"clear spte", Phrase::kClearSpte},
        {"set the spte", Phrase::kSetSpte},     {"set spte", Phrase::kSetSpte},
    };
    for (const auto& [words, phrase] : composites) t.push_back(Term{words, Step::ReadCount, phrase});
    return t;
  }();
  return terms;
}

// A cell that starts with a phrase of the vocabulary: the phrase and what
// follows it.
struct StepCell {
  Step step = Step::ReadCount;
  Phrase phrase = Phrase::kStep;
  std::string tail;  // the text after the phrase, as written
};

std::optional<StepCell> MatchStep(std::string_view cell) {
  std::vector<std::size_t> index;
  const std::string n = Normalise(cell, &index);
  const Term* best = nullptr;
  for (const Term& t : Terms()) {
    if (n.compare(0, t.words.size(), t.words) != 0) continue;
    if (n.size() > t.words.size() && IsWordChar(n[t.words.size()])) continue;  // "read lowx"
    if (best == nullptr || t.words.size() > best->words.size()) best = &t;
  }
  if (best == nullptr) return std::nullopt;
  StepCell c;
  c.step = best->step;
  c.phrase = best->phrase;
  if (n.size() > best->words.size()) {
    // The tail starts right after the phrase's last byte in the cell.
    const std::size_t last = index[best->words.size() - 1];
    c.tail = std::string(Trim(cell.substr(last + 1)));
  }
  return c;
}

// Words and numbers of prose: runs of letters, digits and '_' ("0x0ull",
// "32bits"), and single punctuation characters.
std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && (IsWordChar(s[j]) || s[j] == '\'')) ++j;
    if (j == i) j = i + 1;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<std::uint64_t> FirstNumber(const std::vector<std::string>& tokens, std::size_t from = 0) {
  for (std::size_t i = from; i < tokens.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(tokens[i][0]))) {
      if (auto v = ParseNumber(tokens[i])) return v;
    }
  }
  return std::nullopt;
}

// The number after "<word> ... =" in prose ("high 32bits = 0xb"), or nullopt.
std::optional<std::uint64_t> NumberAfter(const std::vector<std::string>& tokens, std::string_view word) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (Lower(tokens[i]) != word) continue;
    for (std::size_t j = i + 1; j < tokens.size() && j < i + 5; ++j) {
      if (tokens[j] == "=") return FirstNumber(tokens, j + 1);
    }
  }
  return std::nullopt;
}

// "0xb11110001 (high 32bits = 0xb, low 32bit = 0x11110001)": do the halves
// the prose gives agree with the value? Returns the disagreement, or "".
std::string HalvesDisagree(const std::vector<std::string>& tokens, std::uint64_t v) {
  if (auto hi = NumberAfter(tokens, "high"); hi && *hi != (v >> 32)) {
    return "its high 32 bits are " + Hex(v >> 32) + ", but the text says high = " + Hex(*hi);
  }
  if (auto lo = NumberAfter(tokens, "low"); lo && *lo != (v & 0xffffffffULL)) {
    return "its low 32 bits are " + Hex(v & 0xffffffffULL) + ", but the text says low = " + Hex(*lo);
  }
  return "";
}

// Prose that says the low word did not change: the recheck.
bool SaysUnchanged(std::string_view text) {
  const std::string t = Lower(text);
  for (const char* p : {"not changed", "unchanged", "the same", "no change", "did not change", "didn't change",
                        "hasn't changed", "has not changed"}) {
    if (t.find(p) != std::string::npos) return true;
  }
  return false;
}

// A line of prose: several words, or a sentence. A short phrase that is not
// a step is a misspelt step instead.
bool IsProse(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return false;
  int words = 0;
  bool in = false;
  for (char c : text) {
    const bool w = c != ' ';
    if (w && !in) ++words;
    in = w;
  }
  const char last = text.back();
  return words >= 4 || last == '.' || last == '?' || last == '!' || last == ':' || last == ',' || last == ')' ||
         text.front() == '"' || text.front() == '(';
}

std::string UnknownStepMessage(std::string_view text) {
  std::string msg = "unknown step '" + Printable(text) + "'";
  if (auto near = NearestStep(text)) msg += "; did you mean '" + std::string(StepName(*near)) + "'?";
  return msg + " (replay --list prints the step vocabulary; prose inside a table starts with '#')";
}

// Fills in what a row's text says beyond its phrase: the value a step read,
// what a clear leaves, the value a set stores, a recheck told in prose.
std::optional<std::string> Interpret(Row& r, std::string_view tail) {
  const std::vector<std::string> tokens = Tokens(tail);
  if (r.phrase == Phrase::kStep) {
    if (r.step == Step::ReadLow && SaysUnchanged(tail)) r.step = Step::CheckLowAndCount;
    const std::string_view t = Trim(tail);
    const std::string first = tokens.empty() ? "" : Lower(tokens.front());
    const bool gives_value = !t.empty() && (t.front() == ':' || t.front() == '=' || t.front() == '(' ||
                                            first == "is" || first == "was" || first == "returns" ||
                                            first == "reads" || first == "sees" || first == "saw" || first == "gets");
    if (gives_value) {
      r.value = FirstNumber(tokens);
      if (r.value) {
        std::string_view v = t;
        while (!v.empty() && (v.front() == ':' || v.front() == ' ')) v.remove_prefix(1);
        r.value_text = std::string(v);
      }
    }
    return std::nullopt;
  }
  // "set spte to 0xb11110001 (...)", "clear the spte, then spte = 0x0ull".
  std::size_t from = 0;
  if (r.phrase == Phrase::kClearSpte) {
    const auto eq = std::find(tokens.begin(), tokens.end(), "=");
    if (eq == tokens.end()) return std::nullopt;
    from = static_cast<std::size_t>(eq - tokens.begin()) + 1;
  }
  r.value = FirstNumber(tokens, from);
  if (!r.value) {
    if (r.phrase == Phrase::kSetSpte && FirstNumber(tokens, 0) == std::nullopt) return std::nullopt;
    return std::nullopt;
  }
  r.value_text = Hex(*r.value);
  if (r.phrase == Phrase::kSetSpte) {
    if (std::string why = HalvesDisagree(tokens, *r.value); !why.empty()) {
      return "'" + Printable(r.text) + "': the value is " + Hex(*r.value) + ", and " + why;
    }
  }
  return std::nullopt;
}

class Parser {
 public:
  Parser(std::string_view text, std::string file) : text_(text) { il_.file = std::move(file); }

  Parsed<Interleaving> Run() {
    if (const std::size_t nul = text_.find('\0'); nul != std::string_view::npos) {
      const int line = 1 + static_cast<int>(std::count(text_.begin(), text_.begin() + static_cast<long>(nul), '\n'));
      return Fail(line, "binary input: a NUL byte; an interleaving is a text table (replay/README.md)");
    }
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
    for (std::size_t i = 0; i < il_.rows.size(); ++i) {
      if (auto why = Interpret(il_.rows[i], tails_[i])) return Fail(il_.rows[i].line, *why);
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
    Line line;
    unsigned char bad = 0;
    if (!Expand(raw, &line, &bad)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", bad);
      return Error(number, std::string("binary input: a control character (") + buf +
                               "); an interleaving is a text table (replay/README.md)");
    }
    const std::string_view s = line.text;
    if (Trim(s).empty() || IsRule(s)) {
      last_was_row_ = false;  // a blank line ends a cell's continuation
      return true;
    }
    if (il_.header_line == 0) {
      if (IsHeader(s)) return Header(number, line);
      return BeforeHeader(number, s);
    }
    return InTable(number, line);
  }

  // A known key before the header ("scenario:"), or a misspelt one; other
  // lines are the mail's prose, kept only for an initial value it states.
  std::optional<std::string> KeyOf(std::string_view s) const {
    const std::size_t colon = s.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string key = Lower(Trim(s.substr(0, colon)));
    if (key.empty() || !std::all_of(key.begin(), key.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })) {
      return std::nullopt;
    }
    return key;
  }

  bool BeforeHeader(int number, std::string_view s) {
    if (const std::optional<std::string> key = KeyOf(s)) {
      if (std::find(std::begin(kKeys), std::end(kKeys), *key) != std::end(kKeys)) return Key(number, *key, s);
      for (std::string_view k : kKeys) {
        if (EditDistance(*key, k) <= 2) {
          std::string known;
          for (std::string_view kk : kKeys) known += (known.empty() ? "" : ", ") + std::string(kk);
          return Error(number, "unknown key '" + Printable(*key) + "' (the keys are " + known + ")");
        }
      }
    }
    // "Say spte = 0xa11110001 (high 32bits = 0xa, low 32bit = 0x11110001)".
    if (!il_.stated_initial.present()) {
      const std::vector<std::string> tokens = Tokens(s);
      for (std::size_t i = 0; i + 2 < tokens.size(); ++i) {
        if (Lower(tokens[i]) != "spte" || tokens[i + 1] != "=") continue;
        const std::optional<std::uint64_t> v = ParseNumber(tokens[i + 2]);
        if (!v) break;
        if (std::string why = HalvesDisagree(tokens, *v); !why.empty()) {
          return Error(number, "'" + Printable(Trim(s)) + "': the spte is " + Hex(*v) + ", and " + why);
        }
        il_.stated_initial = KeyLine{std::string(Trim(s)), number};
        il_.stated_initial_value = v;
        break;
      }
    }
    return true;
  }

  bool Key(int number, const std::string& key, std::string_view s) {
    const std::string value(Trim(s.substr(s.find(':') + 1)));
    KeyLine* slot = nullptr;
    if (key == "scenario") slot = &il_.scenario;
    if (key == "config") slot = &il_.config;
    if (key == "mutation") slot = &il_.mutation;
    if (key == "initial") slot = &il_.initial;
    if (key == "values") slot = &il_.values;
    if (slot->present()) {
      return Error(number, "'" + key + "' given twice (first on line " + std::to_string(slot->line) + ")");
    }
    if (value.empty()) return Error(number, "'" + key + ":' has no value");
    *slot = KeyLine{value, number};
    if (key == "mutation") return MutationKey(number, value);
    if (key == "initial") {
      auto v = ParseNumber(value);
      if (!v) return Error(number, "initial: '" + Printable(value) + "' is not a number (0x... or decimal)");
      il_.initial_value = *v;
    }
    if (key == "values") {
      std::string list = value;
      std::replace(list.begin(), list.end(), ',', ' ');
      std::istringstream in(list);
      std::string word;
      while (in >> word) {
        auto v = ParseNumber(word);
        if (!v) return Error(number, "values: '" + Printable(word) + "' is not a number (0x... or decimal)");
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
      if (!m) return Error(number, "unknown mutation '" + Printable(word) + "' (replay --list prints the catalogue)");
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
      std::size_t text = from;
      while (text < to && s[text] == ' ') ++text;
      c.text_start = text < to ? line.columns[text] : c.start;
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

  // The column a cell at `pos` belongs to, and the one to its right when the
  // cell sits between them (not under either header, and its text runs under
  // the next one's header).
  std::pair<int, int> ColumnOf(const Line& line, std::size_t pos, std::size_t len) const {
    const int at = line.columns[pos];
    const int end = line.columns[pos + len - 1] + 1;
    int col = 0;
    for (std::size_t k = 0; k < il_.columns.size(); ++k) {
      if (il_.columns[k].start <= at) col = static_cast<int>(k);
    }
    int alt = -1;
    const std::size_t next = static_cast<std::size_t>(col) + 1;
    const Column& c = il_.columns[static_cast<std::size_t>(col)];
    if (next < il_.columns.size() && at != c.start && at != c.text_start && at < il_.columns[next].start &&
        end > il_.columns[next].start) {
      alt = static_cast<int>(next);
    }
    return {col, alt};
  }

  bool KeyInTable(int number, std::string_view s) {
    const std::optional<std::string> key = KeyOf(s);
    if (key && std::find(std::begin(kKeys), std::end(kKeys), *key) != std::end(kKeys)) {
      return Error(number, "'" + *key + ":' must come before the table (header on line " +
                               std::to_string(il_.header_line) + ")");
    }
    return true;
  }

  bool InTable(int number, const Line& line) {
    const std::string_view s = line.text;
    if (IsHeader(s)) {
      return Error(number, "a second table header (the first is on line " + std::to_string(il_.header_line) +
                               "); one file holds one table");
    }
    if (!KeyInTable(number, s)) return false;
    std::vector<Cell> cells = Cells(s);
    // A whole line that names a step (with what it says after it) is one
    // cell, however it is spaced.
    std::optional<StepCell> whole = MatchStep(Trim(s));
    std::vector<std::optional<StepCell>> steps;
    int nsteps = 0;
    for (const Cell& c : cells) {
      steps.push_back(MatchStep(c.text));
      if (steps.back()) ++nsteps;
    }
    if (cells.size() > 1 && nsteps > 1 && !(whole && whole->tail.empty())) {
      std::string list;
      for (const Cell& c : cells) {
        list += (list.empty() ? "'" : ", '") + Printable(c.text) + "' (" +
                il_.CpuName(ColumnOf(line, c.pos, c.text.size()).first) + ")";
      }
      return Error(number, "several steps on one row: " + list + "; time goes down, one step per row");
    }
    const Cell cell{cells.front().pos, std::string(Trim(s.substr(cells.front().pos)))};
    const std::optional<StepCell> step = whole ? whole : steps.front();
    if (il_.end_line > 0) {
      if (step) {
        return Error(number, "'" + Printable(cell.text) + "' after the end of the table: line " +
                                 std::to_string(il_.end_line) +
                                 " is not a step, so the table ended there (prose inside a table starts with '#')");
      }
      return true;  // the mail goes on
    }
    if (step) {
      const auto [col, alt] = ColumnOf(line, cell.pos, cell.text.size());
      Row r;
      r.thread = col;
      r.alt_thread = alt;
      r.step = step->step;
      r.phrase = step->phrase;
      r.line = number;
      r.text = cell.text;
      r.column = line.columns[cell.pos];
      il_.rows.push_back(std::move(r));
      tails_.push_back(step->tail);
      last_was_row_ = true;
      return true;
    }
    // Not a step: a typo, a continuation of the cell above, or the prose
    // after the table.
    if (NearestStep(cell.text)) return Error(number, UnknownStepMessage(cell.text));
    if (last_was_row_ && Continues(line, cell)) {
      Row& r = il_.rows.back();
      r.text += " " + cell.text;
      tails_.back() += (tails_.back().empty() ? "" : " ") + cell.text;
      return true;
    }
    if (!IsProse(cell.text)) return Error(number, UnknownStepMessage(cell.text));
    il_.end_line = number;
    return true;
  }

  // Does this line go on with the cell of the row above it ("set spte to
  // 0xb11110001 (high 32bits = 0xb," / "low 32bit = 0x11110001)")? Only a
  // cell that has prose after its step, in the same column, directly below.
  bool Continues(const Line& line, const Cell& cell) const {
    const Row& prev = il_.rows.back();
    if (tails_.back().empty()) return false;
    const int at = line.columns[cell.pos];
    return ColumnOf(line, cell.pos, 1).first == prev.thread || std::abs(at - prev.column) <= 2;
  }

  std::string_view text_;
  Interleaving il_;
  std::vector<std::string> tails_;  // per row: the text after its phrase
  bool last_was_row_ = false;
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

void Interleaving::AddRow(int thread, Step step) {
  Row r;
  r.thread = thread;
  r.step = step;
  r.text = std::string(StepName(step));
  rows.push_back(std::move(r));
}

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

Parsed<Interleaving> ReadInterleaving(const std::string& path, const std::string& shown) {
  const std::string name = shown.empty() ? path : shown;
  std::string error;
  const std::optional<std::string> text = ReadInputFile(path, kMaxInterleavingBytes, &error);
  if (!text) return {std::nullopt, Problem{name, 0, error}};
  return ParseInterleaving(*text, name);
}

std::string RowName(const Row& r) {
  switch (r.phrase) {
    case Phrase::kClearSpte: return "clear the spte";
    case Phrase::kSetSpte: return "set spte";
    case Phrase::kStep: break;
  }
  return std::string(StepName(r.step));
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
    std::string cell = RowName(r);
    if (r.phrase != Phrase::kStep && r.value) cell += (r.phrase == Phrase::kSetSpte ? " to " : ", then spte = ") + Hex(*r.value);
    out += std::string(k < start.size() ? start[k] : kIndent, ' ') + cell + "\n";
  }
  return out;
}

}  // namespace mmu
