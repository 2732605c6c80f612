// models/replay/resolve.cc: scenario inference and configuration matching.
#include "models/replay/resolve.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace mmu::replay {
namespace {

constexpr HeaderForm kHeaderForms[] = {
    {"split-tear", "clear=fast", {"__get_spte_lockless", "__update_clear_spte_fast"}, 0},
    {"split-tear", "clear=slow", {"__get_spte_lockless", "__update_clear_spte_slow"}, 0},
    {"split-pnp", "clear=fast", {"__get_spte_lockless", "__update_clear_spte_fast __set_spte"}, 1},
    {"split-pnp", "clear=slow", {"__get_spte_lockless", "__update_clear_spte_slow __set_spte"}, 1},
    {"split-hw-ad", "", {"__get_spte_lockless", "mmu_spte_update|spte_write_protect", "hardware"}, 0},
    {"split-slow-clear-d", "", {"mmu_spte_clear_track_bits", "hardware"}, 0},
    {"spte-volatile", "", {"mmu_spte_clear_track_bits", "fast_page_fault hardware?"}, 0},
    {"walk-free",
     "",
     {"walk_shadow_page_lockless_begin|walk_shadow_page_lockless|kvm_mmu_get_spte_hierarchy walk_shadow_page_lockless_end?",
      "kvm_mmu_prepare_zap_page|kvm_mmu_commit_zap_page kvm_mmu_commit_zap_page? kvm_flush_remote_tlbs?"},
     0},
    {"fastpf-wp",
     "",
     {"fast_page_fault hardware?", "spte_write_protect|rmap_write_protect|kvm_mmu_slot_gfn_write_protect kvm_flush_remote_tlbs?"},
     0},
    {"fastpf-aba", "", {"fast_page_fault", "mmu_spte_clear_track_bits|kvm_zap_rmap mmu_spte_set?"}, 0},
    {"zap-all",
     "zappers=1",
     {"kvm_mmu_zap_all_fast|kvm_zap_obsolete_pages", "kvm_mmu_page_fault|direct_page_fault kvm_mmu_free_obsolete_roots?",
      "idle"},
     0},
    {"zap-all",
     "zappers=2",
     {"kvm_mmu_zap_all_fast|kvm_zap_obsolete_pages", "idle", "kvm_mmu_zap_all_fast|kvm_zap_obsolete_pages"},
     0},
    {"zap-root",
     "",
     {"kvm_mmu_prepare_zap_page|kvm_mmu_commit_zap_page kvm_mmu_commit_zap_page?",
      "kvm_mmu_free_obsolete_roots|kvm_mmu_reload|kvm_check_request"},
     0},
    {"mmio-gen",
     "",
     {"handle_mmio_page_fault|kvm_mmu_page_fault|mark_mmio_spte|vcpu_cache_mmio_info",
      "install_new_memslots|kvm_swap_active_memslots|kvm_set_memslot"},
     0},
};

std::string Norm(std::string_view name) {
  while (!name.empty() && name.front() == '_') name.remove_prefix(1);
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// A thread's functions: each item lists the names of one function; an
// optional item ("name?") may be named but need not be.
struct Item {
  std::vector<std::string> names;
  bool optional = false;
};
using ThreadSpec = std::vector<Item>;

ThreadSpec Spec(std::string_view text) {
  ThreadSpec spec;
  for (std::string item : Split(text, ' ')) {
    Item i;
    if (!item.empty() && item.back() == '?') {
      i.optional = true;
      item.pop_back();
    }
    for (const std::string& n : Split(item, '|')) i.names.push_back(Norm(n));
    spec.push_back(i);
  }
  return spec;
}

std::string SpecText(std::string_view text) {
  std::string out;
  for (std::string item : Split(text, ' ')) {
    if (!item.empty() && item.back() == '?') item = "[" + item.substr(0, item.size() - 1) + "]";
    out += (out.empty() ? "" : " + ") + item;
  }
  return out.empty() ? "(nothing)" : out;
}

const std::set<std::string>& Vocabulary() {
  static const std::set<std::string> vocab = [] {
    std::set<std::string> v;
    for (const HeaderForm& f : kHeaderForms) {
      for (std::string_view t : f.threads) {
        for (const Item& item : Spec(t)) v.insert(item.names.begin(), item.names.end());
      }
    }
    return v;
  }();
  return vocab;
}

// The known function names in a column's header text.
std::set<std::string> KnownFunctions(std::string_view text) {
  std::set<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && Vocabulary().count(Norm(word)) != 0) out.insert(Norm(word));
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      word.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

bool Covers(const ThreadSpec& spec, const std::string& name) {
  for (const Item& item : spec) {
    if (std::find(item.names.begin(), item.names.end(), name) != item.names.end()) return true;
  }
  return false;
}

// Every known name belongs to the thread (and, when exact, every function of
// the thread is named).
bool Matches(const ThreadSpec& spec, const std::set<std::string>& names, bool exact) {
  for (const std::string& n : names) {
    if (!Covers(spec, n)) return false;
  }
  if (!exact) return true;
  for (const Item& item : spec) {
    if (item.optional) continue;
    if (std::none_of(item.names.begin(), item.names.end(), [&](const std::string& n) { return names.count(n) != 0; })) {
      return false;
    }
  }
  return true;
}

int FormThreads(const HeaderForm& f) {
  int n = 0;
  for (std::string_view t : f.threads) n += t.empty() ? 0 : 1;
  return n;
}

bool HasTokens(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  for (const std::string& w : want) {
    if (std::find(have.begin(), have.end(), w) == have.end()) return false;
  }
  return true;
}

// "clear" of "clear=fast"; a flag ("flush-deferred") is its own key.
std::string KeyOf(const std::string& token) { return token.substr(0, token.find('=')); }

// "CPU 1: a, CPU 2: b or c": what each CPU of a scenario runs, from its forms.
std::string RolesText(std::string_view scenario) {
  std::vector<std::vector<std::string>> per_cpu;
  for (const HeaderForm& f : kHeaderForms) {
    if (f.scenario != scenario) continue;
    per_cpu.resize(std::max<std::size_t>(per_cpu.size(), static_cast<std::size_t>(FormThreads(f))));
    for (int k = 0; k < FormThreads(f); ++k) {
      auto& opts = per_cpu[static_cast<std::size_t>(k)];
      const std::string t = SpecText(f.threads[static_cast<std::size_t>(k)]);
      if (std::find(opts.begin(), opts.end(), t) == opts.end()) opts.push_back(t);
    }
  }
  std::string out;
  for (std::size_t k = 0; k < per_cpu.size(); ++k) {
    std::string runs;
    for (const std::string& o : per_cpu[k]) runs += (runs.empty() ? "" : " or ") + o;
    out += (k == 0 ? "" : ", ") + std::string("CPU ") + std::to_string(k + 1) + ": " + runs;
  }
  return out;
}

std::string JoinConfigs(const ScenarioInfo& s, const std::vector<int>& which) {
  std::string out;
  for (int i : which) out += (out.empty() ? "" : "; ") + s.configs[static_cast<std::size_t>(i)];
  return out;
}

class Resolver {
 public:
  Resolver(const Interleaving& il, std::span<const ScenarioInfo> cat, const Overrides& ov) : il_(il), cat_(cat), ov_(ov) {}

  Parsed<Resolved> Run() {
    for (const Column& c : il_.columns) known_.push_back(KnownFunctions(c.function));
    if (!PickScenario() || !CheckColumns() || !PickConfig() || !PickMutations() || !PickValues()) {
      return {std::nullopt, problem_};
    }
    return {std::move(r_), {}};
  }

 private:
  bool Error(int line, std::string message) {
    problem_ = Problem{il_.file, line, std::move(message)};
    return false;
  }
  const ScenarioInfo& S() const { return cat_[static_cast<std::size_t>(r_.scenario)]; }

  std::string ColumnsText() const {
    std::string out;
    for (std::size_t k = 0; k < il_.columns.size(); ++k) {
      out += (k == 0 ? "" : ", ") + il_.ColumnTitle(static_cast<int>(k));
    }
    return out;
  }

  bool PickScenario() {
    if (il_.scenario.present()) {
      for (std::size_t i = 0; i < cat_.size(); ++i) {
        if (Norm(cat_[i].name) == Norm(il_.scenario.value)) r_.scenario = static_cast<int>(i);
      }
      if (r_.scenario < 0) {
        std::string near;
        std::size_t best = 4;
        for (const ScenarioInfo& s : cat_) {
          const std::size_t d = EditDistance(Norm(s.name), Norm(il_.scenario.value));
          if (d < best) {
            best = d;
            near = s.name;
          }
        }
        return Error(il_.scenario.line, "unknown scenario '" + il_.scenario.value + "'" +
                                            (near.empty() ? "" : "; did you mean '" + near + "'?") +
                                            " (replay --list prints the scenarios)");
      }
      // The header's known functions must belong to the scenario's CPUs.
      bool has_forms = false;
      for (const HeaderForm& f : kHeaderForms) {
        if (f.scenario != S().name) continue;
        has_forms = true;
        if (FormFits(f, /*exact=*/false)) forms_.push_back(&f);
      }
      if (has_forms && forms_.empty()) return Error(il_.header_line, HeaderMismatch());
      return true;
    }
    std::set<std::string_view> names;
    for (const HeaderForm& f : kHeaderForms) {
      if (FormFits(f, /*exact=*/true) && Catalogued(f.scenario)) {
        forms_.push_back(&f);
        names.insert(f.scenario);
      }
    }
    if (names.empty()) {
      return Error(il_.header_line, "cannot infer the scenario from the header (" + ColumnsText() +
                                        "); add a 'scenario:' line (replay --list shows the headers that name one)");
    }
    if (names.size() > 1) {
      std::string list;
      for (std::string_view n : names) list += (list.empty() ? "" : ", ") + std::string(n);
      return Error(il_.header_line, "the header fits several scenarios (" + list + "); add a 'scenario:' line");
    }
    for (std::size_t i = 0; i < cat_.size(); ++i) {
      if (cat_[i].name == *names.begin()) r_.scenario = static_cast<int>(i);
    }
    r_.inferred = true;
    return true;
  }

  bool Catalogued(std::string_view name) const {
    return std::any_of(cat_.begin(), cat_.end(), [&](const ScenarioInfo& s) { return s.name == name; });
  }

  bool FormFits(const HeaderForm& f, bool exact) const {
    if (FormThreads(f) != static_cast<int>(il_.columns.size())) return !exact && FitsPrefix(f);
    for (std::size_t k = 0; k < il_.columns.size(); ++k) {
      if (!Matches(Spec(f.threads[k]), known_[k], exact)) return false;
    }
    return true;
  }
  // With a scenario: line, a header with the wrong number of columns is
  // reported by CheckColumns; here only the columns both have are compared.
  bool FitsPrefix(const HeaderForm& f) const {
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(FormThreads(f)), il_.columns.size());
    for (std::size_t k = 0; k < n; ++k) {
      if (!Matches(Spec(f.threads[k]), known_[k], false)) return false;
    }
    return true;
  }

  std::string HeaderMismatch() const {
    for (std::size_t k = 0; k < il_.columns.size(); ++k) {
      std::vector<std::string> options;
      bool fits = false;
      for (const HeaderForm& f : kHeaderForms) {
        if (f.scenario != S().name || k >= static_cast<std::size_t>(FormThreads(f))) continue;
        if (Matches(Spec(f.threads[k]), known_[k], false)) fits = true;
        const std::string t = SpecText(f.threads[k]);
        if (std::find(options.begin(), options.end(), t) == options.end()) options.push_back(t);
      }
      if (fits || options.empty()) continue;
      std::string runs;
      for (const std::string& o : options) runs += (runs.empty() ? "" : " or ") + o;
      return "the header does not fit " + S().name + ": column " + std::to_string(k + 1) + " is '" +
             il_.ColumnTitle(static_cast<int>(k)) + "', but " + S().name + "'s CPU " + std::to_string(k + 1) +
             " runs " + runs + " (column k is the scenario's CPU k)";
    }
    return "the header does not fit " + S().name;
  }

  bool CheckColumns() {
    const int have = static_cast<int>(il_.columns.size());
    const int want = S().threads;
    if (have == want) return true;
    const std::string roles = RolesText(S().name);
    const std::string runs = S().name + " runs " + std::to_string(want) + " CPUs" + (roles.empty() ? "" : " (" + roles + ")");
    if (have > want) {
      return Error(il_.header_line, "unknown CPU: column " + std::to_string(want + 1) + " ('" +
                                        il_.ColumnTitle(want) + "') has no counterpart; " + runs);
    }
    return Error(il_.header_line, "the header has " + std::to_string(have) + " column" + (have == 1 ? "" : "s") +
                                      ", but " + runs + "; give every CPU a column");
  }

  bool PickConfig() {
    const ScenarioInfo& s = S();
    std::vector<std::vector<std::string>> members;
    std::set<std::string> keys;
    for (const std::string& c : s.configs) {
      members.push_back(ConfigTokens(c));
      for (const std::string& t : members.back()) keys.insert(KeyOf(t));
    }
    const std::vector<std::string> asked = ConfigTokens(il_.config.value);
    for (const std::string& t : asked) {
      if (keys.count(KeyOf(t)) != 0) continue;
      std::string list;
      for (const std::string& k : keys) list += (list.empty() ? "" : ", ") + k;
      return Error(il_.config.line, s.name + "'s configurations have no key '" + KeyOf(t) + "'" +
                                        (list.empty() ? "" : " (keys: " + list + ")"));
    }
    std::vector<int> by_file, by_both;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (!HasTokens(members[i], asked)) continue;
      by_file.push_back(static_cast<int>(i));
      bool header_ok = forms_.empty();
      for (const HeaderForm* f : forms_) header_ok = header_ok || HasTokens(members[i], ConfigTokens(f->config));
      if (header_ok) by_both.push_back(static_cast<int>(i));
    }
    std::vector<int> all(s.configs.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    if (by_file.empty()) {
      return Error(il_.config.line, "no " + s.name + " configuration has " + il_.config.value +
                                        " (configurations: " + JoinConfigs(s, all) + ")");
    }
    if (il_.config.present() && !r_.inferred) {
      // Both lines are explicit: the config line decides. The header has
      // fitted the scenario's CPUs; it need not name this configuration (a
      // counterexample writer's roles may not vary with it).
      if (by_file.size() > 1) {
        return Error(il_.config.line, "ambiguous configuration: " + s.name + " has " + std::to_string(by_file.size()) +
                                          " that fit (" + JoinConfigs(s, by_file) + "); extend the 'config:' line");
      }
      r_.config = by_file.front();
      if (by_both.empty()) {
        r_.notes.push_back("the header's functions fit " + s.name + " " + std::string(forms_.front()->config) +
                           ", but 'config: " + il_.config.value + "' decides");
      }
      return true;
    }
    if (by_both.empty()) {
      return Error(il_.config.line, "config: " + il_.config.value + " contradicts the header (" + ColumnsText() +
                                        " fits " + s.name + " " + std::string(forms_.front()->config) + ")");
    }
    if (by_both.size() > 1) {
      return Error(il_.config.present() ? il_.config.line : il_.header_line,
                   "ambiguous configuration: " + s.name + " has " + std::to_string(by_both.size()) +
                       " that fit (" + JoinConfigs(s, by_both) + "); add or extend the 'config:' line");
    }
    r_.config = by_both.front();
    return true;
  }

  bool PickMutations() {
    if (ov_.mutations) {
      r_.mutations = *ov_.mutations;
      r_.mutation_source = "the command line";
      if (il_.mutation.present() && !(il_.mutations == *ov_.mutations)) {
        r_.notes.push_back("--mutation " + ov_.mutations->ToString() + " overrides the file's 'mutation: " +
                           il_.mutation.value + "'");
      }
    } else {
      r_.mutations = il_.mutations;
      if (il_.mutation.present()) r_.mutation_source = "the file";
    }
    for (const MutationInfo& m : kMutations) {
      if (!r_.mutations.Has(m.id)) continue;
      if (std::find(S().mutations.begin(), S().mutations.end(), m.id) == S().mutations.end()) {
        r_.notes.push_back(std::string(m.name) + " is not among the mutations " + S().name +
                           " shows; the replay runs it anyway");
      }
    }
    return true;
  }

  bool PickValues() {
    const ScenarioInfo& s = S();
    if (il_.initial_value) {
      if (!s.takes_initial) return Error(il_.initial.line, s.name + " takes no initial value (its spte is fixed)");
      if (*il_.initial_value == 0) {
        return Error(il_.initial.line, "initial: 0 is not a value a writer stored (0 selects " + s.name +
                                           "'s self-checking values; omit the line for them)");
      }
      r_.initial = il_.initial_value;
    }
    if (!il_.written_values.empty()) {
      const int max = ValuesTaken(s);
      if (static_cast<int>(il_.written_values.size()) > max) {
        if (max == 0) return Error(il_.values.line, s.name + "'s writers store no values (values: lists " +
                                                        std::to_string(il_.written_values.size()) + ")");
        return Error(il_.values.line, s.name + " stores " + std::to_string(max) + " value" + (max == 1 ? "" : "s") +
                                          ", but values: lists " + std::to_string(il_.written_values.size()));
      }
      for (std::uint64_t v : il_.written_values) {
        if (v == 0) return Error(il_.values.line, "values: 0 is not supported (0 selects the self-checking values)");
      }
      r_.values = il_.written_values;
    }
    return true;
  }

  const Interleaving& il_;
  std::span<const ScenarioInfo> cat_;
  const Overrides& ov_;
  std::vector<std::set<std::string>> known_;
  std::vector<const HeaderForm*> forms_;
  Resolved r_;
  Problem problem_;
};

}  // namespace

std::span<const HeaderForm> HeaderForms() { return kHeaderForms; }

std::string FormText(const HeaderForm& f) {
  std::string out;
  for (int k = 0; k < FormThreads(f); ++k) {
    out += (k == 0 ? "" : "   ") + std::string("CPU ") + std::to_string(k + 1) + ": " +
           SpecText(f.threads[static_cast<std::size_t>(k)]);
  }
  return out;
}

int ValuesTaken(const ScenarioInfo& s) {
  int n = s.max_values;
  for (const HeaderForm& f : kHeaderForms) {
    if (f.scenario == s.name) n = f.values;
  }
  return n;
}

std::vector<std::string> ConfigTokens(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (std::isspace(static_cast<unsigned char>(c)) || (c == ',' && depth == 0)) {
      flush();
    } else {
      cur.push_back(c);
    }
  }
  flush();
  return out;
}

Parsed<Resolved> Resolve(const Interleaving& il, std::span<const ScenarioInfo> catalogue, const Overrides& ov) {
  return Resolver(il, catalogue, ov).Run();
}

}  // namespace mmu::replay
