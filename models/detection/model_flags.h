// models/detection/model_flags.h: the sweep's flags of a model binary.
//
// Every model binary (models/model_main.cc) takes, besides the driver's flags
// (models/README.md "Command line"):
//
//   --weaken FILE:LINE:HOW   weaken the ordered call(s) at FILE:LINE (weakenings.h)
//   --sites FILE             write the ordered call sites the threads ran, as JSON
//   --mutant ID              run logical mutant ID (only the *_mutants binaries)
//   --mutants-reached FILE   write the mutation points the run reached, as JSON
//
// They are taken out of the command line before the driver sees the rest. A
// weakening that never applied (no such call ran, or HOW does not fit the
// call there) is bad input: exit 2 after the run, with a message.
#pragma once

#include "models/detection/site_hook.h"  // first: sync.h, relacy.hpp

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/detection/mutant.h"
#include "models/detection/weakenings.h"

namespace mmu::models::detection {

inline SiteTable g_sites;

inline std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

inline bool WriteSites(const std::string& path, const std::optional<WeakenRequest>& w) {
  std::ofstream f(path);
  f << "{\n  \"sites\": [";
  for (int i = 0; i < g_sites.size(); ++i) {
    const SiteTable::Entry& e = g_sites[i];
    f << (i == 0 ? "\n" : ",\n") << "    {\"file\": " << JsonString(WorkspacePath(e.file)) << ", \"line\": " << e.line
      << ", \"op\": " << JsonString(Name(e.op)) << ", \"order\": " << JsonString(Name(e.order))
      << ", \"function\": " << JsonString(e.function) << ", \"runs\": " << e.runs << "}";
  }
  f << "\n  ],\n  \"truncated\": " << (g_sites.truncated() ? "true" : "false");
  if (w) {
    f << ",\n  \"weakened\": {\"site\": " << JsonString(w->site.ToString()) << ", \"how\": " << JsonString(Name(w->how))
      << ", \"runs\": " << g_sites.target_runs() << ", \"applied\": " << g_sites.target_applied() << "}";
  }
  f << "\n}\n";
  return static_cast<bool>(f);
}

inline bool WriteReached(const std::string& path) {
  std::ofstream f(path);
  f << "{\"points\": " << mutant::g_points << ", \"active\": " << mutant::g_active << ", \"reached\": [";
  bool first = true;
  for (int i = 0; i < mutant::g_points && i < mutant::kMaxPoints; ++i) {
    if (mutant::g_reached[i] == 0) continue;
    f << (first ? "" : ", ") << i;
    first = false;
  }
  f << "]}\n";
  return static_cast<bool>(f);
}

// main() of a model binary: takes the sweep's flags out, runs the driver
// (run(argc, argv)) with the rest. `armed` says whether a round's threads run.
template <class Run>
int Main(int argc, char** argv, Run&& run, bool (*armed)()) {
  std::string prog = argc > 0 ? argv[0] : "model";
  if (const std::size_t slash = prog.rfind('/'); slash != std::string::npos) prog = prog.substr(slash + 1);
  auto bad = [&](const std::string& flag, const std::string& value, const std::string& why) {
    std::fprintf(stderr, "%s: %s %s: %s\n", prog.c_str(), flag.c_str(), value.c_str(), why.c_str());
    return 2;
  };
  std::vector<char*> rest;
  std::optional<WeakenRequest> weaken;
  std::string sites_out;
  std::string reached_out;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    std::string flag;
    std::string value;
    bool ours = false;
    for (std::string_view f : {"--weaken", "--sites", "--mutant", "--mutants-reached"}) {
      if (a == f) {
        if (i + 1 >= argc) return bad(std::string(f), "", "needs a value");
        flag = std::string(f);
        value = argv[++i];
        ours = true;
      } else if (a.substr(0, f.size() + 1) == std::string(f) + "=") {
        flag = std::string(f);
        value = std::string(a.substr(f.size() + 1));
        ours = true;
      }
      if (ours) break;
    }
    if (!ours) {
      rest.push_back(argv[i]);
      continue;
    }
    if (flag == "--weaken") {
      std::string error;
      weaken = ParseWeaken(value, error);
      if (!weaken) return bad(flag, value, error);
    } else if (flag == "--sites") {
      if (value.empty() || !std::ofstream(value)) return bad(flag, value, "cannot write");
      sites_out = value;
    } else if (flag == "--mutants-reached") {
      if (value.empty() || !std::ofstream(value)) return bad(flag, value, "cannot write");
      reached_out = value;
    } else {  // --mutant
      int id = -1;
      bool number = !value.empty() && value.size() < 7;
      for (char c : value) number = number && c >= '0' && c <= '9';
      if (number) id = std::stoi(value);
      if (mutant::g_points == 0) return bad(flag, value, "this binary has no mutants (use //models:<model>_mutants)");
      if (!number || id >= mutant::g_points) {
        return bad(flag, value, "not a mutant id (0.." + std::to_string(mutant::g_points - 1) + ")");
      }
      mutant::g_active = id;
    }
  }
  rest.push_back(nullptr);
  g_sites.SetArmed(armed);
  mutant::g_armed = armed;
  if (weaken) g_sites.Weaken(*weaken);
  const bool hook = weaken || !sites_out.empty();
  if (hook) sync::SetSiteHook(&g_sites);
  const int rc = run(static_cast<int>(rest.size()) - 1, rest.data());
  sync::SetSiteHook(nullptr);
  if (!sites_out.empty() && !WriteSites(sites_out, weaken)) return bad("--sites", sites_out, "write failed");
  if (!reached_out.empty() && !WriteReached(reached_out)) return bad("--mutants-reached", reached_out, "write failed");
  if (weaken && g_sites.target_applied() == 0 && rc != 2) {
    return bad("--weaken", weaken->site.ToString() + ":" + std::string(Name(weaken->how)),
               g_sites.target_runs() == 0
                   ? "no ordered call at this site ran in the selected runs (--sites lists the sites)"
                   : "the weakening does not apply to the call at this site (--sites lists its kind and order)");
  }
  return rc;
}

}  // namespace mmu::models::detection
