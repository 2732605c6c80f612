// mmu_core/scenarios/all.h: every scenario, listed once.
//
// MMU_SCENARIOS(X) expands X(Type, target) for each scenario, where Type is
// the class in mmu::scenarios and target is the name Bazel targets use
// (kName with '-' turned into '_'). Engines iterate this list; adding a
// scenario means adding it here (and one line in models/BUILD).
#pragma once

#include "mmu_core/scenarios/split_spte.h"
#include "mmu_core/scenarios/vm_races.h"

#define MMU_SCENARIOS(X)                       \
  X(SplitTear, split_tear)                     \
  X(SplitPnp, split_pnp)                       \
  X(SplitHwAd, split_hw_ad)                    \
  X(SplitSlowClearD, split_slow_clear_d)       \
  X(SpteVolatile, spte_volatile)               \
  X(WalkFree, walk_free)                       \
  X(FastPfWriteProtect, fastpf_wp)             \
  X(FastPfAba, fastpf_aba)                     \
  X(ZapAll, zap_all)                           \
  X(ZapRoot, zap_root)                         \
  X(MmioGen, mmio_gen)
