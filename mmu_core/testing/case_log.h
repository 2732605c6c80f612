// mmu_core/testing/case_log.h: single-threaded unit cases run on every engine.
//
// A case is a function `void Case(CaseLog&)` that drives the core on one
// thread and records failed expectations with MMU_EXPECT. The log is a fixed
// array (no allocation), so the same case runs natively and inside a
// one-thread Relacy simulation, where the heap belongs to Relacy.
#pragma once

#include <cstdio>

namespace mmu::testing {

class CaseLog {
 public:
  static constexpr int kMax = 32;
  void Fail(const char* expr, const char* file, int line) {
    if (n_ < kMax) entries_[n_] = Entry{expr, file, line};
    ++n_;
  }
  int failures() const { return n_; }
  // "file:line: expr" lines, for the test framework's message.
  void Format(char* out, int size) const {
    int used = 0;
    for (int i = 0; i < n_ && i < kMax && used < size; ++i) {
      used += std::snprintf(out + used, static_cast<unsigned>(size - used), "%s:%d: expected %s\n",
                            entries_[i].file, entries_[i].line, entries_[i].expr);
    }
    if (n_ == 0 && size > 0) out[0] = '\0';
  }

 private:
  struct Entry {
    const char* expr;
    const char* file;
    int line;
  };
  Entry entries_[kMax] = {};
  int n_ = 0;
};

}  // namespace mmu::testing

#define MMU_EXPECT(log, cond)                                        \
  do {                                                               \
    if (!(cond)) (log).Fail(#cond, __FILE__, __LINE__);              \
  } while (0)
