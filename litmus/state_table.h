// A counting set of final states (fixed-width int64_t vectors). All memory is
// allocated up front, so the Relacy engine can record states from inside a
// simulation (where Relacy owns operator new) without allocating; the native
// engine lets it grow between batches.
#ifndef LITMUS_STATE_TABLE_H_
#define LITMUS_STATE_TABLE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace litmus {

class StateTable {
 public:
  StateTable(int width, size_t capacity, bool growable) : width_(width), growable_(growable) { Reset(capacity); }

  int width() const { return width_; }
  size_t size() const { return size_; }

  // Counts `n` more occurrences of `state`. Returns false only when the table
  // is full and may not grow.
  bool Add(const int64_t* state, uint64_t n = 1) {
    if ((size_ + 1) * 4 > cap_ * 3) {
      if (!growable_) {
        if (Find(state) != kNone) return AddAt(Find(state), n);
        if (size_ + 1 >= cap_) return false;
      } else {
        Grow();
      }
    }
    size_t i = Slot(state);
    if (!used_[i]) {
      used_[i] = 1;
      // A test may observe nothing (`exists (true)`): then keys_ is empty.
      if (width_ > 0) std::memcpy(&keys_[i * width_], state, sizeof(int64_t) * width_);
      ++size_;
    }
    counts_[i] += n;
    return true;
  }

  bool Contains(const int64_t* state) const { return Find(state) != kNone; }

  uint64_t Count(const int64_t* state) const {
    size_t i = Find(state);
    return i == kNone ? 0 : counts_[i];
  }

  // States in lexicographic order with their counts.
  std::vector<std::pair<std::vector<int64_t>, uint64_t>> Sorted() const {
    std::vector<std::pair<std::vector<int64_t>, uint64_t>> out;
    for (size_t i = 0; i < cap_; ++i) {
      if (!used_[i]) continue;
      out.emplace_back(std::vector<int64_t>(&keys_[i * width_], &keys_[i * width_] + width_), counts_[i]);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  static constexpr size_t kNone = ~size_t{0};

  void Reset(size_t capacity) {
    cap_ = 16;
    while (cap_ < capacity) cap_ *= 2;
    keys_.assign(cap_ * width_ + 1, 0);
    counts_.assign(cap_, 0);
    used_.assign(cap_, 0);
    size_ = 0;
  }

  uint64_t Hash(const int64_t* s) const {
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < width_; ++i) {
      h ^= static_cast<uint64_t>(s[i]) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    }
    return h * 0xff51afd7ed558ccdull;
  }

  // The slot holding `s`, or the empty slot where it would go.
  size_t Slot(const int64_t* s) const {
    size_t i = Hash(s) & (cap_ - 1);
    while (used_[i] && width_ > 0 && std::memcmp(&keys_[i * width_], s, sizeof(int64_t) * width_) != 0) {
      i = (i + 1) & (cap_ - 1);
    }
    return i;
  }

  size_t Find(const int64_t* s) const {
    size_t i = Slot(s);
    return used_[i] ? i : kNone;
  }

  bool AddAt(size_t i, uint64_t n) {
    counts_[i] += n;
    return true;
  }

  void Grow() {
    std::vector<int64_t> keys = std::move(keys_);
    std::vector<uint64_t> counts = std::move(counts_);
    std::vector<uint8_t> used = std::move(used_);
    size_t old = cap_;
    Reset(cap_ * 2);
    for (size_t i = 0; i < old; ++i) {
      if (!used[i]) continue;
      size_t j = Slot(&keys[i * width_]);
      used_[j] = 1;
      if (width_ > 0) std::memcpy(&keys_[j * width_], &keys[i * width_], sizeof(int64_t) * width_);
      counts_[j] = counts[i];
      ++size_;
    }
  }

  int width_;
  bool growable_;
  size_t cap_ = 0;
  size_t size_ = 0;
  std::vector<int64_t> keys_;
  std::vector<uint64_t> counts_;
  std::vector<uint8_t> used_;
};

}  // namespace litmus

#endif  // LITMUS_STATE_TABLE_H_
