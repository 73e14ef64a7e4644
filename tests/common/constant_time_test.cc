// ConstantTimeEquals is plain equality on bytes (its timing property is by construction: every
// byte of the longer input is read, with no data-dependent exit).
#include "common/constant_time.h"

#include <string>

#include "gtest/gtest.h"

namespace nashnet {
namespace {

TEST(ConstantTimeEquals, IsByteEquality) {
  struct Case {
    std::string a, b;
    bool equal;
  };
  const Case cases[] = {
      {"", "", true},
      {"s3cret", "s3cret", true},
      {"s3cret", "S3cret", false},                              // first byte
      {"s3cret", "s3creT", false},                              // last byte
      {"s3cret", "s3cre", false},                               // a prefix
      {"s3cre", "s3cret", false},                               // the other way round
      {"", "x", false},                                         // empty vs not
      {std::string("a\0b", 3), std::string("a\0c", 3), false},  // past an embedded NUL
      {std::string("a\0b", 3), std::string("a\0b", 3), true},
      {"s3cret", std::string("s3cret\0", 7), false},  // a trailing NUL is a byte
      {std::string(4096, 'x'), std::string(4096, 'x'), true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "'" << c.a << "' vs '" << c.b << "'");
    EXPECT_EQ(ConstantTimeEquals(c.a, c.b), c.equal);
    EXPECT_EQ(ConstantTimeEquals(c.b, c.a), c.equal);
  }
}

TEST(ConstantTimeEquals, EveryDifferingPositionIsSeen) {
  const std::string secret(64, 'k');
  for (size_t i = 0; i < secret.size(); ++i) {
    std::string guess = secret;
    guess[i] = 'K';
    EXPECT_FALSE(ConstantTimeEquals(guess, secret)) << "position " << i;
  }
}

}  // namespace
}  // namespace nashnet
