// mmu_core/testing/fuzz_smoke.h: a bounded, deterministic stand-in for a
// libFuzzer run that needs no clang, for the default `bazel test`.
//
// RunFuzzSmoke feeds every file named on the command line, then seeded
// mutations of them (byte flips, deletions, duplications, tokens of the
// input's format, splices between files), to the LLVMFuzzerTestOneInput the
// test is linked with; the fuzz target's own checks abort on a violated
// property. Each format's smoke test is a main() that names its tokens (the
// litmus parser, the interleaving reader, the config tokeniser).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace mmu::testing {

struct FuzzSmoke {
  std::string_view name;                   // for messages
  std::span<const std::string_view> tokens;  // pieces of the format, inserted at random
  int runs = 4000;                         // mutated inputs
  std::uint64_t seed = 0x9e3779b97f4a7c15ull;
};

// Returns main()'s exit status: 0, or 1 when no seed file was named or one
// could not be read.
int RunFuzzSmoke(int argc, char** argv, const FuzzSmoke& smoke);

}  // namespace mmu::testing
