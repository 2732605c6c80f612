// A bounded, deterministic stand-in for a libFuzzer run that needs no clang:
// feeds every file named on the command line, and seeded mutations of them
// (byte flips, deletions, duplications, splices between files), to
// LLVMFuzzerTestOneInput from parser_fuzz.cc.
#include <cstdint>
#include <cstdio>
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
  static const char* kTokens[] = {"(", ")", "{", "}", ";", "*", "/\\", "\\/", "~", "=", "(*", "*)", "P0(", "exists",
                                  "READ_ONCE(", "spin_lock(", "if (", "0:", "-", "99999999999999999999", "\n", "\0",
                                  "Hash=1\n", "=1:r", "*x = ", "srcu_read_lock(", "spin_is_locked(",
                                  "atomic_add_unless(", "int 0:r1;", "smp_mb__after_unlock_lock();"};
  int edits = 1 + static_cast<int>(Next(rng) % 4);
  for (int e = 0; e < edits; ++e) {
    size_t at = s.empty() ? 0 : Next(rng) % (s.size() + 1);
    switch (Next(rng) % 5) {
      case 0:  // flip a byte
        if (!s.empty()) s[at % s.size()] = static_cast<char>(Next(rng));
        break;
      case 1:  // delete a run
        if (!s.empty()) s.erase(at % s.size(), 1 + Next(rng) % 16);
        break;
      case 2:  // insert a token
        s.insert(at, kTokens[Next(rng) % (sizeof(kTokens) / sizeof(kTokens[0]))]);
        break;
      case 3: {  // duplicate a run
        if (s.empty()) break;
        size_t from = Next(rng) % s.size();
        s.insert(at, s.substr(from, 1 + Next(rng) % 32));
        break;
      }
      default: {  // splice in part of another file
        const std::string& o = corpus[Next(rng) % corpus.size()];
        if (o.empty()) break;
        size_t from = Next(rng) % o.size();
        s.insert(at, o.substr(from, 1 + Next(rng) % 64));
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
  if (corpus.empty()) corpus.push_back("C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n");
  for (const std::string& s : corpus) Feed(s);
  uint64_t rng = 0x2545f4914f6cdd1dull;
  const int kRuns = 30000;
  for (int i = 0; i < kRuns; ++i) Feed(Mutate(corpus, corpus[Next(&rng) % corpus.size()], &rng));
  std::printf("%zu seeds, %d mutated inputs: no crash, every input parsed or diagnosed\n", corpus.size(), kRuns);
  return 0;
}
