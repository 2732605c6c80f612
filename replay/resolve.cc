// replay/resolve.cc: scenario inference and configuration matching.
#include "replay/resolve.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

namespace mmu::replay {
namespace {

std::string Norm(std::string_view name) {
  while (!name.empty() && name.front() == '_') name.remove_prefix(1);
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A thread's functions, normalised: each item lists the names of one
// function; an optional item may be named but need not be.
using ThreadSpec = std::vector<RoleItem>;

ThreadSpec Spec(std::string_view text) {
  ThreadSpec spec = ParseRole(text);
  for (RoleItem& i : spec) {
    for (std::string& n : i.names) n = Norm(n);
  }
  return spec;
}

// Every function name the catalogue's roles know.
std::set<std::string> Vocabulary(const std::vector<HeaderForm>& forms) {
  std::set<std::string> v;
  for (const HeaderForm& f : forms) {
    for (const std::string& t : f.threads) {
      for (const RoleItem& item : Spec(t)) v.insert(item.names.begin(), item.names.end());
    }
  }
  return v;
}

// The known function names in a column's header text.
std::set<std::string> KnownFunctions(std::string_view text, const std::set<std::string>& vocabulary) {
  std::set<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && vocabulary.count(Norm(word)) != 0) out.insert(Norm(word));
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
  for (const RoleItem& item : spec) {
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
  for (const RoleItem& item : spec) {
    if (item.optional) continue;
    if (std::none_of(item.names.begin(), item.names.end(), [&](const std::string& n) { return names.count(n) != 0; })) {
      return false;
    }
  }
  return true;
}

int FormThreads(const HeaderForm& f) { return static_cast<int>(f.threads.size()); }

// A role that runs nothing (zap-root requests=1's CPU 3: "idle").
bool IsIdle(std::string_view role) {
  const ThreadSpec spec = Spec(role);
  return spec.size() == 1 && spec.front().names == std::vector<std::string>{"idle"};
}

// "CPU 3", "CPU 2 and CPU 3": scenario CPUs (thread indices), for messages.
std::string CpuList(const std::vector<int>& threads) {
  std::string out;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    out += std::string(i == 0 ? "" : i + 1 == threads.size() ? " and " : ", ") + "CPU " +
           std::to_string(threads[i] + 1);
  }
  return out;
}

// "CPU 1: a, CPU 2: b or c": what each CPU of a scenario runs, from its forms.
std::string RolesText(const std::vector<HeaderForm>& forms, int scenario) {
  std::vector<std::vector<std::string>> per_cpu;
  for (const HeaderForm& f : forms) {
    if (f.scenario != scenario) continue;
    per_cpu.resize(std::max<std::size_t>(per_cpu.size(), f.threads.size()));
    for (std::size_t k = 0; k < f.threads.size(); ++k) {
      auto& opts = per_cpu[k];
      const std::string t = RoleText(f.threads[k]);
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

// Steps whose value is what they read: a value the table gives for them is
// checked against the run.
bool ReadsValue(Step s) {
  switch (s) {
    case Step::ReadCount:
    case Step::ReadLow:
    case Step::ReadHigh:
    case Step::ReadSpte:
    case Step::ReadMode:
    case Step::ReadGen:
    case Step::ReadGpte:
    case Step::LookupSlot:
      return true;
    default:
      return false;
  }
}

std::string HexText(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

class Resolver {
 public:
  // The resolver works on its own copy of the table: a header that leaves out
  // idle CPUs gets their columns (LeaveOutIdle).
  Resolver(const Interleaving& il, std::span<const ScenarioInfo> cat, const Overrides& ov, const StepFacts* facts)
      : il_(il), cat_(cat), ov_(ov), facts_(facts), all_forms_(HeaderForms(cat)) {}

  Parsed<Resolved> Run() {
    const std::set<std::string> vocabulary = Vocabulary(all_forms_);
    for (const Column& c : il_.columns) known_.push_back(KnownFunctions(c.function, vocabulary));
    // A composite row names its function: "set spte" in a column is __set_spte.
    for (const Row& row : il_.rows) {
      const auto k = static_cast<std::size_t>(row.thread);
      if (row.phrase == Phrase::kSetSpte && k < known_.size() && vocabulary.count("set_spte") != 0) {
        known_[k].insert("set_spte");
      }
    }
    if (!PickScenario() || !CheckColumns() || !PickConfig() || !IdleInConfig() || !PickMutations() || !PickValues() ||
        !PlaceRows()) {
      return {std::nullopt, problem_};
    }
    if (!idle_added_.empty()) r_.table = il_;
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
      // A header without the columns of CPUs that are idle in some member.
      if (static_cast<int>(il_.columns.size()) < cat_[static_cast<std::size_t>(r_.scenario)].threads) {
        switch (LeaveOutIdle(/*exact=*/false)) {
          case Fit::kYes: return true;
          case Fit::kError: return false;
          case Fit::kNo: break;
        }
      }
      // The header's known functions must belong to the scenario's CPUs.
      for (const HeaderForm& f : all_forms_) {
        if (f.scenario == r_.scenario && FormFits(f, /*exact=*/false)) forms_.push_back(&f);
      }
      if (forms_.empty()) return Error(il_.header_line, HeaderMismatch());
      return true;
    }
    std::set<std::string> names;
    for (const HeaderForm& f : all_forms_) {
      if (FormFits(f, /*exact=*/true)) {
        forms_.push_back(&f);
        names.insert(cat_[static_cast<std::size_t>(f.scenario)].name);
      }
    }
    if (names.empty()) {
      switch (LeaveOutIdle(/*exact=*/true)) {
        case Fit::kYes: r_.inferred = true; return true;
        case Fit::kError: return false;
        case Fit::kNo: break;
      }
      return Error(il_.header_line, "cannot infer the scenario from the header (" + ColumnsText() +
                                        "); add a 'scenario:' line (replay --list shows the headers that name one)");
    }
    if (names.size() > 1) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      return Error(il_.header_line, "the header fits several scenarios (" + list + "); add a 'scenario:' line");
    }
    for (std::size_t i = 0; i < cat_.size(); ++i) {
      if (cat_[i].name == *names.begin()) r_.scenario = static_cast<int>(i);
    }
    r_.inferred = true;
    return true;
  }

  enum class Fit { kNo, kYes, kError };

  // The scenario CPUs the columns stand for if the header leaves out the CPUs
  // that are idle in form f (the columns, in order, are f's other CPUs);
  // empty when f has no idle CPU or the columns do not fit it that way.
  std::vector<int> WithoutIdle(const HeaderForm& f, bool exact) const {
    std::vector<int> cpus;
    for (int t = 0; t < FormThreads(f); ++t) {
      if (!IsIdle(f.threads[static_cast<std::size_t>(t)])) cpus.push_back(t);
    }
    if (cpus.size() == f.threads.size() || cpus.size() != il_.columns.size()) return {};
    for (std::size_t k = 0; k < cpus.size(); ++k) {
      if (!Matches(Spec(f.threads[static_cast<std::size_t>(cpus[k])]), known_[k], exact)) return {};
    }
    return cpus;
  }

  // A header that has no column for a CPU that is idle in some member of the
  // family (zap-root requests=1's CPU 3, zap-all zappers=1's CPU 3): the
  // missing CPU is read as idle, its column added to the table (and a note
  // says so). Only forms of r_.scenario when it is known.
  Fit LeaveOutIdle(bool exact) {
    std::vector<const HeaderForm*> fits;
    std::vector<int> cpus;
    std::set<std::string> names;
    bool one_way = true;
    for (const HeaderForm& f : all_forms_) {
      if (r_.scenario >= 0 && f.scenario != r_.scenario) continue;
      const std::vector<int> c = WithoutIdle(f, exact);
      if (c.empty()) continue;
      if (!fits.empty() && c != cpus) one_way = false;
      fits.push_back(&f);
      cpus = c;
      names.insert(cat_[static_cast<std::size_t>(f.scenario)].name);
    }
    if (fits.empty()) return Fit::kNo;
    if (names.size() > 1) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      Error(il_.header_line, "the header fits several scenarios if the CPUs it leaves out are idle (" + list +
                                 "); add a 'scenario:' line and give every CPU a column");
      return Fit::kError;
    }
    r_.scenario = fits.front()->scenario;
    if (!one_way) {
      Error(il_.header_line, "the header leaves out CPUs of " + S().name +
                                 " that are idle in different configurations, and fits more than one way; give every "
                                 "CPU a column ('CPU n: idle' for one that runs nothing)");
      return Fit::kError;
    }
    forms_ = fits;
    AddIdleColumns(cpus);
    std::vector<int> configs;
    for (const HeaderForm* f : fits) configs.insert(configs.end(), f->configs.begin(), f->configs.end());
    std::sort(configs.begin(), configs.end());
    r_.notes.push_back("the header has no column for " + S().name + "'s " + CpuList(idle_added_) + ", idle in " +
                       JoinConfigs(S(), configs) + ": read as idle (" + (idle_added_.size() == 1 ? "it runs" : "they run") +
                       " nothing; the report shows " + (idle_added_.size() == 1 ? "its column" : "their columns") + ")");
    return Fit::kYes;
  }

  // Widens the table to every CPU of the form: column k becomes CPU cpus[k],
  // the others get an "idle" column; rows follow their columns.
  void AddIdleColumns(const std::vector<int>& cpus) {
    const std::size_t n = static_cast<std::size_t>(FormThreads(*forms_.front()));
    std::vector<Column> columns(n);
    std::vector<std::set<std::string>> known(n);
    std::vector<bool> real(n, false);
    std::set<int> labels;
    for (std::size_t k = 0; k < cpus.size(); ++k) {
      const auto t = static_cast<std::size_t>(cpus[k]);
      columns[t] = il_.columns[k];
      known[t] = known_[k];
      real[t] = true;
      labels.insert(il_.columns[k].cpu_label);
    }
    for (std::size_t t = 0; t < n; ++t) {
      if (real[t]) continue;
      idle_added_.push_back(static_cast<int>(t));
      Column c;
      // "CPU t+1" unless the poster used that label for another column.
      c.cpu_label = labels.count(static_cast<int>(t) + 1) == 0 ? static_cast<int>(t) + 1 : *labels.rbegin() + 1;
      labels.insert(c.cpu_label);
      c.function = "idle";
      // No cell can be in it: it starts where the next real column starts
      // (or, last, past every cell).
      int start = 1 << 20;
      for (std::size_t u = t + 1; u < n; ++u) {
        if (real[u]) {
          start = columns[u].start;
          break;
        }
      }
      c.start = c.text_start = start;
      columns[t] = std::move(c);
      known[t] = {"idle"};
    }
    for (Row& row : il_.rows) {
      row.thread = cpus[static_cast<std::size_t>(row.thread)];
      if (row.alt_thread >= 0) row.alt_thread = cpus[static_cast<std::size_t>(row.alt_thread)];
    }
    il_.columns = std::move(columns);
    known_ = std::move(known);
  }

  // With a 'config:' line that decides, the member must have the CPUs the
  // header left out idle.
  bool IdleInConfig() {
    if (idle_added_.empty() || HeaderAllows(r_.config)) return true;
    std::string runs;
    for (int t : idle_added_) {
      runs += (runs.empty() ? "" : ", ") + std::string("CPU ") + std::to_string(t + 1) + " runs " +
              RoleText(S().Functions(r_.config, t));
    }
    return Error(il_.config.line, "the header has no column for " + CpuList(idle_added_) + ", but in " +
                                      S().configs[static_cast<std::size_t>(r_.config)] + " " + runs +
                                      "; give every CPU a column");
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
      for (const HeaderForm& f : all_forms_) {
        if (f.scenario != r_.scenario || k >= static_cast<std::size_t>(FormThreads(f))) continue;
        if (Matches(Spec(f.threads[k]), known_[k], false)) fits = true;
        const std::string t = RoleText(f.threads[k]);
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
    const std::string roles = RolesText(all_forms_, r_.scenario);
    const std::string runs = S().name + " runs " + std::to_string(want) + " CPUs" + (roles.empty() ? "" : " (" + roles + ")");
    if (have > want) {
      return Error(il_.header_line, "unknown CPU: column " + std::to_string(want + 1) + " ('" +
                                        il_.ColumnTitle(want) + "') has no counterpart; " + runs);
    }
    return Error(il_.header_line, "the header has " + std::to_string(have) + " column" + (have == 1 ? "" : "s") +
                                      ", but " + runs + "; give every CPU a column");
  }

  // The members the header's forms allow (every member without a header).
  bool HeaderAllows(int member) const {
    if (forms_.empty()) return true;
    return std::any_of(forms_.begin(), forms_.end(), [&](const HeaderForm* f) {
      return std::find(f->configs.begin(), f->configs.end(), member) != f->configs.end();
    });
  }
  std::string FormConfigs() const { return JoinConfigs(S(), forms_.front()->configs); }

  bool PickConfig() {
    const ScenarioInfo& s = S();
    std::string why;
    const std::optional<ConfigPairs> asked = ConfigPairs::Parse(il_.config.value, &why);
    if (!asked) return Error(il_.config.line, "config: " + why + " (give key=value pairs, e.g. " + s.configs.front() + ")");
    std::set<std::string> keys;
    std::vector<ConfigPairs> members;
    for (const std::string& c : s.configs) {
      members.push_back(*ConfigPairs::Parse(c));
      for (const auto& [k, v] : members.back().pairs()) keys.insert(k);
    }
    for (const auto& [k, v] : asked->pairs()) {
      if (keys.count(k) != 0) continue;
      std::string list;
      for (const std::string& key : keys) list += (list.empty() ? "" : ", ") + key;
      return Error(il_.config.line, s.name + "'s configurations have no key '" + k + "'" +
                                        (list.empty() ? "" : " (keys: " + list + ")"));
    }
    std::vector<int> by_file, by_both;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (!members[i].Contains(*asked)) continue;
      by_file.push_back(static_cast<int>(i));
      if (HeaderAllows(static_cast<int>(i))) by_both.push_back(static_cast<int>(i));
    }
    std::vector<int> all(s.configs.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    if (by_file.empty()) {
      return Error(il_.config.line, "no " + s.name + " configuration has " + il_.config.value +
                                        " (configurations: " + JoinConfigs(s, all) + ")");
    }
    if (il_.config.present() && !r_.inferred) {
      // Both lines are explicit: the config line decides. The header has
      // fitted the scenario's CPUs; it need not name this configuration.
      if (by_file.size() > 1) {
        return Error(il_.config.line, "ambiguous configuration: " + s.name + " has " + std::to_string(by_file.size()) +
                                          " that fit (" + JoinConfigs(s, by_file) + "); extend the 'config:' line");
      }
      r_.config = by_file.front();
      if (by_both.empty()) {
        r_.notes.push_back("the header's functions fit " + s.name + " " + FormConfigs() + ", but 'config: " +
                           il_.config.value + "' decides");
      }
      return true;
    }
    if (by_both.empty()) {
      return Error(il_.config.line, "config: " + il_.config.value + " contradicts the header (" + ColumnsText() +
                                        " fits " + s.name + " " + FormConfigs() + ")");
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
      if (S().TwinOf(m.id) == nullptr) {
        r_.notes.push_back(std::string(m.name) + " is not among the mutations " + S().name +
                           " shows; the replay runs it anyway");
      }
    }
    return true;
  }

  bool PickValues() {
    const ScenarioInfo& s = S();
    // The values of the prose: "Say spte = V" above the table, "set spte to V" in it.
    std::optional<std::uint64_t> initial = il_.initial_value;
    int initial_line = il_.initial.line;
    if (il_.stated_initial_value) {
      if (initial && *initial != *il_.stated_initial_value) {
        return Error(il_.stated_initial.line, "'" + il_.stated_initial.value + "' states the initial spte " +
                                                  HexText(*il_.stated_initial_value) + ", but 'initial:' (line " +
                                                  std::to_string(il_.initial.line) + ") says " + HexText(*initial));
      }
      if (!initial && s.posted.initial) {
        initial = il_.stated_initial_value;
        initial_line = il_.stated_initial.line;
        r_.notes.push_back("the initial spte is " + HexText(*initial) + ", as line " +
                           std::to_string(il_.stated_initial.line) + " states");
      }
    }
    std::vector<std::uint64_t> set_values;
    int set_line = 0;
    for (const Row& row : il_.rows) {
      if (row.phrase != Phrase::kSetSpte || !row.value) continue;
      if (std::find(set_values.begin(), set_values.end(), *row.value) == set_values.end()) set_values.push_back(*row.value);
      if (set_line == 0) set_line = row.line;
    }
    std::vector<std::uint64_t> written = il_.written_values;
    int values_line = il_.values.line;
    if (!set_values.empty()) {
      if (!written.empty() && written != set_values) {
        return Error(set_line, "the table sets the spte to " + HexText(set_values.front()) + ", but 'values:' (line " +
                                   std::to_string(il_.values.line) + ") says " + HexText(written.front()));
      }
      written = set_values;
      values_line = set_line;
    }
    if (initial) {
      if (!s.posted.initial) return Error(initial_line, s.name + " takes no initial value (its spte is fixed)");
      if (*initial == 0) {
        return Error(initial_line, "initial: 0 is not a value a writer stored (0 selects " + s.name +
                                       "'s self-checking values; omit the line for them)");
      }
      r_.initial = initial;
    }
    if (!written.empty()) {
      const int max = s.posted.values;
      if (static_cast<int>(written.size()) > max) {
        if (max == 0) return Error(values_line, s.name + "'s writers store no values (values: lists " +
                                                    std::to_string(written.size()) + ")");
        return Error(values_line, s.name + " stores " + std::to_string(max) + " value" + (max == 1 ? "" : "s") +
                                      ", but values: lists " + std::to_string(written.size()));
      }
      for (std::uint64_t v : written) {
        if (v == 0) return Error(values_line, "values: 0 is not supported (0 selects the self-checking values)");
      }
      r_.values = written;
    }
    return true;
  }

  // Can CPU `cpu` run every step of `steps`? (Unknown facts: yes.)
  bool CanRun(int cpu, const std::vector<Step>& steps) const {
    const StepSet* set = facts_ != nullptr ? facts_->Of(r_.scenario, r_.config, cpu) : nullptr;
    if (set == nullptr) return true;
    return std::all_of(steps.begin(), steps.end(), [&](Step s) {
      return set->test(static_cast<std::size_t>(s)) || (s == Step::DropLock && set->test(static_cast<std::size_t>(Step::LockBreak)));
    });
  }
  bool Known(int cpu) const { return facts_ != nullptr && facts_->Of(r_.scenario, r_.config, cpu) != nullptr; }

  // The steps a row runs if it is CPU `cpu`'s ("" when it cannot be).
  std::vector<Step> StepsOf(const Row& row, int cpu) const {
    if (row.phrase == Phrase::kStep) return {row.step};
    return CompositeSteps(row.phrase, S().Functions(r_.config, cpu));
  }

  std::string Col(int k) const {
    return il_.CpuName(k) + " (header at column " + std::to_string(il_.columns[static_cast<std::size_t>(k)].start + 1) + ")";
  }

  // Each row's CPU, its steps and the value it must read.
  bool PlaceRows() {
    for (const Row& row : il_.rows) {
      ResolvedRow rr;
      rr.thread = row.thread;
      const std::string name = "'" + RowName(row) + "'";
      if (row.alt_thread >= 0) {
        const int a = row.thread, b = row.alt_thread;
        const std::vector<Step> sa = StepsOf(row, a), sb = StepsOf(row, b);
        const bool can_a = !sa.empty() && CanRun(a, sa), can_b = !sb.empty() && CanRun(b, sb);
        const std::string where = "line " + std::to_string(row.line) + " (" + name + ", from column " +
                                  std::to_string(row.column + 1) + ") sits between the columns of " + Col(a) +
                                  " and " + Col(b);
        if (can_a != can_b) {
          rr.thread = can_a ? a : b;
          rr.other_column = can_a ? b : a;
          rr.placed = where + ": only " + il_.CpuName(rr.thread) + " runs " + name;
          r_.notes.push_back(rr.placed + ", so it is " + il_.CpuName(rr.thread) + "'s");
        } else if (can_a && Known(a) && Known(b)) {
          return Error(row.line, where + ", and both CPUs run " + name +
                                     ": align it under the header of the CPU that runs it");
        } else {
          rr.other_column = b;
          rr.placed = where + (can_a ? "" : ", and neither runs " + name) + "; it is taken as " + il_.CpuName(a) +
                      "'s by its position (if it is " + il_.CpuName(b) + "'s, align it under that header)";
        }
      }
      rr.steps = StepsOf(row, rr.thread);
      if (rr.steps.empty()) {
        return Error(row.line, name + " is in " + il_.CpuName(rr.thread) + "'s column, but " + il_.CpuName(rr.thread) +
                                   " runs " + RoleText(S().Functions(r_.config, rr.thread)) + ", which " +
                                   (row.phrase == Phrase::kClearSpte ? "clears no spte" : "does not set an spte"));
      }
      if (row.value) {
        if (row.phrase == Phrase::kClearSpte && *row.value != 0) {
          return Error(row.line, "'" + row.text + "': a clear leaves the spte 0x0 (non-present), not " +
                                     HexText(*row.value));
        }
        if (row.phrase == Phrase::kStep && ReadsValue(row.step)) {
          rr.check_value = true;
          rr.value = *row.value;
        } else if (row.phrase == Phrase::kStep) {
          rr.value_note = "'" + row.value_text + "' is not checked: '" + std::string(StepName(row.step)) +
                          "' reports " + (row.step == Step::CheckLowAndCount ? "whether the recheck passed" : "what it wrote") +
                          ", not a value it read";
        }
      }
      r_.rows.push_back(std::move(rr));
    }
    return true;
  }

  Interleaving il_;
  std::span<const ScenarioInfo> cat_;
  const Overrides& ov_;
  const StepFacts* facts_;
  std::vector<HeaderForm> all_forms_;
  std::vector<std::set<std::string>> known_;
  std::vector<const HeaderForm*> forms_;
  Resolved r_;
  Problem problem_;
  std::vector<int> idle_added_;  // CPUs the header left out, read as idle
};

}  // namespace

std::vector<HeaderForm> HeaderForms(std::span<const ScenarioInfo> catalogue) {
  std::vector<HeaderForm> forms;
  for (std::size_t i = 0; i < catalogue.size(); ++i) {
    const ScenarioInfo& s = catalogue[i];
    for (int c = 0; c < static_cast<int>(s.configs.size()); ++c) {
      std::vector<std::string> threads;
      for (int cpu = 0; cpu < s.threads; ++cpu) threads.emplace_back(s.Functions(c, cpu));
      auto same = std::find_if(forms.begin(), forms.end(), [&](const HeaderForm& f) {
        return f.scenario == static_cast<int>(i) && f.threads == threads;
      });
      if (same != forms.end()) {
        same->configs.push_back(c);
      } else {
        forms.push_back(HeaderForm{static_cast<int>(i), {c}, std::move(threads)});
      }
    }
  }
  return forms;
}

std::string FormText(const HeaderForm& f) {
  std::string out;
  for (int k = 0; k < FormThreads(f); ++k) {
    out += (k == 0 ? "" : "   ") + std::string("CPU ") + std::to_string(k + 1) + ": " +
           RoleText(f.threads[static_cast<std::size_t>(k)]);
  }
  return out;
}

const StepSet* StepFacts::Of(int scenario, int config, int cpu) const {
  if (scenario < 0 || static_cast<std::size_t>(scenario) >= sets.size()) return nullptr;
  const auto& s = sets[static_cast<std::size_t>(scenario)];
  if (config < 0 || static_cast<std::size_t>(config) >= s.size()) return nullptr;
  const auto& c = s[static_cast<std::size_t>(config)];
  if (cpu < 0 || static_cast<std::size_t>(cpu) >= c.size()) return nullptr;
  return &c[static_cast<std::size_t>(cpu)];
}

std::vector<Step> CompositeSteps(Phrase phrase, std::string_view functions) {
  bool slow = false, fast = false, set = false;
  for (const RoleItem& item : ParseRole(functions)) {
    for (const std::string& n : item.names) {
      slow = slow || n == "__update_clear_spte_slow";
      fast = fast || n == "__update_clear_spte_fast";
      set = set || n == "__set_spte";
    }
  }
  switch (phrase) {
    case Phrase::kClearSpte:
      // split_spte.h: the slow clear xchgs the low word, reads and writes the
      // high word; both count the clear.
      if (slow) return {Step::WriteLow, Step::ReadHigh, Step::WriteHigh, Step::UpdateCount};
      if (fast) return {Step::WriteLow, Step::WriteHigh, Step::UpdateCount};
      return {};
    case Phrase::kSetSpte:
      if (set) return {Step::WriteHigh, Step::WriteLow};
      return {};
    case Phrase::kStep: break;
  }
  return {};
}

Parsed<Resolved> Resolve(const Interleaving& il, std::span<const ScenarioInfo> catalogue, const Overrides& ov,
                         const StepFacts* facts) {
  return Resolver(il, catalogue, ov, facts).Run();
}

}  // namespace mmu::replay
