// The interleaving format (parser and writer) and scenario resolution.
#include "mmu_core/scenarios/all.h"  // first: the core
#include "replay/catalog.h"
#include "mmu_core/catalog/interleaving.h"
#include "replay/resolve.h"

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace mmu::replay {
namespace {

// Paolo's table, as posted.
constexpr const char* kPaolo = R"(
    CPU 1: __get_spte_lockless          CPU 2: __update_clear_spte_slow
------------------------------------------------------------------------------
                                        write low
    read count
    read low
    read high
                                        write high
    check low and count
                                        update count
)";

Interleaving Parse(const std::string& text) {
  auto p = ParseInterleaving(text, "t.txt");
  INFO(p.problem.Format());
  REQUIRE(p.ok());
  return *p.value;
}

std::string ParseError(const std::string& text) {
  auto p = ParseInterleaving(text, "t.txt");
  REQUIRE_FALSE(p.ok());
  return p.problem.Format();
}

struct Thread0 {
  int thread;
  Step step;
};
std::vector<Thread0> Steps(const Interleaving& il) {
  std::vector<Thread0> out;
  for (const Row& r : il.rows) out.push_back(Thread0{r.thread, r.step});
  return out;
}

TEST_CASE("Paolo's table: two columns, rows assigned by where the text starts") {
  const Interleaving il = Parse(kPaolo);
  REQUIRE(il.columns.size() == 2);
  CHECK(il.columns[0].cpu_label == 1);
  CHECK(il.columns[0].function == "__get_spte_lockless");
  CHECK(il.columns[1].function == "__update_clear_spte_slow");
  CHECK(il.header_line == 2);
  const auto s = Steps(il);
  REQUIRE(s.size() == 7);
  CHECK((s[0].thread == 1 && s[0].step == Step::WriteLow));
  CHECK((s[1].thread == 0 && s[1].step == Step::ReadCount));
  CHECK((s[3].thread == 0 && s[3].step == Step::ReadHigh));
  CHECK((s[5].thread == 0 && s[5].step == Step::CheckLowAndCount));
  CHECK((s[6].thread == 1 && s[6].step == Step::UpdateCount));
  CHECK(il.rows[0].line == 4);
  CHECK(!il.scenario.present());
  CHECK(il.mutations.Empty());
}

TEST_CASE("tabs expand to 8 columns; text left of every header belongs to the first column") {
  const Interleaving il = Parse("\tCPU 1: a\t\t\tCPU 2: b\n\t\t\t\t\twrite low\nread count\n\t  read low\n");
  REQUIRE(il.columns.size() == 2);
  CHECK(il.columns[0].start == 8);
  CHECK(il.columns[1].start == 40);
  const auto s = Steps(il);
  REQUIRE(s.size() == 3);
  CHECK(s[0].thread == 1);
  CHECK(s[1].thread == 0);
  CHECK(s[2].thread == 0);
}

TEST_CASE("step names: case, spacing and the xchg alias") {
  const Interleaving il = Parse("CPU 1: x    CPU 2: y\n  Read  LOW\n             xchg low\n  check_low_and_count\n");
  const auto s = Steps(il);
  REQUIRE(s.size() == 3);
  CHECK(s[0].step == Step::ReadLow);
  CHECK((s[1].thread == 1 && s[1].step == Step::WriteLow));
  CHECK(s[2].step == Step::CheckLowAndCount);
}

TEST_CASE("keys before the table; trailing comments") {
  const Interleaving il = Parse(
      "# a comment\n"
      "scenario: split-pnp   # Xiao's\n"
      "config: clear=slow\n"
      "mutation: M2.4+m2_5\n"
      "initial: 0xa11110001\n"
      "values: 0xb11110001, 0x0ull\n"
      "\n"
      "CPU 1: __get_spte_lockless   CPU 2: __update_clear_spte_slow\n"
      "  read count\n");
  CHECK(il.scenario.value == "split-pnp");
  CHECK(il.scenario.line == 2);
  CHECK(il.config.value == "clear=slow");
  CHECK(il.mutations.Has(Mutation::M2_4));
  CHECK(il.mutations.Has(Mutation::M2_5));
  CHECK(il.initial_value == 0xa11110001ULL);
  REQUIRE(il.written_values.size() == 2);
  CHECK(il.written_values[0] == 0xb11110001ULL);
  CHECK(il.written_values[1] == 0);
}

TEST_CASE("numbers") {
  CHECK(ParseNumber("0xa11110001") == 0xa11110001ULL);
  CHECK(ParseNumber("0x0ull") == 0);
  CHECK(ParseNumber("42") == 42);
  CHECK(ParseNumber("0xffffffffffffffff") == ~0ULL);
  CHECK_FALSE(ParseNumber("0x1ffffffffffffffff"));
  CHECK_FALSE(ParseNumber("0x"));
  CHECK_FALSE(ParseNumber("12a"));
  CHECK_FALSE(ParseNumber(""));
}

TEST_CASE("errors name the line and what is wrong") {
  CHECK(ParseError("CPU 1: a\n  raed low\n") ==
        "t.txt:2: unknown step 'raed low'; did you mean 'read low'? (replay --list prints the step vocabulary; prose "
        "inside a table starts with '#')");
  CHECK(ParseError("CPU 1: a\n  frobnicate\n") ==
        "t.txt:2: unknown step 'frobnicate' (replay --list prints the step vocabulary; prose inside a table starts "
        "with '#')");
  CHECK(ParseError("CPU 1: a     CPU 2: b\n  read low        write low\n") ==
        "t.txt:2: several steps on one row: 'read low' (CPU 1), 'write low' (CPU 2); time goes down, one step per row");
  CHECK(ParseError("scenaro: split-tear\nCPU 1: a\n") ==
        "t.txt:1: unknown key 'scenaro' (the keys are scenario, config, mutation, initial, values)");
  CHECK(ParseError("scenario: a\nscenario: b\nCPU 1: a\n") == "t.txt:2: 'scenario' given twice (first on line 1)");
  CHECK(ParseError("mutation: M9.9\nCPU 1: a\n") ==
        "t.txt:1: unknown mutation 'M9.9' (replay --list prints the catalogue)");
  CHECK(ParseError("initial: 0xzz\nCPU 1: a\n") == "t.txt:1: initial: '0xzz' is not a number (0x... or decimal)");
  CHECK(ParseError("CPU 1: a\n  read low\nmutation: M2.4\n") ==
        "t.txt:3: 'mutation:' must come before the table (header on line 1)");
  CHECK(ParseError("CPU 1: a   CPU 1: b\n") == "t.txt:1: the header names CPU 1 twice");
  CHECK(ParseError("CPU 1: a\nCPU 2: b\n") ==
        "t.txt:2: a second table header (the first is on line 1); one file holds one table");
  CHECK(ParseError("CPU 1: a\n  read low\nThen CPU 1 sleeps for a while.\n  read high\n") ==
        "t.txt:4: 'read high' after the end of the table: line 3 is not a step, so the table ended there (prose "
        "inside a table starts with '#')");
  CHECK(ParseError("CPU 1: a\n  read\x01 low\n") ==
        "t.txt:2: binary input: a control character (\\x01); an interleaving is a text table (replay/README.md)");
  CHECK(ParseError(std::string("CPU 1: a\n  read low\0\n", 21)) ==
        "t.txt:2: binary input: a NUL byte; an interleaving is a text table (replay/README.md)");
  CHECK(ParseError("valeus: 0x1\nCPU 1: a\n") ==
        "t.txt:1: unknown key 'valeus' (the keys are scenario, config, mutation, initial, values)");
  CHECK(ParseError("CPU 1: a  CPU 2: b\n        set spte to 0xb11110001 (high 32bits = 0xc)\n") ==
        "t.txt:2: 'set spte to 0xb11110001 (high 32bits = 0xc)': the value is 0xb11110001, and its high 32 bits are "
        "0xb, but the text says high = 0xc");
  // Bytes that are not UTF-8 are echoed escaped, never raw.
  CHECK(ParseError("CPU 1: a\n  ra\xff" "ed low\n").find("ra\\xffed low") != std::string::npos);
  CHECK(ParseError("# nothing\n") ==
        "t.txt: no table header: expected a line such as 'CPU 1: __get_spte_lockless   CPU 2: __set_spte'");
  CHECK(ParseError("config:\nCPU 1: a\n") == "t.txt:1: 'config:' has no value");
  CHECK(ParseError("") ==
        "t.txt: no table header: expected a line such as 'CPU 1: __get_spte_lockless   CPU 2: __set_spte'");
}

// --- tables as they come in mail ------------------------------------------

// Every line of `text` with `prefix` in front (a quoted reply).
std::string Quote(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    out += (line.empty() ? std::string(prefix.substr(0, prefix.find_last_not_of(' ') + 1)) : prefix + line) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

void CheckSameRows(const Interleaving& a, const Interleaving& b) {
  REQUIRE(a.columns.size() == b.columns.size());
  for (std::size_t k = 0; k < a.columns.size(); ++k) CHECK(a.columns[k].start == b.columns[k].start);
  const auto x = Steps(a), y = Steps(b);
  REQUIRE(x.size() == y.size());
  for (std::size_t i = 0; i < x.size(); ++i) CHECK((x[i].thread == y[i].thread && x[i].step == y[i].step));
}

TEST_CASE("quoted tables: '> ', '>> ', '> > ' and a bare '>' read as the clean table") {
  const Interleaving clean = Parse(kPaolo);
  for (const char* prefix : {"> ", ">> ", ">>> ", "> > ", ">>>>> "}) {
    INFO(prefix);
    CheckSameRows(clean, Parse(Quote(kPaolo, prefix)));
  }
}

TEST_CASE("no-break and other Unicode spaces are spaces; zero-width ones take no column") {
  const Interleaving clean = Parse(kPaolo);
  CheckSameRows(clean, Parse(Replace(kPaolo, " ", "\xc2\xa0")));              // U+00A0
  CheckSameRows(clean, Parse(Replace(kPaolo, "  ", " \xe2\x80\xaf")));        // U+202F
  CheckSameRows(clean, Parse(Replace(kPaolo, "read", "\xe2\x80\x8bread")));   // U+200B
  CheckSameRows(clean, Parse(Replace(kPaolo, "write low", "write\xa0low")));  // Latin-1 no-break space
}

TEST_CASE("tabs after quote markers expand from where the unquoted line starts") {
  const std::string tabs = "\tCPU 1: a\t\t\tCPU 2: b\n\t\t\t\t\twrite low\n\tread count\n";
  CheckSameRows(Parse(tabs), Parse(Quote(tabs, "> ")));
}

TEST_CASE("a cell between two columns records both; an aligned one records one") {
  // "()" after the first function shifts CPU 2's header right by two.
  const Interleaving il = Parse(
      "    CPU 1: __get_spte_lockless()          CPU 2: __update_clear_spte_slow()\n"
      "                                        write low\n"
      "    read count\n"
      "                                          write high\n");
  REQUIRE(il.rows.size() == 3);
  CHECK(il.rows[0].thread == 0);
  CHECK(il.rows[0].alt_thread == 1);
  CHECK(il.rows[0].column == 40);
  CHECK(il.rows[1].alt_thread == -1);
  CHECK((il.rows[2].thread == 1 && il.rows[2].alt_thread == -1));
}

// Xiao Guangrong's table in the 2013 thread, as he wrote it (prose cells,
// composite steps, a value above the table, continuation lines).
constexpr const char* kXiao = R"(In order to detect repeatedly marking spte present to stop the lockless side
to see present to present change, otherwise, we can get this:

Say spte = 0xa11110001 (high 32bits = 0xa, low 32bit = 0x11110001)

CPU 1: __get_spte_lockless          CPU 2: __update_clear_spte_slow
----------------------------------------------------------------------
read low: low= 0x11110001
                                    clear the spte, then spte = 0x0ull
read high: high = 0x0
                                    set spte to 0xb11110001 (high 32bits = 0xb,
                                    low 32bit = 0x11110001)

read low: 0x11110001 and see
it is not changed.

In this case, CPU 1 see the low bits are not changed, then it tries to access the memory at:
0x11110000.
)";

TEST_CASE("prose tables: values in cells, composite steps, continuation lines, the value above the table") {
  const Interleaving il = Parse(kXiao);
  CHECK(il.stated_initial_value == 0xa11110001ULL);
  CHECK(il.stated_initial.line == 4);
  REQUIRE(il.rows.size() == 5);
  CHECK((il.rows[0].thread == 0 && il.rows[0].step == Step::ReadLow && il.rows[0].value == 0x11110001ULL));
  CHECK(il.rows[0].value_text == "low= 0x11110001");
  CHECK((il.rows[1].thread == 1 && il.rows[1].phrase == Phrase::kClearSpte && il.rows[1].value == 0));
  CHECK((il.rows[2].step == Step::ReadHigh && il.rows[2].value == 0));
  CHECK((il.rows[3].thread == 1 && il.rows[3].phrase == Phrase::kSetSpte && il.rows[3].value == 0xb11110001ULL));
  CHECK(il.rows[3].text == "set spte to 0xb11110001 (high 32bits = 0xb, low 32bit = 0x11110001)");
  // "read low ... and see it is not changed": the recheck.
  CHECK((il.rows[4].thread == 0 && il.rows[4].step == Step::CheckLowAndCount && il.rows[4].line == 14));
  CHECK(il.end_line == 17);
  // Quoted, it reads the same.
  CheckSameRows(il, Parse(Quote(kXiao, "> ")));
  CheckSameRows(il, Parse(Quote(kXiao, ">> ")));
}

TEST_CASE("mail around the table: headers, greetings and signatures are prose") {
  const Interleaving il = Parse(std::string("From: Paolo Bonzini @ 2013-06-19\nTo: Xiao Guangrong\n\nWhy can't this happen?\n") +
                                kPaolo + "\nThe check passes, but CPU 1 read a \"torn\" SPTE.\n\nPaolo\n");
  CHECK(il.rows.size() == 7);
  CHECK(!il.scenario.present());
}

TEST_CASE("Write() output parses back to the same table") {
  Interleaving il;
  il.scenario = KeyLine{"split-pnp", 1};
  il.config = KeyLine{"clear=slow", 1};
  il.mutations = Mutations::Inject(Mutation::M2_4);
  il.initial_value = 0xa11110001ULL;
  il.written_values = {0xb11110001ULL};
  il.comments = {"found by Relacy", ""};
  il.AddColumn("__get_spte_lockless");
  il.AddColumn("__update_clear_spte_slow + __set_spte");
  il.AddRow(0, Step::ReadCount);
  il.AddRow(1, Step::WriteLow);
  il.AddRow(0, Step::CheckLowAndCount);
  il.AddRow(1, Step::UpdateCount);
  const std::string text = WriteInterleaving(il);
  const Interleaving back = Parse(text);
  CHECK(back.scenario.value == "split-pnp");
  CHECK(back.config.value == "clear=slow");
  CHECK(back.mutations == il.mutations);
  CHECK(back.initial_value == il.initial_value);
  CHECK(back.written_values == il.written_values);
  REQUIRE(back.columns.size() == 2);
  CHECK(back.columns[1].function == "__update_clear_spte_slow + __set_spte");
  const auto a = Steps(il), b = Steps(back);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK((a[i].thread == b[i].thread && a[i].step == b[i].step));
  CHECK(WriteInterleaving(back).find("CPU 1: __get_spte_lockless") != std::string::npos);
}

// --- resolution -------------------------------------------------------------

const std::vector<ScenarioInfo>& Catalogue() { return scenarios::AllScenarioInfo(); }

Resolved ResolveOk(const std::string& text, Overrides ov = {}) {
  const Interleaving il = Parse(text);
  const auto cat = Catalogue();
  auto r = Resolve(il, cat, ov);
  INFO(r.problem.Format());
  REQUIRE(r.ok());
  return *r.value;
}

std::string ResolveError(const std::string& text) {
  const Interleaving il = Parse(text);
  const auto cat = Catalogue();
  auto r = Resolve(il, cat, {});
  REQUIRE_FALSE(r.ok());
  return r.problem.Format();
}

std::string NameOf(const Resolved& r) { return Catalogue()[static_cast<std::size_t>(r.scenario)].name; }
std::string ConfigOf(const Resolved& r) {
  return Catalogue()[static_cast<std::size_t>(r.scenario)].configs[static_cast<std::size_t>(r.config)];
}

TEST_CASE("the header's functions name the scenario and its configuration") {
  Resolved r = ResolveOk(kPaolo);
  CHECK(NameOf(r) == "split-tear");
  CHECK(ConfigOf(r) == "clear=slow");
  CHECK(r.inferred);
  r = ResolveOk("CPU 1: __get_spte_lockless()   CPU 2: __update_clear_spte_fast()\n");
  CHECK(ConfigOf(r) == "clear=fast");
  r = ResolveOk("CPU 1: __get_spte_lockless   CPU 2: __update_clear_spte_slow, then __set_spte\n");
  CHECK(NameOf(r) == "split-pnp");
  CHECK(ConfigOf(r) == "clear=slow,cycles=1");
  r = ResolveOk("CPU 1: __get_spte_lockless  CPU 2: spte_write_protect  CPU 3: hardware (A/D)\n");
  CHECK(NameOf(r) == "split-hw-ad");
  r = ResolveOk("CPU 1: mmu_spte_clear_track_bits    CPU 2: hardware\n");
  CHECK(NameOf(r) == "split-slow-clear-d");
}

TEST_CASE("a scenario line, with the header picking the configuration") {
  Resolved r = ResolveOk("scenario: split-pnp\nCPU 1: __get_spte_lockless   CPU 2: __update_clear_spte_slow\n");
  CHECK(NameOf(r) == "split-pnp");
  CHECK(ConfigOf(r) == "clear=slow,cycles=1");
  CHECK_FALSE(r.inferred);
  r = ResolveOk("scenario: split-pnp\nconfig: clear=fast\nCPU 1: reader   CPU 2: writer\n");
  CHECK(ConfigOf(r) == "clear=fast,cycles=1");
  r = ResolveOk("scenario: split-pnp\nconfig: clear=fast cycles=1\nCPU 0: thread 0   CPU 1: thread 1\n");
  CHECK(ConfigOf(r) == "clear=fast,cycles=1");
}

TEST_CASE("with scenario and config lines, the config line decides; the header must still fit the CPUs") {
  Resolved r = ResolveOk("scenario: split-tear\nconfig: clear=fast\nCPU 1: __get_spte_lockless  CPU 2: __update_clear_spte_slow\n");
  CHECK(ConfigOf(r) == "clear=fast");
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0] == "the header's functions fit split-tear clear=slow, but 'config: clear=fast' decides");
}

// A counterexample as the Relacy models wrote it before the format had one
// writer (a blank-separated config line, roles joined by '+', every step listed).
TEST_CASE("a counterexample from the Relacy models parses and resolves") {
  const char* text = R"(# split_pnp: USER ASSERT FAILED
scenario: split-pnp
config: clear=fast cycles=1
mutation: M2.4

    CPU 1: __get_spte_lockless          CPU 2: __update_clear_spte_fast+__set_spte
------------------------------------------------------------------------------------------
    read count
    read low
                                        write low
                                        write high
                                        update count
    read high
                                        write high
                                        write low
    check low and count
)";
  const Interleaving il = Parse(text);
  CHECK(il.rows.size() == 9);
  const Resolved r = ResolveOk(text);
  CHECK(NameOf(r) == "split-pnp");
  CHECK(ConfigOf(r) == "clear=fast,cycles=1");
  CHECK(r.mutations == Mutations::Inject(Mutation::M2_4));
  CHECK(r.notes.empty());
}

TEST_CASE("resolution errors") {
  CHECK(ResolveError("CPU 1: reader   CPU 2: writer\n") ==
        "t.txt:1: cannot infer the scenario from the header (CPU 1: reader, CPU 2: writer); add a 'scenario:' line "
        "(replay --list shows the headers that name one)");
  CHECK(ResolveError("scenario: split-tare\nCPU 1: a   CPU 2: b\n") ==
        "t.txt:1: unknown scenario 'split-tare'; did you mean 'split-tear'? (replay --list prints the scenarios)");
  CHECK(ResolveError("scenario: nothing-like-it\nCPU 1: a   CPU 2: b\n") ==
        "t.txt:1: unknown scenario 'nothing-like-it' (replay --list prints the scenarios)");
  CHECK(ResolveError("scenario: split-tear\nCPU 1: __update_clear_spte_slow   CPU 2: __get_spte_lockless\n") ==
        "t.txt:2: the header does not fit split-tear: column 1 is 'CPU 1: __update_clear_spte_slow', but split-tear's "
        "CPU 1 runs __get_spte_lockless (column k is the scenario's CPU k)");
  CHECK(ResolveError("scenario: split-tear\nCPU 1: reader   CPU 2: writer   CPU 3: hardware\n") ==
        "t.txt:2: unknown CPU: column 3 ('CPU 3: hardware') has no counterpart; split-tear runs 2 CPUs (CPU 1: "
        "__get_spte_lockless, CPU 2: __update_clear_spte_fast or __update_clear_spte_slow)");
  CHECK(ResolveError("scenario: split-tear\nCPU 1: reader\n") ==
        "t.txt:2: the header has 1 column, but split-tear runs 2 CPUs (CPU 1: __get_spte_lockless, CPU 2: "
        "__update_clear_spte_fast or __update_clear_spte_slow); give every CPU a column");
  CHECK(ResolveError("scenario: split-pnp\nCPU 1: reader   CPU 2: writer\n") ==
        "t.txt:2: ambiguous configuration: split-pnp has 2 that fit (clear=fast,cycles=1; clear=slow,cycles=1); add "
        "or extend the 'config:' line");
  CHECK(ResolveError("scenario: split-tear\nconfig: clear=medium\nCPU 1: a   CPU 2: b\n") ==
        "t.txt:2: no split-tear configuration has clear=medium (configurations: clear=fast; clear=slow)");
  CHECK(ResolveError("scenario: split-tear\nconfig: cycles=2\nCPU 1: a   CPU 2: b\n") ==
        "t.txt:2: split-tear's configurations have no key 'cycles' (keys: clear)");
  CHECK(ResolveError("config: clear=fast\nCPU 1: __get_spte_lockless   CPU 2: __update_clear_spte_slow\n") ==
        "t.txt:1: config: clear=fast contradicts the header (CPU 1: __get_spte_lockless, CPU 2: "
        "__update_clear_spte_slow fits split-tear clear=slow)");
  CHECK(ResolveError("initial: 0x1\nCPU 1: __get_spte_lockless  CPU 2: mmu_spte_update  CPU 3: hardware\n") ==
        "t.txt:1: split-hw-ad takes no initial value (its spte is fixed)");
  CHECK(ResolveError("values: 0x1 0x2\nCPU 1: __get_spte_lockless  CPU 2: __update_clear_spte_fast __set_spte\n") ==
        "t.txt:1: split-pnp stores 1 value, but values: lists 2");
  CHECK(ResolveError("values: 0x1\nCPU 1: __get_spte_lockless  CPU 2: __update_clear_spte_fast\n") ==
        "t.txt:1: split-tear's writers store no values (values: lists 1)");
  CHECK(ResolveError("initial: 0\nCPU 1: __get_spte_lockless  CPU 2: __update_clear_spte_fast\n") ==
        "t.txt:1: initial: 0 is not a value a writer stored (0 selects split-tear's self-checking values; omit the "
        "line for them)");
}

TEST_CASE("mutations: the file's, or the command line's, with notes") {
  Resolved r = ResolveOk(std::string("mutation: M2.5\n") + kPaolo);
  CHECK(r.mutations == Mutations::Inject(Mutation::M2_5));
  CHECK(r.mutation_source == "the file");
  CHECK(r.notes.empty());
  Overrides ov;
  ov.mutations = Mutations::Inject(Mutation::M2_4);
  r = ResolveOk(std::string("mutation: M2.5\n") + kPaolo, ov);
  CHECK(r.mutations == Mutations::Inject(Mutation::M2_4));
  CHECK(r.mutation_source == "the command line");
  REQUIRE(r.notes.size() == 2);
  CHECK(r.notes[0] == "--mutation M2.4 overrides the file's 'mutation: M2.5'");
  CHECK(r.notes[1] == "M2.4 is not among the mutations split-tear shows; the replay runs it anyway");
  ov.mutations = Mutations();
  r = ResolveOk(std::string("mutation: M2.5\n") + kPaolo, ov);
  CHECK(r.mutations.Empty());
}

TEST_CASE("a prose table resolves: composite rows expand, the prose gives the values") {
  const Resolved r = ResolveOk(kXiao);
  CHECK(NameOf(r) == "split-pnp");  // "set spte" names __set_spte in CPU 2's column
  CHECK(ConfigOf(r) == "clear=slow,cycles=1");
  CHECK(r.initial == 0xa11110001ULL);
  CHECK(r.values == std::vector<std::uint64_t>{0xb11110001ULL});
  REQUIRE(r.rows.size() == 5);
  CHECK((r.rows[0].check_value && r.rows[0].value == 0x11110001ULL));
  CHECK(r.rows[1].steps == std::vector<Step>{Step::WriteLow, Step::ReadHigh, Step::WriteHigh, Step::UpdateCount});
  CHECK((r.rows[2].check_value && r.rows[2].value == 0));
  CHECK(r.rows[3].steps == std::vector<Step>{Step::WriteHigh, Step::WriteLow});
  CHECK_FALSE(r.rows[4].check_value);  // the recheck reports passed/changed, not the low word
  CHECK_FALSE(r.rows[4].value_note.empty());
  CHECK(CompositeSteps(Phrase::kClearSpte, "__update_clear_spte_fast __set_spte") ==
        std::vector<Step>{Step::WriteLow, Step::WriteHigh, Step::UpdateCount});
  CHECK(CompositeSteps(Phrase::kClearSpte, "__get_spte_lockless").empty());
}

TEST_CASE("a row between two columns goes to the CPU that can run it, or is an error naming both") {
  const std::string text =
      "    CPU 1: __get_spte_lockless()          CPU 2: __update_clear_spte_slow()\n"
      "                                        write low\n"
      "    read count\n";
  const Interleaving il = Parse(text);
  const auto cat = Catalogue();
  // Facts: the reader runs reads, the writer writes (and reads high).
  StepFacts facts;
  facts.sets.resize(cat.size());
  StepSet reader, writer;
  for (Step s : {Step::ReadCount, Step::ReadLow, Step::ReadHigh, Step::CheckLowAndCount}) reader.set(static_cast<std::size_t>(s));
  for (Step s : {Step::WriteLow, Step::ReadHigh, Step::WriteHigh, Step::UpdateCount}) writer.set(static_cast<std::size_t>(s));
  for (std::size_t i = 0; i < cat.size(); ++i) {
    if (cat[i].name == "split-tear") facts.sets[i] = {{reader, writer}, {reader, writer}};
  }
  auto r = Resolve(il, cat, {}, &facts);
  REQUIRE(r.ok());
  CHECK(r.value->rows[0].thread == 1);
  CHECK(r.value->rows[0].other_column == 0);
  CHECK_FALSE(r.value->rows[0].placed.empty());
  // Without facts the position decides, and the row keeps a hint.
  r = Resolve(il, cat, {}, nullptr);
  REQUIRE(r.ok());
  CHECK(r.value->rows[0].thread == 0);
  CHECK(r.value->rows[0].placed.find("align it under that header") != std::string::npos);
  // A step both run: an error naming the row and both columns.
  const Interleaving both = Parse(
      "    CPU 1: __get_spte_lockless()          CPU 2: __update_clear_spte_slow()\n"
      "                                        read high\n");
  r = Resolve(both, cat, {}, &facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.problem.Format() ==
        "t.txt:2: line 2 ('read high', from column 41) sits between the columns of CPU 1 (header at column 5) and CPU 2 "
        "(header at column 43), and both CPUs run 'read high': align it under the header of the CPU that runs it");
}

TEST_CASE("posted values reach the scenario's configuration") {
  const Resolved r = ResolveOk(
      "scenario: split-pnp\ninitial: 0xa11110001\nvalues: 0xb11110001\n"
      "CPU 1: __get_spte_lockless   CPU 2: __update_clear_spte_slow\n");
  const scenarios::SplitPnp::Config c = MakeConfig<scenarios::SplitPnp>(DescribeScenario<scenarios::SplitPnp>(), r);
  CHECK(c.clear == scenarios::ClearKind::kSlow);
  CHECK(c.values.initial == 0xa11110001ULL);
  CHECK(c.values.next == 0xb11110001ULL);
}

bool Has(const std::string& name) {
  for (const ScenarioInfo& s : Catalogue()) {
    if (s.name == name) return true;
  }
  return false;
}

// The VM scenarios (§3-§7), when the core has them.
TEST_CASE("headers of the VM scenarios") {
  if (Has("walk-free")) {
    const Resolved r = ResolveOk(
        "CPU 1: walk_shadow_page_lockless_begin ... end    CPU 2: kvm_mmu_prepare_zap_page, kvm_mmu_commit_zap_page\n");
    CHECK(NameOf(r) == "walk-free");
  }
  if (Has("zap-root")) {
    // CPU 3 is idle (requests=1) or asks for a flush (requests=2).
    const Resolved r =
        ResolveOk("CPU 1: kvm_mmu_prepare_zap_page    CPU 2: kvm_mmu_free_obsolete_roots    CPU 3: idle\n");
    CHECK(NameOf(r) == "zap-root");
    CHECK(ConfigOf(r).find("requests=1") != std::string::npos);
    const Resolved flush = ResolveOk(
        "CPU 1: kvm_mmu_prepare_zap_page    CPU 2: kvm_mmu_free_obsolete_roots    CPU 3: kvm_flush_remote_tlbs\n");
    CHECK(ConfigOf(flush).find("requests=2") != std::string::npos);
  }
  if (Has("spte-volatile")) {
    const Resolved r = ResolveOk("CPU 1: mmu_spte_clear_track_bits    CPU 2: fast_page_fault, then hardware sets D\n");
    CHECK(NameOf(r) == "spte-volatile");
  }
  if (Has("zap-all")) {
    const Resolved r = ResolveOk("CPU 1: kvm_mmu_zap_all_fast   CPU 2: idle   CPU 3: kvm_mmu_zap_all_fast\n");
    CHECK(NameOf(r) == "zap-all");
    CHECK(ConfigOf(r).find("zappers=2") != std::string::npos);
  }
  if (Has("fastpf-wp")) {
    CHECK(ResolveError("CPU 1: fast_page_fault   CPU 2: spte_write_protect\n").find("ambiguous configuration: fastpf-wp") !=
          std::string::npos);
  }
}

TEST_CASE("every scenario of all.h is in the catalogue, with its configurations") {
  for (const ScenarioInfo& s : Catalogue()) {
    INFO(s.name);
    CHECK(s.threads >= 1);
    CHECK(s.threads <= kMaxCpus);
    CHECK_FALSE(s.configs.empty());
  }
}


TEST_CASE("a header may leave out a CPU that is idle in a member: that member, the CPU read as idle") {
  if (Has("zap-root")) {
    // zap-root's CPU 3 is idle in requests=1 only.
    const Resolved r = ResolveOk(
        "CPU 1: kvm_mmu_prepare_zap_page    CPU 2: kvm_mmu_free_obsolete_roots\n"
        "take lock\n"
        "                                   load root\n");
    CHECK(NameOf(r) == "zap-root");
    CHECK(ConfigOf(r) == "levels=1,requests=1");
    CHECK(r.inferred);
    REQUIRE(r.table);
    REQUIRE(r.table->columns.size() == 3);
    CHECK(r.table->columns[2].function == "idle");
    CHECK(r.table->CpuName(2) == "CPU 3");
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[1].thread == 1);
    REQUIRE_FALSE(r.notes.empty());
    CHECK(r.notes.front().find("no column for zap-root's CPU 3, idle in levels=1,requests=1: read as idle") !=
          std::string::npos);
    // Every column given: nothing added.
    CHECK_FALSE(ResolveOk("CPU 1: kvm_mmu_prepare_zap_page   CPU 2: kvm_mmu_reload   CPU 3: idle\n").table);
    // With a scenario line the same; a config line that makes CPU 3 run is an error.
    CHECK(ConfigOf(ResolveOk("scenario: zap-root\nCPU 1: zapper   CPU 2: vcpu\n")) == "levels=1,requests=1");
    CHECK(ResolveError("scenario: zap-root\nconfig: requests=2\nCPU 1: zapper   CPU 2: vcpu\n")
              .find("the header has no column for CPU 3, but in levels=1,requests=2 CPU 3 runs kvm_flush_remote_tlbs") !=
          std::string::npos);
  }
  if (Has("zap-all")) {
    // zappers=1: the vCPU faults, CPU 3 is idle.
    Resolved r = ResolveOk("CPU 1: kvm_mmu_zap_all_fast   CPU 2: kvm_mmu_page_fault\n");
    CHECK(ConfigOf(r).find("zappers=1") != std::string::npos);
    REQUIRE(r.table);
    CHECK(r.table->columns[2].function == "idle");
    // zappers=2: CPU 2 is idle, so the second zapper's column is CPU 3; its
    // rows follow it, and the added column is labelled after the poster's.
    r = ResolveOk(
        "CPU 1: kvm_mmu_zap_all_fast   CPU 2: kvm_mmu_zap_all_fast\n"
        "take lock\n"
        "                              take lock\n");
    CHECK(ConfigOf(r).find("zappers=2") != std::string::npos);
    REQUIRE(r.table);
    REQUIRE(r.table->columns.size() == 3);
    CHECK(r.table->columns[1].function == "idle");
    CHECK(r.table->CpuName(1) == "CPU 3");
    CHECK(r.table->CpuName(2) == "CPU 2");
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0].thread == 0);
    CHECK(r.rows[1].thread == 2);
    CHECK(r.table->rows[1].thread == 2);
  }
  // A CPU that is never idle cannot be left out.
  CHECK(ResolveError("CPU 1: __get_spte_lockless\n").find("cannot infer the scenario from the header") !=
        std::string::npos);
}

}  // namespace
}  // namespace mmu::replay
