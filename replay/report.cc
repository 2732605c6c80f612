// replay/report.cc: the replay's tables, verdicts and JSON.
#include "replay/report.h"

#include "mmu_core/catalog/values.h"
#include "mmu_core/spte.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

namespace mmu::replay {
namespace {

constexpr int kStepWidth = 21;  // longest step name ("check low and count") and two spaces

std::string Hex(std::uint64_t v) {
  if (v > 0xffffffffULL) return fmt::format("0x{:08x}_{:08x}", v >> 32, v & 0xffffffffULL);
  return fmt::format("0x{:08x}", v);
}

std::string StepAt(const Interleaving& il, int row) {
  if (row < 0 || row >= static_cast<int>(il.rows.size())) return "";
  const Row& r = il.rows[static_cast<std::size_t>(row)];
  return "'" + RowName(r) + "' (line " + std::to_string(r.line) + ")";
}

// "CPU 2 at 'drop lock' (line 30)" or "CPU 2, which has no listed step left
// (it runs again after the table)".
std::string WhereIs(const Interleaving& il, const SeqFailure& f, int cpu) {
  if (cpu < 0 || cpu >= kMaxCpus) return "";
  if (f.waiting[cpu] >= 0) return " while it waits for its turn at " + StepAt(il, f.waiting[cpu]);
  if (f.finished[cpu]) return "";
  return ", and " + il.CpuName(cpu) + " has no listed step left: it runs again only after the table";
}

// "CPU 2 at 'write high' (line 30), CPU 3 before its first step": where the
// CPUs other than `cpu` wait for their turn.
std::string Waiting(const Interleaving& il, const SeqFailure& f) {
  std::string out;
  for (int c = 0; c < static_cast<int>(il.columns.size()) && c < kMaxCpus; ++c) {
    if (c == f.cpu || f.waiting[c] < 0) continue;
    out += (out.empty() ? "" : ", ") + il.CpuName(c) + " at " + StepAt(il, f.waiting[c]);
  }
  return out.empty() ? "none" : out;
}

std::string Values(const MergedEvent& m) {
  std::string out;
  for (int i = 0; i < m.nvalues; ++i) out += (i == 0 ? "" : " | ") + FormatStepValue(m.event.step, m.values[i]);
  if (m.more) out += " | ...";
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string Cell(const MergedEvent& m) {
  switch (m.event.kind) {
    case EventKind::kWaitsForLock: return fmt::format("(waits for {})", m.event.lock);
    case EventKind::kGotLock: return fmt::format("(takes {})", m.event.lock);
    case EventKind::kStep: break;
  }
  std::string text = fmt::format("{:<{}}{}", StepName(m.event.step), kStepWidth,
                                 m.event.unfinished ? "did not complete: the execution failed inside it" : Values(m));
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return m.event.row >= 0 ? text : "(" + text + ")";
}

std::string MutationText(const Resolved& r) {
  std::string m = r.mutations.ToString();
  if (!r.mutations.Empty()) {
    for (const MutationInfo& i : kMutations) {
      if (r.mutations.Has(i.id)) m += std::string("\n             ") + std::string(i.name) + ": " + std::string(i.what);
    }
  }
  if (!r.mutation_source.empty()) m += r.mutations.Empty() ? " (" + r.mutation_source + ")" : "";
  return m;
}

// The listed event of row `row` (its last step, for a composite), or null.
const MergedEvent* EventOfRow(const Outcome& out, int row) {
  const MergedEvent* found = nullptr;
  for (const MergedEvent& m : out.table) {
    if (m.event.row == row && m.event.kind == EventKind::kStep && !m.event.unfinished) found = &m;
  }
  return found;
}

struct Given {
  int row;
  std::string what;     // how the table gives it
  std::string outcome;  // what the run did with it
  bool checked = false;
  bool ok = true;
  std::vector<std::uint64_t> seen;
};

// The values the table gives in its cells, and what became of each.
std::vector<Given> GivenValues(const Report& r) {
  std::vector<Given> out;
  for (std::size_t i = 0; i < r.il.rows.size() && i < r.resolved.rows.size(); ++i) {
    const Row& row = r.il.rows[i];
    const ResolvedRow& rr = r.resolved.rows[i];
    if (!row.value) continue;
    Given g{static_cast<int>(i), row.value_text, "", false, true, {}};
    if (rr.check_value) {
      g.checked = true;
      const MergedEvent* m = EventOfRow(r.out, static_cast<int>(i));
      // A mismatch of a derailed execution counts only when none followed the table.
      const bool none_followed = r.out.engine == "native" || r.out.derailed >= r.out.executions;
      const bool mismatch = none_followed && r.out.failure.kind == SeqError::kValueMismatch &&
                            r.out.failure.row == static_cast<int>(i);
      if (mismatch) {
        g.ok = false;
        g.seen = {r.out.failure.seen};
        g.outcome = fmt::format("{} read {}: not what the table says", r.il.CpuName(rr.thread),
                                RawStepValue(row.step, r.out.failure.seen));
      } else if (m != nullptr) {
        g.seen.assign(m->values, m->values + m->nvalues);
        std::string vals;
        for (std::uint64_t v : g.seen) vals += (vals.empty() ? "" : " | ") + RawStepValue(row.step, v);
        g.outcome = fmt::format("{} read {}: as the table says", r.il.CpuName(rr.thread), vals);
      } else {
        g.outcome = "not reached";
      }
    } else if (row.phrase == Phrase::kClearSpte) {
      g.outcome = "a clear leaves the spte 0x0 (non-present)";
    } else if (row.phrase == Phrase::kSetSpte) {
      g.outcome = "the value " + r.il.CpuName(rr.thread) + " stores (as a 'values:' line)";
    } else {
      g.outcome = rr.value_note;
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::string GivenValuesText(const Report& r) {
  const std::vector<Given> given = GivenValues(r);
  if (given.empty()) return "";
  std::string s = "\n  values the table gives:\n";
  for (const Given& g : given) {
    const Row& row = r.il.rows[static_cast<std::size_t>(g.row)];
    s += fmt::format("    line {:<4} {:<20} '{}'  {}\n", row.line, RowName(row), g.what, g.outcome);
  }
  return s;
}

std::string EngineText(const Outcome& out) {
  if (out.engine == "native") return "native: real threads forced through the table's order, one step at a time";
  return "relacy: full search of the memory-model outcomes consistent with the order";
}

std::string Verdict(const Report& r) {
  const Outcome& out = r.out;
  const int code = ExitCodeOf(out);
  std::string v;
  if (code == kUndecided) {
    v = "undecided: " + (out.inconclusive.empty() ? FailureProblem(r.il, out.failure, out.watchdog_s, &r.resolved).message : out.inconclusive);
    if (out.engine == "relacy") v += fmt::format(" after {} executions; no violation so far", out.executions);
  } else if (code == kBadInput) {
    v = CannotHappen(r.resolved) + FailureProblem(r.il, out.failure, out.watchdog_s, &r.resolved).message;
    if (out.engine == "relacy" && !out.stuck) v += fmt::format(" (in every one of the {} executions)", out.executions);
  } else if (code == kViolated) {
    const Violation& x = *out.violation;
    v = "VIOLATED: " + x.what;
    if (x.cpu >= 0) v += "\n             on " + r.il.CpuName(x.cpu);
    if (x.cpu < 0) v += "\n             in the final check, after every CPU ended";
    if (x.after_row >= 0) v += fmt::format(" after {}", StepAt(r.il, x.after_row));
    if (!x.where.empty()) v += "\n             at " + x.where;
    if (out.violation_derailed) {
      v += "\n             (in an execution that could not follow the table: " +
           FailureProblem(r.il, out.failure, 0, &r.resolved).message + ")";
    }
  } else {
    v = "the invariant held";
    if (out.engine == "relacy") v += fmt::format(" in all {} executions", out.executions - out.derailed);
  }
  if (code != kBadInput && out.derailed > 0) {
    v += fmt::format("\n             {} of {} executions could not follow the table and are not counted; the first: {}",
                     out.derailed, out.executions, FailureProblem(r.il, out.failure, 0, &r.resolved).message);
  }
  return v;
}

}  // namespace

int ExitCodeOf(const Outcome& out) {
  if (out.violation) return kViolated;
  if (!out.inconclusive.empty() || out.watchdog_s > 0) return kUndecided;
  if (out.stuck) return kBadInput;
  if (out.failure.kind == SeqError::kNone) return kHeld;
  // Relacy: executions that could not follow the table do not count, unless none could.
  if (out.engine == "relacy" && out.derailed < out.executions) return kHeld;
  return kBadInput;
}

std::string CannotHappen(const Resolved& r) {
  if (r.mutations.Empty()) return "this order cannot happen on the correct core: ";
  return "this order cannot happen with " + r.mutations.ToString() + ": ";
}

Problem FailureProblem(const Interleaving& il, const SeqFailure& f, double watchdog_s, const Resolved* resolved) {
  auto line_of = [&](int row) {
    return row >= 0 && row < static_cast<int>(il.rows.size()) ? il.rows[static_cast<std::size_t>(row)].line : 0;
  };
  const std::string cpu = f.cpu >= 0 ? il.CpuName(f.cpu) : "a CPU";
  const std::string since = f.since >= 0 ? " after " + StepAt(il, f.since) : "";
  // A row between two columns that the failure may be about.
  auto hint = [&](int row) -> std::string {
    if (resolved == nullptr || row < 0 || row >= static_cast<int>(resolved->rows.size())) return "";
    const ResolvedRow& rr = resolved->rows[static_cast<std::size_t>(row)];
    return rr.placed.empty() ? "" : "; note: " + rr.placed;
  };
  switch (f.kind) {
    case SeqError::kNone: return Problem{il.file, 0, "no failure"};
    case SeqError::kNeverReached: {
      const Row& r = il.rows[static_cast<std::size_t>(f.row)];
      const std::string step = "'" + RowName(r) + "'";
      if (r.phrase != Phrase::kStep) {
        return Problem{il.file, line_of(f.row),
                       cpu + (f.partial ? " never completes " : " never reaches ") + step + ": it finished" +
                           (since.empty() ? "" : since) + " without running '" + std::string(StepName(f.missing)) + "'" +
                           hint(f.row)};
      }
      return Problem{il.file, line_of(f.row),
                     cpu + " never reaches " + step + ": it finished" + (since.empty() ? " before any listed step" : since) +
                         " (" + cpu + " has no further " + step + ")" + hint(f.row)};
    }
    case SeqError::kLockedOut:
      if (f.holder >= 0 && f.holder != f.cpu) {
        std::string fix;
        if (f.waiting[f.holder] < 0 && !f.finished[f.holder]) {
          fix = "; list " + il.CpuName(f.holder) + "'s 'drop lock' before line " + std::to_string(line_of(f.row));
        }
        return Problem{il.file, line_of(f.row),
                       fmt::format("{} blocks forever: on its way to {}{} it waits for {}, which {} holds{}{}{}", cpu,
                                   StepAt(il, f.row), since, f.lock, il.CpuName(f.holder), WhereIs(il, f, f.holder),
                                   fix, hint(f.row))};
      }
      return Problem{il.file, line_of(f.row),
                     cpu + " blocks forever: in its turn" + since + " it waits for " + f.lock + ", held by a CPU that waits for its own turn (" +
                         Waiting(il, f) + ")" + hint(f.row)};
    case SeqError::kWaitsForever:
      return Problem{il.file, line_of(f.row),
                     fmt::format("{} cannot get to {}{}: inside its step '{}' it waits for {}, and every other CPU waits "
                                 "for its own turn ({})",
                                 cpu, f.row >= 0 ? StepAt(il, f.row) : "the end of its turn", since, StepName(f.inside),
                                 f.lock, Waiting(il, f))};
    case SeqError::kValueMismatch: {
      const Row& r = il.rows[static_cast<std::size_t>(f.row)];
      return Problem{il.file, line_of(f.row),
                     fmt::format("{}'s '{}' read {}, but the table says '{}'", cpu, RowName(r),
                                 RawStepValue(r.step, f.seen), r.value_text)};
    }
    case SeqError::kSpins:
      if (f.row < 0) {
        return Problem{il.file, line_of(f.since),
                       fmt::format("{} cannot end its turn: it spins past the step budget{}, waiting for a CPU that "
                                   "waits for its own turn ({}); list the step it waits in again where the wait should end",
                                   cpu, since, Waiting(il, f))};
      }
      return Problem{il.file, line_of(f.row),
                     fmt::format("{} never gets to {}: it spins past the step budget{}, waiting for a CPU that waits "
                                 "for its own turn ({}); list the step it waits in again where the wait should end",
                                 cpu, StepAt(il, f.row), since, Waiting(il, f))};
    case SeqError::kStuck:
      if (watchdog_s > 0) {
        return Problem{il.file, 0,
                       fmt::format("nothing happened for {} s: {} holds the turn{} but reaches no step point: it waits "
                                   "inside one step, spins without step points, or waits for a lock taken without "
                                   "LockNamed (mmu_core/steps.h)",
                                   watchdog_s, cpu, since)};
      }
      return Problem{il.file, 0, "after the table no CPU can run: every CPU left waits for a lock (mmu_lock, slots_lock), or spins waiting for one that does"};
  }
  return Problem{il.file, 0, "unknown failure"};
}

std::string FormatStepValue(Step s, std::uint64_t v) {
  const std::string raw = RawStepValue(s, v);
  const std::string meaning = DescribeStepValue(s, v);
  if (meaning == "-") return "";
  if (meaning.empty()) return raw;
  // Booleans read better as words alone.
  if (meaning == "passed" || meaning == "changed: retry" || meaning == "ok" || meaning == "failed" ||
      meaning == "found" || meaning == "no slot") {
    return meaning;
  }
  return raw + "  " + meaning;
}

std::string FormatObserved(const char* what, std::uint64_t v) {
  const std::string_view w(what);
  const bool is_spte = w == "returned" || (w.find("spte") != std::string_view::npos && w.find("count") == std::string_view::npos);
  if (is_spte) {
    // An spte: both halves, then what it is.
    return fmt::format("0x{:08x}_{:08x}", v >> 32, v & 0xffffffffULL) +
           (spte::IsShadowPresent(v) ? "  (present: " : "  (") + DescribeSpte(v) + ")";
  }
  if (v < 10) return std::to_string(v);
  return Hex(v);
}

std::string TextReport(const Report& r) {
  const Interleaving& il = r.il;
  const Outcome& out = r.out;
  std::string s;
  s += fmt::format("replay {}\n", il.file);
  std::string config = r.scenario.configs.empty() ? "" : ", " + r.scenario.configs[static_cast<std::size_t>(r.resolved.config)];
  s += fmt::format("  scenario   {}{} ({}{})\n", r.scenario.name, config, r.scenario.section,
                   r.resolved.inferred ? "; inferred from the header" : "");
  if (r.resolved.initial || !r.resolved.values.empty()) {
    std::string vals;
    for (std::uint64_t v : r.resolved.values) vals += " " + Hex(v);
    s += fmt::format("  values     initial {}{}\n", r.resolved.initial ? Hex(*r.resolved.initial) : "(own)",
                     vals.empty() ? "" : ", then" + vals);
  }
  s += fmt::format("  mutation   {}\n", MutationText(r.resolved));
  s += fmt::format("  engine     {}\n", EngineText(out));
  s += fmt::format("  invariant  {}\n\n", r.scenario.invariant);

  // The table: one line per event, in the column of its CPU.
  std::vector<MergedEvent> events = out.table;
  std::stable_sort(events.begin(), events.end(), EventBefore);
  const int ncols = static_cast<int>(il.columns.size());
  std::vector<std::size_t> width(static_cast<std::size_t>(ncols));
  for (int k = 0; k < ncols; ++k) width[static_cast<std::size_t>(k)] = il.ColumnTitle(k).size();
  std::vector<std::string> cells;
  for (const MergedEvent& m : events) {
    cells.push_back(Cell(m));
    if (m.event.cpu < ncols) {
      auto& w = width[static_cast<std::size_t>(m.event.cpu)];
      w = std::max(w, cells.back().size());
    }
  }
  auto line = [&](const std::string& first, int cpu, const std::string& text) {
    std::string l = fmt::format("  {:>4}", first);
    for (int k = 0; k < ncols; ++k) {
      const std::string cell = k == cpu ? text : "";
      l += "  " + fmt::format("{:<{}}", cell, width[static_cast<std::size_t>(k)]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l + "\n";
  };
  std::string header = fmt::format("  {:>4}", "line");
  std::string rule = "  ----";
  for (int k = 0; k < ncols; ++k) {
    header += "  " + fmt::format("{:<{}}", il.ColumnTitle(k), width[static_cast<std::size_t>(k)]);
    rule += "  " + std::string(width[static_cast<std::size_t>(k)], '-');
  }
  while (!header.empty() && header.back() == ' ') header.pop_back();
  s += header + "\n" + rule + "\n";
  bool after_table = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const MergedEvent& m = events[i];
    if (!after_table && m.event.after_table && !il.rows.empty()) {
      s += out.failure.kind != SeqError::kNone && out.engine == "native"
               ? "        (the table cannot go on: from here every CPU runs to completion, in column order)\n"
               : "        (after the table: every CPU runs to completion, in column order)\n";
      after_table = true;
    }
    const bool listed = m.event.row >= 0;
    s += line(listed ? std::to_string(il.rows[static_cast<std::size_t>(m.event.row)].line) : "", m.event.cpu, cells[i]);
  }
  if (out.table_truncated) s += "        (the record of steps is truncated)\n";
  s += "\n  Listed steps show their line; (unlisted steps) ran in the turn of their CPU's preceding listed step.\n";
  s += "  A value is what the step read or wrote (an xchg shows the value it replaced), then what it means.\n";
  if (out.engine == "relacy") {
    s += out.violation ? "  The steps are those of the execution that failed.\n"
                       : "  The steps are those of one execution that followed the table; a | b: the values a listed\n"
                         "  step read in different executions.\n";
  }
  s += GivenValuesText(r);

  // What the CPUs observed.
  if (!out.observed.empty()) {
    s += "\n";
    if (out.engine == "native") {
      const Observations& o = out.observed.front().obs;
      for (int i = 0; i < o.size(); ++i) {
        s += fmt::format("  {:<10} {} {:<18} {}\n", i == 0 ? "observed" : "", il.CpuName(o[i].cpu), o[i].what,
                         FormatObserved(o[i].what, o[i].value));
      }
    } else {
      s += fmt::format("  outcomes over the {} executions that followed the table:\n", out.executions - out.derailed);
      for (const ObservedSet& set : out.observed) {
        std::string row = fmt::format("  {:>10}x ", set.count);
        for (int i = 0; i < set.obs.size(); ++i) {
          row += fmt::format("  {} {} {}", il.CpuName(set.obs[i].cpu), set.obs[i].what,
                             FormatObserved(set.obs[i].what, set.obs[i].value));
          if (i + 1 < set.obs.size()) row += ";";
        }
        s += row + "\n";
      }
    }
  }
  s += fmt::format("\n  verdict    {}\n", Verdict(r));
  if (!out.relacy_history.empty()) s += "\nRelacy's report of the failing execution:\n" + out.relacy_history;
  return s;
}

nlohmann::json JsonReport(const Report& r) {
  const Interleaving& il = r.il;
  const Outcome& out = r.out;
  nlohmann::json j;
  const int code = ExitCodeOf(out);
  j["file"] = il.file;
  j["scenario"] = r.scenario.name;
  j["config"] = r.scenario.configs.empty() ? "" : r.scenario.configs[static_cast<std::size_t>(r.resolved.config)];
  j["inferred"] = r.resolved.inferred;
  j["notes"] = r.resolved.notes;  // also on stderr, as "file: note: ..."
  j["mutation"] = r.resolved.mutations.ToString();
  j["engine"] = out.engine;
  j["exit"] = code;
  j["verdict"] = code == kHeld ? "held" : code == kViolated ? "violated" : code == kBadInput ? "bad-order" : "undecided";
  j["executions"] = out.executions;
  j["derailed"] = out.derailed;
  j["seconds"] = out.seconds;
  if (out.violation) {
    j["violation"] = {{"what", out.violation->what},
                      {"cpu", out.violation->cpu},
                      {"where", out.violation->where},
                      {"after_line", out.violation->after_row >= 0 ? il.rows[static_cast<std::size_t>(out.violation->after_row)].line : 0},
                      {"derailed", out.violation_derailed}};
  }
  if (out.failure.kind != SeqError::kNone) {
    const Problem p = FailureProblem(il, out.failure, out.watchdog_s, &r.resolved);
    j["order_error"] = {{"line", p.line}, {"message", p.message}};
    if (code == kBadInput) j["order_error"]["verdict"] = CannotHappen(r.resolved) + p.message;
  }
  if (!out.inconclusive.empty()) j["undecided"] = out.inconclusive;
  std::vector<MergedEvent> events = out.table;
  std::stable_sort(events.begin(), events.end(), EventBefore);
  nlohmann::json steps = nlohmann::json::array();
  for (const MergedEvent& m : events) {
    nlohmann::json e;
    e["cpu"] = m.event.cpu;
    e["line"] = m.event.row >= 0 ? il.rows[static_cast<std::size_t>(m.event.row)].line : 0;
    e["listed"] = m.event.row >= 0;
    switch (m.event.kind) {
      case EventKind::kStep: e["step"] = std::string(StepName(m.event.step)); break;
      case EventKind::kWaitsForLock: e["event"] = std::string("waits for ") + m.event.lock; break;
      case EventKind::kGotLock: e["event"] = std::string("takes ") + m.event.lock; break;
    }
    if (m.event.kind == EventKind::kStep) {
      std::vector<std::uint64_t> vals(m.values, m.values + m.nvalues);
      e["values"] = vals;
      nlohmann::json decoded = nlohmann::json::array();
      for (std::uint64_t v : vals) decoded.push_back(DescribeStepValue(m.event.step, v));
      e["decoded"] = decoded;
      if (m.event.row >= 0) e["row"] = RowName(il.rows[static_cast<std::size_t>(m.event.row)]);
      if (m.event.unfinished) e["unfinished"] = true;
    }
    steps.push_back(e);
  }
  j["steps"] = steps;
  nlohmann::json given = nlohmann::json::array();
  for (const Given& g : GivenValues(r)) {
    const Row& row = il.rows[static_cast<std::size_t>(g.row)];
    nlohmann::json x = {{"line", row.line}, {"row", RowName(row)}, {"given", g.what}, {"value", *row.value},
                        {"checked", g.checked}, {"outcome", g.outcome}};
    if (g.checked) {
      x["ok"] = g.ok;
      x["seen"] = g.seen;
    }
    given.push_back(x);
  }
  j["values_given"] = given;
  nlohmann::json placed = nlohmann::json::array();
  for (std::size_t i = 0; i < r.resolved.rows.size() && i < il.rows.size(); ++i) {
    const ResolvedRow& rr = r.resolved.rows[i];
    if (rr.placed.empty()) continue;
    placed.push_back({{"line", il.rows[i].line}, {"cpu", rr.thread}, {"other_cpu", rr.other_column}, {"why", rr.placed}});
  }
  j["placed"] = placed;
  nlohmann::json observed = nlohmann::json::array();
  for (const ObservedSet& set : out.observed) {
    nlohmann::json o;
    o["count"] = set.count;
    for (int i = 0; i < set.obs.size(); ++i) {
      o["values"].push_back({{"cpu", set.obs[i].cpu}, {"what", set.obs[i].what}, {"value", set.obs[i].value}});
    }
    observed.push_back(o);
  }
  j["observed"] = observed;
  return j;
}

std::string ListText(const std::vector<ScenarioInfo>& cat) {
  std::string s = "Scenarios (mmu_core/scenarios/); column k of a table is the scenario's CPU k:\n";
  const std::vector<HeaderForm> forms = HeaderForms(cat);
  for (std::size_t n = 0; n < cat.size(); ++n) {
    const ScenarioInfo& i = cat[n];
    std::string configs, muts;
    for (const std::string& c : i.configs) configs += (configs.empty() ? "" : "; ") + c;
    for (Mutation m : i.Mutations()) muts += (muts.empty() ? "" : " ") + std::string(Describe(m).name);
    s += fmt::format("  {:<20} {:<14} {} CPUs   configs: {}\n", i.name, i.section, i.threads, configs);
    s += fmt::format("  {:<20} invariant: {}\n", "", i.invariant);
    s += fmt::format("  {:<20} mutations: {}\n", "", muts.empty() ? "none" : muts);
    std::string takes = i.posted.initial ? "initial:" : "";
    if (i.posted.values > 0) takes += std::string(takes.empty() ? "" : ", ") + "values:";
    if (!takes.empty()) s += fmt::format("  {:<20} takes: {}\n", "", takes);
    for (const HeaderForm& f : forms) {
      if (f.scenario != static_cast<int>(n)) continue;
      std::string members;
      for (int c : f.configs) members += (members.empty() ? "   -> " : "; ") + i.configs[static_cast<std::size_t>(c)];
      if (f.configs.size() == i.configs.size()) members.clear();
      s += fmt::format("  {:<20} header: {}{}\n", "", FormText(f), members);
    }
  }
  s += "\nStep vocabulary (mmu_core/steps.h):\n";
  for (const StepInfo& i : kSteps) s += fmt::format("  {:<22} {:<11} {}\n", i.name, i.component, i.what);
  s += "\nMutations (mmu_core/mutations.h):\n";
  for (const MutationInfo& i : kMutations) s += fmt::format("  {:<5} {:<11} {}\n", i.name, i.component, i.what);
  return s;
}

}  // namespace mmu::replay
