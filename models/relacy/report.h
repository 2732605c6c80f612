// models/relacy/report.h: what Relacy's text report of a failing execution says.
//
// Relacy reports a failure as text: a line "KIND (message)" (after the test's
// name when rl::simulate wrote it), "iteration: N", then the execution
// history, whose line for the failure repeats "KIND (message)" after the
// thread index and ends with ", in <function>, <file>(<line>)":
//
//   USER ASSERT FAILED (torn present spte: ...)
//   iteration: 1054
//   ...
//   [25] 0: USER ASSERT FAILED (torn present spte: ...), in f, ./mmu_core/scenarios/split_common.h(78)
//
// This is the one reader of that text (models and replay use it).
#pragma once

#include <string>
#include <string_view>

namespace mmu::relacy {

struct FailureReport {
  std::string kind;     // "USER ASSERT FAILED", "ACCESS TO FREED MEMORY", "LIVELOCK", ...
  std::string message;  // the text in parentheses, "" if none
  std::string where;    // "file:line" that raised it ("./" removed), "" if unknown
  int cpu = -1;         // the thread whose history line raised it, -1 if unknown
  std::string line;     // the "KIND (message)" line
};

// Reads the first "KIND (message)" line whose KIND is one of Relacy's results,
// and the history line that repeats it. Fields it cannot find stay empty.
FailureReport ReadFailure(std::string_view report);

}  // namespace mmu::relacy
