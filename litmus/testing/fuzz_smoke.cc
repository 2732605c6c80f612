// litmus/testing/fuzz_smoke.cc: parser_fuzz.cc's entry point driven by the
// suite, the bad corpus and 30,000 seeded mutations of them, with the
// litmus format's tokens (mmu_core/testing/fuzz_smoke.h).
#include <string_view>

#include "mmu_core/testing/fuzz_smoke.h"

int main(int argc, char** argv) {
  static constexpr std::string_view kTokens[] = {
      "(", ")", "{", "}", ";", "*", "/\\", "\\/", "~", "=", "(*", "*)", "P0(", "exists", "READ_ONCE(", "spin_lock(",
      "if (", "0:", "-", "99999999999999999999", "\n", std::string_view("\0", 1), "Hash=1\n", "=1:r", "*x = ",
      "srcu_read_lock(", "spin_is_locked(", "atomic_add_unless(", "int 0:r1;", "smp_mb__after_unlock_lock();"};
  return mmu::testing::RunFuzzSmoke(argc, argv, {"parser_fuzz_smoke", kTokens, 30000, 0x2545f4914f6cdd1dull});
}
