// The core's single-threaded cases on the native engine (Boost.Atomic).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "mmu_core/testing/all_cases.h"

namespace {
// Invariant violations of the core become failed expectations.
class LogSink : public mmu::sync::ViolationSink {
 public:
  explicit LogSink(mmu::testing::CaseLog& log) : log_(log) {}
  void violation(int, const char* what, const mmu::sync::Loc& where) override {
    log_.Fail(what, where.file_name(), static_cast<int>(where.line()));
  }

 private:
  mmu::testing::CaseLog& log_;
};
}  // namespace

#define MMU_NATIVE_CASE(name)                     \
  TEST_CASE(#name " [native]") {                  \
    mmu::testing::CaseLog log;                    \
    LogSink sink(log);                            \
    mmu::sync::set_violation_sink(&sink);         \
    mmu::testing::Case##name(log);                \
    mmu::sync::set_violation_sink(nullptr);       \
    char text[4096];                              \
    log.Format(text, sizeof text);                \
    INFO(text);                                   \
    CHECK(log.failures() == 0);                   \
  }
MMU_CORE_CASES(MMU_NATIVE_CASE)
