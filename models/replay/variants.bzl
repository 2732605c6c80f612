"""One source, two core backends: the replay libraries for each engine."""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("//mmu_core:defs.bzl", "MMU_COPTS", "RELACY_COPTS")

# name suffix -> (core library, copts)
BACKENDS = {
    "": ("//mmu_core:core_native", MMU_COPTS),
    "_relacy": ("//mmu_core:core_relacy", RELACY_COPTS),
}

def replay_library(name, srcs, hdrs, deps = [], backend_tags = {}, **kwargs):
    """A cc_library built once per backend: `name` (native) and `name_relacy`.

    Args:
      name: the native library's name.
      srcs: sources, compiled against each backend.
      hdrs: headers.
      deps: dependencies; a label ending in a variant's placeholder "{backend}"
        is completed with the suffix ("//models/replay:interleaving{backend}").
      backend_tags: suffix -> extra tags.
      **kwargs: passed to cc_library.
    """
    for suffix, (core, copts) in BACKENDS.items():
        cc_library(
            name = name + suffix,
            srcs = srcs,
            hdrs = hdrs,
            copts = copts,
            deps = [core] + [d.format(backend = suffix) for d in deps],
            tags = backend_tags.get(suffix, []),
            **kwargs
        )
