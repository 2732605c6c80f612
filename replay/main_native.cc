// replay/main_native.cc: `replay`, the native engine's binary.
#include "replay/native_engine.h"

#include "replay/cli.h"
#include "replay/step_facts.h"

int main(int argc, char** argv) {
  using namespace mmu::replay;
  return ReplayMain(argc, argv, WithStepFacts(Catalog<NativeEngine>()), BinaryInfo{"native", "replay", "replay_relacy"});
}
