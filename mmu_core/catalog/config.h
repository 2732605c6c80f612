// mmu_core/catalog/config.h: a scenario configuration as key=value pairs.
//
// Every tool names a member of a scenario's family the same way: the
// interleaving format's `config:` line, `stress --config`, a model's
// `--config` and a twin's or role's selector in the scenario header all go
// through this one tokeniser.
//
//   clear=fast                 one pair
//   zappers=2,vcpu=idle        pairs separated by commas ...
//   clear=slow cycles=1        ... or blanks
//   leaf=(1,1,0),A=1           a comma inside parentheses does not separate
//
// A selector is some of the pairs of a member; it picks the members that
// have all of them. SelectConfigs also takes "all" and an index.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmu {

class ConfigPairs {
 public:
  using Pair = std::pair<std::string, std::string>;

  ConfigPairs() = default;
  // Parses `text`; nullopt with `*error` set when a token is not key=value
  // or a key is given twice.
  static std::optional<ConfigPairs> Parse(std::string_view text, std::string* error = nullptr);

  const std::vector<Pair>& pairs() const { return pairs_; }
  bool empty() const { return pairs_.empty(); }
  // The value of `key`, or nullopt.
  std::optional<std::string_view> Get(std::string_view key) const;
  // Does every pair of `subset` appear here?
  bool Contains(const ConfigPairs& subset) const;
  // "a=1,b=2", in the order given.
  std::string ToString() const;

  // For a scenario's MakeConfig: the index of `key`'s value among `values`.
  // A missing key or a value not among them is recorded as a problem
  // (Problems()), and 0 is returned, so MakeConfig never fails but a bad
  // family is found by the scenario facts test.
  int Choice(std::string_view key, std::initializer_list<std::string_view> values) const;
  bool Is(std::string_view key, std::string_view value) const { return Get(key) == value; }
  // Keys never asked for by Choice/Get, and values Choice did not know.
  std::vector<std::string> Problems() const;

 private:
  std::vector<Pair> pairs_;
  mutable std::vector<std::string> asked_;
  mutable std::vector<std::string> problems_;
};

// Which members of a family a spec picks: "all" (or empty), an index, or a
// selector whose pairs a member has. `many` allows a selector to pick several
// members; otherwise it must pick exactly one. On failure `error` names what
// is wrong and lists the family.
struct ConfigSelection {
  std::vector<int> indices;
  std::string error;
  bool ok() const { return error.empty(); }
};
ConfigSelection SelectConfigs(std::string_view scenario, std::span<const std::string> family, std::string_view spec,
                              bool many = false);

// Does member `description` have every pair of `selector`? An empty
// selector matches every member; a selector may hold alternatives separated
// by ';' ("clear=fast; cycles=2").
bool ConfigMatches(std::string_view description, std::string_view selector);

}  // namespace mmu
