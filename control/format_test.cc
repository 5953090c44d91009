#include "control/format.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

TEST(Format, ShortIdIsTwelveDigits) {
  EXPECT_EQ(ShortId("297b20bda54dae22473b3b07aa8c00a582a8c1d3"), "297b20bda54d");
  EXPECT_EQ(ShortId("abc"), "abc");
}

TEST(Format, FixedHasNoSignedZero) {
  EXPECT_EQ(Fixed(1.005, 1), "1.0");
  EXPECT_EQ(Fixed(57.28), "57.28");
  EXPECT_EQ(Fixed(-0.001), "0.00");
  EXPECT_EQ(Fixed(-0.4, 0), "0");
  EXPECT_EQ(Fixed(-1.5, 1), "-1.5");
  EXPECT_EQ(Fixed(90, 0), "90");
}

TEST(Format, ShortestIsAsGiven) {
  EXPECT_EQ(Shortest(120), "120");
  EXPECT_EQ(Shortest(0.5), "0.5");
}

}  // namespace
}  // namespace kb
