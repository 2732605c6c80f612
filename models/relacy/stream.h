// models/relacy/stream.h: stream buffers that never allocate, for Relacy.
//
// Inside a Relacy simulation the global operator new is Relacy's, and memory
// allocated there must be freed there; a std::ostringstream handed to
// rl::test_params::output_stream grows its buffer at the wrong time and
// crashes. These buffers are allocated before the simulation starts.
#pragma once

#include <cstddef>
#include <memory>
#include <streambuf>
#include <string_view>

namespace mmu::relacy {

// An output buffer of fixed size; what does not fit is dropped (truncated()).
class FixedStreamBuf : public std::streambuf {
 public:
  explicit FixedStreamBuf(std::size_t capacity) : data_(new char[capacity]), capacity_(capacity) { Clear(); }
  void Clear() {
    setp(data_.get(), data_.get() + capacity_);
    truncated_ = false;
  }
  std::string_view View() const { return std::string_view(pbase(), static_cast<std::size_t>(pptr() - pbase())); }
  bool truncated() const { return truncated_; }

 protected:
  int overflow(int c) override {
    truncated_ = true;
    return traits_type::not_eof(c);
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  bool truncated_ = false;
};

// Discards everything (Relacy's progress output).
class NullStreamBuf : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
};

}  // namespace mmu::relacy
