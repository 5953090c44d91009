// The options of `kbisect step` and `kbisect run` (issue 13), from the command line
// and from an INI file (--config FILE: the same keys without "--", a bisection
// described once and re-run). Pure: parsing and checking, no I/O but the config
// file's reading (through a callback in the tests).
#ifndef KBISECT_CONTROL_OPTIONS_H
#define KBISECT_CONTROL_OPTIONS_H

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kb {

struct Options {
  std::string server;  // --server, else $KBISECT_SERVER
  // One candidate (step and run). machine: the first of machines (the pool:
  // --machine a,b,c or --machine repeated; step uses the first).
  std::string machine, arch = "x86_64", power, test, console, pass, fail;
  std::string power_secret;         // --power-secret FILE: the BMC's or PDU's password
  std::string power_ca;             // --power-ca FILE: an https BMC's certificate or CA
  std::vector<std::string> machines;
  std::string lab, pool;            // --lab FILE|URL (the machines' profiles), --pool TAG
  bool arch_given = false;          // --arch given (else a profile's arch is taken)
  // The lab's profiles of the machines (ApplyLab): per-machine options that fill
  // what the command line and --config do not say (MachineOptions).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> profiles;
  std::vector<std::string> ignore;  // --ignore REGEX, repeatable
  bool fail_on_call_trace = false;
  bool hang_is_skip = false;        // --on-hang skip
  std::string build, request_dir, log;
  std::string reboot;               // --reboot CMD: leave a candidate without the firmware
  double boot_timeout = 300, report_timeout = 300, test_timeout = 600, build_timeout = 1800;
  double silence_timeout = 0, power_timeout = 120, reboot_timeout = 120;
  double lease_seconds = 900;       // run: the machines' leases (renewed at a third)
  bool build_bisect = false;        // a build failure is the regression (no boot)
  // The whole bisection (run).
  std::string good, bad, term_old, term_new, resume, config;
  std::string report, mail, sendmail = "sendmail";  // --report FILE.html, --mail TO, --sendmail PROG
  bool power_off_at_end = false;    // --power-off-at-end: the machines, however the run ends
  bool revert_check = false;        // --revert-check
  std::string revert_remote = "origin";  // --revert-remote: where the builder reads commits
  int runs = 1, max_runs = 0;       // --runs (--repeat), --max-runs (0: 3 x runs)
  bool flaky_majority = false;      // --flaky majority (else any failure is bad)
  bool verify = false, check_ends = false, reverse = false;
  bool verify_set = false;          // --verify given (true or false): else on for a pool
};

// Reads an INI file into key/value pairs ("key", "value"), in order; false with why.
using ConfigReader =
    std::function<bool(const std::string& path, std::vector<std::pair<std::string, std::string>>* entries,
                       std::string* why)>;

// Parses args (after the command's name) for `step` (run = false) or `run`. A
// --config file is read first wherever it appears, so the command line wins over
// it. false with a message for the user (an unknown option, a value missing or
// out of range, an option of `run` given to `step`).
bool ParseOptions(const std::vector<std::string>& args, bool run, const ConfigReader& read_config, Options* o,
                  std::string* why);

// What a step or a run cannot do without (a machine, a power command, a verdict;
// the ends for run), as a message for the user; "" when nothing is missing.
std::string MissingOptions(const Options& o, bool run);

// The options of one machine of the pool: machine set to it, and %m in --power,
// --reboot, --console and --test replaced by its name.
Options MachineOptions(const Options& o, const std::string& machine);

// Whether key is a per-machine option (a lab profile's key), and their names.
bool IsMachineOption(const std::string& key);
const char* MachineOptionNames();

// The options' help text, for --help, made from the table of options.
const std::string& OptionsHelp();

}  // namespace kb

#endif
