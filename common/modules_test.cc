#include "common/modules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kb {
namespace {

const char kDep[] =
    "kernel/fs/nfs/nfsv4.ko: kernel/fs/nfs/nfs.ko kernel/fs/lockd/lockd.ko kernel/net/sunrpc/sunrpc.ko\n"
    "kernel/fs/nfs/nfs.ko: kernel/fs/lockd/lockd.ko kernel/net/sunrpc/sunrpc.ko\n"
    "kernel/fs/lockd/lockd.ko: kernel/net/sunrpc/sunrpc.ko\n"
    "kernel/net/sunrpc/sunrpc.ko:\n"
    "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko\n"
    "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
    "kernel/net/core/failover.ko:\n"
    "kernel/drivers/a-b.ko.xz:\n"
    "kernel/loop/x.ko: kernel/loop/y.ko\n"
    "kernel/loop/y.ko: kernel/loop/x.ko\n"
    "kernel/broken/z.ko: kernel/broken/missing.ko\n";

std::vector<std::string> Resolve(std::vector<std::string_view> names, Error* err, std::string* which) {
  std::string_view out[kMaxModulePaths];
  size_t n = 0;
  std::string_view w;
  *err = ResolveModules(kDep, names, out, &n, &w);
  *which = w;
  if (*err) return {};
  return std::vector<std::string>(out, out + n);
}

TEST(Modules, TheNfsClientsModules) {
  for (const char* m : {"nfs", "nfsv2", "nfsv3", "nfsv4"}) EXPECT_TRUE(IsNfsClientModule(m)) << m;
  // nfsd is the server's; the rest are other modules or not names at all.
  for (const char* m : {"nfsd", "nfsv", "nfsv4x", "nfs_acl", "virtio_net", "sunrpc", "", "nf", "xnfsv3"})
    EXPECT_FALSE(IsNfsClientModule(m)) << m;
}

TEST(Modules, DependenciesFirstEachOnce) {
  Error err;
  std::string which;
  EXPECT_EQ(Resolve({"nfsv4", "virtio-net", "nfs"}, &err, &which),
            (std::vector<std::string>{"kernel/net/sunrpc/sunrpc.ko", "kernel/fs/lockd/lockd.ko",
                                      "kernel/fs/nfs/nfs.ko", "kernel/fs/nfs/nfsv4.ko", "kernel/net/core/failover.ko",
                                      "kernel/drivers/net/net_failover.ko", "kernel/drivers/net/virtio_net.ko"}));
  EXPECT_EQ(err, nullptr);
  EXPECT_EQ(Resolve({"a_b"}, &err, &which), std::vector<std::string>{"kernel/drivers/a-b.ko.xz"});
}

TEST(Modules, ReportsMissingLoopsAndOverflow) {
  Error err;
  std::string which;
  Resolve({"virtio_net", "e1000e"}, &err, &which);
  ASSERT_NE(err, nullptr);
  EXPECT_STREQ(err, "module is not in modules.dep");
  EXPECT_EQ(which, "e1000e");
  Resolve({"x"}, &err, &which);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("loop"), std::string::npos);
  Resolve({"z"}, &err, &which);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(which, "kernel/broken/missing.ko");
  std::string_view out[2];
  size_t n;
  std::string_view names[] = {"nfsv4"};
  EXPECT_STREQ(ResolveModules(kDep, names, out, &n, nullptr), "too many modules to load");
}

TEST(Modules, NameOfPath) {
  char buf[64];
  EXPECT_EQ(std::string(buf, ModuleNameOfPath("kernel/drivers/net/virtio-net.ko.zst", buf)), "virtio_net");
  EXPECT_EQ(ModuleNameOfPath("kernel/x.o", buf), 0u);
  EXPECT_EQ(ModuleNameOfPath(".ko", buf), 0u);
  // Debian 13's modules are .ko.xz: finit_module decompresses them with the flag.
  EXPECT_EQ(ModuleInitFlags("kernel/drivers/net/virtio_net.ko.xz"), kModuleInitCompressedFile);
  EXPECT_EQ(ModuleInitFlags("kernel/fs/nfs/nfsv4.ko.zst"), kModuleInitCompressedFile);
  EXPECT_EQ(ModuleInitFlags("kernel/fs/ext4/ext4.ko.gz"), kModuleInitCompressedFile);
  EXPECT_EQ(ModuleInitFlags("kernel/drivers/net/virtio_net.ko"), 0);
  EXPECT_EQ(ModuleInitFlags("kernel/drivers/net/virtio_net.xz"), 0);
  EXPECT_EQ(ModuleInitFlags(".ko.xz"), 0);
}

}  // namespace
}  // namespace kb
