// mmu_core/scenarios/vm_common.h: what the 64-bit, walk, fast page fault,
// zap-all and MMIO scenarios (brief §3-§7) share: a small VM.
#pragma once

#include "mmu_core/catalog/config.h"
#include "mmu_core/fast_pf.h"
#include "mmu_core/mmio.h"
#include "mmu_core/mutations.h"
#include "mmu_core/scenario.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/sync.h"
#include "mmu_core/vm.h"
#include "mmu_core/zap_all.h"

namespace mmu::scenarios {

// A one-level VM (the root table holds the leaves) with `entries` gfns, the
// vCPUs' roots loaded and gfn 0 mapped by a fault: the set-up most races need.
inline VmParams SmallVm(int levels, int entries, int nr_vcpus, int max_frames = 8) {
  VmParams p;
  p.levels = levels;
  p.entries = entries;
  p.nr_vcpus = nr_vcpus;
  p.max_frames = max_frames;
  p.zap_batch = 1;  // break the lock after every page: every window is open
  return p;
}

}  // namespace mmu::scenarios
