// models/detection/mutator.cc: the logical-mutation schemata of the core.
//
//   mutator OUT_DIR ALL_H RELACY_MODEL_H HEADER...
//
// Writes a copy of the core (OUT_DIR/mmu_core/...) in which every mutation
// point is compiled in behind a run-time switch, `::mmu::mutant::On(ID)`
// (mutant.h), and a catalogue of the points (OUT_DIR/catalog.json). One build
// of the copy holds every mutant; //models:<target>_mutants runs the one
// --mutant ID names. Debian packages no C++ mutation tool (Mull and Dextool
// are not packaged), so this is a small, line-based one for the core's own
// style (clang-format, one statement a line, binary operators between blanks),
// run by a genrule (core_schemata() in defs.bzl): a new core file or scenario
// is covered without an edit.
//
// Operators, on the protocol headers (every mmu_core header but the engine
// facade, the vocabularies and the scenario interface: kUncopied), never on
// the catalogue's switches (Has(Mutation::...)), the core's own checks
// (sync::check, sync::fail) or the barriers (the barrier table weakens those):
//
//   negate   if (C)            -> if (!(C))              a recheck negated
//   drop-if  if (C)            -> if (false)             a check dropped (a retry skipped)
//   ror      if (A < B)        -> if (A <= B), and so on off by one in a compare
//   const    ... + 1, == 2 ... -> + 2, == 3              off by one in a constant
//   delete   CALL(...);        -> (nothing)              a write, a request, a free... dropped;
//            goto restart;     -> (nothing)              a retry dropped
//   ignore   x = CALL(...);    -> CALL(...);             a returned value ignored
//   swap     S1; [fence;] S2;  -> S2; [fence;] S1;       two writes swapped
//
// The scenario headers are copied unmutated, with their includes pointing at
// the copy. Exit 2 with a message on bad input (an unreadable header, a path
// outside mmu_core/, an unwritable output).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace {

constexpr std::string_view kPrefix = "mmu_core/schemata/";
// Headers that are not protocol code: the engine facade, the vocabularies,
// the scenario interface. They are used as they are, not copied.
const std::set<std::string> kUncopied = {"sync.h", "steps.h", "step_names.h", "mutations.h", "scenario.h", "windows.h"};
constexpr std::string_view kSkipText[] = {"Has(Mutation::", "sync::check", "sync::fail", "sync::fence",
                                          "static_assert", "#", "//"};
constexpr std::string_view kWriteHints[] = {".store(", "Write",     "Set",   "set_",     "MakeRequest", "ListAdd",
                                            "ListDel", "Add(",      "Remove(", "Clear",  "FlushAll",    "Fill(",
                                            "Publish", "Toggle",    "Free",  "Zap"};
constexpr std::string_view kDeclTypes = "(?:u64|u32|int|bool|auto|std::uint\\w*)";

bool Has(std::string_view s, std::string_view t) { return s.find(t) != std::string_view::npos; }
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
bool SkipText(std::string_view s) {
  for (std::string_view t : kSkipText) {
    if (Has(s, t)) return true;
  }
  return false;
}
std::string Strip(std::string_view s) {
  const std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return "";
  const std::size_t b = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(a, b - a + 1));
}
std::string Indent(std::string_view s) { return std::string(s.substr(0, s.find_first_not_of(" \t"))); }
// Text before the first "//" (unless the line has a string literal, which may hold one).
std::string Code(const std::string& text) {
  if (Has(text, "//") && !Has(text, "\"")) return text.substr(0, text.find("//"));
  return text;
}
std::string Comment(const std::string& text) {
  if (Has(text, "//") && !Has(text, "\"")) return "  //" + text.substr(text.find("//") + 2);
  return "";
}
std::string On(int id) { return fmt::format("::mmu::mutant::On({})", id); }
// The part of `s` before the first '('.
std::string_view BeforeParen(std::string_view s) { return s.substr(0, s.find('(')); }
int Count(std::string_view s, char c) {
  int n = 0;
  for (char x : s) n += x == c;
  return n;
}

struct Point {
  int id;
  std::string file;
  int line;
  std::string op;
  std::string original;
  std::string mutated;
  std::string function;
};

class Mutator {
 public:
  std::vector<Point> points;

  std::vector<std::string> Mutate(const std::string& path, const std::vector<std::string>& lines) {
    std::vector<std::string> out = lines;
    std::string function;
    std::string pending;  // a signature whose body has not opened yet
    int fn_depth = -1;    // the depth outside the function `function`, -1: none
    int depth = 0;
    bool prev_end = true;  // the previous line ended a statement
    const std::size_t n = lines.size();
    for (std::size_t i = 0; i < n;) {
      const std::string& text = lines[i];
      const std::string code = Code(text);
      const std::string stripped = Strip(code);
      // The function a point is in: a signature (perhaps wrapped over
      // lines) outside any function, whose body opens with a '{'.
      const std::string head = code.substr(0, code.find('{'));
      std::smatch m;
      if (fn_depth < 0 && pending.empty() && head.find(';') == std::string::npos && !std::regex_search(code, control_re_) &&
          std::regex_search(code, m, signature_re_)) {
        pending = m[1].str();
      }
      if (fn_depth < 0 && !pending.empty()) {
        if (code.find('{') != std::string::npos) {
          function = pending;
          fn_depth = depth;
          pending.clear();
          initialised_.clear();
        } else if (code.find(';') != std::string::npos) {
          pending.clear();  // a declaration, not a definition
        }
      }
      for (auto it = std::sregex_iterator(code.begin(), code.end(), decl_re_); it != std::sregex_iterator(); ++it) {
        initialised_.insert((*it)[1].str());
      }
      const bool starts_statement = prev_end;
      std::optional<std::string> mutated;
      if (!stripped.empty() && !SkipText(stripped) && depth >= 1) {
        mutated = LineMutants(path, static_cast<int>(i) + 1, code, stripped, function, starts_statement);
      }
      if (mutated) out[i] = *mutated + Comment(text);
      // A swap of two writes: this statement and the next (a fence may sit between).
      if (starts_statement && IsWrite(stripped) && depth >= 1 && !mutated) {
        std::size_t j = i + 1;
        std::string fences;
        while (j < n && StartsWith(Strip(lines[j]), "sync::fence(")) {
          fences += " " + Strip(lines[j]);
          ++j;
        }
        if (j < n && IsWrite(Strip(lines[j])) && out[j] == lines[j]) {
          const std::string a = Strip(lines[i]);
          const std::string b = Strip(lines[j]);
          const int k = New(path, static_cast<int>(i) + 1, "swap", a + " " + b, b + " " + a, function);
          out[i] = fmt::format("{}if ({}) {{ {}{} {} }} else {{ {}{} {} }}", Indent(lines[i]), On(k), b, fences, a, a,
                               fences, b);
          for (std::size_t x = i + 1; x <= j; ++x) out[x] = "";
          i = j + 1;
          prev_end = true;
          continue;
        }
      }
      depth += Count(code, '{') - Count(code, '}');
      if (fn_depth >= 0 && depth <= fn_depth) {
        fn_depth = -1;
        function.clear();
      }
      prev_end = EndsWith(stripped, ";") || EndsWith(stripped, "{") || EndsWith(stripped, "}") || stripped.empty() ||
                 StartsWith(stripped, "//");
      ++i;
    }
    return out;
  }

 private:
  int New(const std::string& path, int line, const std::string& op, const std::string& original,
          const std::string& mutated, const std::string& function) {
    const int id = static_cast<int>(points.size());
    points.push_back({id, path, line, op, Strip(original), Strip(mutated), function});
    return id;
  }

  static bool IsWrite(const std::string& s) {
    if (!EndsWith(s, ");")) return false;
    for (std::string_view p : {"return", "if", "for", "while", "else", "}", "const ", "auto ", "u64 ", "u32 ", "int ",
                               "bool "}) {
      if (StartsWith(s, p)) return false;
    }
    if (SkipText(s) || Has(BeforeParen(s), "=")) return false;
    for (std::string_view h : kWriteHints) {
      if (Has(s, h)) return true;
    }
    return false;
  }

  std::optional<std::string> LineMutants(const std::string& path, int line, const std::string& code,
                                         const std::string& s, const std::string& function, bool starts_statement) {
    const std::string ind = Indent(code);
    std::smatch m;
    // if (C) ...
    if (std::regex_search(code, m, if_re_) && !StartsWith(s, "if constexpr")) {
      const std::string rest = m[3].str();
      int depth = 1;
      std::size_t k = 0;
      while (k < rest.size() && depth > 0) {
        depth += rest[k] == '(' ? 1 : rest[k] == ')' ? -1 : 0;
        ++k;
      }
      if (depth != 0) return std::nullopt;
      const std::string cond = rest.substr(0, k - 1);
      const std::string tail = rest.substr(k - 1);
      const std::string head = m[1].str() + m[2].str() + "if (";
      const int a = New(path, line, "negate", "if (" + cond + ")", "if (!(" + cond + "))", function);
      const int b = New(path, line, "drop-if", "if (" + cond + ")", "if (false)", function);
      std::string expr = fmt::format("({} ? !({}) : (!{} && ({})))", On(a), cond, On(b), cond);
      std::smatch r;
      if (std::regex_search(cond, r, compare_re_) && !Has(cond, "&&") && !Has(cond, "||") && !Has(cond, "?")) {
        static const std::map<std::string, std::string> kAlt = {{"<", "<="}, {"<=", "<"}, {">", ">="}, {">=", ">"}};
        const std::string alt = kAlt.at(r[2].str());
        const std::string changed = fmt::format("{} {} {}", r[1].str(), alt, r[3].str());
        const int c = New(path, line, "ror", cond, changed, function);
        expr = fmt::format("({} ? ({}) : {})", On(c), changed, expr);
      }
      return head + expr + tail;
    }
    // x = CALL(...);  (an assignment of a variable that already holds a value)
    if (std::regex_search(code, m, assign_re_) && starts_statement && initialised_.count(m[2].str()) != 0) {
      const int k = New(path, line, "ignore", s, m[3].str() + ";", function);
      return fmt::format("{}if ({}) {{ (void){}; }} else {{ {} = {}; }}", m[1].str(), On(k), m[3].str(), m[2].str(),
                         m[3].str());
    }
    // A call statement, or goto.
    if (starts_statement) {
      std::smatch x;
      const bool go = std::regex_search(code, x, goto_re_);
      const bool call = EndsWith(s, ");") && std::regex_search(code, x, call_re_) &&
                        !std::regex_search(code, x, keyword_re_) && !Has(BeforeParen(s), " = ") &&
                        !Has(s, "LockMmu") && !Has(s, "LockNamed") && !Has(s, "unlock()") && !Has(s, "lock()") &&
                        !Has(s, "pause()");
      if (go || call) {
        const int k = New(path, line, "delete", s, "(deleted)", function);
        return fmt::format("{}if (!{}) {{ {} }}", ind, On(k), s);
      }
    }
    // Constants in arithmetic and compares: a literal after a binary operator
    // (preceded by a blank or '('), right to left so the offsets hold.
    struct Lit {
      std::size_t start, end;
      std::string op, lit;
    };
    std::vector<Lit> lits;
    for (std::size_t i = 1; i < code.size();) {
      std::smatch c;
      if ((code[i - 1] == ' ' || code[i - 1] == '(') &&
          std::regex_search(code.cbegin() + static_cast<std::ptrdiff_t>(i), code.cend(), c, const_re_,
                            std::regex_constants::match_continuous | std::regex_constants::match_prev_avail)) {
        lits.push_back({i, i + static_cast<std::size_t>(c.length(0)), c[1].str(), c[2].str()});
        i += std::max<std::size_t>(1, static_cast<std::size_t>(c.length(0)));
      } else {
        ++i;
      }
    }
    std::string out = code;
    bool changed = false;
    for (auto it = lits.rbegin(); it != lits.rend(); ++it) {
      if (it->lit == "0" && (it->op == "+" || it->op == "-" || it->op == "^")) continue;
      const long long v = std::stoll(it->lit);
      const int k = New(path, line, "const", s, fmt::format("{} {} -> {} {}", it->op, it->lit, it->op, v + 1), function);
      const std::string rep = fmt::format("{} ({} ? {} : {})", it->op, On(k), v + 1, it->lit);
      out = out.substr(0, it->start) + rep + out.substr(it->end);
      changed = true;
    }
    if (changed) return out;
    return std::nullopt;
  }

  std::set<std::string> initialised_;
  const std::regex signature_re_{
      R"(^\s*(?:(?:inline|static|constexpr|explicit|virtual|template <[^>]*>) )*(?:[\w:<>*&,]+ )*([\w~]+)\()"};
  const std::regex decl_re_{std::string(R"((?:^\s*|[;{(]\s*)(?:const )?)") + std::string(kDeclTypes) +
                            R"( (\w+) = )"};
  const std::regex if_re_{R"(^(\s*)(\} else )?if \((.*)$)"};
  const std::regex compare_re_{R"(^(.*\S)\s(<=|>=|<|>)\s(\S.*)$)"};
  const std::regex assign_re_{R"(^(\s*)([a-z_][\w.\[\]]*) = ([\w:.>-]+\(.*\));\s*$)"};
  const std::regex goto_re_{R"(^\s*goto \w+;\s*$)"};
  const std::regex call_re_{R"(^\s*[\w:.>\[\]()-]+\(.*\);\s*$)"};
  const std::regex keyword_re_{R"(^\s*(return|const|auto|u64|u32|int|bool|if|for|while)\b)"};
  const std::regex control_re_{R"(^\s*(\} )?(else|if|for|while|switch|return|do|case)\b)"};
  const std::regex const_re_{R"((\+|-|\^|==|!=|<|<=|>|>=) (\d+)\b(?!\.))"};
};

std::string RewriteIncludes(const std::string& text, const std::set<std::string>& copied) {
  static const std::regex kInclude(R"re(#include "([^"]+)")re");
  std::string out;
  auto last = text.cbegin();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kInclude); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    out.append(last, m[0].first);
    const std::string inc = m[1].str();
    out += copied.count(inc) != 0 ? fmt::format("#include \"{}{}\"", kPrefix, inc) : m[0].str();
    last = m[0].second;
  }
  out.append(last, text.cend());
  return out;
}

bool Read(const std::string& path, std::string& text) {
  std::ifstream f(path);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  text = ss.str();
  return true;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t a = 0;
  for (std::size_t b; (b = text.find('\n', a)) != std::string::npos; a = b + 1) lines.push_back(text.substr(a, b - a));
  lines.push_back(text.substr(a));
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i == 0 ? "" : "\n") + lines[i];
  return out;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "mutator: %s\n", what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) return Fail("usage: mutator OUT_DIR ALL_H RELACY_MODEL_H HEADER...");
  const std::string out_dir = argv[1];
  const std::string all_h = argv[2];
  const std::string relacy_model_h = argv[3];
  std::vector<std::string> headers(argv + 4, argv + argc);
  std::set<std::string> copied;
  std::map<std::string, std::string> rel_of;
  for (const std::string& h : headers) {
    const std::size_t at = h.find("mmu_core/");
    if (at == std::string::npos) return Fail(h + ": not a header under mmu_core/");
    const std::string rel = h.substr(at);
    rel_of[h] = rel;
    if (kUncopied.count(std::filesystem::path(rel).filename().string()) == 0) copied.insert(rel);
  }
  copied.insert("mmu_core/scenarios/all.h");
  copied.insert("models/relacy_model.h");
  std::sort(headers.begin(), headers.end());
  Mutator mut;
  std::map<std::string, std::string> files;
  for (const std::string& h : headers) {
    const std::string& rel = rel_of[h];
    if (copied.count(rel) == 0) continue;
    std::string text;
    if (!Read(h, text)) return Fail(h + ": cannot read");
    std::vector<std::string> lines = Split(text);
    const bool protocol = rel.find("/scenarios/") == std::string::npos;
    if (protocol) lines = mut.Mutate(rel, lines);
    text = RewriteIncludes(Join(lines), copied);
    if (protocol) {
      const std::string once = "#pragma once\n";
      if (const std::size_t p = text.find(once); p != std::string::npos) {
        text.insert(p + once.size(), "#include \"models/detection/mutant.h\"\n");
      }
    }
    files[rel] = text;
  }
  for (const auto& [rel, path] : {std::pair<std::string, std::string>{"mmu_core/scenarios/all.h", all_h},
                                  {"models/relacy_model.h", relacy_model_h}}) {
    std::string text;
    if (!Read(path, text)) return Fail(path + ": cannot read");
    files[rel] = RewriteIncludes(text, copied);
  }
  files["points.h"] = fmt::format(
      "// generated by models/detection/mutator.cc: the number of mutation points\n#pragma once\n"
      "#include \"models/detection/mutant.h\"\n"
      "inline const bool kMmuMutantPoints = ::mmu::mutant::Register({});\n",
      mut.points.size());
  nlohmann::json catalog;
  catalog["points"] = nlohmann::json::array();
  for (const Point& p : mut.points) {
    catalog["points"].push_back({{"id", p.id},
                                 {"file", p.file},
                                 {"line", p.line},
                                 {"op", p.op},
                                 {"original", p.original},
                                 {"mutated", p.mutated},
                                 {"function", p.function}});
  }
  files["catalog.json"] = catalog.dump(1) + "\n";
  for (const auto& [rel, text] : files) {
    const std::filesystem::path path = std::filesystem::path(out_dir) / rel;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream f(path);
    f << text;
    if (!f) return Fail(path.string() + ": cannot write");
  }
  return 0;
}
