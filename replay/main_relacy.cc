// replay/main_relacy.cc: `replay_relacy`, the Relacy engine's binary.
#include "replay/relacy_engine.h"

#include "replay/cli.h"
#include "replay/step_facts.h"

int main(int argc, char** argv) {
  using namespace mmu::replay;
  return ReplayMain(argc, argv, WithStepFacts(Catalog<RelacyEngine>()), BinaryInfo{"relacy", "replay_relacy", "replay"});
}
