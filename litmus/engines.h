// The two engines that run a Program.
//
// RunModel (model_engine.cc, a Relacy translation unit) explores every
// interleaving and every value Relacy's C++ memory model lets a load read
// (rl::sched_full) and returns the set of reachable final states.
//
// RunNative (native_engine.cc) runs the test on host threads many times,
// litmus7-style, and returns the histogram of observed final states.
//
// This header is included from both kinds of translation unit, so it names
// no Relacy type.
#ifndef LITMUS_ENGINES_H_
#define LITMUS_ENGINES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "litmus/parser.h"
#include "litmus/program.h"
#include "litmus/state_table.h"

namespace litmus {

struct ModelOptions {
  double timeout_seconds = 300;  // give up (with an error) after this long
  size_t max_states = 1 << 14;   // distinct final states recorded
};

struct ModelResult {
  std::optional<Diagnostic> error;  // misuse in the test, deadlock, timeout
  bool timed_out = false;           // the error is the timeout
  std::string detail;               // Relacy's report when it stopped early
  StateTable states{0, 16, false};
  uint64_t iterations = 0;
  double seconds = 0;
};

ModelResult RunModel(const Program& p, const ModelOptions& opt);

enum class NativeSync {
  kTimebase,  // instance i of every process starts at the same time-stamp tick
  kInstance,  // all processes meet at a spin barrier before every instance
  kBatch,     // processes meet once per batch and then run freely
};

struct NativeOptions {
  uint64_t trials = 1000000;
  NativeSync sync = NativeSync::kTimebase;
  uint32_t batch = 4096;          // instances per batch
  double timeout_seconds = 120;   // a spinning process gives up after this
};

struct NativeResult {
  std::optional<Diagnostic> error;
  StateTable histogram{0, 16, true};
  uint64_t trials = 0;
  double seconds = 0;
  NativeSync sync = NativeSync::kTimebase;
  uint64_t final_period = 0;  // timebase: ticks between instance starts at the end
};

NativeResult RunNative(const Program& p, const NativeOptions& opt);

}  // namespace litmus

#endif  // LITMUS_ENGINES_H_
