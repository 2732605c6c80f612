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
        args += ["--catalog", "$(rootpath //mmu_core:schemata_catalog)"]
    # manual: it needs every scenario's schemata build (about 4 minutes of
    # compiling on 2 cores), which `bazel test //...` should not pay for; the
    # quick test below builds the same sweep with the split scenarios' schemata.
    native.cc_binary(
        name = name,
        args = args,
        data = ["//mmu_core:sources"] + [":" + m for m in models + mutants] +
               (["//mmu_core:schemata_catalog"] if mutants else []),
        tags = ["manual"],
        deps = ["//models/detection:sweep_lib"],
    )

    # The short version, in the default tests: the split spte's sites and
    # mutation points (every model still runs its correct core once, so a new
    # scenario is covered; only the split scenarios' schemata are built, the
    # only ones that reach mmu_core/split_spte.h).
    quick_mutants = [m for m in mutants if m.startswith("split_")]
    quick_args = ["--models"] + ["$(rootpath :%s)" % m for m in models]
    if quick_mutants:
        quick_args += ["--mutants"] + ["$(rootpath :%s)" % m for m in quick_mutants]
        quick_args += ["--catalog", "$(rootpath //mmu_core:schemata_catalog)"]
    native.cc_test(
        name = name + "_quick_test",
        size = "medium",
        args = quick_args + ["--files", "mmu_core/split_spte.h", "--quiet"],
        data = ["//mmu_core:sources"] + [":" + m for m in models + quick_mutants] +
               (["//mmu_core:schemata_catalog"] if quick_mutants else []),
        tags = ["relacy", "cpu:2"],
        deps = ["//models/detection:sweep_lib"],
    )

# Headers of mmu_core that the schemata copy leaves alone (mutator.cc kUncopied).
_UNCOPIED = ["sync.h", "steps.h", "step_names.h", "mutations.h", "scenario.h", "windows.h"]

def core_schemata(name):
    """The logical-mutation schemata of the core: call it in mmu_core/BUILD.

    A genrule runs models/detection/mutator.cc over every header of the
    package (a new core file or scenario is covered without an edit) and
    writes mmu_core/schemata/...: the mutated core, the scenarios and
    relacy_model.h with their includes pointing at it, points.h and
    catalog.json. `name` is a cc_library of the copy (Relacy backend);
    `name + "_catalog"` the catalogue.

    Args:
      name: the library.
    """
    headers = native.glob(["*.h", "scenarios/*.h"])
    copied = [h for h in headers if h.startswith("scenarios/") or h not in _UNCOPIED]
    outs = ["schemata/mmu_core/" + h for h in copied] + [
        "schemata/mmu_core/scenarios/all.h",
        "schemata/models/relacy_model.h",
        "schemata/points.h",
    ]
    native.genrule(
        name = name + "_gen",
        srcs = headers + [":all_h", "//models:relacy_model.h"],
        outs = outs + ["schemata/catalog.json"],
        tools = ["//models/detection:mutator"],
        cmd = "$(location //models/detection:mutator) $(RULEDIR)/schemata " +
              "$(location :all_h) $(location //models:relacy_model.h) " +
              " ".join(["$(location %s)" % h for h in headers]),
    )
    native.filegroup(
        name = name + "_catalog",
        srcs = ["schemata/catalog.json"],
    )
    native.cc_library(
        name = name,
        hdrs = outs,
        deps = [
            ":core_relacy",
            "//models:relacy_model",
            "//models/detection:weakenings",
        ],
    )
