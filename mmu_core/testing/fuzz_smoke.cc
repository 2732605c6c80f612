// mmu_core/testing/fuzz_smoke.cc: see fuzz_smoke.h.
#include "mmu_core/testing/fuzz_smoke.h"

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace mmu::testing {
namespace {

std::uint64_t Next(std::uint64_t* s) {  // xorshift64
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

void Feed(const std::string& s) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string Mutate(const std::vector<std::string>& corpus, const std::string& in,
                   std::span<const std::string_view> tokens, std::uint64_t* rng) {
  std::string s = in;
  const int edits = 1 + static_cast<int>(Next(rng) % 4);
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = s.empty() ? 0 : Next(rng) % (s.size() + 1);
    switch (Next(rng) % 5) {
      case 0:  // flip a byte
        if (!s.empty()) s[at % s.size()] = static_cast<char>(Next(rng));
        break;
      case 1:  // delete a run
        if (!s.empty()) s.erase(at % s.size(), 1 + Next(rng) % 16);
        break;
      case 2:  // insert a token of the format
        if (!tokens.empty()) s.insert(at, tokens[Next(rng) % tokens.size()]);
        break;
      case 3:  // duplicate a run
        if (!s.empty()) s.insert(at, s.substr(Next(rng) % s.size(), 1 + Next(rng) % 32));
        break;
      default: {  // splice in part of another file
        const std::string& o = corpus[Next(rng) % corpus.size()];
        if (!o.empty()) s.insert(at, o.substr(Next(rng) % o.size(), 1 + Next(rng) % 64));
        break;
      }
    }
  }
  return s;
}

}  // namespace

int RunFuzzSmoke(int argc, char** argv, const FuzzSmoke& smoke) {
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%.*s: cannot read seed file %s\n", static_cast<int>(smoke.name.size()), smoke.name.data(),
                   argv[i]);
      return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    corpus.push_back(ss.str());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "%.*s: no seed files\n", static_cast<int>(smoke.name.size()), smoke.name.data());
    return 1;
  }
  for (const std::string& s : corpus) Feed(s);
  std::uint64_t rng = smoke.seed;
  for (int i = 0; i < smoke.runs; ++i) Feed(Mutate(corpus, corpus[Next(&rng) % corpus.size()], smoke.tokens, &rng));
  std::printf("%.*s: %zu seeds, %d mutated inputs: no crash, every property held\n",
              static_cast<int>(smoke.name.size()), smoke.name.data(), corpus.size(), smoke.runs);
  return 0;
}

}  // namespace mmu::testing
