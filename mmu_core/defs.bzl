"""Build settings shared by the suite's C++ targets."""

# Warnings are errors for the suite's own code, under g++ 12 and clang 14.
MMU_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
]

# Relacy's headers trip -Wextra in ways we cannot fix; a Relacy translation
# unit keeps -Werror for everything else.
_RELACY_BASE_COPTS = MMU_COPTS + [
    # Relacy replaces operator new/delete but not the sized delete; without
    # this a `delete` inside a simulation frees Relacy's memory with libc.
    "-fno-sized-deallocation",
    # -c opt defines _FORTIFY_SOURCE, whose checked longjmp aborts on Relacy's
    # switch between fiber stacks ("longjmp causes uninitialized stack frame").
    "-U_FORTIFY_SOURCE",
    "-Wno-unused-parameter",
    "-Wno-unused-variable",
    "-Wno-unused-but-set-variable",
    "-Wno-deprecated-copy",
    "-Wno-implicit-fallthrough",
    "-Wno-unused-function",
    "-Wno-sign-compare",
    "-Wno-class-memaccess",
    "-Wno-deprecated-declarations",
    "-Wno-cast-function-type",
    "-Wno-missing-field-initializers",
    "-Wno-mismatched-new-delete",
    "-Wno-unused-private-field",
    "-Wno-deprecated",
    "-Wno-unknown-pragmas",
    "-Wno-unused-local-typedefs",
    "-Wno-inline-new-delete",
    "-Wno-new-returns-null",
    "-Wno-sized-deallocation",
    "-Wno-array-bounds",  # a one-thread test: Relacy indexes past its per-thread arrays' first element
    "-Wno-unknown-warning-option",
]

# Relacy detects a use after free by the signature that a destructor zeroes;
# g++ drops that store as dead (the object's lifetime ends) unless told not
# to. clang has no lifetime-based dead-store elimination and no such flag.
_RELACY_COMPILER_COPTS = select({
    "//mmu_core:compiler_clang": [],
    "//conditions:default": ["-fno-lifetime-dse"],
})

RELACY_COPTS = _RELACY_BASE_COPTS + _RELACY_COMPILER_COPTS
