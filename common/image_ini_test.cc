#include "common/image_ini.h"

#include <gtest/gtest.h>

#include <string>

namespace kb {
namespace {

const std::string kName = "6.1.0-drm-fixes_cccccccccccc_20261122_x86_64";
const std::string kSum(64, 'a');

// A whole, valid manifest with `extra` lines appended.
std::string Manifest(const std::string& extra = "") {
  return "; written by kbisect-builder\n[image]\nname = " + kName + "\ncommit=" + std::string(40, 'c') +
         "\nbranch = drm/fixes\narch = x86_64\nkernelrelease = 6.1.0\nbuilt = 2026-11-22T02:30:31Z\n"
         "kernel = bzImage\nkernel_sha256 = " +
         kSum + "\n" + extra;
}

TEST(ImageIni, ReadsEveryKey) {
  std::string text = Manifest("initrd = initrd.img\ninitrd_sha256 = " + std::string(64, 'B') +
                              "\ncmdline = console=ttyS0 quiet\nmodules = modules.cpio.gz\nmodules_sha256 = " +
                              std::string(64, 'c') + "\ncode_sha256 = " + std::string(64, 'd') +
                              "\ncompiler = gcc (Debian 12.2.0-14+deb12u1) 12.2.0\nconfig_sha256 = " +
                              std::string(64, 'e') + "\n");
  ImageIni ini;
  size_t line;
  ASSERT_EQ(ParseImageIni(text, &ini, &line), nullptr);
  EXPECT_EQ(ini.name, kName);
  EXPECT_EQ(ini.commit, std::string(40, 'c'));
  EXPECT_EQ(ini.branch, "drm/fixes");
  EXPECT_EQ(ini.arch, "x86_64");
  EXPECT_EQ(ini.kernelrelease, "6.1.0");
  EXPECT_EQ(ini.built, "2026-11-22T02:30:31Z");
  EXPECT_EQ(ini.kernel, "bzImage");
  EXPECT_EQ(ini.kernel_sha256[0], 0xaa);
  EXPECT_EQ(ini.initrd, "initrd.img");
  EXPECT_EQ(ini.initrd_sha256[31], 0xbb);
  EXPECT_TRUE(ini.has_cmdline);
  EXPECT_EQ(ini.cmdline, "console=ttyS0 quiet");
  EXPECT_EQ(ini.modules, "modules.cpio.gz");
  EXPECT_EQ(ini.modules_sha256[0], 0xcc);
  EXPECT_TRUE(ini.has_code);
  EXPECT_EQ(ini.code_sha256[31], 0xdd);
  EXPECT_EQ(ini.compiler, "gcc (Debian 12.2.0-14+deb12u1) 12.2.0");
  EXPECT_TRUE(ini.has_config_sum);
  EXPECT_EQ(ini.config_sha256[0], 0xee);
  // Optional: a manifest without them has none, and they are written back only when set.
  ImageIni plain;
  const std::string text2 = Manifest();
  ASSERT_EQ(ParseImageIni(text2, &plain, &line), nullptr);
  EXPECT_FALSE(plain.has_code);
  EXPECT_TRUE(plain.compiler.empty());
  EXPECT_FALSE(plain.has_config_sum);
  char buf[kMaxImageIni];
  size_t len = 0;
  ASSERT_EQ(FormatImageIni(plain, buf, sizeof buf, &len), nullptr);
  EXPECT_EQ(std::string(buf, len).find("code_sha256"), std::string::npos);
  EXPECT_EQ(std::string(buf, len).find("compiler"), std::string::npos);
  EXPECT_EQ(std::string(buf, len).find("config_sha256"), std::string::npos);
  ASSERT_EQ(FormatImageIni(ini, buf, sizeof buf, &len), nullptr);
  const std::string written(buf, len);
  EXPECT_NE(written.find("code_sha256 = " + std::string(64, 'd') + "\n"), std::string::npos);
  EXPECT_NE(written.find("\ncompiler = gcc (Debian 12.2.0-14+deb12u1) 12.2.0\n"), std::string::npos);
  EXPECT_NE(written.find("\nconfig_sha256 = " + std::string(64, 'e') + "\n"), std::string::npos);
}

TEST(ImageIni, OfAnImageRefusesAManifestThatNamesAnother) {
  ImageIni ini;
  size_t line = 7;
  const std::string text = Manifest();  // ini's views point into it
  ASSERT_EQ(ParseImageIniOf(kName, text, &ini, &line), nullptr);
  EXPECT_EQ(ini.name, kName);
  ImageIni untouched;
  const char* e = ParseImageIniOf("6.1.0-main_cccccccccccc_20261122_x86_64", text, &untouched, &line);
  ASSERT_NE(e, nullptr);
  EXPECT_STREQ(e, "it names another image, not its directory's");
  EXPECT_TRUE(untouched.name.empty());
  // The manifest's own errors come first, with their line.
  EXPECT_STREQ(ParseImageIniOf(kName, Manifest("future = 1\n"), &untouched, &line), "unknown key");
  EXPECT_EQ(line, 11u);  // after the comment and the ten lines of Manifest()
}

TEST(ImageIni, OptionalKeysMayBeAbsentOrEmpty) {
  ImageIni ini;
  size_t line;
  ASSERT_EQ(ParseImageIni(Manifest(), &ini, &line), nullptr);
  EXPECT_TRUE(ini.initrd.empty());
  EXPECT_FALSE(ini.has_cmdline);
  ASSERT_EQ(ParseImageIni(Manifest("cmdline =\n"), &ini, &line), nullptr);
  EXPECT_TRUE(ini.has_cmdline);
  EXPECT_TRUE(ini.cmdline.empty());
}

// Drops the line that starts with `key` from a valid manifest.
std::string Without(const std::string& key) {
  std::string m = Manifest(), out;
  size_t pos = 0;
  while (pos < m.size()) {
    size_t nl = m.find('\n', pos);
    std::string l = m.substr(pos, nl - pos + 1);
    if (l.rfind(key, 0) != 0) out += l;
    pos = nl + 1;
  }
  return out;
}

TEST(ImageIni, EachBadManifestGetsOneClearErrorAndItsLine) {
  struct Case {
    std::string text, part;
    size_t line;
  };
  const Case kCases[] = {
      {"", "no [image] section", 0},
      {Without("name"), "no name", 0},
      {Without("commit"), "no commit", 0},
      {Without("branch"), "no branch", 0},
      {Without("arch"), "no arch", 0},
      {Without("kernelrelease"), "no kernelrelease", 0},
      {Without("built"), "no built", 0},
      {Without("kernel ="), "no kernel = FILE", 0},
      {Without("kernel_sha256"), "no kernel_sha256", 0},
      {Manifest("initrd = i\n"), "initrd and initrd_sha256 go together", 0},
      {Manifest("initrd_sha256 = " + kSum + "\n"), "initrd and initrd_sha256 go together", 0},
      {Manifest("modules = m.cpio.gz\n"), "modules and modules_sha256 go together", 0},
      {Manifest("modules_sha256 = " + kSum + "\n"), "modules and modules_sha256 go together", 0},
      {Manifest("modules = ../m\nmodules_sha256 = " + kSum + "\n"), "starts with '.'", 11},
      {Manifest("future_key = x\n"), "unknown key", 11},
      {Manifest("kernel = other\n"), "duplicate key", 11},
      {Manifest("[other]\n"), "unknown section", 11},
      {Manifest("[image]\n"), "[image] given twice", 11},
      {"name = " + kName + "\n", "key outside [image]", 1},
      {Manifest("initrd = ../../etc/shadow\n"), "starts with '.'", 11},
      {Manifest("initrd = a/b\n"), "'/'", 11},
      {"[image]\nkernel_sha256 = abc\n", "64 hex", 2},
      {"[image]\nkernel_sha256 = " + std::string(64, 'g') + "\n", "64 hex", 2},
      {"[image]\ncommit = " + std::string(40, 'C') + "\n", "40 lowercase hex", 2},
      {"[image]\ncommit = abc\n", "40 lowercase hex", 2},
      {"[image]\nname = not-an-image\n", "image name", 2},
      {"[image]\narch = X86\n", "arch is not", 2},
      {"[image]\nbuilt = yesterday\n", "YYYY-MM-DDTHH:MM:SSZ", 2},
      {"[image]\nbranch =\n", "empty", 2},
      {Manifest("garbage line\n"), "not 'key = value'", 11},
      {Manifest("[image\n"), "without ']'", 11},
      {Manifest("= value\n"), "empty key", 11},
      {Manifest("cmdline = a\x01z\n"), "control byte", 11},
      {Manifest("cmdline = " + std::string(2049, 'x') + "\n"), "longer than 2048", 11},
      {Manifest("compiler =\n"), "empty", 11},
      {Manifest("compiler = " + std::string(201, 'g') + "\n"), "longer than 200", 11},
      {Manifest("compiler = gcc\ncompiler = gcc\n"), "duplicate key", 12},
      {Manifest("config_sha256 = 1234\n"), "64 hex", 11},
      {Manifest("config_sha256 =\n"), "64 hex", 11},
  };
  for (const Case& c : kCases) {
    ImageIni ini;
    ini.kernel = "untouched";
    size_t line = 99;
    Error e = ParseImageIni(c.text, &ini, &line);
    ASSERT_NE(e, nullptr) << c.text;
    EXPECT_NE(std::string(e).find(c.part), std::string::npos) << c.text << ": " << e;
    EXPECT_EQ(line, c.line) << c.text << ": " << e;
    EXPECT_EQ(ini.kernel, "untouched") << "output written on error";
  }
}

TEST(ImageIni, FormatWritesWhatParseReadsBack) {
  ImageIni in;
  ASSERT_EQ(ParseSha256Hex(kSum, in.kernel_sha256), nullptr);
  in.name = kName;
  in.commit = std::string_view("cccccccccccccccccccccccccccccccccccccccc");
  in.branch = "drm/fixes";
  in.arch = "x86_64";
  in.kernelrelease = "6.1.0";
  in.built = "2026-11-22T02:30:31Z";
  in.kernel = "bzImage";
  in.cmdline = "console=ttyS0";
  in.has_cmdline = true;
  char buf[kMaxImageIni];
  size_t len = 0;
  ASSERT_EQ(FormatImageIni(in, buf, sizeof buf, &len), nullptr);
  std::string text(buf, len);
  EXPECT_EQ(text.substr(0, 8 + 7 + kName.size()), "[image]\nname = " + kName);
  EXPECT_EQ(text.find("initrd"), std::string::npos);
  ImageIni out;
  size_t line;
  ASSERT_EQ(ParseImageIni(text, &out, &line), nullptr) << text;
  EXPECT_EQ(out.cmdline, "console=ttyS0");
  EXPECT_EQ(out.kernel_sha256[5], 0xaa);

  EXPECT_NE(FormatImageIni(in, buf, 40, &len), nullptr) << "too small a buffer";
  in.commit = "HEAD";
  EXPECT_NE(FormatImageIni(in, buf, sizeof buf, &len), nullptr) << "a bad field is not written";
}

}  // namespace
}  // namespace kb
