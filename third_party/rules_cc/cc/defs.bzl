"""Re-exports Bazel 4.2.3's native C++ rules under the rules_cc names.

bazel_tools loads @rules_cc//cc:defs.bzl; Debian's rules_cc needs a newer
Bazel, so this repository answers with the rules built into Bazel itself.
"""

cc_library = native.cc_library
cc_binary = native.cc_binary
cc_test = native.cc_test
cc_import = native.cc_import
cc_proto_library = native.cc_proto_library
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
objc_library = native.objc_library
objc_import = native.objc_import
fdo_profile = native.fdo_profile
fdo_prefetch_hints = native.fdo_prefetch_hints
