// Recursive-descent parser for the C litmus format. Errors are thrown as a
// Diagnostic inside this file and caught in ParseLitmus, so callers only ever
// see a ParseResult.
#include "litmus/parser.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

namespace litmus {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kNever: return "Never";
    case Verdict::kSometimes: return "Sometimes";
    case Verdict::kAlways: return "Always";
  }
  return "?";
}

std::string Diagnostic::Format() const {
  return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col) + ": " + message;
}

namespace {

struct Token {
  enum class Kind { kIdent, kInt, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
  int64_t value = 0;
  SourcePos pos;
};

// Multi-character punctuators, longest first where prefixes overlap.
constexpr const char* kPuncts[] = {"/\\", "\\/", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>"};

class Lexer {
 public:
  Lexer(std::string_view src, const std::string& file) : src_(src), file_(file) {}

  [[noreturn]] void Fail(SourcePos pos, const std::string& msg) const {
    throw Diagnostic{file_, pos, msg};
  }

  SourcePos Pos() const { return {line_, col_}; }

  // The header: `C <name>`; the name runs to the next blank.
  void ReadHeader(std::string* name, SourcePos* name_pos) {
    SkipBlanksAndComments();
    SourcePos p = Pos();
    if (AtEnd()) Fail(p, "empty file: expected `C <test name>`");
    if (Peek() != 'C' || !(IsBlank(PeekAt(1)))) {
      Fail(p, "expected `C <test name>` on the first line");
    }
    Advance();
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) Advance();
    *name_pos = Pos();
    if (AtEnd() || IsBlank(Peek())) Fail(*name_pos, "missing test name after `C`");
    while (!AtEnd() && !IsBlank(Peek())) {
      unsigned char c = static_cast<unsigned char>(Peek());
      if (c < 0x21 || c > 0x7e) Fail(Pos(), "test name contains a non-printable character");
      name->push_back(Peek());
      Advance();
    }
  }

  Token Next() {
    SkipBlanksAndComments();
    Token t;
    t.pos = Pos();
    if (AtEnd()) {
      t.kind = Token::Kind::kEnd;
      return t;
    }
    char c = Peek();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      t.kind = Token::Kind::kIdent;
      while (!AtEnd() && (std::isalnum(static_cast<unsigned char>(Peek())) || Peek() == '_')) {
        t.text.push_back(Peek());
        Advance();
      }
      return t;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      t.kind = Token::Kind::kInt;
      ReadNumber(&t);
      return t;
    }
    t.kind = Token::Kind::kPunct;
    for (const char* p : kPuncts) {
      size_t n = std::strlen(p);
      if (src_.substr(off_, n) == p) {
        t.text = p;
        for (size_t i = 0; i < n; ++i) Advance();
        return t;
      }
    }
    static constexpr std::string_view kSingles = "{}()[];,*&|^~!=+-<>:/%";
    if (kSingles.find(c) == std::string_view::npos) {
      unsigned char uc = static_cast<unsigned char>(c);
      if (uc >= 0x21 && uc <= 0x7e) Fail(t.pos, std::string("unexpected character '") + c + "'");
      Fail(t.pos, "unexpected byte 0x" + Hex(uc));
    }
    t.text = std::string(1, c);
    Advance();
    if (c == '{') ++depth_;
    if (c == '}' && depth_ > 0) --depth_;
    return t;
  }

  // Inside the init block `(*` starts a comment too (herd7 allows them
  // there; no init item starts with `(`).
  void SetInitBlock(bool on) { init_block_ = on; }

  // herd7 ignores the lines between the header and the init block (diy's
  // metadata: `Hash=...`, `Cycle=...`, `Relax=...`, a quoted cycle, or
  // any other text). Stops at a `{`.
  void SkipMetadataLines() {
    for (;;) {
      SkipBlanksAndComments();
      if (AtEnd() || Peek() == '{') return;
      if (Peek() == '"') {  // diy's quoted cycle line
        while (!AtEnd() && Peek() != '\n') {
          if (Peek() == '\0') Fail(Pos(), "unexpected NUL byte");
          Advance();
        }
        continue;
      }
      // Any other line before `{` is skipped too, as herd7 does.
      while (!AtEnd() && Peek() != '\n') {
        if (Peek() == '\0') Fail(Pos(), "unexpected NUL byte");
        Advance();
      }
    }
  }

  // Text of every top-level (* ... *) comment, for the Result: line.
  const std::vector<std::pair<SourcePos, std::string>>& comments() const { return comments_; }

 private:
  static bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\0'; }
  bool AtEnd() const { return off_ >= src_.size(); }
  char Peek() const { return src_[off_]; }
  char PeekAt(size_t k) const { return off_ + k < src_.size() ? src_[off_ + k] : '\0'; }
  void Advance() {
    if (src_[off_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++off_;
  }
  static std::string Hex(unsigned char c) {
    const char* digits = "0123456789abcdef";
    return std::string{digits[c >> 4], digits[c & 15]};
  }

  void ReadNumber(Token* t) {
    uint64_t v = 0;
    int base = 10;
    if (Peek() == '0' && (PeekAt(1) == 'x' || PeekAt(1) == 'X')) {
      base = 16;
      Advance();
      Advance();
      if (AtEnd() || !std::isxdigit(static_cast<unsigned char>(Peek()))) Fail(t->pos, "malformed hexadecimal number");
    }
    while (!AtEnd() && std::isalnum(static_cast<unsigned char>(Peek()))) {
      char c = Peek();
      int d;
      if (std::isdigit(static_cast<unsigned char>(c))) {
        d = c - '0';
      } else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c))) {
        d = std::tolower(c) - 'a' + 10;
      } else if ((c == 'u' || c == 'U' || c == 'l' || c == 'L')) {
        Advance();  // integer suffixes are accepted and ignored
        continue;
      } else {
        Fail(Pos(), std::string("unexpected '") + c + "' in a number");
      }
      if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / base) {
        Fail(t->pos, "number does not fit in 64 bits");
      }
      v = v * base + d;
      Advance();
    }
    t->value = static_cast<int64_t>(v);
    t->text = std::to_string(v);
  }

  void SkipBlanksAndComments() {
    for (;;) {
      while (!AtEnd() && IsBlank(Peek()) && Peek() != '\0') Advance();
      if (AtEnd()) return;
      if (Peek() == '/' && PeekAt(1) == '/') {
        while (!AtEnd() && Peek() != '\n') Advance();
        continue;
      }
      if (Peek() == '/' && PeekAt(1) == '*') {
        SourcePos p = Pos();
        Advance();
        Advance();
        while (!AtEnd() && !(Peek() == '*' && PeekAt(1) == '/')) Advance();
        if (AtEnd()) Fail(p, "unterminated /* comment");
        Advance();
        Advance();
        continue;
      }
      // OCaml-style comments exist only outside braces: inside a process body
      // `(*x)` is a dereference.
      if ((depth_ == 0 || init_block_) && Peek() == '(' && PeekAt(1) == '*') {
        SourcePos p = Pos();
        Advance();
        Advance();
        std::string text;
        int nest = 1;
        while (!AtEnd()) {
          if (Peek() == '(' && PeekAt(1) == '*') {
            ++nest;
          } else if (Peek() == '*' && PeekAt(1) == ')') {
            if (--nest == 0) break;
          }
          text.push_back(Peek());
          Advance();
        }
        if (AtEnd()) Fail(p, "unterminated (* comment");
        Advance();
        Advance();
        comments_.emplace_back(p, std::move(text));
        continue;
      }
      if (Peek() == '\0') Fail(Pos(), "unexpected NUL byte");
      return;
    }
  }

  std::string_view src_;
  const std::string& file_;
  size_t off_ = 0;
  int line_ = 1;
  int col_ = 1;
  int depth_ = 0;
  bool init_block_ = false;
  std::vector<std::pair<SourcePos, std::string>> comments_;
};

// Words that may start a declaration (process parameters, init items, locals).
bool IsTypeWord(const std::string& s) {
  static const std::set<std::string> kTypes = {
      "int",      "long",      "short",    "char",       "unsigned",  "signed",   "bool",
      "_Bool",    "atomic_t",  "spinlock_t", "intptr_t", "uintptr_t", "int64_t",  "uint64_t",
      "int32_t",  "uint32_t",  "u8",       "u16",        "u32",       "u64",      "s32",
      "s64",      "void",      "const",    "volatile",   "struct",    "atomic_long_t"};
  return kTypes.count(s) > 0;
}

class Parser {
 public:
  Parser(std::string_view src, const std::string& file) : lex_(src, file), file_(file) {}

  Test Run() {
    Test t;
    t.file = file_;
    lex_.ReadHeader(&t.name, &t.name_pos);
    lex_.SkipMetadataLines();
    Bump();
    // Anything between the header and the init block is ignored by herd
    // (architecture-specific directives); we only allow comments there.
    if (!IsPunct("{")) Fail(tok_.pos, "expected `{` to open the init block, found " + Describe(tok_));
    ParseInit(&t);
    int expected = 0;
    while (tok_.kind == Token::Kind::kIdent && IsProcessName(tok_.text)) {
      Process p = ParseProcess();
      if (p.index != expected) {
        Fail(p.pos, "expected process P" + std::to_string(expected) + ", found P" + std::to_string(p.index));
      }
      ++expected;
      t.processes.push_back(std::move(p));
    }
    if (t.processes.empty()) Fail(tok_.pos, "expected process P0, found " + Describe(tok_));
    ParseTail(&t);
    ExtractResult(&t);
    return t;
  }

 private:
  [[noreturn]] void Fail(SourcePos pos, const std::string& msg) const { lex_.Fail(pos, msg); }

  void Bump() { tok_ = lex_.Next(); }
  bool IsPunct(const char* p) const { return tok_.kind == Token::Kind::kPunct && tok_.text == p; }
  bool IsIdent(const char* w) const { return tok_.kind == Token::Kind::kIdent && tok_.text == w; }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Token::Kind::kEnd: return "end of file";
      case Token::Kind::kInt: return "number " + t.text;
      case Token::Kind::kIdent: return "`" + t.text + "`";
      case Token::Kind::kPunct: return "`" + t.text + "`";
    }
    return "?";
  }

  void Expect(const char* p, const char* context) {
    if (!IsPunct(p)) Fail(tok_.pos, std::string("expected `") + p + "` " + context + ", found " + Describe(tok_));
    Bump();
  }

  std::string ExpectIdent(const char* what) {
    if (tok_.kind != Token::Kind::kIdent) Fail(tok_.pos, std::string("expected ") + what + ", found " + Describe(tok_));
    std::string s = tok_.text;
    Bump();
    return s;
  }

  static bool IsProcessName(const std::string& s) {
    if (s.size() < 2 || s[0] != 'P') return false;
    for (size_t i = 1; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return s.size() <= 4;
  }

  void Enter(SourcePos pos) {
    if (++depth_ > kMaxNesting) Fail(pos, "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
  }
  void Leave() { --depth_; }

  // ---- init block ------------------------------------------------------

  void ParseInit(Test* t) {
    lex_.SetInitBlock(true);
    Bump();  // {
    while (!IsPunct("}")) {
      if (tok_.kind == Token::Kind::kEnd) Fail(tok_.pos, "unterminated init block: expected `}`");
      if (IsPunct(";")) {
        Bump();
        continue;
      }
      t->init.push_back(ParseInitItem());
      if (!IsPunct(";") && !IsPunct("}")) {
        Fail(tok_.pos, "expected `;` or `}` after an init item, found " + Describe(tok_));
      }
    }
    lex_.SetInitBlock(false);
    Bump();  // }
  }

  InitItem ParseInitItem() {
    InitItem item;
    item.pos = tok_.pos;
    if (tok_.kind == Token::Kind::kInt) {
      // N:reg = value
      ParseProcessRegister(&item.thread, &item.name, &item.pos);
    } else {
      // [type words] [*...] name
      std::vector<std::pair<std::string, SourcePos>> words;
      while (tok_.kind == Token::Kind::kIdent || IsPunct("*")) {
        if (tok_.kind == Token::Kind::kIdent) words.emplace_back(tok_.text, tok_.pos);
        Bump();
      }
      if (tok_.kind == Token::Kind::kInt && !words.empty()) {
        // `int 0:r1;` / `int *1:r2 = x;`: a typed register.
        for (const auto& [w, at] : words) {
          if (!IsTypeWord(w)) Fail(at, "unknown type `" + w + "` in the init block");
        }
        ParseProcessRegister(&item.thread, &item.name, &item.pos);
        if (IsPunct("=")) {
          Bump();
          item.has_value = true;
          item.value = ParseValue(/*allow_atomic_init=*/true);
        }
        return item;
      }
      if (words.empty()) Fail(tok_.pos, "expected a location name in the init block, found " + Describe(tok_));
      item.name = words.back().first;
      item.pos = words.back().second;
      for (size_t i = 0; i + 1 < words.size(); ++i) {
        bool struct_tag = i > 0 && words[i - 1].first == "struct";
        if (!IsTypeWord(words[i].first) && !struct_tag) {
          Fail(words[i].second, "unknown type `" + words[i].first + "` in the init block");
        }
      }
      if (IsTypeWord(item.name)) Fail(item.pos, "expected a location name after `" + item.name + "`");
    }
    if (IsPunct("=")) {
      Bump();
      item.has_value = true;
      item.value = ParseValue(/*allow_atomic_init=*/true);
    } else if (item.thread >= 0) {
      Fail(tok_.pos, "expected `=` after a register in the init block");
    }
    return item;
  }

  // At a number: `N:reg`. *pos is the register's position.
  void ParseProcessRegister(int* thread, std::string* name, SourcePos* pos) {
    *thread = ThreadNumber(tok_);
    Bump();
    Expect(":", "after a process number");
    *pos = tok_.pos;
    *name = ExpectIdent("a register name");
  }

  int ThreadNumber(const Token& t) {
    if (t.value > 255) Fail(t.pos, "process number " + t.text + " is out of range");
    return static_cast<int>(t.value);
  }

  // An integer (optionally negative), a location name (its address), &name,
  // or ATOMIC_INIT(n).
  Value ParseValue(bool allow_atomic_init) {
    Value v;
    v.pos = tok_.pos;
    bool neg = false;
    if (IsPunct("-")) {
      neg = true;
      Bump();
    }
    if (tok_.kind == Token::Kind::kInt) {
      v.number = neg ? -tok_.value : tok_.value;
      Bump();
      return v;
    }
    if (neg) Fail(tok_.pos, "expected a number after `-`, found " + Describe(tok_));
    if (IsPunct("&")) {
      Bump();
      v.is_address = true;
      v.location = ExpectIdent("a location name after `&`");
      return v;
    }
    if (tok_.kind == Token::Kind::kIdent) {
      if (allow_atomic_init && tok_.text == "ATOMIC_INIT") {
        Bump();
        Expect("(", "after ATOMIC_INIT");
        Value inner = ParseValue(false);
        Expect(")", "to close ATOMIC_INIT(");
        inner.pos = v.pos;
        return inner;
      }
      v.is_address = true;
      v.location = tok_.text;
      Bump();
      return v;
    }
    Fail(tok_.pos, "expected a value (number or location), found " + Describe(tok_));
  }

  // ---- processes -------------------------------------------------------

  Process ParseProcess() {
    Process p;
    p.pos = tok_.pos;
    p.index = std::stoi(tok_.text.substr(1));
    Bump();
    Expect("(", "after the process name");
    while (!IsPunct(")")) {
      std::vector<std::pair<std::string, SourcePos>> words;
      while (tok_.kind == Token::Kind::kIdent || IsPunct("*")) {
        if (tok_.kind == Token::Kind::kIdent) words.emplace_back(tok_.text, tok_.pos);
        Bump();
      }
      if (words.empty()) Fail(tok_.pos, "expected a parameter, found " + Describe(tok_));
      if (!(words.size() == 1 && words[0].first == "void")) {
        for (size_t i = 0; i + 1 < words.size(); ++i) {
          bool struct_tag = i > 0 && words[i - 1].first == "struct";  // struct srcu_struct *s
          if (!IsTypeWord(words[i].first) && !struct_tag) Fail(words[i].second, "unknown type `" + words[i].first + "`");
        }
        for (const Param& q : p.params) {
          if (q.name == words.back().first) Fail(words.back().second, "duplicate parameter `" + q.name + "`");
        }
        p.params.push_back({words.back().first, words.back().second});
      }
      if (IsPunct(",")) {
        Bump();
        continue;
      }
      if (!IsPunct(")")) Fail(tok_.pos, "expected `,` or `)` in the parameter list, found " + Describe(tok_));
    }
    Bump();  // )
    if (!IsPunct("{")) Fail(tok_.pos, "expected `{` to open the body of P" + std::to_string(p.index) + ", found " + Describe(tok_));
    p.body = ParseBlockBody();
    return p;
  }

  // Consumes `{ stmt* }`.
  std::vector<Stmt> ParseBlockBody() {
    SourcePos open = tok_.pos;
    Enter(open);
    Bump();  // {
    std::vector<Stmt> body;
    while (!IsPunct("}")) {
      if (tok_.kind == Token::Kind::kEnd) Fail(open, "unterminated `{`: expected `}` before end of file");
      if (IsIdent("exists") || IsIdent("forall") || IsIdent("locations") || IsIdent("filter") ||
          (tok_.kind == Token::Kind::kIdent && IsProcessName(tok_.text))) {
        Fail(tok_.pos, "expected `}` to close the `{` at line " + std::to_string(open.line) + " before `" + tok_.text + "`");
      }
      ParseStmt(&body);
    }
    Bump();  // }
    Leave();
    return body;
  }

  void ParseStmt(std::vector<Stmt>* out) {
    Stmt s;
    s.pos = tok_.pos;
    if (IsPunct(";")) {
      Bump();
      return;
    }
    if (IsPunct("{")) {
      s.kind = Stmt::Kind::kBlock;
      s.then_body = ParseBlockBody();
      out->push_back(std::move(s));
      return;
    }
    if (IsPunct("(")) {
      // `(void)atomic_add_unless(v, 1, 0);`: a call behind a cast.
      s.kind = Stmt::Kind::kExpr;
      s.expr = ParseExpr();
      if (s.expr.kind != Expr::Kind::kCall) Fail(s.pos, "expected a call statement");
      Expect(";", "after a call");
      out->push_back(std::move(s));
      return;
    }
    if (IsIdent("if")) {
      Enter(s.pos);
      s.kind = Stmt::Kind::kIf;
      Bump();
      Expect("(", "after `if`");
      s.expr = ParseExpr();
      Expect(")", "to close the `if` condition");
      ParseStmt(&s.then_body);
      if (IsIdent("else")) {
        Bump();
        ParseStmt(&s.else_body);
      }
      Leave();
      out->push_back(std::move(s));
      return;
    }
    if (IsIdent("else")) Fail(tok_.pos, "`else` without a matching `if`");
    if (IsIdent("while") || IsIdent("for") || IsIdent("do") || IsIdent("goto") || IsIdent("return")) {
      Fail(tok_.pos, "`" + tok_.text + "` is not supported in litmus tests (no loops or jumps)");
    }
    if (tok_.kind == Token::Kind::kIdent && IsTypeWord(tok_.text)) {
      ParseDecl(out);
      return;
    }
    if (IsPunct("*")) {
      // `*x = v;`: a plain write, carried as a call the compiler knows.
      Expr target = ParseUnary();
      Expect("=", "after the target of a plain write");
      s.kind = Stmt::Kind::kExpr;
      s.expr.kind = Expr::Kind::kCall;
      s.expr.pos = s.pos;
      s.expr.name = "__plain_store";
      s.expr.args.push_back(std::move(target));
      s.expr.args.push_back(ParseExpr());
      Expect(";", "after a plain write");
      out->push_back(std::move(s));
      return;
    }
    if (tok_.kind == Token::Kind::kIdent) {
      Token name = tok_;
      Bump();
      if (IsPunct("=")) {
        Bump();
        s.kind = Stmt::Kind::kAssign;
        s.reg = name.text;
        s.expr = ParseExpr();
        Expect(";", "after an assignment");
        out->push_back(std::move(s));
        return;
      }
      if (IsPunct("(")) {
        s.kind = Stmt::Kind::kExpr;
        s.expr = ParseCallRest(name);
        Expect(";", "after a call");
        out->push_back(std::move(s));
        return;
      }
      Fail(tok_.pos, "expected `=` or `(` after `" + name.text + "`, found " + Describe(tok_));
    }
    Fail(tok_.pos, "expected a statement, found " + Describe(tok_));
  }

  void ParseDecl(std::vector<Stmt>* out) {
    while (tok_.kind == Token::Kind::kIdent && IsTypeWord(tok_.text)) {
      bool is_struct = tok_.text == "struct";
      Bump();
      if (is_struct && tok_.kind == Token::Kind::kIdent) Bump();  // the struct's tag
    }
    for (;;) {
      while (IsPunct("*")) Bump();
      Stmt s;
      s.kind = Stmt::Kind::kDecl;
      s.pos = tok_.pos;
      s.reg = ExpectIdent("a register name in a declaration");
      if (IsTypeWord(s.reg)) Fail(s.pos, "expected a register name, found type `" + s.reg + "`");
      if (IsPunct("=")) {
        Bump();
        s.has_init = true;
        s.expr = ParseExpr();
      }
      out->push_back(std::move(s));
      if (IsPunct(",")) {
        Bump();
        continue;
      }
      Expect(";", "after a declaration");
      return;
    }
  }

  // ---- expressions (C precedence, no assignment or ternary) -----------

  Expr ParseExpr() { return ParseBinary(0); }

  static int Precedence(const std::string& op) {
    static const std::pair<const char*, int> kTable[] = {
        {"||", 1}, {"&&", 2}, {"|", 3},  {"^", 4},  {"&", 5},  {"==", 6}, {"!=", 6}, {"<", 7},  {"<=", 7},
        {">", 7},  {">=", 7}, {"<<", 8}, {">>", 8}, {"+", 9},  {"-", 9},  {"*", 10}, {"/", 10}, {"%", 10}};
    for (const auto& [name, prec] : kTable) {
      if (op == name) return prec;
    }
    return -1;
  }

  Expr ParseBinary(int min_prec) {
    Enter(tok_.pos);
    Expr lhs = ParseUnary();
    for (;;) {
      if (tok_.kind != Token::Kind::kPunct) break;
      int prec = Precedence(tok_.text);
      if (prec < 0 || prec <= min_prec) break;
      Expr e;
      e.kind = Expr::Kind::kBinary;
      e.pos = tok_.pos;
      e.op = tok_.text;
      Bump();
      Expr rhs = ParseBinary(prec);
      e.args.push_back(std::move(lhs));
      e.args.push_back(std::move(rhs));
      lhs = std::move(e);
    }
    Leave();
    return lhs;
  }

  Expr ParseUnary() {
    Enter(tok_.pos);
    Expr e;
    e.pos = tok_.pos;
    if (IsPunct("-") || IsPunct("!") || IsPunct("~")) {
      e.kind = Expr::Kind::kUnary;
      e.op = tok_.text;
      Bump();
      e.args.push_back(ParseUnary());
    } else if (IsPunct("*")) {
      e.kind = Expr::Kind::kDeref;
      Bump();
      e.args.push_back(ParseUnary());
    } else if (IsPunct("&")) {
      e.kind = Expr::Kind::kAddrOf;
      Bump();
      e.name = ExpectIdent("a location name after `&`");
    } else if (IsPunct("(")) {
      Bump();
      if (tok_.kind == Token::Kind::kIdent && IsTypeWord(tok_.text)) {
        // A cast such as (int *) is accepted and ignored.
        while (tok_.kind == Token::Kind::kIdent || IsPunct("*")) Bump();
        Expect(")", "to close a cast");
        Leave();
        return ParseUnary();
      }
      e = ParseExpr();
      Expect(")", "to close `(`");
    } else if (tok_.kind == Token::Kind::kInt) {
      e.kind = Expr::Kind::kInt;
      e.value = tok_.value;
      Bump();
    } else if (tok_.kind == Token::Kind::kIdent) {
      Token name = tok_;
      Bump();
      if (IsPunct("(")) {
        e = ParseCallRest(name);
      } else {
        e.kind = Expr::Kind::kName;
        e.name = name.text;
      }
    } else {
      Fail(tok_.pos, "expected an expression, found " + Describe(tok_));
    }
    Leave();
    return e;
  }

  // After `name`, at `(`.
  Expr ParseCallRest(const Token& name) {
    Expr e;
    e.kind = Expr::Kind::kCall;
    e.pos = name.pos;
    e.name = name.text;
    Bump();  // (
    while (!IsPunct(")")) {
      e.args.push_back(ParseExpr());
      if (IsPunct(",")) {
        Bump();
        if (IsPunct(")")) Fail(tok_.pos, "expected an argument after `,`");
        continue;
      }
      if (!IsPunct(")")) Fail(tok_.pos, "expected `,` or `)` in the arguments of " + name.text + "(), found " + Describe(tok_));
    }
    Bump();  // )
    return e;
  }

  // ---- locations / filter / exists ------------------------------------

  void ParseTail(Test* t) {
    bool have_final = false;
    while (tok_.kind != Token::Kind::kEnd) {
      if (have_final) Fail(tok_.pos, "unexpected " + Describe(tok_) + " after the final condition");
      if (IsIdent("locations")) {
        Bump();
        Expect("[", "after `locations`");
        while (!IsPunct("]")) {
          if (tok_.kind == Token::Kind::kEnd) Fail(tok_.pos, "unterminated `locations [`");
          if (IsPunct(";")) {
            Bump();
            continue;
          }
          t->locations.push_back(ParseStateRef());
        }
        Bump();
        continue;
      }
      if (IsIdent("filter")) {
        if (t->filter) Fail(tok_.pos, "more than one `filter`");
        Bump();
        t->filter = ParseCondition();
        continue;
      }
      t->condition_pos = tok_.pos;
      if (IsPunct("~")) {
        Bump();
        if (!IsIdent("exists")) Fail(tok_.pos, "expected `exists` after `~`, found " + Describe(tok_));
        t->quantifier = Quantifier::kNotExists;
      } else if (IsIdent("exists")) {
        t->quantifier = Quantifier::kExists;
      } else if (IsIdent("forall")) {
        t->quantifier = Quantifier::kForall;
      } else if (tok_.kind == Token::Kind::kIdent && (IsProcessName(tok_.text))) {
        Fail(tok_.pos, "process " + tok_.text + " after the final condition or out of place");
      } else {
        Fail(tok_.pos, "expected `exists`, `~exists`, `forall`, `filter` or `locations`, found " + Describe(tok_));
      }
      Bump();
      t->condition = ParseCondition();
      have_final = true;
      if (IsPunct(";")) Bump();  // herd7 accepts `exists (...);`
    }
    if (!have_final) Fail(tok_.pos, "missing final condition: expected `exists (...)`");
  }

  StateRef ParseStateRef() {
    StateRef r;
    r.pos = tok_.pos;
    if (tok_.kind == Token::Kind::kInt) {
      SourcePos at;
      ParseProcessRegister(&r.thread, &r.name, &at);
      return r;
    }
    if (IsPunct("[")) {
      Bump();
      r.name = ExpectIdent("a location name");
      Expect("]", "to close `[`");
      return r;
    }
    if (tok_.kind != Token::Kind::kIdent) Fail(tok_.pos, "expected a location or `N:register`, found " + Describe(tok_));
    r.name = tok_.text;
    Bump();
    return r;
  }

  // condition := and-term (\/ and-term)*; and-term := unary (/\ unary)*
  Cond ParseCondition() {
    Enter(tok_.pos);
    Cond c = ParseCondChain(Cond::Kind::kOr);
    Leave();
    return c;
  }

  Cond ParseCondChain(Cond::Kind kind) {
    const bool is_or = kind == Cond::Kind::kOr;
    auto operand = [&] { return is_or ? ParseCondChain(Cond::Kind::kAnd) : ParseCondUnary(); };
    Cond lhs = operand();
    while (is_or ? (IsPunct("\\/") || IsPunct("||")) : (IsPunct("/\\") || IsPunct("&&"))) {
      Cond c;
      c.kind = kind;
      c.pos = tok_.pos;
      Bump();
      c.args.push_back(std::move(lhs));
      c.args.push_back(operand());
      lhs = std::move(c);
    }
    return lhs;
  }

  Cond ParseCondUnary() {
    Enter(tok_.pos);
    Cond c;
    c.pos = tok_.pos;
    if (IsPunct("~") || IsPunct("!") || IsIdent("not")) {
      Bump();
      c.kind = Cond::Kind::kNot;
      c.args.push_back(ParseCondUnary());
    } else if (IsPunct("(")) {
      Bump();
      c = ParseCondition();
      Expect(")", "to close `(` in the condition");
    } else if (IsIdent("true")) {
      c.kind = Cond::Kind::kTrue;
      Bump();
    } else if (IsIdent("false")) {
      c.kind = Cond::Kind::kFalse;
      Bump();
    } else {
      c.lhs = ParseStateRef();
      if (IsPunct("=") || IsPunct("==")) {
        c.kind = Cond::Kind::kEq;
      } else if (IsPunct("!=")) {
        c.kind = Cond::Kind::kNe;
      } else {
        Fail(tok_.pos, "expected `=` or `!=` in the condition, found " + Describe(tok_));
      }
      Bump();
      c.rhs = ParseValue(false);
      if (IsPunct(":") && !c.rhs.is_address && c.rhs.number >= 0) {
        // `0:r1=1:r2`: compares two registers.
        Token n;
        n.kind = Token::Kind::kInt;
        n.value = c.rhs.number;
        n.text = std::to_string(c.rhs.number);
        n.pos = c.rhs.pos;
        c.rhs_is_ref = true;
        c.rhs_ref.pos = c.rhs.pos;
        c.rhs_ref.thread = ThreadNumber(n);
        Bump();
        c.rhs_ref.name = ExpectIdent("a register name");
      }
    }
    Leave();
    return c;
  }

  // ---- the Result: line ------------------------------------------------

  void ExtractResult(Test* t) {
    for (const auto& [pos, text] : lex_.comments()) {
      size_t at = text.find("Result:");
      if (at == std::string::npos) continue;
      size_t i = at + 7;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      size_t j = i;
      while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
      std::string word = text.substr(i, j - i);
      Verdict v;
      if (word == "Never") {
        v = Verdict::kNever;
      } else if (word == "Sometimes") {
        v = Verdict::kSometimes;
      } else if (word == "Always") {
        v = Verdict::kAlways;
      } else if (word == "DEADLOCK" || word == "Flag") {
        // The kernel's words for "no execution gets past the filter" and
        // "herd7 raises this flag": no verdict to check.
        continue;
      } else {
        Fail(ResultPos(pos, text, at), "`Result:` must be followed by Never, Sometimes or Always");
      }
      if (t->declared && *t->declared != v) Fail(ResultPos(pos, text, at), "conflicting `Result:` lines");
      t->declared = v;
    }
  }

  // Position of offset `at` in a comment whose text starts 2 bytes after `start`.
  static SourcePos ResultPos(SourcePos start, const std::string& text, size_t at) {
    SourcePos p{start.line, start.col + 2};
    for (size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') {
        ++p.line;
        p.col = 1;
      } else {
        ++p.col;
      }
    }
    return p;
  }

  Lexer lex_;
  const std::string& file_;
  Token tok_;
  int depth_ = 0;
};

}  // namespace

ParseResult ParseLitmus(std::string_view source, const std::string& file) {
  ParseResult r;
  if (source.size() > kMaxSourceBytes) {
    r.error = Diagnostic{file, {1, 1}, "file larger than " + std::to_string(kMaxSourceBytes) + " bytes"};
    return r;
  }
  try {
    Parser p(source, file);
    r.test = p.Run();
  } catch (const Diagnostic& d) {
    r.error = d;
  }
  return r;
}

}  // namespace litmus
