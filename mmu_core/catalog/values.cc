// mmu_core/catalog/values.cc: step values decoded.
#include "mmu_core/catalog/values.h"

#include <cstdio>

#include "mmu_core/spte.h"

namespace mmu {
namespace {

std::string Hex(std::uint64_t v, bool wide = false) {
  char buf[40];
  if (v > 0xffffffffULL || wide) {
    std::snprintf(buf, sizeof buf, "0x%08llx_%08llx", static_cast<unsigned long long>(v >> 32),
                  static_cast<unsigned long long>(v & 0xffffffffULL));
  } else {
    std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  }
  return buf;
}

std::string ShortHex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The flag bits of an spte or of its low word, in the order engineers name them.
std::string Flags(std::uint64_t v) {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (on) out += (out.empty() ? "" : " ") + std::string(name);
  };
  add((v & spte::kPresent) != 0, "P");
  add((v & spte::kWritable) != 0, "W");
  add((v & spte::kUser) != 0, "U");
  add((v & spte::kHostWritable) != 0, "Host-W");
  add((v & spte::kMmuWritable) != 0, "MMU-W");
  add((v & spte::kAccessed) != 0, "A");
  add((v & spte::kDirty) != 0, "D");
  add((v & spte::kPageSize) != 0, "PS");
  add((v & spte::kNx) != 0, "NX");
  return out;
}

enum class Kind { kNone, kCount, kPassed, kLow, kHigh, kSpte, kOk, kMode, kVcpu, kFrame, kTlb, kGfn, kGen, kFound, kSlots, kReaders, kRaw };

Kind KindOf(Step s) {
  switch (s) {
    case Step::ReadCount:
    case Step::UpdateCount: return Kind::kCount;
    case Step::CheckLowAndCount: return Kind::kPassed;
    case Step::ReadLow:
    case Step::WriteLow:
    case Step::HwSetLowAD: return Kind::kLow;
    case Step::ReadHigh:
    case Step::WriteHigh: return Kind::kHigh;
    case Step::ReadSpte:
    case Step::WriteSpte:
    case Step::XchgSpte:
    case Step::HwSetAD:
    case Step::WriteMmioSpte: return Kind::kSpte;
    case Step::CmpxchgSpte: return Kind::kOk;
    case Step::ReadMode: return Kind::kMode;
    case Step::KickVcpu:
    case Step::ReloadRoots: return Kind::kVcpu;
    case Step::ZapPage:
    case Step::FreePage:
    case Step::LinkPage:
    case Step::LoadRoot: return Kind::kFrame;
    case Step::TlbFill: return Kind::kTlb;
    case Step::GuestWrite:
    case Step::MarkDirty: return Kind::kGfn;
    case Step::ToggleGen:
    case Step::ReadGen:
    case Step::PublishGen: return Kind::kGen;
    case Step::LookupSlot: return Kind::kFound;
    case Step::PublishSlots: return Kind::kSlots;
    case Step::SrcuLock:
    case Step::SrcuUnlock: return Kind::kReaders;
    case Step::BeginLockless:
    case Step::EndLockless:
    case Step::LockBreak:
    case Step::TakeLock:
    case Step::DropLock:
    case Step::TlbFlush:
    case Step::SyncSrcu: return Kind::kNone;
    default: return Kind::kRaw;
  }
}

}  // namespace

const char* VcpuModeName(std::uint64_t mode) {
  switch (mode) {
    case 0: return "OUTSIDE_GUEST_MODE";
    case 1: return "IN_GUEST_MODE";
    case 2: return "EXITING_GUEST_MODE";
    case 3: return "READING_SHADOW_PAGE_TABLES";
    default: return "unknown mode";
  }
}

std::string DescribeSpte(std::uint64_t v) {
  if (v == kPoisonSpteValue) return "poisoned (an entry of a freed table)";
  if (v == spte::kNonPresent) return "not present";
  if (spte::IsMmio(v)) {
    const spte::MmioFormat f;
    return "MMIO gfn " + ShortHex(spte::MmioFormat::Gfn(v)) + " gen " + ShortHex(f.Gen(v));
  }
  std::string out = Flags(v);
  if (!spte::IsShadowPresent(v)) out = "not present" + std::string(out.empty() ? "" : " (" + out + ")");
  return out + " pfn " + ShortHex(spte::Pfn(v));
}

std::string RawStepValue(Step s, std::uint64_t v) {
  switch (KindOf(s)) {
    case Kind::kNone: return "";
    case Kind::kCount:
    case Kind::kPassed:
    case Kind::kOk:
    case Kind::kMode:
    case Kind::kVcpu:
    case Kind::kFrame:
    case Kind::kFound:
    case Kind::kReaders: return std::to_string(v);
    case Kind::kSpte: return Hex(v, v > 0xffffffffULL);
    default: return Hex(v);
  }
}

std::string DescribeStepValue(Step s, std::uint64_t v) {
  switch (KindOf(s)) {
    case Kind::kNone: return "-";
    case Kind::kCount: return "";
    case Kind::kPassed: return v != 0 ? "passed" : "changed: retry";
    case Kind::kLow: {
      // The low word alone decides presence; its pfn part is bits 12..31.
      if (v == 0) return "not present";
      const std::string flags = Flags(v & 0xffffffffULL);
      return ((v & spte::kPresent) != 0 ? flags : "not present" + std::string(flags.empty() ? "" : " (" + flags + ")")) +
             " pfn[19:0] " + ShortHex((v >> spte::kPfnShift) & 0xfffff);
    }
    case Kind::kHigh: return "pfn[39:20] " + ShortHex(v & 0xfffff) + ((v & (std::uint64_t{1} << 31)) != 0 ? " NX" : "");
    case Kind::kSpte: return DescribeSpte(v);
    case Kind::kOk: return v != 0 ? "ok" : "failed";
    case Kind::kMode: return VcpuModeName(v);
    case Kind::kVcpu: return "vCPU " + std::to_string(v);
    case Kind::kFrame: return "frame " + std::to_string(v);
    case Kind::kTlb:
      if ((v & 1) == 0) return "invalid";
      return std::string((v & 2) != 0 ? "writable" : "read-only") + " pfn " + ShortHex(v >> spte::kPfnShift);
    case Kind::kGfn: return "gfn " + ShortHex(v);
    case Kind::kGen:
      return "gen " + ShortHex(v & ~kGenUpdateInProgressBit) +
             ((v & kGenUpdateInProgressBit) != 0 ? " (update in progress)" : "");
    case Kind::kFound: return v != 0 ? "found" : "no slot";
    case Kind::kSlots: return "memslots version " + std::to_string(v);
    case Kind::kReaders: return std::to_string(v) + " reader" + (v == 1 ? "" : "s");
    case Kind::kRaw: return "";
  }
  return "";
}

}  // namespace mmu
