// mmu_core/catalog/interleaving.h: a reported interleaving, as kernel developers
// post them, parsed and written. This is the format's one reader and writer:
// models' counterexamples, stress's --interleaving-out and replay all use it.
//
// The format (replay/README.md has the full contract):
//
//   # comment lines; "key: value" lines before the table
//   scenario: split-pnp
//   config: clear=slow
//   mutation: M2.4
//   initial: 0xa11110001
//   values: 0xb11110001
//
//       CPU 1: __get_spte_lockless          CPU 2: __update_clear_spte_slow
//   ------------------------------------------------------------------------
//                                           write low
//       read count
//
// The header row names one "CPU N: function" per column; column k (left to
// right) is scenario thread k-1, whatever N says. A step belongs to the column
// whose header starts nearest at or to the left of the step's first character
// (a step left of every header belongs to the first column). One step per row;
// time goes down. Step names are the core's vocabulary (mmu_core/steps.h).
//
// A table pasted from a mail reads the same (issue 14): quote markers ("> ",
// ">> ") are stripped from every line, non-breaking and other Unicode spaces
// are spaces, prose before the header and after the table is ignored, a cell
// may go on with prose and continuation lines ("read low: low= 0x11110001"),
// and the phrases kernel engineers use are understood:
//
//   read high: high = 0x0        a step and the value the poster says it read
//   clear the spte               the steps of the column's clear function
//   set spte to 0xb11110001      the steps of __set_spte, storing that value
//   read low ... not changed     the recheck ("check low and count")
//   Say spte = 0xa11110001       above the header: the initial value
//
// A cell that starts between two columns (its text runs under the next
// column's header) records both; resolve.h picks the CPU that can run it.
//
// Parse() checks the form only; which scenario the table means, and whether
// its order can happen, is for resolve.h and the engines. Write() produces a
// file that Parse() reads back to the same Interleaving.
#pragma once

#include "mmu_core/mutations.h"
#include "mmu_core/step_names.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmu {

// A problem with the input, reported as "file:line: message" (line 0: the
// file as a whole, or the command line).
struct Problem {
  std::string file;
  int line = 0;
  std::string message;

  std::string Format() const;
};

// A "key: value" line; line == 0 when the file has none.
struct KeyLine {
  std::string value;
  int line = 0;
  bool present() const { return line > 0; }
};

// One column of the header: "CPU 1: __get_spte_lockless".
struct Column {
  int cpu_label = 0;     // the N of "CPU N" (a label; the column's position decides the thread)
  std::string function;  // what follows the colon, trimmed
  int start = 0;         // display column where "CPU" starts (tabs expanded to 8, quote markers removed)
  int text_start = 0;    // display column where the function text starts
};

// What a row names besides a single step.
enum class Phrase : std::uint8_t {
  kStep,       // one step of the vocabulary
  kClearSpte,  // "clear the spte": every step of the column's clear (__update_clear_spte_{fast,slow})
  kSetSpte,    // "set spte to V": every step of __set_spte
};

// One row of the table: a step of the thread that owns the column.
struct Row {
  int thread = 0;
  Step step = Step::ReadCount;  // kStep: the step; a composite: its first step name is not used
  int line = 0;      // 1-based line in the file (0 for rows built in code)
  std::string text;  // the cell as written, continuation lines joined with a space
  Phrase phrase = Phrase::kStep;
  // A value the cell gives: what the step read ("read high: high = 0x0"),
  // what the spte holds after a clear, or the value a set stores.
  std::optional<std::uint64_t> value;
  std::string value_text;  // as written ("high = 0x0")
  int column = 0;          // display column where the cell starts (0 for rows built in code)
  // A cell between two columns: the column its position names (`thread`)
  // and the one to its right whose header it runs under; -1 when aligned.
  int alt_thread = -1;
};

// "read low", "clear the spte", "set spte": what a row names, for messages.
std::string RowName(const Row& r);

struct Interleaving {
  std::string file;  // name used in messages
  KeyLine scenario;
  KeyLine config;
  KeyLine mutation;
  Mutations mutations;  // parsed from `mutation` (empty for "none")
  KeyLine initial;
  std::optional<std::uint64_t> initial_value;
  KeyLine values;
  std::vector<std::uint64_t> written_values;
  std::vector<std::string> comments;  // kept by Write(); Parse() does not fill it
  // Prose above the header that states the initial value ("Say spte =
  // 0xa11110001 (...)"); resolve.h uses it when there is no `initial:` line.
  KeyLine stated_initial;
  std::optional<std::uint64_t> stated_initial_value;
  int header_line = 0;
  int end_line = 0;  // the prose line that ended the table, 0 if the file ends it
  std::vector<Column> columns;
  std::vector<Row> rows;

  // Building a table in code (a counterexample writer): one column per thread.
  void AddColumn(std::string function);
  void AddRow(int thread, Step step);

  // "CPU 1", the label of a thread's column; "CPU 1: function", its header text.
  std::string CpuName(int thread) const;
  std::string ColumnTitle(int thread) const;
};

template <class T>
struct Parsed {
  std::optional<T> value;
  Problem problem;
  bool ok() const { return value.has_value(); }
};

// Parses the text of an interleaving file named `file` (used in messages).
Parsed<Interleaving> ParseInterleaving(std::string_view text, std::string file);

// The largest file ReadInterleaving reads (checked before it reads a byte).
inline constexpr std::size_t kMaxInterleavingBytes = std::size_t{1} << 20;

// Reads and parses a file. A missing file, a directory, a FIFO, a device, an
// unreadable or oversized file is a Problem naming what it is (files.h);
// `shown` names the file in messages (the path as the user typed it; `path`
// if empty).
Parsed<Interleaving> ReadInterleaving(const std::string& path, const std::string& shown = "");

// The file text for `il`, in the canonical layout: comments, keys, a blank
// line, the header, a dashed rule and one step per row.
std::string WriteInterleaving(const Interleaving& il);

// A number as the format spells it: 0x... or decimal, an optional u/l/ull
// suffix ("0x0ull" as posted). nullopt when `s` is not one.
std::optional<std::uint64_t> ParseNumber(std::string_view s);

// Levenshtein distance, for "did you mean" suggestions.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The vocabulary step nearest to `text` when it is a likely typo.
std::optional<Step> NearestStep(std::string_view text);

}  // namespace mmu
