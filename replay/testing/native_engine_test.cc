// The replay's cases on the native engine (real threads), in-process; with
// --config=tsan also under ThreadSanitizer.
#include "replay/native_engine.h"

namespace mmu::replay::testing {
using TestEngine = NativeEngine;
}

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "replay/testing/engine_cases.h"

#include "mmu_core/catalog/values.h"

// The decoder (engine-free) spells the core's constants: they must agree.
static_assert(mmu::kPoisonSpteValue == mmu::kPoisonSpte);
static_assert(mmu::kGenUpdateInProgressBit == mmu::kMemslotGenUpdateInProgress);

TEST_CASE("decoded values name the core's constants") {
  using namespace mmu;
  CHECK(std::string(VcpuModeName(kOutsideGuestMode)) == "OUTSIDE_GUEST_MODE");
  CHECK(std::string(VcpuModeName(kInGuestMode)) == "IN_GUEST_MODE");
  CHECK(std::string(VcpuModeName(kExitingGuestMode)) == "EXITING_GUEST_MODE");
  CHECK(std::string(VcpuModeName(kReadingShadowPageTables)) == "READING_SHADOW_PAGE_TABLES");
  CHECK(DescribeStepValue(Step::ReadMode, kReadingShadowPageTables) == "READING_SHADOW_PAGE_TABLES");
  CHECK(DescribeStepValue(Step::CmpxchgSpte, 0) == "failed");
  CHECK(DescribeStepValue(Step::CmpxchgSpte, 1) == "ok");
  CHECK(DescribeSpte(kPoisonSpte) == "poisoned (an entry of a freed table)");
  CHECK(DescribeSpte(spte::MakeLeaf(0x100, true, true, true, true) | spte::kDirty) == "P W U Host-W MMU-W A D pfn 0x100");
  CHECK(DescribeSpte(spte::MakeLeaf(0x100, true, true, false, false)) == "P U Host-W MMU-W pfn 0x100");
  CHECK(DescribeSpte(0) == "not present");
  CHECK(DescribeSpte(spte::MmioFormat{}.Make(3, 0, 5)) == "MMIO gfn 0x3 gen 0x5");
  CHECK(DescribeStepValue(Step::ReadGen, 4 | kMemslotGenUpdateInProgress) == "gen 0x4 (update in progress)");
  CHECK(DescribeStepValue(Step::ZapPage, 2) == "frame 2");
  CHECK(DescribeStepValue(Step::TlbFill, (u64{5} << spte::kPfnShift) | Tlb::kValid | Tlb::kWritable) == "writable pfn 0x5");
}
