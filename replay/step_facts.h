// replay/step_facts.h: which steps each CPU of each scenario member can run.
//
// A row that starts between two columns (a header with "()" after its
// function names shifts the columns it precedes) goes to the CPU that can
// run its step (resolve.h). Those facts are derived, not written by hand:
// at build time //replay:step_facts_gen runs every member of every scenario
// of mmu_core/scenarios/all.h natively through replay's own engine (an empty
// table, so every CPU runs to completion), with the correct core and with
// each of its twins' mutations (livelock twins aside), under several
// schedules: every CPU alone in every order, and round robins that hand the
// turn on after every 1, 2, 3 or 4 steps, from each CPU (so that a remote
// flush meets a lockless walk in progress). The steps each CPU ran are its
// facts.
// They are an under-approximation (a step only some interleaving reaches may
// be missing); resolve.h decides by them only when exactly one of the two
// columns runs the step, and names the row otherwise.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "replay/plan.h"

namespace mmu::replay {

// One scenario's facts: per member, per CPU, the step names, comma-separated.
struct ScenarioStepFacts {
  std::string_view scenario;
  std::vector<std::vector<std::string_view>> cpus;  // [config][cpu]
};

// The generated table (step_facts_main.cc writes it).
const std::vector<ScenarioStepFacts>& DerivedStepFacts();

// The facts of scenario `name` as step sets, [config][cpu]; empty if none.
std::vector<std::vector<StepSet>> StepFactsOf(std::string_view name);

// Fills in CatalogEntry::steps for every scenario the table knows.
std::vector<CatalogEntry> WithStepFacts(std::vector<CatalogEntry> catalog);

}  // namespace mmu::replay
