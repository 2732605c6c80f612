// Every single-threaded core case, listed once; each engine's test driver
// expands the list into one doctest test case per entry.
#pragma once

#include "mmu_core/testing/spte_cases.h"
#include "mmu_core/testing/tdp_cases.h"
#include "mmu_core/testing/vm_cases.h"

#define MMU_CORE_CASES(X)      \
  X(SpteFormat)                \
  X(MmioFormat)                \
  X(SplitSpte)                 \
  X(Spte64)                    \
  X(SpteOps64)                 \
  X(SpteOpsSplit)              \
  X(SplitSpteMutations)        \
  X(Vocabulary)                \
  X(ParentPtes)                \
  X(VmFaultWalkZap)            \
  X(FastPageFault)             \
  X(ZapAllFast)                \
  X(KernelScaleVm)             \
  X(MmioGeneration)            \
  X(KernelRules)               \
  X(RwLockRcu)                 \
  X(TdpMmu)                    \
  X(TdpInvalidate)             \
  X(ScenariosSequential)
