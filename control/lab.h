// The lab's machine profiles (issue 38): one INI file that says, once, how each
// test machine is reached, so that `kbisect run --machine m1` (or --pool TAG)
// needs nothing else. Like LAVA's device dictionaries and labgrid's places.
//
//   # /etc/kbisect/lab.ini (--lab FILE|URL, $KBISECT_LAB; the server may serve it)
//   server = http://kbisect.lab/kbisect   ; keys before any section: the lab's
//   [r650-1]                              ; a machine, by its kbisect.machine name
//   power = ipmi://kbisect@r650-1-bmc.lab
//   power-secret = /etc/kbisect/secrets/r650-1.pass
//   console = ipmi-sol
//   arch = x86_64
//   tags = x86 dell nvme
//   description = Dell R650, 2x Xeon 6338
//
// A machine's keys are the per-machine options (power, power-secret, power-ca,
// console, test, reboot), arch, tags and description. What the command line or
// --config gives wins over the profile.
#ifndef KBISECT_CONTROL_LAB_H
#define KBISECT_CONTROL_LAB_H

#include <string>
#include <utility>
#include <vector>

#include "control/options.h"

namespace kb {

struct LabMachine {
  std::string name;
  std::vector<std::pair<std::string, std::string>> options;  // per-machine options, as in the file
  std::string arch;                                          // "" : not said
  std::vector<std::string> tags;
  std::string description;
};

struct Lab {
  std::string source;  // the file or URL it was read from
  std::string server;  // the lab's kbisect server ("" : not said)
  std::vector<LabMachine> machines;
  const LabMachine* Find(const std::string& name) const;
};

// Reads the lab file's text (named `source` in messages): false with
// "SOURCE:LINE: why" for a bad name, key or value.
bool ParseLab(const std::string& source, const std::string& text, Lab* lab, std::string* why);

// The lab file: a path, or an http(s) URL fetched (the server may serve it).
// `explicit_source`: given by --lab or $KBISECT_LAB, so that a missing file is
// an error; the default path may be absent (then *lab has no machines).
bool ReadLab(const std::string& source, bool explicit_source, Lab* lab, std::string* why);

// The default lab file.
extern const char kDefaultLab[];

// The lab of a command: --lab's value (flag), else $KBISECT_LAB, else the default
// file when it exists; *given says whether one was named.
bool LoadLab(const std::string& flag, Lab* lab, bool* given, std::string* why);

// Applies the lab to the options: --pool TAG becomes the machines with that tag;
// each machine's profile fills what the options do not say (MachineOptions);
// the profiles' arch is the run's when --arch is not given (a pool must agree);
// the lab's server when none is given. False with why: a machine the lab does
// not know (when the lab was given), a tag no machine has, arches that differ.
bool ApplyLab(const Lab& lab, bool lab_given, Options* o, std::string* why);

}  // namespace kb

#endif
