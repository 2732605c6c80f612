"""replay_test: replay a table with the CLI and check exit code and output."""

def replay_test(name, file, engine, exit, checks = [], args = [], size = "small", **kwargs):
    """An sh_test running `replay FILE --engine ENGINE --json ARGS`.

    It checks the exit code and the report's data with json_check
    (replay/testing/json_check.cc: `/verdict=held`, `line:21=0x11110001`,
    `observed:returned=0x100000000`, ...), not the text's layout.

    Args:
      name: the test's name.
      file: the interleaving file (a label).
      engine: "native" or "relacy" (also the test's tag).
      exit: the exit code it must return.
      checks: json_check expectations (no single quotes).
      args: more replay arguments.
      size: the test's size.
      **kwargs: passed to sh_test.
    """
    native.sh_test(
        name = name,
        size = size,
        srcs = ["//replay:testing/replay_expect.sh"],
        args = [
            "$(location //replay:replay)",
            "$(location //replay:json_check)",
            "$(location %s)" % file,
            str(exit),
        ] + ["'%s'" % c for c in checks] + ["--", "--engine", engine] + args,
        data = [
            "//replay:replay",
            "//replay:json_check",
            file,
        ],
        tags = [engine] + kwargs.pop("tags", []),
        **kwargs
    )

def replay_scenario_tests(name, cls):
    """One scenario's replay target: each twin's counterexample, replayed.

    Called by all_scenarios() (mmu_core/scenarios/engines.bzl). The test runs
    the scenario's model binary for each negative twin, writes its
    counterexample, and replays it natively, natively with the correct core,
    and under Relacy (the round-trip survey, restricted to this scenario):
    every file a model writes must be a table replay reads and runs.

    Args:
      name: the scenario's target name.
      cls: its class (unused here; every engine macro takes it).
    """
    native.cc_test(
        name = name + "_round_trip",
        size = "medium",
        args = [
            "--replay",
            "$(rootpath //replay:replay)",
            "--model",
            "$(rootpath //models:%s)" % name,
            "--check",
            "--expect",
            "$(rootpath //replay:round_trips.json)",
        ],
        data = [
            "//models:" + name,
            "//replay:replay",
            "//replay:replay_relacy",
            "//replay:round_trips.json",
        ],
        tags = ["native", "relacy"],
        deps = ["//replay:survey_main"],
    )
