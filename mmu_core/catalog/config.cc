// mmu_core/catalog/config.cc: the configuration tokeniser and family selection.
#include "mmu_core/catalog/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mmu {
namespace {

// Tokens separated by blanks or by commas outside parentheses. Parentheses
// do not reach across blanks: each token's must balance, and the first one
// whose do not is put in `*unbalanced` (written back with commas between
// tokens, "a=(b c=d" would otherwise read as one pair).
std::vector<std::string> Tokens(std::string_view text, std::string* unbalanced = nullptr) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool bad = false;
  auto flush = [&] {
    if (!cur.empty()) {
      if ((bad || depth != 0) && unbalanced != nullptr && unbalanced->empty()) *unbalanced = cur;
      out.push_back(cur);
    }
    cur.clear();
    depth = 0;
    bad = false;
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      flush();
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')') {
      if (depth == 0) bad = true;
      if (depth > 0) --depth;
    }
    if (c == ',' && depth == 0) {
      flush();
    } else {
      cur.push_back(c);
    }
  }
  flush();
  return out;
}

std::string FamilyText(std::span<const std::string> family) {
  std::string out;
  for (std::size_t i = 0; i < family.size(); ++i) out += "\n  " + std::to_string(i) + ": " + family[i];
  return out;
}

std::vector<std::string_view> Alternatives(std::string_view selector) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t semi = selector.find(';');
    out.push_back(selector.substr(0, semi));
    if (semi == std::string_view::npos) break;
    selector.remove_prefix(semi + 1);
  }
  return out;
}

}  // namespace

std::optional<ConfigPairs> ConfigPairs::Parse(std::string_view text, std::string* error) {
  ConfigPairs p;
  std::string unbalanced;
  const std::vector<std::string> tokens = Tokens(text, &unbalanced);
  if (!unbalanced.empty()) {
    if (error != nullptr) *error = "'" + unbalanced + "' has unbalanced parentheses";
    return std::nullopt;
  }
  for (const std::string& t : tokens) {
    const std::size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == t.size()) {
      if (error != nullptr) *error = "'" + t + "' is not key=value";
      return std::nullopt;
    }
    std::string key = t.substr(0, eq);
    if (std::any_of(p.pairs_.begin(), p.pairs_.end(), [&](const Pair& q) { return q.first == key; })) {
      if (error != nullptr) *error = "'" + key + "' is given twice";
      return std::nullopt;
    }
    p.pairs_.emplace_back(std::move(key), t.substr(eq + 1));
  }
  return p;
}

std::optional<std::string_view> ConfigPairs::Get(std::string_view key) const {
  if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) asked_.emplace_back(key);
  for (const Pair& p : pairs_) {
    if (p.first == key) return std::string_view(p.second);
  }
  return std::nullopt;
}

bool ConfigPairs::Contains(const ConfigPairs& subset) const {
  return std::all_of(subset.pairs_.begin(), subset.pairs_.end(),
                     [&](const Pair& want) { return std::find(pairs_.begin(), pairs_.end(), want) != pairs_.end(); });
}

std::string ConfigPairs::ToString() const {
  std::string out;
  for (const Pair& p : pairs_) out += (out.empty() ? "" : ",") + p.first + "=" + p.second;
  return out;
}

int ConfigPairs::Choice(std::string_view key, std::initializer_list<std::string_view> values) const {
  const std::optional<std::string_view> v = Get(key);
  std::string known;
  int i = 0;
  for (std::string_view x : values) {
    if (v == x) return i;
    known += (known.empty() ? "" : ", ") + std::string(x);
    ++i;
  }
  problems_.push_back(v ? "'" + std::string(key) + "=" + std::string(*v) + "' is not one of " + known
                        : "no '" + std::string(key) + "' (one of " + known + ")");
  return 0;
}

std::vector<std::string> ConfigPairs::Problems() const {
  std::vector<std::string> out = problems_;
  for (const Pair& p : pairs_) {
    if (std::find(asked_.begin(), asked_.end(), p.first) == asked_.end()) {
      out.push_back("'" + p.first + "' is not a key of this scenario");
    }
  }
  return out;
}

bool ConfigMatches(std::string_view description, std::string_view selector) {
  const std::optional<ConfigPairs> have = ConfigPairs::Parse(description);
  if (!have) return false;
  for (std::string_view alt : Alternatives(selector)) {
    const std::optional<ConfigPairs> want = ConfigPairs::Parse(alt);
    if (want && have->Contains(*want)) return true;
  }
  return false;
}

ConfigSelection SelectConfigs(std::string_view scenario, std::span<const std::string> family, std::string_view spec,
                              bool many) {
  ConfigSelection sel;
  const int n = static_cast<int>(family.size());
  const std::vector<std::string> words = Tokens(spec);
  if (words.empty() || (words.size() == 1 && words[0] == "all")) {
    for (int i = 0; i < n; ++i) sel.indices.push_back(i);
    return sel;
  }
  const std::string name(scenario);
  if (words.size() == 1 &&
      std::all_of(words[0].begin(), words[0].end(), [](unsigned char c) { return std::isdigit(c); })) {
    int i = n;
    const auto [end, ec] = std::from_chars(words[0].data(), words[0].data() + words[0].size(), i);
    if (ec != std::errc() || end != words[0].data() + words[0].size() || i >= n) {
      sel.error =
          "config index " + words[0] + " is out of range for " + name + ", whose family is:" + FamilyText(family);
      return sel;
    }
    sel.indices.push_back(i);
    return sel;
  }
  std::string why;
  const std::optional<ConfigPairs> want = ConfigPairs::Parse(spec, &why);
  if (!want) {
    sel.error = "config '" + std::string(spec) + "': " + why + " (give key=value pairs, an index or 'all')";
    return sel;
  }
  // A key no member has is named as such, before "matches nothing".
  for (const ConfigPairs::Pair& pair : want->pairs()) {
    const std::string& key = pair.first;
    const bool known = std::any_of(family.begin(), family.end(), [&](const std::string& m) {
      const std::optional<ConfigPairs> have = ConfigPairs::Parse(m);
      return have && have->Get(key).has_value();
    });
    if (!known) {
      sel.error = "config '" + std::string(spec) + "': " + name + "'s configurations have no key '" + key +
                  "'; its family is:" + FamilyText(family);
      return sel;
    }
  }
  for (int i = 0; i < n; ++i) {
    const std::optional<ConfigPairs> have = ConfigPairs::Parse(family[static_cast<std::size_t>(i)]);
    if (have && have->Contains(*want)) sel.indices.push_back(i);
  }
  if (sel.indices.empty()) {
    sel.error = "config '" + std::string(spec) + "' matches no member of " + name + "'s family:" + FamilyText(family);
  } else if (sel.indices.size() > 1 && !many) {
    sel.error = "config '" + std::string(spec) + "' matches several members of " + name +
                "'s family (name more pairs, an index, or 'all'):" + FamilyText(family);
    sel.indices.clear();
  }
  return sel;
}

}  // namespace mmu
