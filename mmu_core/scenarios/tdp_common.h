// mmu_core/scenarios/tdp_common.h: what the TDP MMU scenarios (brief §4 TDP,
// §9.2-§9.6) share: a small TDP VM and the `kernel=` key of their families.
#pragma once

#include <initializer_list>
#include <string_view>

#include "mmu_core/catalog/config.h"
#include "mmu_core/kernel_rules.h"
#include "mmu_core/mutations.h"
#include "mmu_core/scenario.h"
#include "mmu_core/spte.h"
#include "mmu_core/sync.h"
#include "mmu_core/tdp_mmu.h"

namespace mmu::scenarios {

// The `kernel` key of a configuration: one of `versions` (kernel_rules.h).
inline Kernel KernelOf(const ConfigPairs& p, std::initializer_list<std::string_view> versions) {
  const int i = p.Choice("kernel", versions);
  const std::string_view name = *(versions.begin() + i);
  return KernelFromName(name).value_or(Kernel::k6_10);
}

// A TDP VM of `levels` levels with one entry per table: gfn 0 only.
inline TdpParams SmallTdp(int levels, Kernel kernel, int nr_cpus = 2, int max_frames = 6) {
  TdpParams p;
  p.levels = levels;
  p.entries = 1;
  p.nr_cpus = nr_cpus;
  p.max_frames = max_frames;
  p.kernel = kernel;
  return p;
}

}  // namespace mmu::scenarios
