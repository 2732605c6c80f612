"""replay_test: replay a table with the CLI and check exit code and output."""

def replay_test(name, file, engine, exit, expect = [], args = [], size = "small", **kwargs):
    """An sh_test running `replay FILE --engine ENGINE ARGS`.

    Args:
      name: the test's name.
      file: the interleaving file (a label).
      engine: "native" or "relacy" (also the test's tag).
      exit: the exit code it must return.
      expect: texts its output must contain (no single quotes).
      args: more replay arguments.
      size: the test's size.
      **kwargs: passed to sh_test.
    """
    native.sh_test(
        name = name,
        size = size,
        srcs = ["//models/replay:replay_expect.sh"],
        args = [
            "$(location //models/replay:replay)",
            "$(location %s)" % file,
            str(exit),
        ] + ["'--expect=%s'" % e for e in expect] + ["--", "--engine", engine] + args,
        data = [
            "//models/replay:replay",
            file,
        ],
        tags = [engine] + kwargs.pop("tags", []),
        **kwargs
    )
