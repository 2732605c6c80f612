// mmu_core/catalog/values.h: a step's value as a KVM engineer reads it.
//
// A step reports one number (StepHook::after): what it read, wrote or
// returned. Reports print it decoded, with the raw number beside it:
//
//   read mode     3                    READING_SHADOW_PAGE_TABLES
//   cmpxchg spte  0                    failed
//   read spte     0x00000e27           P W MMU-W A pfn 0x0
//   read spte     0xdead0000dead0000   poisoned (an entry of a freed table)
//   zap page      1                    frame 1
//
// This header is engine-free; the constants it decodes live in the core
// (vm.h: vcpu->mode and the poison value; mmio.h: the in-progress bit) and
// replay's native engine test checks that the two agree.
#pragma once

#include <cstdint>
#include <string>

#include "mmu_core/step_names.h"

namespace mmu {

// What the value of step `s` means, without the raw number ("" when there is
// nothing to add to it, "-" for a step that has no value).
std::string DescribeStepValue(Step s, std::uint64_t v);

// The raw number as reports print it: decimal for counts and small ids,
// hex (64-bit values as high_low) otherwise; "" for a step without a value.
std::string RawStepValue(Step s, std::uint64_t v);

// A 64-bit spte: "P W MMU-W A D pfn 0x100", "not present", "MMIO gfn 0x3
// gen 0x1", "poisoned (an entry of a freed table)".
std::string DescribeSpte(std::uint64_t v);

// The names of vcpu->mode (mmu_core/vm.h VcpuMode).
const char* VcpuModeName(std::uint64_t mode);

// mmu_core/vm.h kPoisonSpte; mmu_core/mmio.h kMemslotGenUpdateInProgress.
inline constexpr std::uint64_t kPoisonSpteValue = 0xdead0000dead0000ull;
inline constexpr std::uint64_t kGenUpdateInProgressBit = std::uint64_t{1} << 63;

}  // namespace mmu
