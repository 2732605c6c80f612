"""stress_scenario_tests(): one scenario's native and TSan stress tests."""

def stress_scenario_tests(name, cls):
    """The stress tests of one scenario (stress/testing/stress_test_driver.cc).

    Called by all_scenarios() (mmu_core/scenarios/engines.bzl).

      <name>_stress_test  native stress: the correct core for 1 s without a
                          violation, then every twin stress must catch
                          (stress/expectations.h) caught within 30 s
      <name>_tsan_test    the same under ThreadSanitizer: the correct core
                          without a report, every twin that is a plain data
                          race reported

    Args:
      name: the scenario's target name.
      cls: its class (unused here; every engine macro takes it).
    """
    native.cc_test(
        name = name + "_stress_test",
        size = "medium",
        args = ["scenario", "$(rootpath :stress)", "1", name],
        data = [":stress"],
        tags = ["cpu:2", "native"],
        deps = [":stress_test_driver"],
    )
    native.cc_test(
        name = name + "_tsan_test",
        size = "medium",
        args = ["scenario", "$(rootpath :stress_tsan)", "1", name, "tsan"],
        data = [":stress_tsan"],
        tags = ["cpu:2", "tsan"],
        deps = [":stress_test_driver"],
    )
