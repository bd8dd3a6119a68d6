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

}  // namespace
}  // namespace netkube
