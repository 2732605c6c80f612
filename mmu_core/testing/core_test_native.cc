// The core's single-threaded cases on the native engine (Boost.Atomic).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "mmu_core/testing/all_cases.h"

#define MMU_NATIVE_CASE(name)                     \
  TEST_CASE(#name " [native]") {                  \
    mmu::testing::CaseLog log;                    \
    mmu::testing::Case##name(log);                \
    char text[4096];                              \
    log.Format(text, sizeof text);                \
    INFO(text);                                   \
    CHECK(log.failures() == 0);                   \
  }
MMU_CORE_CASES(MMU_NATIVE_CASE)
