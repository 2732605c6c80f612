"""mmu_model(): one scenario of mmu_core/scenarios/ as a Relacy model.

Called for every scenario by all_scenarios() (mmu_core/scenarios/engines.bzl);
every fact comes from the scenario header. It expands to

  <name>_lib          the model, compiled once: model_main.cc with MMU_SCENARIO
  <name>              the model binary (README.md "Command line")
  <name>_correct      test: the correct core passes the declared search
  <name>_twins        test: every negative twin fails with its expected failure
  <name>_correct_ci   long test: the main job's search (--search ci)

The tests link the library and pass flags (no sources of their own), so a
scenario is compiled once. Tests are sharded in two: the correct run splits
its search tree, the twins are dealt between the shards.
"""
load("//mmu_core:defs.bzl", "RELACY_COPTS")

# Relacy models are CPU-bound searches: optimise them in every compilation
# mode (the default fastbuild runs them about four times slower).
MODEL_COPTS = RELACY_COPTS + ["-O2"]

def mmu_model(name, cls):
    """Declares the Relacy model of one scenario.

    Args:
      name: the scenario's target name in SCENARIOS (kName with '_').
      cls: its class in mmu::scenarios.
    """
    native.cc_library(
        name = name + "_lib",
        srcs = ["model_main.cc"],
        copts = MODEL_COPTS,
        local_defines = ["MMU_SCENARIO=" + cls],
        alwayslink = True,
        deps = [
            ":relacy_model",
            "//models/detection:model_flags",
        ],
    )
    native.cc_binary(
        name = name,
        copts = MODEL_COPTS,
        tags = ["relacy", "model"],
        deps = [name + "_lib"],
    )
    # The logical-mutation schemata of the same scenario (models/detection/):
    # built only for the sweep (manual), which takes every binary tagged
    # model_mutants.
    native.cc_binary(
        name = name + "_mutants",
        srcs = ["//models/detection:schemata_main.cc"],
        copts = MODEL_COPTS,
        local_defines = ["MMU_SCENARIO=" + cls],
        tags = ["relacy", "model_mutants", "manual"],
        deps = [
            "//mmu_core:schemata",
            "//models/detection:model_flags",
        ],
    )
    native.cc_test(
        name = name + "_correct",
        size = "medium",
        args = ["--variant", "none"],
        linkstatic = True,
        shard_count = 2,
        tags = ["relacy"],
        deps = [name + "_lib"],
    )
    native.cc_test(
        name = name + "_twins",
        size = "medium",
        args = ["--variant", "twins"],
        linkstatic = True,
        shard_count = 2,
        tags = ["relacy"],
        deps = [name + "_lib"],
    )
    native.cc_test(
        name = name + "_correct_ci",
        size = "enormous",
        args = ["--variant", "none", "--search", "ci"],
        linkstatic = True,
        shard_count = 2,
        tags = ["relacy", "long"],
        deps = [name + "_lib"],
    )

def mmu_model_bench(name):
    """The bench (bench/bench.cc), given every model binary declared above it."""
    models = sorted([
        r["name"]
        for r in native.existing_rules().values()
        if r["kind"] == "cc_binary" and "model" in r.get("tags", [])
    ])
    native.cc_binary(
        name = name,
        srcs = [
            "bench/bench.cc",
            "bench/raw_split_pnp.h",
        ],
        args = ["$(rootpath :%s)" % m for m in models],
        copts = MODEL_COPTS,
        data = [":" + m for m in models],
        deps = [
            ":relacy_model",
            "@cli11",
            "@fmt",
            "@nlohmann_json",
        ],
    )
