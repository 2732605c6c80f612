// replay/main_native.cc: `replay`, the native engine's binary.
#include "replay/native_engine.h"

#include "replay/cli.h"

int main(int argc, char** argv) {
  using namespace mmu::replay;
  return ReplayMain(argc, argv, Catalog<NativeEngine>(), BinaryInfo{"native", "replay", "replay_relacy"});
}
