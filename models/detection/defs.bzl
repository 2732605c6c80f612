"""mmu_sweep(): the detection-power sweep over every model binary declared above it."""

def mmu_sweep(name):
    """`bazel run //models:<name>`: the barrier and logical-mutation tables of every model.

    Call it after every mmu_model() (like mmu_model_bench): it takes every
    cc_binary tagged "model" (and "model_mutants") of the package, so a new
    scenario is swept without an edit here.

    Args:
      name: the sweep's target.
    """
    rules = native.existing_rules().values()
    models = sorted([r["name"] for r in rules if r["kind"] == "cc_binary" and "model" in r.get("tags", [])])
    mutants = sorted([r["name"] for r in rules if r["kind"] == "cc_binary" and "model_mutants" in r.get("tags", [])])
    args = ["--models"] + ["$(rootpath :%s)" % m for m in models]
    if mutants:
        args += ["--mutants"] + ["$(rootpath :%s)" % m for m in mutants]
        args += ["--catalog", "$(rootpath //models/detection:catalog)"]
    native.cc_binary(
        name = name,
        args = args,
        data = ["//mmu_core:sources"] + [":" + m for m in models + mutants] +
               (["//models/detection:catalog"] if mutants else []),
        deps = ["//models/detection:sweep_lib"],
    )

    # The short version, in the default tests: the split spte's sites (every
    # model still runs its correct core once, so a new scenario is covered).
    native.cc_test(
        name = name + "_quick_test",
        size = "medium",
        args = args + ["--part", "barrier", "--files", "mmu_core/split_spte.h", "--quiet"],
        data = ["//mmu_core:sources"] + [":" + m for m in models],
        tags = ["relacy", "cpu:2"],
        deps = ["//models/detection:sweep_lib"],
    )
