// third_party/relacy_include.h: the one way the suite includes Relacy.
//
// relacy.hpp defines macros that break code included after it (new, delete,
// assert, malloc, calloc, realloc, free, errno, memory_order_*). This header
// brings in every standard header a Relacy translation unit of the suite
// uses first, then relacy.hpp, then undoes the macros; errno gets glibc's
// definition back. A Relacy translation unit includes this, not relacy.hpp,
// and is compiled with RELACY_COPTS (//mmu_core:defs.bzl: -fno-sized-deallocation,
// because Relacy replaces operator new and the unsized delete only).
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <ostream>
#include <set>
#include <sstream>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include <relacy/relacy.hpp>

#undef new
#undef delete
#undef assert
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef errno
#define errno (*__errno_location())  // glibc's definition, which Relacy replaced
#undef memory_order_relaxed
#undef memory_order_consume
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst
