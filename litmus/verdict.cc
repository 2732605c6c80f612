#include "litmus/verdict.h"

#include <string>

namespace litmus {

const char* StatusName(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kGap: return "gap";
    case Status::kFail: return "FAIL";
    case Status::kError: return "ERROR";
  }
  return "?";
}

Verdict Classify(uint64_t hits, uint64_t total) {
  if (hits == 0) return Verdict::kNever;
  return hits == total ? Verdict::kAlways : Verdict::kSometimes;
}

namespace {

bool PassesFilter(const Program& p, const int64_t* s) { return !p.filter || EvalCond(*p.filter, s); }

}  // namespace

Judgement Judge(const Program& p, const std::vector<Gap>& gaps, const StateTable* model, const StateTable* native) {
  Judgement j;
  const bool gapped = !gaps.empty();
  // Every gap makes the model miss outcomes, never invent them, so a gap can
  // explain only a disagreement caused by missing states.
  auto disagree = [&](const std::string& note, bool missing_states) {
    j.notes.push_back(note);
    Status s = gapped && missing_states ? Status::kGap : Status::kFail;
    if (s == Status::kFail || j.status == Status::kOk) j.status = s;
  };
  if (model) {
    uint64_t hits = 0, total = 0;
    for (const auto& [state, count] : model->Sorted()) {
      if (!PassesFilter(p, state.data())) continue;
      ++total;
      hits += EvalCond(p.condition, state.data());
    }
    j.model = Classify(hits, total);
    if (p.declared && *p.declared != *j.model) {
      disagree(std::string("declared ") + VerdictName(*p.declared) + " but the model says " + VerdictName(*j.model),
               *p.declared == Verdict::kSometimes);
    }
  }
  if (native) {
    for (const auto& [state, count] : native->Sorted()) {
      if (!PassesFilter(p, state.data())) continue;
      j.observed_total += count;
      bool hit = EvalCond(p.condition, state.data());
      if (hit) j.observed_hits += count;
      if (hit && p.declared == Verdict::kNever) {
        // Real hardware did it, so no gap can excuse a declared Never.
        disagree("declared Never but observed " + FormatState(p, state.data()) + " (" + std::to_string(count) +
                     " times)",
                 false);
      }
      if (model && !model->Contains(state.data())) {
        ++j.unexplained_states;
        disagree("observed " + FormatState(p, state.data()) + " (" + std::to_string(count) +
                 " times), which the model never reaches",
                 true);
      }
    }
    if (!model && p.declared) {
      // Without the model, an observation can still refute Never or Always.
      if (*p.declared == Verdict::kAlways && j.observed_hits < j.observed_total) {
        disagree("declared Always but observed a state that does not satisfy the condition", false);
      }
    }
  }
  return j;
}

std::string FormatCond(const Program& p, const CondNode& c) {
  // /\ and \/ are associative: only a change of operator needs parentheses.
  auto paren = [&](const CondNode& a) {
    std::string s = FormatCond(p, a);
    bool binary = a.kind == Cond::Kind::kAnd || a.kind == Cond::Kind::kOr;
    return binary && a.kind != c.kind ? "(" + s + ")" : s;
  };
  switch (c.kind) {
    case Cond::Kind::kTrue: return "true";
    case Cond::Kind::kFalse: return "false";
    case Cond::Kind::kEq: return p.observed[c.slot].name + "=" + FormatValue(p, c.value);
    case Cond::Kind::kNe: return p.observed[c.slot].name + "!=" + FormatValue(p, c.value);
    case Cond::Kind::kNot: return "~" + paren(c.args[0]);
    case Cond::Kind::kAnd: return paren(c.args[0]) + " /\\ " + paren(c.args[1]);
    case Cond::Kind::kOr: return paren(c.args[0]) + " \\/ " + paren(c.args[1]);
  }
  return "?";
}

}  // namespace litmus
