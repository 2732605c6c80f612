// stress/stall.h: how a stalled run is reported.
//
//   StallText        the stall report: the round, its configuration and seed,
//                    what each CPU was doing (its phase, the last step it
//                    passed, the steps it passed since progress stopped, the
//                    lock it waits for and that lock's holder, or the wait
//                    inside a step), and the partial round's steps;
//   StallViolation   the partial round as a Violation, so that the
//                    interleaving writer (report.h) writes it for replay;
//   StallJson        the same as JSON (the run's "stall" member).
//
// A stalled run exits with kExitStall: its stuck threads cannot be cancelled
// or joined, so the driver prints, writes its files and leaves with
// std::_Exit (README, "Stalls").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "stress/registry.h"
#include "stress/run.h"

namespace stress {

inline constexpr int kExitStall = 3;

std::string StallText(const ScenarioInfo& s, const RunSpec& spec, const Stall& st);
Violation StallViolation(const Stall& st);
nlohmann::json StallJson(const Stall& st);

}  // namespace stress
