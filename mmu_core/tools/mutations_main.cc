// bazel run //mmu_core:mutations — the mutation catalogue, one line each:
// name, component, one-line description.
#include <fmt/core.h>

#include "mmu_core/mutations.h"

int main() {
  fmt::print("{:<6} {:<11} {}\n", "name", "component", "description");
  for (const mmu::MutationInfo& m : mmu::kMutations) {
    fmt::print("{:<6} {:<11} {}\n", m.name, m.component, m.what);
  }
  return 0;
}
