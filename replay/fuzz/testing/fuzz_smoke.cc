// replay/fuzz/testing/fuzz_smoke.cc: the interleaving reader's and the config
// tokeniser's fuzz entry points driven by their seeds and 4,000 seeded
// mutations, with the interleaving format's tokens (about 10 s; the libFuzzer
// runs under --config=fuzz go further; mmu_core/testing/fuzz_smoke.h).
#include <string_view>

#include "mmu_core/testing/fuzz_smoke.h"

int main(int argc, char** argv) {
  static constexpr std::string_view kTokens[] = {
      "CPU 1:", "CPU 2: ", "CPU 9:", "> ", ">>", "\t", "\xc2\xa0", "\xe2\x80\x8b", "\xa0", "read low", "write high",
      "clear the spte", "set spte to 0x", "0xffffffffffffffff", ": low= 0x1", "=", ",", "(", ")", "\n", "#",
      "scenario: ", "config: ", "clear=slow", "zappers=2,vcpu=idle", "leaf=(1,1,0)", "mutation: M2.4", "initial: ",
      "values: ", "drop lock", "unlock", "Say spte = ", "it is not changed.",
      "                                        "};
  return mmu::testing::RunFuzzSmoke(argc, argv, {"fuzz_smoke", kTokens, 4000, 0x9e3779b97f4a7c15ull});
}
