#include "ingress/http1.h"

#include <gtest/gtest.h>

namespace netkube::ingress {
namespace {

ParseStatus Req(std::string_view s, RequestHead* h, ParseError* e, size_t max = 8192) {
  return ParseRequestHead(s, max, h, e);
}

TEST(Http1Request, Simple) {
  RequestHead h;
  ParseError e;
  std::string s = "GET /a/b?x=1 HTTP/1.1\r\nHost: Foo.com:8080\r\nUser-Agent: t\r\n\r\nrest";
  ASSERT_EQ(Req(s, &h, &e), ParseStatus::kDone);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.path, "/a/b");
  EXPECT_EQ(h.query, "x=1");
  EXPECT_EQ(h.host, "Foo.com:8080");
  EXPECT_EQ(h.head_size, s.size() - 4);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.framing, Framing::kNone);
  EXPECT_EQ(h.headers.size(), 2u);
}

TEST(Http1Request, IncompleteAndTooLarge) {
  RequestHead h;
  ParseError e;
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nHost: a\r\n", &h, &e), ParseStatus::kIncomplete);
  std::string big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(10000, 'a');
  EXPECT_EQ(Req(big, &h, &e), ParseStatus::kError);
  EXPECT_EQ(e.status, 431);
}

TEST(Http1Request, Framing) {
  RequestHead h;
  ParseError e;
  ASSERT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", &h, &e), ParseStatus::kDone);
  EXPECT_EQ(h.framing, Framing::kLength);
  EXPECT_EQ(h.content_length, 5u);
  ASSERT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &h, &e), ParseStatus::kDone);
  EXPECT_EQ(h.framing, Framing::kChunked);
  ASSERT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", &h, &e), ParseStatus::kDone);
  EXPECT_EQ(h.content_length, 5u);
}

TEST(Http1Request, SmugglingShapesAreRefused) {
  RequestHead h;
  ParseError e;
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", &h, &e),
            ParseStatus::kError);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", &h, &e),
            ParseStatus::kError);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", &h, &e), ParseStatus::kError);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", &h, &e), ParseStatus::kError);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &h, &e),
            ParseStatus::kError);
  EXPECT_EQ(e.status, 501);
  EXPECT_EQ(Req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", &h, &e), ParseStatus::kError);
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", &h, &e), ParseStatus::kError);
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &h, &e), ParseStatus::kError);
  EXPECT_EQ(Req("GET / HTTP/1.1\r\nX: a\r\n\r\n", &h, &e), ParseStatus::kError);  // no Host
  EXPECT_EQ(Req("GET / HTTP/1.1\nHost: a\n\n", &h, &e), ParseStatus::kError);       // bare LF
  EXPECT_EQ(Req("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", &h, &e), ParseStatus::kError);
  EXPECT_EQ(Req("GET / HTTP/2.0\r\nHost: a\r\n\r\n", &h, &e), ParseStatus::kError);
  EXPECT_EQ(e.status, 505);
  EXPECT_EQ(Req("\x16\x03\x01\x02\x00", &h, &e), ParseStatus::kError);  // TLS on the plain port
}

TEST(Http1Request, KeepAliveAndUpgrade) {
  RequestHead h;
  ParseError e;
  ASSERT_EQ(Req("GET / HTTP/1.0\r\n\r\n", &h, &e), ParseStatus::kDone);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_EQ(Req("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &h, &e), ParseStatus::kDone);
  EXPECT_TRUE(h.keep_alive);
  ASSERT_EQ(Req("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &h, &e), ParseStatus::kDone);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_EQ(Req("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n", &h,
                &e),
            ParseStatus::kDone);
  EXPECT_TRUE(h.upgrade);
}

TEST(Http1Request, AbsoluteForm) {
  RequestHead h;
  ParseError e;
  ASSERT_EQ(Req("GET http://foo.com/x?y HTTP/1.1\r\nHost: bar\r\n\r\n", &h, &e), ParseStatus::kDone);
  EXPECT_EQ(h.host, "foo.com");
  EXPECT_EQ(h.path, "/x");
  EXPECT_EQ(h.query, "y");
}

TEST(Http1Path, NormalizesAsNginx) {
  std::string out;
  auto n = [&](std::string_view in) { return NormalizePath(in, &out) ? out : std::string("ERR"); };
  EXPECT_EQ(n("/foo/bar"), "/foo/bar");
  EXPECT_EQ(n("/foo/"), "/foo/");
  EXPECT_EQ(n("/foo//bar"), "/foo/bar");
  EXPECT_EQ(n("/foo/./bar"), "/foo/bar");
  EXPECT_EQ(n("/foo/../admin"), "/admin");
  EXPECT_EQ(n("/foo/%2e%2e/admin"), "/admin");
  EXPECT_EQ(n("/a%20b"), "/a b");
  EXPECT_EQ(n("/foo/."), "/foo/");
  EXPECT_EQ(n("/foo/.."), "/");
  EXPECT_EQ(n("//"), "/");
  EXPECT_EQ(n("/.."), "ERR");
  EXPECT_EQ(n("/a%zz"), "ERR");
  EXPECT_EQ(n("/a%2"), "ERR");
  EXPECT_EQ(n("/a%00b"), "ERR");
}

TEST(Http1Response, Framing) {
  ResponseHead r;
  ParseError e;
  ASSERT_EQ(ParseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 8192, "GET", &r, &e),
            ParseStatus::kDone);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.framing, Framing::kLength);
  ASSERT_EQ(ParseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", 8192, "HEAD", &r, &e),
            ParseStatus::kDone);
  EXPECT_EQ(r.framing, Framing::kNone);
  ASSERT_EQ(ParseResponseHead("HTTP/1.1 204 No Content\r\n\r\n", 8192, "GET", &r, &e), ParseStatus::kDone);
  EXPECT_EQ(r.framing, Framing::kNone);
  ASSERT_EQ(ParseResponseHead("HTTP/1.0 200 OK\r\n\r\n", 8192, "GET", &r, &e), ParseStatus::kDone);
  EXPECT_EQ(r.framing, Framing::kUntilClose);
  EXPECT_FALSE(r.keep_alive);
  ASSERT_EQ(ParseResponseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 8192, "GET", &r, &e),
            ParseStatus::kDone);
  EXPECT_EQ(r.framing, Framing::kChunked);
  EXPECT_EQ(ParseResponseHead("HTTP/1.1 2x0 OK\r\n\r\n", 8192, "GET", &r, &e), ParseStatus::kError);
  EXPECT_EQ(e.status, 502);
}

TEST(Chunked, ScansAndDecodes) {
  std::string body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  ChunkedScanner s;
  size_t n = 0;
  std::string payload;
  ASSERT_EQ(s.Feed(body, &n, &payload), ParseStatus::kDone);
  EXPECT_EQ(payload, "Wikipedia");
  EXPECT_EQ(body.substr(n), "NEXT");
  // Byte by byte gives the same.
  ChunkedScanner s2;
  std::string p2;
  size_t total = 0;
  for (size_t i = 0; i < body.size() - 4; ++i) {
    size_t k = 0;
    s2.Feed(body.substr(i, 1), &k, &p2);
    total += k;
  }
  EXPECT_TRUE(s2.done());
  EXPECT_EQ(p2, "Wikipedia");
  EXPECT_EQ(total, body.size() - 4);
}

TEST(Chunked, RefusesBadSizes) {
  for (std::string bad : {"x\r\n", "\r\n", "-1\r\n", "fffffffffffffffff\r\n", "4\r\nabcdXY"}) {
    ChunkedScanner s;
    size_t n;
    EXPECT_EQ(s.Feed(bad, &n), ParseStatus::kError) << bad;
  }
}

}  // namespace
}  // namespace netkube::ingress
