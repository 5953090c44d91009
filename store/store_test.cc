#include "store/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/fileio.h"
#include "common/names.h"
#include "common/test_temp_dir.h"

namespace kb {
namespace {

const std::string kA = "6.1.0-main_aaaaaaaaaaaa_20261120_x86_64";
const std::string kB = "6.1.0-main_bbbbbbbbbbbb_20261121_x86_64";
const std::string kC = "6.1.0-main_cccccccccccc_20261121_x86_64";
const std::string kI = "6.1.0-main_dddddddddddd_20261122_i386";
const std::string kCommit(40, 'a');

std::vector<std::string> Entries(const std::string& dir) { return TempDir::Entries(dir); }

// The fields of a manifest for `name`, as the builder fills them before publishing.
ImageIni Fields(const std::string& name) {
  ImageIni ini;
  ini.name = name;
  ini.commit = kCommit;
  ini.branch = "drm/fixes";
  ini.arch = "x86_64";
  ini.kernelrelease = "6.1.0";
  ini.built = "2026-11-22T02:30:31Z";
  ini.kernel = "bzImage";
  return ini;
}

TEST(Store, ListsNewestFirstByDateThenMtimeAndSkipsNonImages) {
  TempDir d;
  for (const std::string& n : {kA, kB, kC, kI}) d.Write(n + "/image.ini", "[image]\nname=" + n + "\n");
  d.Write(".tmp-" + kB + "/image.ini", "");  // the builder's temporary directory
  d.Write("not-an-image/x", "");
  d.Write("6.1.0-main_eeeeeeeeeeee_20261122_x86_64", "a file, not a directory");
  // Same date: the directory modified later is newer.
  ASSERT_EQ(system(("touch -d '2026-11-21 10:00' " + d.path() + "/" + kC + " && touch -d '2026-11-21 11:00' " +
                    d.path() + "/" + kB).c_str()),
            0);
  std::vector<StoreImage> list;
  std::string err;
  ASSERT_TRUE(ListImages(d.path(), "x86_64", &list, &err)) << err;
  std::vector<std::string> names;
  for (auto& i : list) names.push_back(i.name);
  EXPECT_EQ(names, (std::vector<std::string>{kB, kC, kA}));
  ASSERT_TRUE(ListImages(d.path(), "", &list, &err));
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].name, kI);
  EXPECT_TRUE(ImageExists(d.path(), kA));
  EXPECT_FALSE(ImageExists(d.path(), "6.1.0-main_eeeeeeeeeeee_20261122_x86_64"));
  EXPECT_FALSE(ImageExists(d.path(), "../" + kA));
  EXPECT_FALSE(ListImages(d.path() + "/missing", "", &list, &err));
  EXPECT_NE(err.find("cannot open the image store"), std::string::npos);
}

// Sets a directory's mtime to `ns` nanoseconds after the epoch.
void SetMtime(const std::string& path, int64_t ns) {
  struct timespec t[2] = {{0, UTIME_OMIT}, {time_t(ns / 1000000000), long(ns % 1000000000)}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, 0), 0) << path;
}

TEST(Store, OrdersByTheNameDateAndStatsOnlyWhereDatesTie) {
  TempDir d;
  const std::string late = "6.1.0-main_000000000001_20261125_x86_64";   // alone on its date
  const std::string tie1 = "6.1.0-main_aaaaaaaaaaaa_20261123_x86_64";   // three of one date
  const std::string tie2 = "6.1.0-main_bbbbbbbbbbbb_20261123_x86_64";
  const std::string tie3 = "6.1.0-main_cccccccccccc_20261123_x86_64";
  const std::string same1 = "6.1.0-main_dddddddddddd_20261122_x86_64";  // two of one date and one mtime
  const std::string same2 = "6.1.0-main_eeeeeeeeeeee_20261122_x86_64";
  const std::string early = "6.1.0-main_ffffffffffff_20261120_x86_64";  // alone: its arch's only one
  const std::string other = "6.1.0-main_ffffffffffff_20261120_i386";    // that date, another arch
  for (const std::string& n : {late, tie1, tie2, tie3, same1, same2, early, other}) d.Write(n + "/image.ini", "");
  const int64_t s = 1000000000;
  // Within 20261123 the mtimes go against the names, to the nanosecond; the image
  // alone on the latest date is the oldest directory, the one alone on the earliest
  // the newest: the date decides first.
  SetMtime(d.path() + "/" + late, 1 * s);
  SetMtime(d.path() + "/" + tie1, 5 * s + 2);
  SetMtime(d.path() + "/" + tie2, 5 * s + 1);
  SetMtime(d.path() + "/" + tie3, 4 * s);
  SetMtime(d.path() + "/" + same1, 3 * s);
  SetMtime(d.path() + "/" + same2, 3 * s);
  SetMtime(d.path() + "/" + early, 9 * s);
  SetMtime(d.path() + "/" + other, 9 * s);
  ASSERT_EQ(symlink(tie1.c_str(), (d.path() + "/6.1.0-main_abababababab_20261123_x86_64").c_str()), 0);
  std::vector<StoreImage> list;
  std::string err;
  ASSERT_TRUE(ListImages(d.path(), "x86_64", &list, &err)) << err;
  std::vector<std::pair<std::string, int64_t>> got;
  for (auto& i : list) got.push_back({i.name, i.mtime_ns});
  // An image alone on its date (of its arch) is never stat'ed: its mtime stays 0.
  EXPECT_EQ(got, (std::vector<std::pair<std::string, int64_t>>{
                     {late, 0}, {tie1, 5 * s + 2}, {tie2, 5 * s + 1}, {tie3, 4 * s},
                     {same2, 3 * s}, {same1, 3 * s}, {early, 0}}));
  // Every arch: the i386 image shares 20261120 with `early`, and the mtimes tie, so
  // the name decides.
  ASSERT_TRUE(ListImages(d.path(), "", &list, &err)) << err;
  ASSERT_EQ(list.size(), 8u);
  EXPECT_EQ(list[6].name, early);
  EXPECT_EQ(list[7].name, other);
  EXPECT_EQ(list[7].mtime_ns, 9 * s);
  // A newer mtime for an image of that date moves it up among them, never past a date.
  SetMtime(d.path() + "/" + tie3, 6 * s);
  ASSERT_TRUE(ListImages(d.path(), "x86_64", &list, &err)) << err;
  std::vector<std::string> names;
  for (auto& i : list) names.push_back(i.name);
  EXPECT_EQ(names, (std::vector<std::string>{late, tie3, tie1, tie2, same2, same1, early}));
}

TEST(Store, PublishesWholeWithSumsAndReadsItBack) {
  TempDir d;
  std::string images = d.path() + "/images";
  ASSERT_EQ(mkdir(images.c_str(), 0755), 0);
  std::string kernel = d.Write("out/bzImage", "kernel bytes"), config = d.Write("out/.config", "CONFIG_X=y\n");
  std::string initrd = d.Write("out/initrd.cpio.gz", "initrd bytes");
  std::string modules = d.Write("out/modules.cpio.gz", "modules bytes");
  ImageIni ini = Fields(kA);
  ini.initrd = "initrd";
  ini.modules = "modules.cpio.gz";
  ini.cmdline = "console=ttyS0";
  ini.has_cmdline = true;
  bool already = true;
  std::string err;
  ASSERT_TRUE(PublishImage(images, ini,
                           {{kernel, "bzImage"}, {config, "config"}, {initrd, "initrd"}, {modules, "modules.cpio.gz"}},
                           nullptr, &already, &err))
      << err;
  EXPECT_FALSE(already);
  EXPECT_EQ(Entries(images), (std::vector<std::string>{".index", kA})) << "nothing hidden is left but the list index";
  EXPECT_EQ(Entries(images + "/" + kA), (std::vector<std::string>{"bzImage", "config", "image.ini", "initrd", "modules.cpio.gz"}));
  struct stat st;
  ASSERT_EQ(stat((images + "/" + kA + "/bzImage").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  Manifest m;
  ASSERT_TRUE(ReadManifest(images, kA, &m, &err)) << err;
  EXPECT_EQ(m.ini.branch, "drm/fixes");
  EXPECT_EQ(m.ini.cmdline, "console=ttyS0");
  uint8_t sum[32];
  ASSERT_TRUE(Sha256File(kernel, sum, &err));
  EXPECT_EQ(std::string(sum, sum + 32), std::string(m.ini.kernel_sha256, m.ini.kernel_sha256 + 32));
  ASSERT_TRUE(Sha256File(initrd, sum, &err));
  EXPECT_EQ(std::string(sum, sum + 32), std::string(m.ini.initrd_sha256, m.ini.initrd_sha256 + 32));
  ASSERT_TRUE(Sha256File(modules, sum, &err));
  EXPECT_EQ(m.ini.modules, "modules.cpio.gz");
  EXPECT_EQ(std::string(sum, sum + 32), std::string(m.ini.modules_sha256, m.ini.modules_sha256 + 32));
  Manifest copy = m;  // the views live as long as any copy
  m = Manifest();
  EXPECT_EQ(copy.ini.commit, kCommit);

  // The same image again: kept as it is, nothing left behind.
  d.Write("out/bzImage", "other bytes");
  ASSERT_TRUE(PublishImage(images, Fields(kA), {{kernel, "bzImage"}}, nullptr, &already, &err)) << err;
  EXPECT_TRUE(already);
  EXPECT_EQ(Entries(images), (std::vector<std::string>{".index", kA}));
  ASSERT_TRUE(ReadManifest(images, kA, &m, &err));
  EXPECT_EQ(m.ini.initrd, "initrd");

  ASSERT_TRUE(RemoveImage(images, kA, &err)) << err;
  EXPECT_EQ(Entries(images), std::vector<std::string>{".index"});
  EXPECT_FALSE(RemoveImage(images, kA, &err));
  EXPECT_NE(err.find("cannot remove"), std::string::npos);
  EXPECT_FALSE(RemoveImage(images, "../x", &err));
}

TEST(Store, AFailedPublishLeavesNothing) {
  TempDir d;
  std::string images = d.path() + "/images";
  ASSERT_EQ(mkdir(images.c_str(), 0755), 0);
  std::string kernel = d.Write("out/bzImage", "kernel bytes");
  ASSERT_EQ(symlink("/etc/shadow", (d.path() + "/out/secret").c_str()), 0);
  bool already;
  std::string err;
  EXPECT_FALSE(PublishImage(images, Fields(kA), {{kernel, "bzImage"}, {d.path() + "/out/none", "config"}}, nullptr, &already,
                            &err));
  EXPECT_NE(err.find("cannot read " + d.path() + "/out/none"), std::string::npos) << err;
  EXPECT_FALSE(PublishImage(images, Fields(kA), {{kernel, "bzImage"}, {d.path() + "/out/secret", "config"}},
                            nullptr, &already, &err));
  EXPECT_NE(err.find("refusing the symbolic link"), std::string::npos) << err;
  EXPECT_FALSE(PublishImage(images, Fields(kA), {{d.path() + "/out/none", "bzImage"}}, nullptr, &already, &err));
  ImageIni bad = Fields(kA);
  bad.commit = "HEAD";
  EXPECT_FALSE(PublishImage(images, bad, {{kernel, "bzImage"}}, nullptr, &already, &err));
  EXPECT_NE(err.find("commit is not 40 lowercase hex"), std::string::npos) << err;
  EXPECT_FALSE(PublishImage(images, Fields(kA), {{kernel, "vmlinuz"}}, nullptr, &already, &err)) << "no kernel among the files";
  EXPECT_FALSE(PublishImage(images, Fields("not-a-name"), {{kernel, "bzImage"}}, nullptr, &already, &err));
  EXPECT_EQ(Entries(images), std::vector<std::string>{".index"}) << "no image and no temporary directory: the list index alone";
  EXPECT_FALSE(PublishImage(d.path() + "/missing", Fields(kA), {{kernel, "bzImage"}}, nullptr, &already, &err));
}

TEST(Store, EachBadManifestGetsOneClearError) {
  TempDir d;
  std::string good = "[image]\nname = " + kA + "\ncommit = " + kCommit +
                     "\nbranch = main\narch = x86_64\nkernelrelease = 6.1.0\nbuilt = 2026-11-22T02:30:31Z\n"
                     "kernel = bzImage\nkernel_sha256 = " +
                     std::string(64, '0') + "\n";
  struct Case {
    std::string text, error;
  };
  const Case kCases[] = {
      {good, ""},
      {good.substr(0, good.find("commit")) + good.substr(good.find("branch")), "image.ini: no commit"},
      {good + "kernel_sha256 = 12\n", "image.ini:10: duplicate key"},
      {good + "future = 1\n", "image.ini:10: unknown key"},
      {good.substr(0, good.find("kernel_sha256")) + "kernel_sha256 = xyz\n", "image.ini:9: sha256 is not 64 hex"},
      {"[image]\nname = " + kB + good.substr(good.find("\ncommit")), "image.ini: it names another image"},
  };
  for (const Case& c : kCases) {
    d.Write(kA + "/image.ini", c.text);
    Manifest m;
    std::string err;
    bool ok = ReadManifest(d.path(), kA, &m, &err);
    if (c.error.empty()) {
      EXPECT_TRUE(ok) << err;
      continue;
    }
    EXPECT_FALSE(ok) << c.text;
    EXPECT_NE(err.find(d.path() + "/" + kA + "/" + c.error), std::string::npos) << err;
  }
  Manifest m;
  std::string err;
  EXPECT_FALSE(ReadManifest(d.path(), kB, &m, &err));
  EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
  EXPECT_FALSE(ReadManifest(d.path(), "../etc", &m, &err));
  EXPECT_NE(err.find("bad image name"), std::string::npos) << err;
  d.Write(kC + "/image.ini", std::string(kMaxImageIni + 1, ';'));
  EXPECT_FALSE(ReadManifest(d.path(), kC, &m, &err));
  EXPECT_NE(err.find("larger than"), std::string::npos) << err;
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

TEST(Store, LeftoversOfADeadPublisherAreCleanedOnceOld) {
  TempDir d;
  const std::string images = d.path();
  d.Write(".tmp-6.1.0-main_aaaaaaaaaaaa_20261120_x86_64.123/bzImage", "half");
  d.Write(".rm-6.1.0-main_bbbbbbbbbbbb_20261121_x86_64.456/bzImage", "going");
  d.Write(".tmp-6.1.0-main_cccccccccccc_20261122_x86_64.789/bzImage", "being published now");
  d.Write("6.1.0-main_dddddddddddd_20261122_x86_64/bzImage", "an image");
  d.Write(".hidden-by-someone/x", "not ours");
  for (const char* old : {".tmp-6.1.0-main_aaaaaaaaaaaa_20261120_x86_64.123",
                          ".rm-6.1.0-main_bbbbbbbbbbbb_20261121_x86_64.456", ".hidden-by-someone"}) {
    struct timespec t[2] = {{time(nullptr) - 7200, 0}, {time(nullptr) - 7200, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, (images + "/" + old).c_str(), t, 0), 0);
  }
  std::vector<std::string> removed;
  std::string err;
  ASSERT_TRUE(CleanLeftovers(images, 3600, &removed, &err)) << err;
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{".rm-6.1.0-main_bbbbbbbbbbbb_20261121_x86_64.456",
                                               ".tmp-6.1.0-main_aaaaaaaaaaaa_20261120_x86_64.123"}));
  EXPECT_EQ(Entries(images), (std::vector<std::string>{".hidden-by-someone", ".index",
                                                       ".tmp-6.1.0-main_cccccccccccc_20261122_x86_64.789",
                                                       "6.1.0-main_dddddddddddd_20261122_x86_64"}));
  EXPECT_FALSE(CleanLeftovers(images + "/nonexistent", 3600, &removed, &err));
}

TEST(Store, PublishWithAKeyPutsTheSignatureBesideTheManifest) {
  TempDir d;
  const std::string key_pem = d.path() + "/key.pem", pub = d.path() + "/pub.pem";
  ASSERT_EQ(system(("openssl ecparam -name prime256v1 -genkey -noout -out " + key_pem + " 2>/dev/null && " +
                    "openssl pkey -in " + key_pem + " -pubout -out " + pub).c_str()),
            0);
  SigningKey key;
  std::string err;
  ASSERT_TRUE(key.Load(key_pem, &err)) << err;
  std::string kernel = d.Write("bzImage", "kernel"), images = d.path() + "/images";
  ASSERT_TRUE(MakeDirs(images, &err)) << err;
  bool already = false;
  ASSERT_TRUE(PublishImage(images, Fields(kA), {{kernel, "bzImage"}}, &key, &already, &err)) << err;
  const std::string dir = images + "/" + kA;
  EXPECT_EQ(Entries(dir), (std::vector<std::string>{"bzImage", "image.ini", "image.ini.sig"}));
  EXPECT_EQ(system(("openssl dgst -sha256 -verify " + pub + " -signature " + dir + "/image.ini.sig " + dir +
                    "/image.ini >/dev/null").c_str()),
            0)
      << "openssl accepts the signature the store wrote";
}

}  // namespace
}  // namespace kb

// --- the list index -----------------------------------------------------------------

namespace kb {
namespace {

std::string Joined(const std::vector<StoreImage>& list) {
  std::string out;
  for (const StoreImage& i : list) out += i.name + "\n";
  return out;
}

// What the directory read gives for `arch`, one name a line.
std::string DirectoryList(const std::string& images, std::string_view arch) {
  std::vector<StoreImage> list;
  std::string err;
  EXPECT_TRUE(ListImages(images, arch, &list, &err)) << err;
  return Joined(list);
}

int64_t DirMtimeNs(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

std::string ReadText(const std::string& path) {
  std::string text, err;
  EXPECT_TRUE(ReadFile(path, &text, &err)) << err;
  return text;
}

// A store of images published by the store's writer: kA, kB, kC (x86_64), kI (i386).
class ListIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    images_ = d_.path() + "/images";
    ASSERT_EQ(mkdir(images_.c_str(), 0755), 0);
    for (const std::string& n : {kA, kB, kC, kI}) Publish(n);
  }
  void Publish(const std::string& name) {
    std::string kernel = d_.Write("out/bzImage", "kernel " + name), err;
    ImageIni ini = Fields(name);
    const std::string arch = name.substr(name.rfind('_') + 1);  // ini's fields are views
    ini.arch = arch;
    bool already;
    ASSERT_TRUE(PublishImage(images_, ini, {{kernel, "bzImage"}}, nullptr, &already, &err)) << err;
  }
  // ListImageNames' answer, and its note in *note.
  std::string Names(std::string_view arch, std::string* note) {
    ImageNames names;
    std::string err;
    EXPECT_TRUE(ListImageNames(images_, arch, &names, note, &err)) << err;
    return std::string(names.text);
  }

  TempDir d_;
  std::string images_;
};

TEST_F(ListIndexTest, ThePublisherWritesItAndAFreshOneIsUsed) {
  const std::string index = images_ + "/.index/x86_64";
  EXPECT_EQ(ReadText(index), "kbisect-list-index 1 x86_64 " + std::to_string(DirMtimeNs(images_)) + " 3\n" + kC +
                                 "\n" + kB + "\n" + kA + "\n");
  EXPECT_EQ(ReadText(images_ + "/.index/i386"),
            "kbisect-list-index 1 i386 " + std::to_string(DirMtimeNs(images_)) + " 1\n" + kI + "\n");
  std::string note;
  EXPECT_EQ(Names("x86_64", &note), kC + "\n" + kB + "\n" + kA + "\n");
  EXPECT_EQ(note, "");
  EXPECT_EQ(Entries(images_), (std::vector<std::string>{".index", kA, kB, kC, kI})) << "the index is no image";
  // That the list comes from the index and not the directory: an index written
  // by hand with the directory's mtime is believed (the writers' own are right).
  std::string err;
  ASSERT_TRUE(WriteFileAtomic(index, FormatListIndex("x86_64", DirMtimeNs(images_), {kB}), &err)) << err;
  EXPECT_EQ(Names("x86_64", &note), kB + "\n");
  EXPECT_EQ(note, "");
  // The removal of an image rewrites it; an arch whose images are all gone gets
  // an empty one.
  ASSERT_TRUE(RemoveImage(images_, kI, &err)) << err;
  EXPECT_EQ(ReadText(images_ + "/.index/i386"),
            "kbisect-list-index 1 i386 " + std::to_string(DirMtimeNs(images_)) + " 0\n");
  EXPECT_EQ(Names("i386", &note), "");
  EXPECT_EQ(Names("x86_64", &note), kC + "\n" + kB + "\n" + kA + "\n");
  EXPECT_EQ(note, "");
  // An arch without an index (none of its images ever published): the directory,
  // no note.
  EXPECT_EQ(Names("arm64", &note), "");
  EXPECT_EQ(note, "");
}

TEST_F(ListIndexTest, AStaleOneIsNotUsed) {
  std::string note;
  // An image removed by hand, not by the store's writer.
  ASSERT_EQ(system(("rm -rf " + images_ + "/" + kB).c_str()), 0);
  EXPECT_EQ(Names("x86_64", &note), kC + "\n" + kA + "\n");
  EXPECT_NE(note.find(images_ + "/.index/x86_64 is stale"), std::string::npos) << note;
  EXPECT_NE(note.find("reading the directory instead"), std::string::npos) << note;
  // One added by hand.
  const std::string hand = "6.1.0-main_eeeeeeeeeeee_20261123_x86_64";
  d_.Write("images/" + hand + "/image.ini", "");
  EXPECT_EQ(Names("x86_64", &note), hand + "\n" + kC + "\n" + kA + "\n");
  EXPECT_NE(note.find("is stale"), std::string::npos) << note;
  // The next write of the store's writer makes it fresh again, with both.
  std::string err;
  ASSERT_TRUE(WriteListIndex(images_, &err)) << err;
  EXPECT_EQ(Names("x86_64", &note), hand + "\n" + kC + "\n" + kA + "\n");
  EXPECT_EQ(note, "");
}

TEST_F(ListIndexTest, ADamagedOneGivesTheSameListAndSaysWhy) {
  const std::string index = images_ + "/.index/x86_64", good = ReadText(index);
  const std::string mtime = std::to_string(DirMtimeNs(images_));
  const std::string want = kC + "\n" + kB + "\n" + kA + "\n";
  struct Case {
    std::string text, why;
  };
  const Case kCases[] = {
      {good.substr(0, good.size() - 10), "it ends after 2 of its 3 names"},  // cut short
      {good.substr(0, good.size() - 1), "it ends after 2 of its 3 names"},
      {good + kA + "\n", "more than its 3 names"},
      {"", "no kbisect-list-index 1 header"},
      {"kbisect-list-index 2 x86_64 " + mtime + " 3\n" + want, "no kbisect-list-index 1 header"},
      {"kbisect-list-index 1 i386 " + mtime + " 3\n" + want, "the header names another arch than x86_64"},
      {"kbisect-list-index 1 x86_64 0" + mtime + " 3\n" + want, "the header's mtime or count is not a number"},
      {"kbisect-list-index 1 x86_64 " + mtime + " 3\n" + kC + "\n../etc\n" + kA + "\n",
       "line 3: image name starts with '.'"},
      {"kbisect-list-index 1 x86_64 " + mtime + " 3\n" + kC + "\n" + kI + "\n" + kA + "\n",
       "line 3: an image of another arch"},
      {"kbisect-list-index 1 x86_64 " + mtime + " 3\n" + kA + "\n" + kB + "\n" + kC + "\n", "line 3: out of order"},
  };
  for (const Case& c : kCases) {
    std::string err, note;
    ASSERT_TRUE(WriteFileAtomic(index, c.text, &err)) << err;
    EXPECT_EQ(Names("x86_64", &note), want) << c.text;
    EXPECT_EQ(note, index + " is damaged (" + c.why + "): reading the directory instead") << c.text;
  }
  // Unreadable: not a file.
  ASSERT_EQ(unlink(index.c_str()), 0);
  ASSERT_EQ(mkdir(index.c_str(), 0755), 0);
  std::string note;
  EXPECT_EQ(Names("x86_64", &note), want);
  EXPECT_EQ(note, index + " is not a readable file: reading the directory instead");
}

// Many images a date, their mtimes tied or not, across two arches: the index's
// order is the directory read's, to the name where the mtimes tie too.
TEST_F(ListIndexTest, TheOrderIsTheDirectoryReadsWithTies) {
  const int64_t s = 1000000000;
  int k = 0;
  for (const char* date : {"20261121", "20261123", "20261122"})
    for (const char* arch : {"x86_64", "i386"})
      for (int j = 0; j < 6; ++j, ++k) {
        char name[80];
        snprintf(name, sizeof name, "6.1.0-main_%012x_%s_%s", 0xabc000 + k * 37, date, arch);
        d_.Write(std::string("images/") + name + "/image.ini", "");
        SetMtime(images_ + "/" + name, (j % 3) * s + (j == 4 ? 7 : 0));  // pairs of equal mtimes
      }
  std::string err, note;
  ASSERT_TRUE(WriteListIndex(images_, &err)) << err;
  for (const char* arch : {"x86_64", "i386"}) {
    std::string from_dir = DirectoryList(images_, arch);
    EXPECT_EQ(std::count(from_dir.begin(), from_dir.end(), '\n'), arch[0] == 'x' ? 21 : 19);
    EXPECT_EQ(Names(arch, &note), from_dir) << arch;
    EXPECT_EQ(note, "") << "from the index";
  }
}

// A directory modified within the file system's current tick may change again
// with the same mtime: the writer reads it only once its clock is past that mtime.
TEST_F(ListIndexTest, TheWriterWaitsForTheClockToPassTheDirectorysMtime) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t ahead = (int64_t(now.tv_sec) + 1) * 1000000000 + now.tv_nsec;  // 1 s from now
  SetMtime(images_, ahead);
  std::string err;
  ASSERT_TRUE(WriteListIndex(images_, &err)) << err;
  clock_gettime(CLOCK_REALTIME, &now);
  EXPECT_GT(int64_t(now.tv_sec) * 1000000000 + now.tv_nsec, ahead) << "returned before the clock passed the mtime";
  EXPECT_EQ(ReadText(images_ + "/.index/i386"), "kbisect-list-index 1 i386 " + std::to_string(ahead) + " 1\n" + kI + "\n");
}

TEST(ListIndex, ParsesOnlyWhatItFormats) {
  const std::string text = FormatListIndex("x86_64", 1764300000123456789, {kC, kB, kA});
  ListIndex idx;
  std::string err;
  ASSERT_TRUE(ParseListIndex(text, "x86_64", &idx, &err)) << err;
  EXPECT_EQ(idx.mtime_ns, 1764300000123456789);
  EXPECT_EQ(idx.count, 3u);
  EXPECT_EQ(idx.names, kC + "\n" + kB + "\n" + kA + "\n");
  ASSERT_TRUE(ParseListIndex(FormatListIndex("i386", 0, {}), "i386", &idx, &err)) << err;
  EXPECT_EQ(idx.count, 0u);
  for (const std::string bad : {"kbisect-list-index 1 x86_64 5 01\n", "kbisect-list-index 1 x86_64 -5 0\n",
                                "kbisect-list-index 1 x86_64 5 0", "kbisect-list-index 1 x86_64 5 0 \n",
                                "kbisect-list-index 1 x86_64 12345678901234567890 0\n",
                                "kbisect-list-index 1 x86_64 9223372036854775808 0\n",
                                "kbisect-list-index 1 x86_64  5 0\n", "kbisect-list-index 1 x86_64 5 0\n\n"})
    EXPECT_FALSE(ParseListIndex(bad, "x86_64", &idx, &err)) << bad;
}

// The lines after the first of a date are checked by a shortcut (word-at-a-time):
// it must say what the full rules say. Every byte of such a line (kB after kC,
// same date) replaced by each of the 256 values, dropped, or doubled.
TEST(ListIndex, TheSameDateShortcutAgreesWithTheFullRules) {
  auto oracle = [](const std::string& line) {
    ImageName n;
    return !ParseImageName(line, &n) && n.arch == "x86_64" && n.date <= "20261121" && n.date >= "20261120";
  };
  auto parses = [](const std::string& line) {
    ListIndex idx;
    std::string err;
    return ParseListIndex(FormatListIndex("x86_64", 5, {kC, line, kA}), "x86_64", &idx, &err);
  };
  int checked = 0;
  for (size_t at = 0; at < kB.size(); ++at) {
    for (int c = 0; c < 256; ++c) {
      if (c == '\n') continue;  // another line, not this one
      std::string line = kB;
      line[at] = char(c);
      ASSERT_EQ(parses(line), oracle(line)) << "byte " << at << " = " << c << ": " << line;
      ++checked;
    }
    std::string dropped = kB, doubled = kB;
    dropped.erase(at, 1);
    doubled.insert(at, 1, kB[at]);
    ASSERT_EQ(parses(dropped), oracle(dropped)) << dropped;
    ASSERT_EQ(parses(doubled), oracle(doubled)) << doubled;
  }
  EXPECT_EQ(checked, int(kB.size()) * 255);
}

}  // namespace
}  // namespace kb
