// bazel run //mmu_core:steps — the step vocabulary of interleaving tables.
#include <fmt/core.h>

#include "mmu_core/step_names.h"

int main() {
  fmt::print("{:<22} {:<11} {}\n", "step", "component", "what it does");
  for (const mmu::StepInfo& s : mmu::kSteps) {
    fmt::print("{:<22} {:<11} {}\n", s.name, s.component, s.what);
  }
  return 0;
}
