#include "litmus/verdict.h"

#include <string>

namespace litmus {

const char* StatusName(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kUndeclared: return "no declared result";
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

Verdict VerdictOf(const Program& p, const StateTable& t) {
  uint64_t hits = 0, total = 0;
  for (const auto& [state, count] : t.Sorted()) {
    if (!PassesFilter(p, state.data())) continue;
    ++total;
    hits += EvalCond(p.condition, state.data());
  }
  return Classify(hits, total);
}

}  // namespace

Judgement Judge(const Program& p, const StateTable* lkmm, const StateTable* relacy, const StateTable* native) {
  Judgement j;
  auto fail = [&](const std::string& note) {
    j.notes.push_back(note);
    j.status = Status::kFail;
  };
  if (lkmm) {
    j.lkmm = VerdictOf(p, *lkmm);
    if (p.declared && *p.declared != *j.lkmm) {
      fail(std::string("declared ") + VerdictName(*p.declared) + " but LKMM says " + VerdictName(*j.lkmm));
    }
  }
  if (relacy) {
    j.relacy = VerdictOf(p, *relacy);
    if (lkmm) {
      for (const auto& [state, count] : relacy->Sorted()) {
        if (PassesFilter(p, state.data()) && !lkmm->Contains(state.data())) j.relacy_only.push_back(state);
      }
      for (const auto& [state, count] : lkmm->Sorted()) {
        if (PassesFilter(p, state.data()) && !relacy->Contains(state.data())) j.lkmm_only.push_back(state);
      }
    }
  }
  if (native) {
    for (const auto& [state, count] : native->Sorted()) {
      if (!PassesFilter(p, state.data())) continue;
      j.observed_total += count;
      bool hit = EvalCond(p.condition, state.data());
      if (hit) j.observed_hits += count;
      if (lkmm && !lkmm->Contains(state.data())) {
        fail("observed " + FormatState(p, state.data()) + " (" + std::to_string(count) +
             " times), which LKMM forbids");
      } else if (hit && p.declared == Verdict::kNever) {
        fail("declared Never but observed " + FormatState(p, state.data()) + " (" + std::to_string(count) + " times)");
      }
    }
    if (p.declared == Verdict::kAlways && j.observed_hits < j.observed_total) {
      fail("declared Always but observed a state that does not satisfy the condition");
    }
  }
  if (!p.declared && j.status == Status::kOk) j.status = Status::kUndeclared;
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
    case Cond::Kind::kEq:
    case Cond::Kind::kNe:
      return p.observed[c.slot].name + (c.kind == Cond::Kind::kEq ? "=" : "!=") +
             (c.rhs_slot >= 0 ? p.observed[c.rhs_slot].name : FormatValue(p, c.value));
    case Cond::Kind::kNot: return "~" + paren(c.args[0]);
    case Cond::Kind::kAnd: return paren(c.args[0]) + " /\\ " + paren(c.args[1]);
    case Cond::Kind::kOr: return paren(c.args[0]) + " \\/ " + paren(c.args[1]);
  }
  return "?";
}

}  // namespace litmus
