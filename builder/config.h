// kbisect-builder's INI configuration (design.md "Control side").
#pragma once

#include "builder/kernel_sign.h"
#include <string>
#include <vector>

#include "store/signing.h"

namespace kb {

struct BranchConfig {
  std::string name;    // [branch NAME]: the name used in image names
  std::string ref;     // refs/heads/NAME by default
  std::string remote;  // empty: a local branch
};

struct ArchConfig {
  std::string name;                    // [arch NAME]: x86_64, i386
  std::string config;                  // a make target (tinyconfig) or a .config path
  std::vector<std::string> fragments;  // merged on top
  std::vector<std::string> targets;    // default bzImage; "modules" adds modules.tar.xz
  std::vector<std::string> make_vars;  // extra VAR=value for make
  std::string cmdline;                 // written to image.ini as the image's cmdline
  std::string initrd;                  // a file shipped with every image as its initrd
};

// A host of the compile farm ([builder] distcc): a distccd at host (a name or an
// IPv4 address) and port, taking `slots` compile jobs at once.
struct DistccHost {
  std::string host;
  int port = 3632;  // distccd's
  int slots = 1;
};

struct BuilderConfig {
  std::string path;  // the file itself, for messages
  std::string repo, images, state, work;
  int jobs = 0;  // 0: the number of CPUs
  bool ccache = false;
  std::vector<DistccHost> distcc;  // empty: every compile is local
  int poll = 60;
  bool first_parent = true;
  std::string mail_to, mail_from, sendmail = "/usr/sbin/sendmail";
  std::vector<BranchConfig> branches;
  std::vector<ArchConfig> arches;
  int keep_per_branch_arch = 0;  // 0: keep all
  int keep_days = 0;             // 0: no age limit
  bool confine = true;           // builds see repo, images and state read-only, no network
  std::string signing_key;       // [builder] signing_key: a PEM P-256 private key
  KernelSigning kernel_signing;  // [builder] kernel_signing_key/_cert: Secure Boot signatures (sbsign)
  bool sign = false;             // loaded into `key`: every image is signed
  SigningKey key;
};

// Reads and checks the file. Errors name the file and line ("F:12: [builder]
// jobs: not a number"); missing required keys name the file and the key.
bool LoadBuilderConfig(const std::string& path, BuilderConfig* out, std::string* err);

}  // namespace kb
