#include "api/selector.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace netkube::api {
namespace {

using nlohmann::json;
using Op = Requirement::Op;

LabelSelector MustParse(std::string_view s) {
  auto sel = LabelSelector::Parse(s);
  EXPECT_TRUE(sel.ok()) << s << ": " << sel.status().message();
  return sel.ok() ? *sel : LabelSelector();
}

std::string ParseError(std::string_view s) {
  auto sel = LabelSelector::Parse(s);
  EXPECT_FALSE(sel.ok()) << s;
  return sel.ok() ? "" : sel.status().message();
}

TEST(LabelSelectorParse, Canonicalizes) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"", ""},
      {"app=web", "app=web"},
      {"app==web", "app=web"},
      {"tier!=db,app=web", "app=web,tier!=db"},
      {"env in (prod, dev)", "env in (dev,prod)"},
      {"env notin (a,a,b)", "env notin (a,b)"},
      {"release", "release"},
      {"!canary", "!canary"},
      {"  app = web , !canary ", "app=web,!canary"},  // sorted by key; "!" is not part of it
      {"x in (in)", "x in (in)"},
      {"x=", "x="},
      {"x in ()", "x in ()"},
      {"n>5,m<10", "m<10,n>5"},
      {"example.com/role=web", "example.com/role=web"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(MustParse(c.in).ToString(), c.out) << c.in;
  }
}

TEST(LabelSelectorParse, Requirements) {
  auto sel = MustParse("b notin (y,x),a");
  ASSERT_EQ(sel.requirements().size(), 2u);
  EXPECT_EQ(sel.requirements()[0].key, "a");
  EXPECT_EQ(sel.requirements()[0].op, Op::kExists);
  EXPECT_EQ(sel.requirements()[1].op, Op::kNotIn);
  EXPECT_EQ(sel.requirements()[1].values, (std::vector<std::string>{"x", "y"}));
}

TEST(LabelSelectorParse, Errors) {
  EXPECT_EQ(ParseError("app=-bad"),
            "unable to parse requirement: values[0][app]: Invalid value: \"-bad\": a valid label "
            "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
            "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
            "or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(ParseError("-app=x"),
            "unable to parse requirement: <nil>: Invalid value: \"-app\": name part must consist of "
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
            "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  EXPECT_EQ(ParseError("n>abc"),
            "unable to parse requirement: values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' "
            "operators, the value must be an integer");
  EXPECT_EQ(ParseError("a=b c"), "found 'c', expected: ',' or 'end of string'");
  EXPECT_EQ(ParseError("a,"), "found '', expected: identifier after ','");
  EXPECT_EQ(ParseError("=a"), "found '=', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(ParseError("a in b"), "unable to parse requirement: found 'b' expected: '('");
  EXPECT_EQ(ParseError("a in (b"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(ParseError("a b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(ParseError("!a=b"), "found '=', expected: ',' or 'end of string'");
  EXPECT_EQ(ParseError("a/b/c"),
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must "
            "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
            "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
            "subdomain prefix and '/' (e.g. 'example.com/MyName')");
  EXPECT_EQ(ParseError("a=" + std::string(64, 'x')),
            "unable to parse requirement: values[0][a]: Invalid value: \"" + std::string(64, 'x') +
                "\": must be no more than 63 characters");
}

TEST(LabelSelectorMatch, Operators) {
  std::map<std::string, std::string> labels = {{"app", "web"}, {"tier", "front"}, {"n", "7"}};
  struct Case {
    const char* sel;
    bool match;
  } cases[] = {
      {"", true},
      {"app=web", true},
      {"app=db", false},
      {"app!=db", true},
      {"missing!=x", true},
      {"app in (db,web)", true},
      {"app notin (db,web)", false},
      {"missing notin (x)", true},
      {"missing in (x)", false},
      {"tier", true},
      {"missing", false},
      {"!missing", true},
      {"!tier", false},
      {"n>5", true},
      {"n<5", false},
      {"app>5", false},  // not an integer label
      {"missing<5", false},
      {"app=web,tier=back", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(MustParse(c.sel).Matches(labels), c.match) << c.sel;
  }
  json jl = {{"app", "web"}};
  EXPECT_TRUE(MustParse("app=web").Matches(jl));
  EXPECT_FALSE(MustParse("app=web").Matches(json()));
  EXPECT_TRUE(MustParse("!app").Matches(json()));
}

TEST(LabelSelectorJson, MatchLabelsAndExpressions) {
  json j = {{"matchLabels", {{"app", "web"}}},
            {"matchExpressions",
             {{{"key", "tier"}, {"operator", "In"}, {"values", {"front", "edge"}}},
              {{"key", "canary"}, {"operator", "DoesNotExist"}}}}};
  auto sel = LabelSelector::FromJson(j);
  ASSERT_TRUE(sel.ok()) << sel.status().message();
  EXPECT_EQ(sel->ToString(), "app=web,!canary,tier in (edge,front)");
  EXPECT_TRUE(sel->Matches(std::map<std::string, std::string>{{"app", "web"}, {"tier", "edge"}}));
  EXPECT_FALSE(sel->Matches(
      std::map<std::string, std::string>{{"app", "web"}, {"tier", "edge"}, {"canary", "1"}}));
}

TEST(LabelSelectorJson, EmptyNullAndErrors) {
  auto everything = LabelSelector::FromJson(json::object());
  ASSERT_TRUE(everything.ok());
  EXPECT_TRUE(everything->Empty());
  EXPECT_TRUE(everything->Matches(std::map<std::string, std::string>{}));

  auto nothing = LabelSelector::FromJson(json());
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->Empty());
  EXPECT_FALSE(nothing->Matches(std::map<std::string, std::string>{{"a", "b"}}));
  EXPECT_EQ(nothing->ToString(), "");

  auto bad_op = LabelSelector::FromJson(
      json{{"matchExpressions", {{{"key", "a"}, {"operator", "Equals"}, {"values", {"b"}}}}}});
  ASSERT_FALSE(bad_op.ok());
  EXPECT_EQ(bad_op.status().message(), "\"Equals\" is not a valid label selector operator");

  auto no_values =
      LabelSelector::FromJson(json{{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}});
  ASSERT_FALSE(no_values.ok());
  EXPECT_EQ(no_values.status().message(),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't "
            "be empty");

  auto exists_values = LabelSelector::FromJson(
      json{{"matchExpressions", {{{"key", "a"}, {"operator", "Exists"}, {"values", {"b"}}}}}});
  ASSERT_FALSE(exists_values.ok());
  EXPECT_EQ(exists_values.status().message(),
            "values: Invalid value: []string{\"b\"}: values set must be empty for exists and does "
            "not exist");

  auto bad_key = LabelSelector::FromJson(json{{"matchLabels", {{"bad key", "x"}}}});
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.status().message().substr(0, 30), "key: Invalid value: \"bad key\":");
}

TEST(LabelSelectorMap, FromMap) {
  auto sel = LabelSelector::FromMap({{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(sel.ToString(), "a=1,b=2");
  EXPECT_TRUE(sel.Matches(std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_FALSE(sel.Matches(std::map<std::string, std::string>{{"a", "1"}}));
  EXPECT_TRUE(LabelSelector::FromMap({}).Empty());
}

TEST(FieldSelector, ParseAndMatch) {
  auto sel = FieldSelector::Parse("status.phase!=Running,metadata.name==web");
  ASSERT_TRUE(sel.ok()) << sel.status().message();
  ASSERT_EQ(sel->requirements().size(), 2u);
  EXPECT_EQ(sel->requirements()[0].key, "metadata.name");  // terms are sorted
  EXPECT_EQ(sel->requirements()[0].op, Op::kEquals);
  EXPECT_EQ(sel->requirements()[1].op, Op::kNotEquals);

  FieldSet fields = {{"metadata.name", "web"}, {"status.phase", "Pending"}};
  EXPECT_TRUE(sel->Matches(fields));
  fields[1].second = "Running";
  EXPECT_FALSE(sel->Matches(fields));

  auto empty = FieldSelector::Parse("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->Empty());
  EXPECT_TRUE(empty->Matches({}));

  // An absent field reads as "".
  auto unset = FieldSelector::Parse("spec.nodeName=");
  ASSERT_TRUE(unset.ok());
  EXPECT_TRUE(unset->Matches({{"metadata.name", "x"}}));
}

TEST(FieldSelector, Escapes) {
  auto sel = FieldSelector::Parse("metadata.name=a\\,b\\=c\\\\");
  ASSERT_TRUE(sel.ok()) << sel.status().message();
  EXPECT_EQ(sel->requirements()[0].values[0], "a,b=c\\");
}

TEST(FieldSelector, Errors) {
  auto no_op = FieldSelector::Parse("metadata.name");
  ASSERT_FALSE(no_op.ok());
  EXPECT_EQ(no_op.status().reason(), Reason::kBadRequest);
  EXPECT_EQ(no_op.status().message(),
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'");

  auto set_op = FieldSelector::Parse("a in (b)");
  ASSERT_FALSE(set_op.ok());

  auto bad_escape = FieldSelector::Parse("a=b\\x");
  ASSERT_FALSE(bad_escape.ok());
  EXPECT_EQ(bad_escape.status().message(), "invalid field selector: invalid escape sequence: \\x");

  auto unescaped = FieldSelector::Parse("a=b=c");
  ASSERT_FALSE(unescaped.ok());
  EXPECT_EQ(unescaped.status().message(),
            "invalid field selector: unescaped character in value: 61");
}

}  // namespace
}  // namespace netkube::api
