// Judging one litmus test from what the engines found: LKMM's verdict (the
// one that counts), the Relacy (C++) reading as a second opinion, and the
// native histogram. Kept apart from main.cc so the unit tests can exercise
// the rules.
#ifndef LITMUS_VERDICT_H_
#define LITMUS_VERDICT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "litmus/program.h"
#include "litmus/state_table.h"

namespace litmus {

enum class Status {
  kOk,          // LKMM gives the declared Result and the hardware agrees
  kUndeclared,  // no `Result:` line: nothing to check the verdict against
  kFail,        // LKMM contradicts the declared Result, or the hardware LKMM
  kError,       // the test could not be run
};

const char* StatusName(Status s);

struct Judgement {
  std::optional<Verdict> lkmm;    // how many allowed states satisfy the condition
  std::optional<Verdict> relacy;  // the same over Relacy's reachable states
  uint64_t observed_hits = 0;     // trials satisfying the condition (after filter)
  uint64_t observed_total = 0;    // trials passing the filter
  Status status = Status::kOk;
  std::vector<std::string> notes;  // one line per disagreement that decides the status
  // Where the C++ reading and LKMM differ (states after the filter):
  std::vector<std::vector<int64_t>> relacy_only;  // Relacy reaches, LKMM forbids
  std::vector<std::vector<int64_t>> lkmm_only;    // LKMM allows, Relacy never reaches
};

// Classifies `hits` satisfying states out of `total`.
Verdict Classify(uint64_t hits, uint64_t total);

// Each table is null when that engine did not run.
Judgement Judge(const Program& p, const StateTable* lkmm, const StateTable* relacy, const StateTable* native);

// The condition as text: "0:r0=0 /\ 1:r0=0".
std::string FormatCond(const Program& p, const CondNode& c);

}  // namespace litmus

#endif  // LITMUS_VERDICT_H_
