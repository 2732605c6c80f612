// The engine-free catalogue: the configuration tokeniser every tool shares,
// and the role language of scenario headers.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mmu_core/catalog/config.h"
#include "mmu_core/catalog/scenario_info.h"

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs Of(std::string_view text) {
  const std::optional<mmu::ConfigPairs> p = mmu::ConfigPairs::Parse(text);
  REQUIRE(p.has_value());
  return p->pairs();
}

}  // namespace

TEST_CASE("configurations are key=value pairs, separated by commas or blanks") {
  CHECK(Of("clear=fast") == Pairs{{"clear", "fast"}});
  CHECK(Of("clear=slow cycles=1") == Pairs{{"clear", "slow"}, {"cycles", "1"}});
  CHECK(Of("zappers=2,vcpu=idle") == Pairs{{"zappers", "2"}, {"vcpu", "idle"}});
  CHECK(Of("leaf=(1,1,0),A=1") == Pairs{{"leaf", "(1,1,0)"}, {"A", "1"}});
  CHECK(Of("  a=1 ,  b=2 ") == Pairs{{"a", "1"}, {"b", "2"}});
  CHECK(Of("").empty());
  CHECK(mmu::ConfigPairs::Parse("clear=slow cycles=1")->ToString() == "clear=slow,cycles=1");

  std::string error;
  CHECK(!mmu::ConfigPairs::Parse("flush-deferred", &error));
  CHECK(error == "'flush-deferred' is not key=value");
  CHECK(!mmu::ConfigPairs::Parse("a=1,a=2", &error));
  CHECK(error == "'a' is given twice");
  CHECK(!mmu::ConfigPairs::Parse("=1", &error));
  CHECK(!mmu::ConfigPairs::Parse("a=", &error));
  // Parentheses balance within a token (found by //replay/fuzz:config_fuzz:
  // "a=(b c=d" read as two pairs that, written back, were one).
  CHECK(!mmu::ConfigPairs::Parse("a=(b c=d", &error));
  CHECK(error == "'a=(b' has unbalanced parentheses");
  CHECK(!mmu::ConfigPairs::Parse("a=b),c=d", &error));
  CHECK(error == "'a=b)' has unbalanced parentheses");
  CHECK(mmu::ConfigPairs::Parse("leaf=(1,1,0),A=1")->ToString() == "leaf=(1,1,0),A=1");
}

TEST_CASE("a scenario's MakeConfig reports keys and values it does not know") {
  const mmu::ConfigPairs p = *mmu::ConfigPairs::Parse("clear=slow,extra=1");
  CHECK(p.Choice("clear", {"fast", "slow"}) == 1);
  const std::vector<std::string> problems = p.Problems();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "'extra' is not a key of this scenario");

  const mmu::ConfigPairs q = *mmu::ConfigPairs::Parse("clear=medium");
  CHECK(q.Choice("clear", {"fast", "slow"}) == 0);
  REQUIRE(q.Problems().size() == 1);
  CHECK(q.Problems()[0] == "'clear=medium' is not one of fast, slow");
}

TEST_CASE("a family member is selected by index, by pairs or as all") {
  const std::vector<std::string> family = {"clear=fast,cycles=1", "clear=slow,cycles=1", "clear=slow,cycles=2"};
  CHECK(mmu::SelectConfigs("s", family, "all").indices == std::vector<int>{0, 1, 2});
  CHECK(mmu::SelectConfigs("s", family, "").indices == std::vector<int>{0, 1, 2});
  CHECK(mmu::SelectConfigs("s", family, "1").indices == std::vector<int>{1});
  CHECK(mmu::SelectConfigs("s", family, "clear=fast").indices == std::vector<int>{0});
  CHECK(mmu::SelectConfigs("s", family, "cycles=2  clear=slow").indices == std::vector<int>{2});
  CHECK(mmu::SelectConfigs("s", family, "cycles=2,clear=slow").indices == std::vector<int>{2});
  CHECK(mmu::SelectConfigs("s", family, "clear=slow", /*many=*/true).indices == std::vector<int>{1, 2});
  CHECK(mmu::SelectConfigs("s", family, "clear=slow").error.find("matches several members") != std::string::npos);
  CHECK(mmu::SelectConfigs("s", family, "clear=medium").error.find("matches no member") != std::string::npos);
  CHECK(mmu::SelectConfigs("s", family, "zappers=2").error.find("have no key 'zappers'") != std::string::npos);
  CHECK(mmu::SelectConfigs("s", family, "3").error.find("out of range") != std::string::npos);
  CHECK(mmu::SelectConfigs("s", family, "99999999999999999999").error.find("out of range") != std::string::npos);
  CHECK(mmu::SelectConfigs("s", family, "slow").error.find("is not key=value") != std::string::npos);
  // The issue that made one tokeniser of three: zap-all's members are comma-separated.
  const std::vector<std::string> zap = {"zappers=1,vcpu=faulting", "zappers=2,vcpu=idle"};
  CHECK(mmu::SelectConfigs("zap-all", zap, "zappers=2").indices == std::vector<int>{1});
  CHECK(mmu::SelectConfigs("zap-all", zap, "zappers=2,vcpu=idle").indices == std::vector<int>{1});
}

TEST_CASE("selectors pick members; ';' separates alternatives") {
  CHECK(mmu::ConfigMatches("clear=fast,cycles=1", ""));
  CHECK(mmu::ConfigMatches("clear=fast,cycles=1", "clear=fast"));
  CHECK(!mmu::ConfigMatches("clear=fast,cycles=1", "clear=slow"));
  CHECK(mmu::ConfigMatches("race=B", "race=A; race=B"));
  CHECK(!mmu::ConfigMatches("race=C", "race=A; race=B"));
}

TEST_CASE("roles name kernel functions: alternatives and optional items") {
  const std::vector<mmu::RoleItem> r = mmu::ParseRole("a|b c? d");
  REQUIRE(r.size() == 3);
  CHECK(r[0].names == std::vector<std::string>{"a", "b"});
  CHECK(!r[0].optional);
  CHECK(r[1].names == std::vector<std::string>{"c"});
  CHECK(r[1].optional);
  CHECK(mmu::RoleText("a|b c? d") == "a | b + [c] + d");
  CHECK(mmu::RoleHeader("a|b c? d") == "a + c + d");
  CHECK(mmu::RoleText("") == "(nothing)");
  CHECK(mmu::TargetOf("split-slow-clear-d") == "split_slow_clear_d");
}
