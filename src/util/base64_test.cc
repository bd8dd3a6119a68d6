#include "util/base64.h"

#include <gtest/gtest.h>

namespace netkube {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* std_enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char* url_enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(plain[i]), std_enc[i]);
    EXPECT_EQ(Base64Encode(plain[i], Base64Alphabet::kUrl), url_enc[i]);
    EXPECT_EQ(Base64Decode(std_enc[i]), std::string(plain[i]));
    EXPECT_EQ(Base64Decode(url_enc[i], Base64Alphabet::kUrl), std::string(plain[i]));
    EXPECT_EQ(Base64Decode(std_enc[i], Base64Alphabet::kUrl), std::string(plain[i]));  // padding tolerated
  }
}

TEST(Base64Test, RejectsBadInput) {
  EXPECT_FALSE(Base64Decode("Zg"));      // std needs padding
  EXPECT_FALSE(Base64Decode("Zg=a"));    // '=' inside
  EXPECT_FALSE(Base64Decode("Z"));       // impossible length
  EXPECT_FALSE(Base64Decode("Zm9v!A==")); // bad character
  EXPECT_FALSE(Base64Decode("-_-_"));    // url characters in std
  EXPECT_FALSE(Base64Decode("+/+/", Base64Alphabet::kUrl));
  EXPECT_EQ(Base64Decode("//4="), std::string("\xff\xfe", 2));
  EXPECT_EQ(Base64Decode("__4", Base64Alphabet::kUrl), std::string("\xff\xfe", 2));
}

TEST(Base64StdCorruptAt, ReportsTheOffsetGoReports) {
  EXPECT_EQ(Base64StdCorruptAt(""), std::nullopt);
  EXPECT_EQ(Base64StdCorruptAt("aGVsbG8="), std::nullopt);
  EXPECT_EQ(Base64StdCorruptAt("aGVs\nbG8="), std::nullopt);  // newlines are skipped
  EXPECT_EQ(Base64StdCorruptAt("base64 encoded cert"), 6u);  // the space
  EXPECT_EQ(Base64StdCorruptAt("aGVsbG8"), 4u);              // a short last quantum: where it starts
  EXPECT_EQ(Base64StdCorruptAt("aGVsbG=="), std::nullopt);   // non-zero trailing bits pass (not Strict)
  EXPECT_EQ(Base64StdCorruptAt("a==="), 1u);
  EXPECT_EQ(Base64StdCorruptAt("aGVsbG8=x"), 8u);            // trailing garbage
  EXPECT_EQ(Base64StdCorruptAt("aG=="), std::nullopt);
  EXPECT_EQ(Base64StdCorruptAt("aG="), 3u);                  // not enough padding
}

}  // namespace
}  // namespace netkube
