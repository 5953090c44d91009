#include "common/rootdev.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace kb {
namespace {

TEST(RootSpec, ReadsTheKernelsForms) {
  RootSpec r;
  ASSERT_EQ(ParseRootSpec("/dev/vda1", &r), nullptr);
  EXPECT_EQ(r.kind, RootKind::kDevice);
  EXPECT_EQ(r.value, "vda1");
  ASSERT_EQ(ParseRootSpec("UUID=0f1E2d3c-4b5a-6978-8796-a5b4c3d2e1f0", &r), nullptr);
  EXPECT_EQ(r.kind, RootKind::kUuid);
  EXPECT_EQ(r.value, "0f1E2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  ASSERT_EQ(ParseRootSpec("LABEL=kbisect-root", &r), nullptr);
  EXPECT_EQ(r.kind, RootKind::kLabel);
  EXPECT_EQ(r.value, "kbisect-root");
  ASSERT_EQ(ParseRootSpec("PARTUUID=0a1b2c3d-01", &r), nullptr);
  EXPECT_EQ(r.kind, RootKind::kPartUuid);
  EXPECT_EQ(r.value, "0a1b2c3d-01");
}

TEST(RootSpec, RefusesWhatItCannotFind) {
  RootSpec r;
  auto err = [&](std::string_view s) {
    Error e = ParseRootSpec(s, &r);
    return std::string(e ? e : "(none)");
  };
  EXPECT_NE(err("").find("empty"), std::string::npos);
  EXPECT_NE(err("/dev/").find("names no device"), std::string::npos);
  EXPECT_NE(err("/dev/disk/by-uuid/x").find("udev link"), std::string::npos);
  EXPECT_NE(err("UUID=").find("not a UUID"), std::string::npos);
  EXPECT_NE(err("UUID=xyz").find("not a UUID"), std::string::npos);
  EXPECT_NE(err("UUID=" + std::string(37, 'a')).find("not a UUID"), std::string::npos);
  EXPECT_NE(err("PARTUUID=0a1b2c3d-01/PARTNROFF=1").find("PARTNROFF"), std::string::npos);
  EXPECT_NE(err("LABEL=").find("empty or longer"), std::string::npos);
  EXPECT_NE(err("LABEL=" + std::string(17, 'x')).find("empty or longer"), std::string::npos);
  EXPECT_NE(err("fe01").find("not /dev/NAME"), std::string::npos);
}

TEST(RootSpec, SameUuidIgnoresCase) {
  EXPECT_TRUE(SameUuid("0A1B-ff", "0a1b-FF"));
  EXPECT_FALSE(SameUuid("0a1b", "0a1c"));
  EXPECT_FALSE(SameUuid("0a1b", "0a1b0"));
}

// An ext4 superblock by hand: magic, UUID, label.
std::vector<uint8_t> Ext4Head(std::string_view label) {
  std::vector<uint8_t> d(4096);
  uint8_t* sb = d.data() + 1024;
  sb[0x38] = 0x53;
  sb[0x39] = 0xEF;
  for (int i = 0; i < 16; ++i) sb[0x68 + i] = uint8_t(0x10 * i + i);
  for (size_t i = 0; i < label.size(); ++i) sb[0x78 + i] = uint8_t(label[i]);
  return d;
}

TEST(RootArgs, ReadsTheKernelsRootKeys) {
  RootArgs a;
  std::string_view param;
  ASSERT_EQ(ParseRootArgs("console=ttyS0 root=LABEL=kbisect-root rootfstype=ext4 rootflags=data=journal rw "
                          "rootdelay=5 init=/lib/systemd/systemd quiet",
                          &a, &param),
            nullptr);
  EXPECT_TRUE(a.has_root);
  EXPECT_EQ(a.root.kind, RootKind::kLabel);
  EXPECT_EQ(a.root.value, "kbisect-root");
  EXPECT_EQ(a.fstype, "ext4");
  EXPECT_EQ(a.flags, "data=journal");
  EXPECT_TRUE(a.rw);
  EXPECT_EQ(a.delay_s, 5u);
  EXPECT_EQ(a.init, "/lib/systemd/systemd");

  ASSERT_EQ(ParseRootArgs("console=ttyS0 kbisect.test=1", &a, &param), nullptr);
  EXPECT_FALSE(a.has_root);
  EXPECT_FALSE(a.rw);  // read-only unless rw, as the kernel mounts it
  EXPECT_EQ(a.delay_s, kDefaultRootDelay);
  EXPECT_EQ(a.init, "/sbin/init");

  ASSERT_EQ(ParseRootArgs("root=/dev/vda1 rw ro rootwait", &a, &param), nullptr);  // the last wins
  EXPECT_FALSE(a.rw);
  EXPECT_EQ(a.delay_s, kRootWaitSeconds);
  EXPECT_EQ(a.root.value, "vda1");
}

TEST(RootArgs, NamesTheBadParameter) {
  RootArgs a;
  a.init = "/kept";
  std::string_view param;
  auto err = [&](std::string_view line) {
    Error e = ParseRootArgs(line, &a, &param);
    return std::string(e ? e : "(none)");
  };
  EXPECT_NE(err("root=/dev/vda1 rootdelay=abc").find("rootdelay="), std::string::npos);
  EXPECT_EQ(param, "rootdelay");
  EXPECT_NE(err("rootdelay=3601 root=/dev/vda1").find("up to 3600"), std::string::npos);
  EXPECT_NE(err("root=UUID=xyz").find("not a UUID"), std::string::npos);
  EXPECT_EQ(param, "root");
  EXPECT_NE(err("root").find("needs a value"), std::string::npos);
  EXPECT_NE(err("root=/dev/vda1 init=sbin/init").find("absolute"), std::string::npos);
  EXPECT_NE(err("root=/dev/vda1 rootfstype=").find("rootfstype"), std::string::npos);
  EXPECT_NE(err("root=\"/dev/vda1").find("quote"), std::string::npos);
  EXPECT_EQ(a.init, "/kept");  // untouched on error
}

TEST(PartitionName, AddsAPAfterADigit) {
  char buf[32];
  ASSERT_TRUE(PartitionName("vda", 1, buf));
  EXPECT_STREQ(buf, "vda1");
  ASSERT_TRUE(PartitionName("nvme0n1", 12, buf));
  EXPECT_STREQ(buf, "nvme0n1p12");
  ASSERT_TRUE(PartitionName("mmcblk0", 128, buf));
  EXPECT_STREQ(buf, "mmcblk0p128");
  EXPECT_FALSE(PartitionName("sda", 1, std::span(buf, 4)));  // "sda1" and the NUL need 5
  EXPECT_TRUE(PartitionName("sda", 1, std::span(buf, 5)));
  EXPECT_FALSE(PartitionName("", 1, buf));
}

TEST(FsIdentity, ReadsAnExtSuperblock) {
  FsIdentity id;
  ASSERT_EQ(ReadFsIdentity(Ext4Head("root"), &id), nullptr);
  EXPECT_STREQ(id.type, "ext4");
  EXPECT_STREQ(id.uuid, "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_STREQ(id.label, "root");
  ASSERT_EQ(ReadFsIdentity(Ext4Head("sixteen-chars-ab"), &id), nullptr);
  EXPECT_STREQ(id.label, "sixteen-chars-ab");
}

TEST(FsIdentity, RefusesOtherBytes) {
  FsIdentity id;
  EXPECT_NE(ReadFsIdentity(std::vector<uint8_t>(4096), &id), nullptr);
  EXPECT_NE(ReadFsIdentity(std::vector<uint8_t>(1100), &id), nullptr);
  std::vector<uint8_t> bad = Ext4Head("a\tb");
  EXPECT_STREQ(ReadFsIdentity(bad, &id), "the filesystem's label has control characters");
}

std::vector<uint8_t> Mbr(uint32_t signature, std::vector<uint8_t> types) {
  std::vector<uint8_t> d(64 * 1024);
  for (int i = 0; i < 4; ++i) d[440 + i] = uint8_t(signature >> (8 * i));
  for (size_t i = 0; i < types.size(); ++i) d[446 + i * 16 + 4] = types[i];
  d[510] = 0x55;
  d[511] = 0xAA;
  return d;
}

TEST(Partitions, ReadsAnMbr) {
  PartitionId p[kMaxPartitions];
  size_t n = 0;
  ASSERT_EQ(ReadPartitions(Mbr(0x0a1b2c3d, {0x83, 0, 0x82}), 512, p, &n), nullptr);
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(p[0].number, 1u);
  EXPECT_STREQ(p[0].partuuid, "0a1b2c3d-01");
  EXPECT_EQ(p[1].number, 3u);
  EXPECT_STREQ(p[1].partuuid, "0a1b2c3d-03");
}

TEST(Partitions, NoTableIsNoPartitions) {
  PartitionId p[4];
  size_t n = 7;
  EXPECT_EQ(ReadPartitions(Ext4Head("whole-disk"), 512, p, &n), nullptr);
  EXPECT_EQ(n, 0u);
}

TEST(Partitions, RefusesBadGptsAndSizes) {
  PartitionId p[kMaxPartitions];
  size_t n;
  EXPECT_NE(ReadPartitions(Mbr(1, {0x83}), 1000, p, &n), nullptr);
  std::vector<uint8_t> d = Mbr(0, {0xEE});
  EXPECT_STREQ(ReadPartitions(d, 512, p, &n), "protective MBR but no GPT header at LBA 1");
  memcpy(d.data() + 512, "EFI PART", 8);
  d[512 + 72] = 2;    // entries at LBA 2
  d[512 + 80] = 128;  // 128 entries
  d[512 + 84] = 0;    // of size 0
  EXPECT_STREQ(ReadPartitions(d, 512, p, &n), "GPT entry size is not 128 to 4096 bytes");
  d[512 + 84] = 128;
  d[512 + 72] = 200;  // beyond the head
  EXPECT_STREQ(ReadPartitions(d, 512, p, &n), "GPT entries lie beyond the disk's first 64 KiB");
  d[512 + 72] = 2;
  d[512 + 80] = 0;
  d[512 + 81] = 1;  // 256 entries
  EXPECT_STREQ(ReadPartitions(d, 512, p, &n), "GPT has more than 128 entries");
  d[512 + 81] = 0;
  d[512 + 80] = 2;
  d[1024] = 1;  // entry 1 used
  d[1024 + 128] = 1;  // entry 2 used
  EXPECT_STREQ(ReadPartitions(d, 512, std::span(p, 1), &n), "more partitions than the reader has room for");
}

// The same answers as the system's own tools on real images: sfdisk writes the
// tables, mkfs.ext4 the filesystem, and blkid/sfdisk say what they hold.
std::string Sh(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, f)) out += buf;
  pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::vector<uint8_t> Head(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> d(kDeviceHeadBytes);
  in.read(reinterpret_cast<char*>(d.data()), std::streamsize(d.size()));
  d.resize(size_t(in.gcount()));
  return d;
}

class RealDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kbisect-rootdev-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    img_ = dir_ + "/disk.img";
    ASSERT_EQ(Sh("truncate -s 16M " + img_ + " && echo ok"), "ok");
  }
  void TearDown() override { Sh("rm -rf " + dir_); }
  std::string dir_, img_;
};

TEST_F(RealDisk, GptAgreesWithSfdisk) {
  ASSERT_EQ(Sh("printf 'label: gpt\\n,4M\\n,4M\\n,\\n' | sfdisk -q " + img_ + " >/dev/null 2>&1 && echo ok"), "ok");
  PartitionId p[kMaxPartitions];
  size_t n = 0;
  ASSERT_EQ(ReadPartitions(Head(img_), 512, p, &n), nullptr);
  ASSERT_EQ(n, 3u);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(p[i].number, i + 1);
    std::string want = Sh("sfdisk --part-uuid " + img_ + " " + std::to_string(i + 1));
    EXPECT_TRUE(SameUuid(p[i].partuuid, want)) << p[i].partuuid << " vs " << want;
  }
}

TEST_F(RealDisk, MbrAgreesWithSfdisk) {
  ASSERT_EQ(Sh("printf 'label: dos\\nlabel-id: 0x0a1b2c3d\\n,4M\\n,\\n' | sfdisk -q " + img_ +
                " >/dev/null 2>&1 && echo ok"),
            "ok");
  PartitionId p[kMaxPartitions];
  size_t n = 0;
  ASSERT_EQ(ReadPartitions(Head(img_), 512, p, &n), nullptr);
  ASSERT_EQ(n, 2u);
  EXPECT_STREQ(p[0].partuuid, "0a1b2c3d-01");
  EXPECT_STREQ(p[1].partuuid, "0a1b2c3d-02");
  EXPECT_EQ(Sh("sfdisk --disk-id " + img_), "0x0a1b2c3d");
}

TEST_F(RealDisk, Ext4AgreesWithBlkid) {
  ASSERT_EQ(Sh("mkfs.ext4 -q -F -L kbisect-root " + img_ + " >/dev/null 2>&1 && echo ok"), "ok");
  FsIdentity id;
  ASSERT_EQ(ReadFsIdentity(Head(img_), &id), nullptr);
  EXPECT_STREQ(id.label, "kbisect-root");
  EXPECT_EQ(std::string(id.uuid), Sh("blkid -p -o value -s UUID " + img_));
}

}  // namespace
}  // namespace kb
