// models/dpor/outcome_set.h: the set of final outcomes a search reached.
//
// The cross-check (README.md) compares, per model and configuration, the
// outcomes of Relacy's full search with those of the reduced search. An
// outcome is a digest of what the scenario observed (S::Observe) at the end
// of an execution. The set is filled inside the simulation, where the global
// operator new is Relacy's, so it is a fixed open-addressing table allocated
// up front with malloc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mmu::models::dpor {

class OutcomeSet {
 public:
  static constexpr std::size_t kCapacity = std::size_t{1} << 16;

  OutcomeSet() : slots_(static_cast<std::uint64_t*>(std::calloc(kCapacity, sizeof(std::uint64_t)))) {}
  ~OutcomeSet() { std::free(slots_); }
  OutcomeSet(const OutcomeSet&) = delete;
  OutcomeSet& operator=(const OutcomeSet&) = delete;

  void Clear() {
    std::memset(slots_, 0, kCapacity * sizeof(std::uint64_t));
    size_ = 0;
    overflow_ = false;
  }
  // 0 is the empty slot: a zero digest is stored as 1.
  void Insert(std::uint64_t digest) {
    if (digest == 0) digest = 1;
    if (size_ * 2 >= kCapacity) {
      overflow_ = true;
      return;
    }
    for (std::size_t i = digest & (kCapacity - 1);; i = (i + 1) & (kCapacity - 1)) {
      if (slots_[i] == digest) return;
      if (slots_[i] == 0) {
        slots_[i] = digest;
        ++size_;
        return;
      }
    }
  }
  bool overflow() const { return overflow_; }
  std::size_t size() const { return size_; }
  // Sorted; call outside a simulation.
  std::vector<std::uint64_t> Sorted() const {
    std::vector<std::uint64_t> v;
    v.reserve(size_);
    for (std::size_t i = 0; i < kCapacity; ++i) {
      if (slots_[i] != 0) v.push_back(slots_[i]);
    }
    std::sort(v.begin(), v.end());
    return v;
  }

 private:
  std::uint64_t* slots_;
  std::size_t size_ = 0;
  bool overflow_ = false;
};

// A digest of a string and a value sequence (FNV-1a then a final mix).
class OutcomeDigest {
 public:
  void Add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (v >> (8 * i)) & 0xff;
      h_ *= 0x100000001b3ULL;
    }
  }
  void Add(const char* s) {
    for (; s != nullptr && *s != '\0'; ++s) {
      h_ ^= static_cast<unsigned char>(*s);
      h_ *= 0x100000001b3ULL;
    }
    Add(std::uint64_t{0xff});
  }
  std::uint64_t Value() const {
    std::uint64_t x = h_;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace mmu::models::dpor
