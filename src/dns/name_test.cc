#include "dns/name.h"

#include <gtest/gtest.h>

namespace netkube::dns {
namespace {

Name N(std::string_view s) {
  auto n = Name::Parse(s);
  EXPECT_TRUE(n.ok()) << s << ": " << n.status().ToString();
  return n.ok() ? *n : Name();
}

TEST(NameTest, ParsesAbsoluteAndRelativeTheSame) {
  EXPECT_EQ(N("a.b.c").wire(), std::string("\1a\1b\1c\0", 7));
  EXPECT_EQ(N("a.b.c.").wire(), std::string("\1a\1b\1c\0", 7));
  EXPECT_EQ(N("kubernetes.default.svc.cluster.local.").label_count(), 5);
}

TEST(NameTest, Root) {
  EXPECT_TRUE(Name().IsRoot());
  EXPECT_TRUE(N(".").IsRoot());
  EXPECT_TRUE(N("").IsRoot());
  EXPECT_EQ(Name().ToString(), ".");
  EXPECT_EQ(Name().wire(), std::string(1, '\0'));
  EXPECT_EQ(Name().label_count(), 0);
  EXPECT_TRUE(Name().labels().empty());
}

TEST(NameTest, Escapes) {
  Name n = N("a\\.b.c");
  EXPECT_EQ(n.label_count(), 2);
  EXPECT_EQ(n.label(0), "a.b");
  EXPECT_EQ(n.ToString(), "a\\.b.c.");
  Name d = N("\\065\\000x.y");
  EXPECT_EQ(d.label(0), std::string("A\0x", 3));
  EXPECT_EQ(d.ToString(), "A\\000x.y.");
  EXPECT_EQ(N("a\\\\b.").label(0), "a\\b");
  EXPECT_EQ(N("a\\\\b.").ToString(), "a\\\\b.");
  // Trailing escaped dot: a label ending in '.', still absolute.
  Name t = N("a\\.");
  EXPECT_EQ(t.label_count(), 1);
  EXPECT_EQ(t.label(0), "a.");
}

TEST(NameTest, ToStringEscapesLikeDig) {
  auto n = Name::FromWire(std::string("\x0b" "a b\"();@$\\\x7f\3com\0", 17));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->ToString(), "a\\032b\\\"\\(\\)\\;\\@\\$\\\\\\127.com.");
  // And it parses back to the same wire.
  EXPECT_EQ(N(n->ToString()).wire(), n->wire());
}

TEST(NameTest, Errors) {
  for (std::string_view bad : {"a..b", ".a", "..", "a\\", "a\\1", "a\\12", "a\\256", "a\\1x2"}) {
    auto n = Name::Parse(bad);
    EXPECT_FALSE(n.ok()) << bad;
    if (!n.ok()) {
      EXPECT_TRUE(n.status().IsInvalid());
      EXPECT_EQ(n.status().message().rfind("bad name \"", 0), 0u) << n.status().message();
    }
  }
}

TEST(NameTest, Limits) {
  std::string l63(63, 'x'), l64(64, 'x');
  EXPECT_TRUE(Name::Parse(l63 + ".com").ok());
  auto e = Name::Parse(l64 + ".com");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("63"), std::string::npos);
  // 255 wire bytes: 4 labels of 62 (4*63 = 252) + one of 1 (2) + root (1) = 255.
  std::string l62(62, 'y');
  std::string max = l62 + "." + l62 + "." + l62 + "." + l62 + ".z";
  auto m = Name::Parse(max);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->wire().size(), 255u);
  auto over = Name::Parse(max + "z");
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("255"), std::string::npos);
  EXPECT_FALSE(m->Prepend("a").ok());
  // Escapes count as one byte.
  EXPECT_TRUE(Name::Parse(std::string(62, 'a') + "\\065").ok());
  EXPECT_FALSE(Name::Parse(std::string(63, 'a') + "\\065").ok());
}

TEST(NameTest, FromWire) {
  EXPECT_TRUE(Name::FromWire(std::string("\3com\0", 5)).ok());
  EXPECT_TRUE(Name::FromWire(std::string("\0", 1)).ok());
  EXPECT_FALSE(Name::FromWire("").ok());
  EXPECT_FALSE(Name::FromWire(std::string("\3com", 4)).ok());
  EXPECT_FALSE(Name::FromWire(std::string("\3com\0\0", 6)).ok());
  EXPECT_FALSE(Name::FromWire(std::string("\xc0\x0c", 2)).ok());
  EXPECT_FALSE(Name::FromWire(std::string("\x40") + std::string(64, 'a') + std::string(1, '\0')).ok());
  std::string big;
  for (int i = 0; i < 64; ++i) big += std::string("\3abc");
  big.push_back('\0');
  EXPECT_FALSE(Name::FromWire(big).ok());
}

TEST(NameTest, CaseInsensitiveButPreserving) {
  Name a = N("Kubernetes.Default.SVC.cluster.local");
  Name b = N("kubernetes.default.svc.CLUSTER.LOCAL.");
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a != b);
  EXPECT_EQ(a.ToString(), "Kubernetes.Default.SVC.cluster.local.");
  EXPECT_EQ(a.key(), b.key());
  EXPECT_EQ(a.key(), N("kubernetes.default.svc.cluster.local").wire());
  EXPECT_NE(N("a.b"), N("a.c"));
  EXPECT_NE(N("a.b"), N("ab"));
  std::string w = "\3ABC\2Zz";
  LowerWire(w);
  EXPECT_EQ(w, "\3abc\2zz");
}

TEST(NameTest, LabelsParentPrepend) {
  Name n = N("web.default.svc.cluster.local");
  auto labels = n.labels();
  ASSERT_EQ(labels.size(), 5u);
  EXPECT_EQ(labels[0], "web");
  EXPECT_EQ(labels[4], "local");
  EXPECT_EQ(n.label(2), "svc");
  EXPECT_EQ(n.label(9), "");
  EXPECT_EQ(n.Parent(), N("default.svc.cluster.local"));
  EXPECT_EQ(n.Parent(3), N("cluster.local"));
  EXPECT_TRUE(n.Parent(5).IsRoot());
  EXPECT_TRUE(n.Parent(7).IsRoot());
  EXPECT_EQ(n.Parent(0), n);
  auto p = n.Parent(1).Prepend("api");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ToString(), "api.default.svc.cluster.local.");
  EXPECT_EQ(Name().Prepend("com")->ToString(), "com.");
  EXPECT_FALSE(n.Prepend("").ok());
  EXPECT_FALSE(n.Prepend(std::string(64, 'a')).ok());
  EXPECT_EQ(n.Prepend("a.b")->label(0), "a.b");
  EXPECT_EQ(n.Prepend("a.b")->ToString(), "a\\.b.web.default.svc.cluster.local.");
}

TEST(NameTest, IsSubdomainOf) {
  Name zone = N("cluster.local");
  EXPECT_TRUE(N("a.svc.Cluster.Local").IsSubdomainOf(zone));
  EXPECT_TRUE(N("cluster.local").IsSubdomainOf(zone));
  EXPECT_TRUE(N("cluster.local").IsSubdomainOf(Name()));
  EXPECT_FALSE(N("xcluster.local").IsSubdomainOf(zone));
  EXPECT_FALSE(N("local").IsSubdomainOf(zone));
  EXPECT_FALSE(N("cluster.local.org").IsSubdomainOf(zone));
  // Bytes that match the zone inside a label do not make a subdomain.
  Name fake = *Name::FromWire(std::string("\x0f" "b\7cluster\5local\7cluster\5local\0", 31));
  EXPECT_TRUE(fake.IsSubdomainOf(zone));
  Name fake2 = *Name::FromWire(std::string("\x0e" "\7cluster\5local\0", 16));  // one label holding the bytes
  EXPECT_FALSE(fake2.IsSubdomainOf(zone));
}

TEST(NameTest, EveryByteSurvivesToStringAndParse) {
  for (int b = 0; b < 256; ++b) {
    std::string wire = std::string("\3x") + static_cast<char>(b) + "y" + std::string("\1z\0", 3);
    auto n = Name::FromWire(wire);
    ASSERT_TRUE(n.ok());
    auto back = Name::Parse(n->ToString());
    ASSERT_TRUE(back.ok()) << b << ": " << n->ToString();
    EXPECT_EQ(back->wire(), wire) << b;
  }
}

}  // namespace
}  // namespace netkube::dns
