"""Every scenario of list.bzl, expanded into each engine's targets.

A Bazel macro makes targets only in the package that calls it, so each engine
package calls `all_scenarios()` once and gets, for every scenario of
SCENARIOS, the targets of its own engine, named after the scenario:

  models   <target>             the Relacy model binary (models/README.md)
           <target>_correct     test: the correct core passes its declared search
           <target>_twins       test: every negative twin fails as its scenario says
           <target>_correct_ci  long test: the main job's search (ci_search)
  stress   <target>_stress_test test: native stress, correct core and twins
           <target>_tsan_test   test: the same under ThreadSanitizer
  replay   <target>_round_trip  test: each twin's counterexample, replayed

Every fact a target needs (family, roles, twins, search) comes from the
scenario header; nothing about a scenario is written in a BUILD file.
"""

load("//mmu_core:scenarios/list.bzl", "SCENARIOS")
load("//models:defs.bzl", "mmu_model")
load("//stress:defs.bzl", "stress_scenario_tests")
load("//replay:defs.bzl", "replay_scenario_tests")

_ENGINES = {
    "models": mmu_model,
    "stress": stress_scenario_tests,
    "replay": replay_scenario_tests,
}

def mmu_scenario(target, cls):
    """The calling engine package's targets for one scenario.

    Args:
      target: the scenario's target name (its kName with '_').
      cls: its class in mmu::scenarios.
    """
    package = native.package_name()
    if package not in _ENGINES:
        fail("mmu_scenario() makes engine targets; call it from %s, not %s" % (", ".join(_ENGINES), package))
    _ENGINES[package](target, cls)

def all_scenarios():
    """mmu_scenario() for every scenario of SCENARIOS."""
    for target, cls in SCENARIOS.items():
        mmu_scenario(target, cls)

def scenario_targets():
    """The scenarios' target names, in list order."""
    return list(SCENARIOS.keys())
