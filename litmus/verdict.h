// Judging one litmus test from what the engines found: the model's verdict,
// the observed counts, and whether they agree with the declared Result.
// Kept apart from main.cc so the unit tests can exercise the rules.
#ifndef LITMUS_VERDICT_H_
#define LITMUS_VERDICT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "litmus/gaps.h"
#include "litmus/program.h"
#include "litmus/state_table.h"

namespace litmus {

enum class Status {
  kOk,     // everything agrees
  kGap,    // a disagreement that a flagged Relacy gap explains
  kFail,   // a disagreement no gap explains
  kError,  // the test could not be run
};

const char* StatusName(Status s);

struct Judgement {
  std::optional<Verdict> model;  // how many reachable states satisfy the condition
  uint64_t observed_hits = 0;    // trials satisfying the condition (after filter)
  uint64_t observed_total = 0;   // trials passing the filter
  uint64_t unexplained_states = 0;  // observed states the model does not reach
  Status status = Status::kOk;
  std::vector<std::string> notes;  // one line per disagreement
};

// Classifies `hits` satisfying states out of `total`.
Verdict Classify(uint64_t hits, uint64_t total);

// `model` and `native` are null when that engine did not run.
Judgement Judge(const Program& p, const std::vector<Gap>& gaps, const StateTable* model, const StateTable* native);

// The condition as text: "0:r0=0 /\ 1:r0=0".
std::string FormatCond(const Program& p, const CondNode& c);

}  // namespace litmus

#endif  // LITMUS_VERDICT_H_
