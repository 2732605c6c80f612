"""The scenarios of the suite, listed once.

Each entry is a scenario's Bazel target name (its kName with '-' turned into
'_') and its class in mmu::scenarios; the class lives in
mmu_core/scenarios/<target>.h. Adding a race is two edits: that header and
its line here. From this list //mmu_core:scenarios generates all.h
(MMU_SCENARIOS for C++), and every engine package makes its targets for
each scenario (mmu_core/scenarios/engines.bzl).
"""

SCENARIOS = {
    "split_tear": "SplitTear",
    "split_pnp": "SplitPnp",
    "split_hw_ad": "SplitHwAd",
    "split_slow_clear_d": "SplitSlowClearD",
    "spte_volatile": "SpteVolatile",
    "walk_free": "WalkFree",
    "walk_free_2vcpu": "WalkFree2Vcpu",
    "fastpf_wp": "FastPfWriteProtect",
    "fastpf_aba": "FastPfAba",
    "zap_all": "ZapAll",
    "zap_root": "ZapRoot",
    "mmio_gen": "MmioGen",
    "tdp_set_spte_atomic": "TdpSetSpteAtomic",
    "tdp_removed_pt": "TdpRemovedPt",
    "tdp_zap_spte_atomic": "TdpZapSpteAtomic",
    "tdp_age": "TdpAge",
    "tdp_invalidate_seq": "TdpInvalidateSeq",
    "tdp_rcu_free": "TdpRcuFree",
    "unsync": "Unsync",
    "write_flood": "WriteFlood",
}
