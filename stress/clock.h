// stress/clock.h: the clocks of the stress driver.
//
// Steps are stamped with the timestamp counter: it costs a few cycles and is
// synchronised across the cores of any x86-64 of the last decade (invariant
// TSC), so the stamps of two CPUs give an approximate global order of their
// steps. Delays are measured in the same ticks. Elsewhere steady_clock stands
// in for both.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

#include "mmu_core/sync.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace stress {

inline std::uint64_t Ticks() {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// A timestamp for a step that has just been performed: rdtscp waits until
// every earlier instruction has executed (the step's load has its value), so
// the stamp is not taken ahead of the access it dates. A store may still sit
// in the store buffer: other CPUs see it at or after its stamp.
inline std::uint64_t StepStamp() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned int aux;
  return __rdtscp(&aux);
#else
  return Ticks();
#endif
}

// Ticks per nanosecond, measured once (20 ms against steady_clock).
inline double TicksPerNs() {
  static const double rate = [] {
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t k0 = Ticks();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto t1 = std::chrono::steady_clock::now();
    const std::uint64_t k1 = Ticks();
    const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    return ns > 0 ? static_cast<double>(k1 - k0) / ns : 1.0;
  }();
  return rate;
}

// Busy-wait for `ticks` (no system call: the point is to shift this CPU's
// next step by a few hundred nanoseconds, not to let another thread run).
inline void SpinFor(std::uint64_t ticks) {
  const std::uint64_t end = Ticks() + ticks;
  while (Ticks() < end) mmu::sync::pause();
}

// Wall-clock seconds since construction.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace stress
