#include "common/menu.h"

#include <gtest/gtest.h>

#include <string>

namespace kb {
namespace {

const std::string kA = "6.1.0-main_aaaaaaaaaaaa_20261120_x86_64";
const std::string kB = "6.1.0-main_bbbbbbbbbbbb_20261121_x86_64";

TEST(List, KeepsValidNamesAndSkipsTheRest) {
  std::string text = kA + "\r\n\n../../etc/passwd\n" + kB + "\nnot a name\n";
  std::string_view out[8];
  ListResult r = ParseList(text, true, out);
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(r.total, 2u);
  EXPECT_EQ(out[0], kA);
  EXPECT_EQ(out[1], kB);
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_EQ(r.first_bad_line, 3u);
  EXPECT_STREQ(r.first_bad, "image name starts with '.'");
}

TEST(List, StoresAtMostTheRoomAndWaitsForAWholeLastLine) {
  std::string text = kA + "\n" + kB + "\n" + kA.substr(0, 10);
  std::string_view out[1];
  ListResult r = ParseList(text, false, out);
  EXPECT_EQ(r.count, 1u);
  EXPECT_EQ(r.total, 2u);
  EXPECT_EQ(r.skipped, 0u) << "a partial last line is not judged yet";
  r = ParseList(text, true, out);
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_EQ(ParseList("", true, out).count, 0u);
}

TEST(Menu, KeysStopPickAndRefuse) {
  MenuInput m(3);
  EXPECT_EQ(m.Key(' '), MenuInput::kStopped);
  EXPECT_EQ(m.Key('2'), MenuInput::kStopped);
  EXPECT_EQ(m.typed(), "2");
  EXPECT_EQ(m.Key('\r'), MenuInput::kChosen);
  EXPECT_EQ(m.choice(), 1u);
  EXPECT_FALSE(m.by_default());
  EXPECT_EQ(m.Key('\n'), MenuInput::kChosen) << "Enter alone picks the first";
  EXPECT_EQ(m.choice(), 0u);
  EXPECT_TRUE(m.by_default());
  EXPECT_EQ(m.Key('4'), MenuInput::kStopped);
  EXPECT_EQ(m.Key('\r'), MenuInput::kBadNumber);
  EXPECT_EQ(m.Key('0'), MenuInput::kStopped);
  EXPECT_EQ(m.Key('\r'), MenuInput::kBadNumber);
  EXPECT_EQ(m.Key('1'), MenuInput::kStopped);
  EXPECT_EQ(m.Key('9'), MenuInput::kStopped);
  EXPECT_EQ(m.Key(0x7f), MenuInput::kStopped);
  EXPECT_EQ(m.Key('\r'), MenuInput::kChosen);
  EXPECT_EQ(m.choice(), 0u);
  for (int i = 0; i < 20; ++i) m.Key('9');
  EXPECT_EQ(m.typed().size(), 8u);
  EXPECT_EQ(m.Key('\r'), MenuInput::kBadNumber);
  MenuInput empty(0);
  EXPECT_EQ(empty.Key('\r'), MenuInput::kBadNumber);
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

// What a console client or the line sends by itself stops nothing: an IPMI SOL
// session's NULs, a telnet client's negotiation (whose option bytes may be
// printable: '"' is LINEMODE, ' ' TSPEED), a terminal's escape sequences.
TEST(Menu, LineNoiseAndNegotiationAreNoKeys) {
  MenuInput m(3);
  const std::string noise = std::string(16, '\0') +
                            "\xff\xfb\x01\xff\xfd\x22\xff\xfd\x20\xff\xfa\x18\x01\xff\xf0"  // telnet WILL/DO/SB..SE
                            "\xff\xf1"                                                    // IAC NOP
                            "\x1b[2J\x1b[?25h\x1b" "c"                                    // CSI sequences, ESC c
                            "\x07\x03\x1a\x80\xc3\xa9";                                   // BEL, ^C, ^Z, 8-bit bytes
  for (char c : noise) EXPECT_EQ(m.Key(c), MenuInput::kNone) << int(static_cast<unsigned char>(c));
  EXPECT_EQ(m.typed(), "");
  // A person's keys still count, and after the noise the parser is back in step.
  EXPECT_EQ(m.Key('x'), MenuInput::kStopped);
  EXPECT_EQ(m.Key('3'), MenuInput::kStopped);
  EXPECT_EQ(m.Key('\b'), MenuInput::kStopped);
  EXPECT_EQ(m.Key('2'), MenuInput::kStopped);
  EXPECT_EQ(m.Key('\r'), MenuInput::kChosen);
  EXPECT_EQ(m.choice(), 1u);
  // An IAC IAC pair (a data byte 0xff) and an unfinished subnegotiation swallow
  // only themselves / what they enclose.
  EXPECT_EQ(m.Key('\xff'), MenuInput::kNone);
  EXPECT_EQ(m.Key('\xff'), MenuInput::kNone);
  EXPECT_EQ(m.Key('1'), MenuInput::kStopped);
}

}  // namespace
}  // namespace kb
