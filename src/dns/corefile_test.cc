#include "dns/corefile.h"

#include <gtest/gtest.h>

#include <map>

namespace netkube::dns {
namespace {

constexpr char kKubeadm[] = R"(.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
)";

std::vector<std::string> Texts(const std::vector<Token>& toks) {
  std::vector<std::string> out;
  for (const Token& t : toks) out.push_back(t.text);
  return out;
}

std::vector<std::string> Names(const std::vector<Directive>& ds) {
  std::vector<std::string> out;
  for (const Directive& d : ds) out.push_back(d.name.text);
  return out;
}

StatusOr<std::vector<ServerBlock>> Parse(std::string_view text, std::map<std::string, std::string> env = {},
                                         std::map<std::string, std::string> files = {}) {
  CorefileOptions o;
  o.file = "/etc/coredns/Corefile";
  o.getenv = [env](const std::string& n) -> std::optional<std::string> {
    auto it = env.find(n);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  o.read_file = [files](const std::string& p) -> StatusOr<std::string> {
    auto it = files.find(p);
    if (it == files.end()) return Status::NotFound("no such file or directory");
    return it->second;
  };
  o.glob = [files](const std::string& pattern) {
    std::vector<std::string> out;
    size_t star = pattern.find('*');
    for (const auto& [path, _] : files) {
      if (star == std::string::npos ? path == pattern
                                    : path.size() >= pattern.size() - 1 &&
                                          path.compare(0, star, pattern, 0, star) == 0 &&
                                          path.compare(path.size() - (pattern.size() - star - 1),
                                                       std::string::npos, pattern, star + 1) == 0) {
        out.push_back(path);
      }
    }
    return out;
  };
  return ParseCorefile(text, o);
}

TEST(CorefileTest, KubeadmDefault) {
  auto r = Parse(kKubeadm);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 1u);
  const ServerBlock& b = (*r)[0];
  EXPECT_EQ(Texts(b.keys), std::vector<std::string>{".:53"});
  EXPECT_EQ(Names(b.directives),
            (std::vector<std::string>{"errors", "health", "ready", "kubernetes", "prometheus", "forward", "cache",
                                      "loop", "reload", "loadbalance"}));
  const Directive& health = b.directives[1];
  EXPECT_TRUE(health.has_block);
  EXPECT_TRUE(health.args.empty());
  ASSERT_EQ(health.block.size(), 1u);
  EXPECT_EQ(health.block[0].name.text, "lameduck");
  EXPECT_EQ(Texts(health.block[0].args), std::vector<std::string>{"5s"});
  EXPECT_EQ(health.block[0].name.line, 4);
  const Directive& k = b.directives[3];
  EXPECT_EQ(Texts(k.args), (std::vector<std::string>{"cluster.local", "in-addr.arpa", "ip6.arpa"}));
  EXPECT_EQ(Names(k.block), (std::vector<std::string>{"pods", "fallthrough", "ttl"}));
  EXPECT_EQ(Texts(k.block[1].args), (std::vector<std::string>{"in-addr.arpa", "ip6.arpa"}));
  EXPECT_EQ(k.name.line, 7);
  EXPECT_EQ(k.name.file, "/etc/coredns/Corefile");
  const Directive& fwd = b.directives[5];
  EXPECT_EQ(Texts(fwd.args), (std::vector<std::string>{".", "/etc/resolv.conf"}));
  EXPECT_EQ(Texts(fwd.block[0].args), std::vector<std::string>{"1000"});
  EXPECT_FALSE(b.directives[8].has_block);
}

TEST(CorefileTest, SeveralBlocksAndKeys) {
  auto r = Parse(
      "example.org:5300 example.net, example.com {\n  whoami\n}\n"
      "a.org,b.org {\n}\n"
      "dns://.:1053\n{\n  log\n}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(Texts((*r)[0].keys), (std::vector<std::string>{"example.org:5300", "example.net", "example.com"}));
  EXPECT_EQ(Texts((*r)[1].keys), (std::vector<std::string>{"a.org", "b.org"}));
  EXPECT_TRUE((*r)[1].directives.empty());
  EXPECT_EQ(Texts((*r)[2].keys), std::vector<std::string>{"dns://.:1053"});
  EXPECT_EQ(Names((*r)[2].directives), std::vector<std::string>{"log"});
}

TEST(CorefileTest, KeysContinueAfterTrailingComma) {
  auto r = Parse("a.org,\n b.org {\n log\n}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Texts((*r)[0].keys), (std::vector<std::string>{"a.org", "b.org"}));
  auto bad = Parse("a.org, {\n}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "/etc/coredns/Corefile:1 - Error during parsing: Expected another address but had '{' - check for "
            "extra comma");
}

TEST(CorefileTest, CommentsQuotesAndEscapes) {
  auto r = Parse(
      "# leading comment\n"
      ". { # after brace\n"
      "  hosts \"/etc/my hosts\" `a \"b\"` \"say \\\"hi\\\"\" x\\ y # trailing\n"
      "  rewrite name regex (.*)\\.example\\.org {1}.svc.cluster.local\n"
      "  forward . 1.1.1.1 \\\n"
      "     2.2.2.2\n"
      "  a#b c\n"
      "  txt \"{\" \"}\" \"\"\n"
      "}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& ds = (*r)[0].directives;
  ASSERT_EQ(Names(ds), (std::vector<std::string>{"hosts", "rewrite", "forward", "a", "txt"}));
  EXPECT_EQ(Texts(ds[0].args), (std::vector<std::string>{"/etc/my hosts", "a \"b\"", "say \"hi\"", "x y"}));
  EXPECT_EQ(Texts(ds[1].args),
            (std::vector<std::string>{"name", "regex", "(.*)\\.example\\.org", "{1}.svc.cluster.local"}));
  EXPECT_EQ(Texts(ds[2].args), (std::vector<std::string>{".", "1.1.1.1", "2.2.2.2"}));
  EXPECT_TRUE(ds[3].args.empty());
  EXPECT_EQ(Texts(ds[4].args), (std::vector<std::string>{"{", "}", ""}));
  EXPECT_FALSE(ds[4].has_block);
}

TEST(CorefileTest, QuotedTextSpansLines) {
  auto r = Parse(". {\n  a \"x\ny\" z\n  b\n}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& ds = (*r)[0].directives;
  ASSERT_EQ(Names(ds), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Texts(ds[0].args), (std::vector<std::string>{"x\ny", "z"}));
  EXPECT_EQ(ds[1].name.line, 4);
}

TEST(CorefileTest, EnvironmentSubstitution) {
  auto r = Parse("{$ZONE}:{%PORT%} {\n  forward . {$UP} {$UNSET}x \"q{$ZONE}\"\n}\n",
                 {{"ZONE", "cluster.local"}, {"PORT", "1053"}, {"UP", "10.0.0.1 10.0.0.2"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Texts((*r)[0].keys), std::vector<std::string>{"cluster.local:1053"});
  // A value is one token, as CoreDNS substitutes inside tokens.
  EXPECT_EQ(Texts((*r)[0].directives[0].args),
            (std::vector<std::string>{".", "10.0.0.1 10.0.0.2", "x", "qcluster.local"}));
}

TEST(CorefileTest, EmptyBlocksAndNesting) {
  auto r = Parse(". {\n  health {}\n  ready { }\n  a { b { c d\n } }\n  e\n}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& ds = (*r)[0].directives;
  ASSERT_EQ(Names(ds), (std::vector<std::string>{"health", "ready", "a", "e"}));
  EXPECT_TRUE(ds[0].has_block);
  EXPECT_TRUE(ds[0].block.empty());
  EXPECT_TRUE(ds[1].has_block);
  EXPECT_TRUE(ds[1].block.empty());
  ASSERT_EQ(ds[2].block.size(), 1u);
  EXPECT_EQ(ds[2].block[0].name.text, "b");
  EXPECT_EQ(Texts(ds[2].block[0].block[0].args), std::vector<std::string>{"d"});
  EXPECT_FALSE(ds[3].has_block);
}

TEST(CorefileTest, OneLineBlock) {
  auto r = Parse(". { health { lameduck 5s } }\nexample.org { log }\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const Directive& h = (*r)[0].directives[0];
  EXPECT_EQ(Texts(h.block[0].args), std::vector<std::string>{"5s"});
  EXPECT_EQ(Names((*r)[1].directives), std::vector<std::string>{"log"});
}

TEST(CorefileTest, BracelessSingleBlock) {
  auto r = Parse(".:1053\nlog\nforward . 1.2.3.4\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(Names((*r)[0].directives), (std::vector<std::string>{"log", "forward"}));
  auto only_keys = Parse("example.org");
  ASSERT_TRUE(only_keys.ok());
  EXPECT_EQ(only_keys->size(), 1u);
  auto empty = Parse("  # nothing\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(CorefileTest, SyntaxErrors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {". {\n  log\n}\n}\n", "/etc/coredns/Corefile:4 - Error during parsing: Unexpected '}' because no matching "
                            "opening brace"},
      {". {\n  log\n", "/etc/coredns/Corefile:2 - Error during parsing: Unexpected EOF"},
      {". {\n  health {\n   lameduck 5s\n}\n", "/etc/coredns/Corefile:4 - Error during parsing: Unexpected EOF"},
      {". {\n  log \"abc\n}\n", "/etc/coredns/Corefile:2 - Error during parsing: Unexpected EOF (unterminated "
                               "quoted string)"},
      {"(snip)\nlog\n", "/etc/coredns/Corefile:2 - Error during parsing: Syntax error: Unexpected token 'log', "
                       "expecting '{'"},
  };
  for (const Case& c : cases) {
    auto r = Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_TRUE(r.status().IsInvalid());
    EXPECT_EQ(r.status().message(), c.message) << c.text;
  }
}

TEST(CorefileTest, SnippetsAndImport) {
  auto r = Parse(
      "(common) {\n  errors\n  cache 30 {\n    success 100\n  }\n}\n"
      "(empty) {\n}\n"
      "example.org {\n  import common\n  import empty\n  log\n}\n"
      "import common2\n",
      {}, {{"/etc/coredns/common2", ". {\n import common\n}\n"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(Names((*r)[0].directives), (std::vector<std::string>{"errors", "cache", "log"}));
  EXPECT_EQ(Texts((*r)[0].directives[1].block[0].args), std::vector<std::string>{"100"});
  EXPECT_EQ(Names((*r)[1].directives), (std::vector<std::string>{"errors", "cache"}));
  EXPECT_EQ((*r)[1].keys[0].file, "/etc/coredns/common2");
}

TEST(CorefileTest, ImportGlobRelativeToTheImportingFile) {
  auto r = Parse(". {\n  import conf.d/*.conf\n  import none/*.conf\n}\n", {},
                 {{"/etc/coredns/conf.d/a.conf", "log\n"},
                  {"/etc/coredns/conf.d/b.conf", "forward . 1.2.3.4 {\n  max_fails 2\n}\n"},
                  {"/etc/coredns/conf.d/c.txt", "nope\n"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Names((*r)[0].directives), (std::vector<std::string>{"log", "forward"}));
  EXPECT_EQ((*r)[0].directives[1].name.file, "/etc/coredns/conf.d/b.conf");
  EXPECT_EQ((*r)[0].directives[1].name.line, 1);
}

TEST(CorefileTest, ImportErrors) {
  auto missing = Parse(". {\n  import nothere\n}\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "/etc/coredns/Corefile:2 - Error during parsing: File to import not found: nothere");
  auto noarg = Parse(". {\n  import\n}\n");
  ASSERT_FALSE(noarg.ok());
  EXPECT_EQ(noarg.status().message(),
            "/etc/coredns/Corefile:2 - Error during parsing: Wrong argument count or unexpected line ending after "
            "'import'");
  auto two = Parse(". {\n  import a b\n}\n");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("Import takes only one argument"), std::string::npos);
  auto globs = Parse(". {\n  import */*.conf\n}\n");
  ASSERT_FALSE(globs.ok());
  EXPECT_NE(globs.status().message().find("Glob pattern may only contain one wildcard"), std::string::npos);
  auto redecl = Parse("(a) {\n}\n(a) {\n}\n");
  ASSERT_FALSE(redecl.ok());
  EXPECT_NE(redecl.status().message().find("redeclaration of previously declared snippet a"), std::string::npos);
}

TEST(CorefileTest, ImportCyclesAndDepth) {
  auto self = Parse("(a) {\n  import a\n}\n. {\n  import a\n}\n");
  ASSERT_FALSE(self.ok());
  EXPECT_NE(self.status().message().find("import cycle"), std::string::npos) << self.status().message();

  auto files = Parse(". {\n  import x\n}\n", {}, {{"/etc/coredns/x", "import y\n"}, {"/etc/coredns/y", "import x\n"}});
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("import cycle: /etc/coredns/x -> /etc/coredns/y -> /etc/coredns/x"),
            std::string::npos)
      << files.status().message();
  EXPECT_EQ(files.status().message().rfind("/etc/coredns/y:1 - ", 0), 0u) << files.status().message();

  // A chain of 11 files is one level too deep; 10 is fine.
  std::map<std::string, std::string> chain;
  for (int i = 0; i < 11; ++i) chain["/etc/coredns/f" + std::to_string(i)] = "import f" + std::to_string(i + 1) + "\n";
  chain["/etc/coredns/f10"] = "log\n";
  auto ok = Parse(". {\n  import f1\n}\n", {}, chain);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  auto deep = Parse(". {\n  import f0\n}\n", {}, chain);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("import depth exceeds 10"), std::string::npos) << deep.status().message();
}

TEST(CorefileTest, ErrorHelpers) {
  Token t{"pods", "Corefile", 9};
  EXPECT_EQ(ArgErr(t).message(),
            "Corefile:9 - Error during parsing: Wrong argument count or unexpected line ending after 'pods'");
  EXPECT_EQ(ParseErrorAt(t, "Unknown directive 'x'").message(), "Corefile:9 - Error during parsing: Unknown "
                                                                  "directive 'x'");
  EXPECT_EQ(ArgErr(Token{"{", "Corefile", 2}).message(),
            "Corefile:2 - Error during parsing: Unexpected token '{', expecting argument");
}

std::vector<std::string> ZoneStrings(const ZoneAddress& z) {
  std::vector<std::string> out;
  for (const Name& n : z.zones) out.push_back(n.ToString());
  return out;
}

TEST(ZoneKeyTest, SchemesPortsAndNames) {
  auto a = ParseZoneKey(Token{"dns://Cluster.Local:1053", "Corefile", 1});
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->scheme, "dns");
  EXPECT_EQ(ZoneStrings(*a), std::vector<std::string>{"cluster.local."});
  EXPECT_EQ(a->port, 1053);
  auto root = ParseZoneKey(Token{".", "Corefile", 1}, 5353);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(ZoneStrings(*root), std::vector<std::string>{"."});
  EXPECT_EQ(root->port, 5353);
  auto dot53 = ParseZoneKey(Token{".:53", "Corefile", 1});
  ASSERT_TRUE(dot53.ok());
  EXPECT_EQ(dot53->port, 53);
  EXPECT_TRUE(dot53->zones[0].IsRoot());

  auto tls = ParseZoneKey(Token{"tls://.:853", "Corefile", 3});
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.status().message().find("unsupported scheme"), std::string::npos);
  EXPECT_EQ(tls.status().message().rfind("Corefile:3 - Error during parsing: ", 0), 0u);
  EXPECT_FALSE(ParseZoneKey(Token{"example.org:", "Corefile", 1}).ok());
  EXPECT_FALSE(ParseZoneKey(Token{"example.org:70000", "Corefile", 1}).ok());
  EXPECT_FALSE(ParseZoneKey(Token{"a..b", "Corefile", 1}).ok());
}

TEST(ZoneKeyTest, ReverseZonesFromCidr) {
  auto eight = ParseZoneKey(Token{"10.0.0.0/8", "Corefile", 1});
  ASSERT_TRUE(eight.ok()) << eight.status().message();
  EXPECT_EQ(ZoneStrings(*eight), std::vector<std::string>{"10.in-addr.arpa."});
  auto pods = ParseZoneKey(Token{"10.244.0.0/16:1053", "Corefile", 1});
  ASSERT_TRUE(pods.ok());
  EXPECT_EQ(ZoneStrings(*pods), std::vector<std::string>{"244.10.in-addr.arpa."});
  EXPECT_EQ(pods->port, 1053);
  auto svc = ParseZoneKey(Token{"10.96.0.0/12", "Corefile", 1});
  ASSERT_TRUE(svc.ok());
  ASSERT_EQ(svc->zones.size(), 16u);
  EXPECT_EQ(svc->zones[0].ToString(), "96.10.in-addr.arpa.");
  EXPECT_EQ(svc->zones[15].ToString(), "111.10.in-addr.arpa.");
  auto host_bits = ParseZoneKey(Token{"192.168.1.77/24", "Corefile", 1});
  ASSERT_TRUE(host_bits.ok());
  EXPECT_EQ(ZoneStrings(*host_bits), std::vector<std::string>{"1.168.192.in-addr.arpa."});
  auto v6 = ParseZoneKey(Token{"fd00:10:96::/112", "Corefile", 1});
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(ZoneStrings(*v6),
            std::vector<std::string>{"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa."});
  auto v6odd = ParseZoneKey(Token{"fd00::/7", "Corefile", 1});
  ASSERT_TRUE(v6odd.ok());
  EXPECT_EQ(ZoneStrings(*v6odd), (std::vector<std::string>{"c.f.ip6.arpa.", "d.f.ip6.arpa."}));
  auto all = ParseZoneKey(Token{"0.0.0.0/0", "Corefile", 1});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ZoneStrings(*all), std::vector<std::string>{"in-addr.arpa."});
}

}  // namespace
}  // namespace netkube::dns
