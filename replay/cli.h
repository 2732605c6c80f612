// replay/cli.h: the command line shared by the two engine binaries.
//
//   replay FILE [--engine native|relacy] [--mutation M|none] [--json] ...
//   replay --list
//
// A translation unit links exactly one core backend, so each engine is its
// own binary: `replay` (native) and `replay_relacy`. Asked for the other
// engine, a binary runs its sibling with the same arguments.
#pragma once

#include "replay/plan.h"

#include <string>
#include <vector>

namespace mmu::replay {

struct BinaryInfo {
  const char* engine;   // this binary's engine
  const char* self;     // its file name
  const char* sibling;  // the other engine's binary, in the same directory
};

int ReplayMain(int argc, char** argv, const std::vector<CatalogEntry>& catalog, const BinaryInfo& bin);

// Runs one interleaving (already read) with this binary's engine; prints the
// report to `out` and problems to `err`; returns the exit code. Used by
// ReplayMain and by tests.
struct RunRequest {
  std::string path;     // the file to open
  std::string display;  // how messages name it (as the user typed it); path if empty
  std::optional<std::string> mutation;  // --mutation
  bool json = false;
  std::string write_trace;  // --write-trace: the execution, every step listed
  std::string write_trace_display;  // ... as the user typed it
  RunOptions options;
};

// The execution an outcome holds (native: the run; Relacy: the failing one)
// as an interleaving that lists every step; nullopt when there is none.
std::optional<Interleaving> TraceAsInterleaving(const Interleaving& il, const Resolved& r, const ScenarioInfo& s,
                                                const Outcome& out);
int ReplayFile(const RunRequest& req, const std::vector<CatalogEntry>& catalog, std::string* out, std::string* err,
               bool* must_exit);

}  // namespace mmu::replay
