// replay/fuzz/testing/fuzz_smoke.cc: a bounded, deterministic stand-in for a
// libFuzzer run that needs no clang, in the default `bazel test`: feeds every
// file named on the command line, and seeded mutations of them (byte flips,
// deletions, duplications, tokens of the format, splices between files), to
// the LLVMFuzzerTestOneInput it is linked with.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

uint64_t Next(uint64_t* s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

void Feed(const std::string& s) { LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

std::string Mutate(const std::vector<std::string>& corpus, const std::string& in, uint64_t* rng) {
  std::string s = in;
  static const char* kTokens[] = {"CPU 1:", "CPU 2: ", "CPU 9:", "> ", ">>", "\t", "\xc2\xa0", "\xe2\x80\x8b",
                                  "\xa0", "read low", "write high", "clear the spte", "set spte to 0x",
                                  "0xffffffffffffffff", ": low= 0x1", "=", ",", "(", ")", "\n", "#",
                                  "scenario: ", "config: ", "clear=slow", "zappers=2,vcpu=idle", "leaf=(1,1,0)",
                                  "mutation: M2.4", "initial: ", "values: ", "drop lock", "unlock", "Say spte = ",
                                  "it is not changed.", "                                        "};
  const int edits = 1 + static_cast<int>(Next(rng) % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t at = s.empty() ? 0 : Next(rng) % (s.size() + 1);
    switch (Next(rng) % 5) {
      case 0:
        if (!s.empty()) s[at % s.size()] = static_cast<char>(Next(rng));
        break;
      case 1:
        if (!s.empty()) s.erase(at % s.size(), 1 + Next(rng) % 16);
        break;
      case 2:
        s.insert(at, kTokens[Next(rng) % (sizeof(kTokens) / sizeof(kTokens[0]))]);
        break;
      case 3:
        if (!s.empty()) s.insert(at, s.substr(Next(rng) % s.size(), 1 + Next(rng) % 32));
        break;
      default: {
        const std::string& o = corpus[Next(rng) % corpus.size()];
        if (!o.empty()) s.insert(at, o.substr(Next(rng) % o.size(), 1 + Next(rng) % 64));
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    corpus.push_back(ss.str());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "fuzz_smoke: no seed files\n");
    return 1;
  }
  for (const std::string& s : corpus) Feed(s);
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  const int kRuns = 4000;  // about 10 s; the libFuzzer runs (--config=fuzz) go further
  for (int i = 0; i < kRuns; ++i) Feed(Mutate(corpus, corpus[Next(&rng) % corpus.size()], &rng));
  std::printf("%zu seeds, %d mutated inputs: no crash, every property held\n", corpus.size(), kRuns);
  return 0;
}
