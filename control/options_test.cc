#include "control/options.h"

#include <gtest/gtest.h>

#include <map>

namespace kb {
namespace {

// Config files as text in memory: "key=value" lines.
struct Configs {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> files;
  ConfigReader Reader() {
    return [this](const std::string& path, std::vector<std::pair<std::string, std::string>>* out, std::string* why) {
      auto it = files.find(path);
      if (it == files.end()) return *why = path + ": No such file or directory", false;
      *out = it->second;
      return true;
    };
  }
};

bool Parse(const std::vector<std::string>& args, bool run, Options* o, std::string* why, Configs* c = nullptr) {
  Configs none;
  return ParseOptions(args, run, (c ? c : &none)->Reader(), o, why);
}

TEST(Options, ReadsEveryKind) {
  Options o;
  std::string why;
  ASSERT_TRUE(Parse({"--machine", "m1", "--power", "ipmitool power cycle", "--console", "/tmp/c", "--pass", "PASS",
                     "--ignore", "WARNING: a", "--ignore", "b", "--fail-on-call-trace", "--on-hang", "skip",
                     "--boot-timeout", "45", "--silence-timeout", "0", "--repeat", "3", "--verify", "--reverse",
                     "--good", "v1", "--bad", "v2", "--term-old", "fast", "--term-new", "slow"},
                    true, &o, &why))
      << why;
  EXPECT_EQ(o.machine, "m1");
  EXPECT_EQ(o.power, "ipmitool power cycle");
  EXPECT_EQ(o.ignore, (std::vector<std::string>{"WARNING: a", "b"}));
  EXPECT_TRUE(o.fail_on_call_trace);
  EXPECT_TRUE(o.hang_is_skip);
  EXPECT_EQ(o.boot_timeout, 45);
  EXPECT_EQ(o.silence_timeout, 0);
  EXPECT_EQ(o.runs, 3);
  EXPECT_EQ(o.max_runs, 3);  // --repeat: good only if N runs pass, no more
  EXPECT_TRUE(o.verify && o.reverse && !o.check_ends);
  EXPECT_EQ(o.term_old, "fast");
  EXPECT_EQ(o.arch, "x86_64");  // the default
  EXPECT_EQ(MissingOptions(o, true), "");
  ASSERT_TRUE(Parse({"--arch", "i386"}, false, &o, &why)) << why;
  EXPECT_EQ(o.arch, "i386");
}

TEST(Options, RefusesBadInputWithAClearMessage) {
  struct Case {
    std::vector<std::string> args;
    bool run;
    std::string why;
  } cases[] = {
      {{"--frob"}, true, "run: unknown option '--frob'"},
      {{"stray"}, false, "step: unexpected argument 'stray'"},
      {{"--machine"}, false, "--machine needs a value"},
      {{"--machine", ""}, false, "--machine needs a value"},
      {{"--boot-timeout", "soon"}, false, "--boot-timeout is seconds (more than 0, at most a week), not 'soon'"},
      {{"--boot-timeout", "0"}, false, "--boot-timeout is seconds (more than 0, at most a week), not '0'"},
      {{"--boot-timeout", "-5"}, false, "--boot-timeout is seconds (more than 0, at most a week), not '-5'"},
      {{"--boot-timeout", "nan"}, false, "--boot-timeout is seconds (more than 0, at most a week), not 'nan'"},
      {{"--silence-timeout", "-1"}, false,
       "--silence-timeout is seconds (0 to turn it off, at most a week), not '-1'"},
      {{"--repeat", "0"}, true, "--repeat is a number from 1 to 99, not '0'"},
      {{"--repeat", "100"}, true, "--repeat is a number from 1 to 99, not '100'"},
      {{"--on-hang", "retry"}, false, "--on-hang is bad or skip, not 'retry'"},
      {{"--runs", "0"}, true, "--runs is a number from 1 to 99, not '0'"},
      {{"--max-runs", "0"}, true, "--max-runs is a number from 1 to 99, not '0'"},
      {{"--flaky", "sometimes"}, true, "--flaky is any or majority, not 'sometimes'"},
      {{"--arch", "I386"}, true, "--arch is one of x86_64, i386, not 'I386'"},
      {{"--arch", "i386&arch=x86_64"}, false,
       "--arch is one of x86_64, i386, not 'i386&arch=x86_64'"},
      {{"--arch", "x86_64_x86_64_x86"}, true,
       "--arch is one of x86_64, i386, not 'x86_64_x86_64_x86'"},
      {{"--machine", "a,,b"}, true,
       "--machine: bad machine name '': [A-Za-z0-9._-], 1 to 64 characters, not starting with '.'"},
      {{"--machine", "a,"}, true,
       "--machine: bad machine name '': [A-Za-z0-9._-], 1 to 64 characters, not starting with '.'"},
      {{"--machine", "../etc"}, false,
       "--machine: bad machine name '../etc': [A-Za-z0-9._-], 1 to 64 characters, not starting with '.'"},
      {{"--machine", "a,b,a"}, true, "--machine: machine a is in the pool twice"},
      {{"--machine", "a", "--machine", "a"}, true, "--machine: machine a is in the pool twice"},
      {{"--runs", "2"}, false, "step: --runs is an option of run"},
      {{"--good", "v1"}, false, "step: --good is an option of run"},
      {{"--config", "x"}, false, "step: --config is an option of run"},
      {{"--config", "/nonexistent"}, true, "/nonexistent: No such file or directory"},
  };
  for (const Case& c : cases) {
    Options o;
    std::string why;
    EXPECT_FALSE(Parse(c.args, c.run, &o, &why));
    EXPECT_EQ(why, c.why);
  }
}

TEST(Options, ConfigFileGivesTheSameKeysAndTheCommandLineWins) {
  Configs c;
  c.files["b.ini"] = {{"machine", "m1"}, {"power", "p"}, {"console", "c"}, {"fail", "F"}, {"good", "v1"},
                      {"bad", "v2"},     {"verify", "yes"}, {"repeat", "2"}, {"ignore", "x"}};
  Options o;
  std::string why;
  // --config after an option it sets: the command line still wins.
  ASSERT_TRUE(Parse({"--machine", "m2", "--config", "b.ini", "--ignore", "y"}, true, &o, &why, &c)) << why;
  EXPECT_EQ(o.machine, "m2");
  EXPECT_EQ(o.config, "b.ini");
  EXPECT_TRUE(o.verify);
  EXPECT_EQ(o.runs, 2);
  EXPECT_EQ(o.ignore, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(MissingOptions(o, true), "");

  c.files["bad.ini"] = {{"machin", "m1"}};
  Options o2;
  EXPECT_FALSE(Parse({"--config", "bad.ini"}, true, &o2, &why, &c));
  EXPECT_EQ(why, "bad.ini: unknown key 'machin'");
  c.files["flag.ini"] = {{"verify", "maybe"}};
  Options o3;
  EXPECT_FALSE(Parse({"--config", "flag.ini"}, true, &o3, &why, &c));
  EXPECT_EQ(why, "flag.ini: verify is true or false, not 'maybe'");
  c.files["resume.ini"] = {{"resume", "x.log"}};
  Options o4;
  EXPECT_FALSE(Parse({"--config", "resume.ini"}, true, &o4, &why, &c));
  EXPECT_EQ(why, "resume.ini: unknown key 'resume'");
  Options o5;
  EXPECT_FALSE(Parse({"--config", "b.ini", "--config", "b.ini"}, true, &o5, &why, &c));
  EXPECT_EQ(why, "--config is given twice");
}

TEST(Options, SaysWhatIsMissing) {
  Options o;
  EXPECT_EQ(MissingOptions(o, false), "--machine M (or --pool TAG) is required");
  o.machine = "m1";
  o.machines = {"m1"};
  EXPECT_EQ(MissingOptions(o, true), "run needs --good COMMIT and --bad COMMIT");
  EXPECT_EQ(MissingOptions(o, false), "--power CMD is required (how to power-cycle the machine)");
  o.power = "p";
  EXPECT_EQ(MissingOptions(o, false), "a verdict is required: --test CMD, or --console FILE with --pass/--fail");
  o.console = "c";
  EXPECT_EQ(MissingOptions(o, false), "--console needs --pass REGEX and/or --fail REGEX (or --test CMD to judge)");
  o.pass = "P";
  EXPECT_EQ(MissingOptions(o, false), "");
  // A build bisection without --build or --request-dir asks the server's builder.
  o.build_bisect = true;
  EXPECT_EQ(MissingOptions(o, false), "");
  // A build bisection boots nothing: no power command or verdict needed.
  Options b;
  b.machine = "m1";
  b.machines = {"m1"};
  b.build_bisect = true;
  b.build = "make";
  EXPECT_EQ(MissingOptions(b, false), "");
  b.request_dir = "/r";
  EXPECT_EQ(MissingOptions(b, false), "--build and --request-dir: give one way to build");
}

TEST(Options, APoolIsMachinesByCommaOrRepeatedAndPercentMNamesEachOne) {
  Options o;
  std::string why;
  ASSERT_TRUE(Parse({"--machine", "a,b", "--machine", "c", "--power", "ipmitool -H %m-bmc power cycle", "--console",
                     "/var/log/%m.console", "--reboot", "ssh root@%m reboot; echo %m", "--runs", "3", "--max-runs",
                     "7", "--flaky", "majority", "--no-verify"},
                    true, &o, &why))
      << why;
  EXPECT_EQ(o.machines, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(o.machine, "a");
  EXPECT_EQ(o.runs, 3);
  EXPECT_EQ(o.max_runs, 7);
  EXPECT_TRUE(o.flaky_majority);
  EXPECT_TRUE(o.verify_set && !o.verify);
  Options b = MachineOptions(o, "b");
  EXPECT_EQ(b.machine, "b");
  EXPECT_EQ(b.machines, (std::vector<std::string>{"b"}));
  EXPECT_EQ(b.power, "ipmitool -H b-bmc power cycle");
  EXPECT_EQ(b.console, "/var/log/b.console");
  EXPECT_EQ(b.reboot, "ssh root@b reboot; echo b");
  // %% is a %.
  o.test = "date +%%m; echo %m";
  EXPECT_EQ(MachineOptions(o, "c").test, "date +%m; echo c");
  Options one;  // one machine too: a date format writes %%m
  one.machines = {"a"};
  one.power = "ipmitool -H %m-bmc power cycle";
  one.test = "log-$(date +%Y%%m%d)";
  EXPECT_EQ(MachineOptions(one, "a").power, "ipmitool -H a-bmc power cycle");
  EXPECT_EQ(MachineOptions(one, "a").test, "log-$(date +%Y%m%d)");
  // step boots one machine; --max-runs below --runs is refused.
  o.good = "v1";
  o.bad = "v2";
  o.pass = "P";
  EXPECT_EQ(MissingOptions(o, false), "step tests on one machine: give one --machine");
  EXPECT_EQ(MissingOptions(o, true), "");
  o.max_runs = 2;
  EXPECT_EQ(MissingOptions(o, true), "--max-runs must be at least --runs");
  // The command line's pool replaces the config file's.
  Configs c;
  c.files["p.ini"] = {{"machine", "x,y"}};
  Options p;
  ASSERT_TRUE(Parse({"--config", "p.ini", "--machine", "z"}, true, &p, &why, &c)) << why;
  EXPECT_EQ(p.machines, (std::vector<std::string>{"z"}));
  Options q;
  ASSERT_TRUE(Parse({"--config", "p.ini"}, true, &q, &why, &c)) << why;
  EXPECT_EQ(q.machines, (std::vector<std::string>{"x", "y"}));
}

}  // namespace
}  // namespace kb

namespace kb {
namespace {

// The help is made from the table the parser reads: every option it shows is one
// the parser knows (run takes them all), and every line fits 80 columns.
TEST(Options, TheHelpShowsWhatTheParserTakes) {
  const std::string& help = OptionsHelp();
  int shown = 0;
  for (size_t at = 0, nl; at < help.size(); at = nl + 1) {
    nl = help.find('\n', at);
    const std::string line = help.substr(at, nl - at);
    EXPECT_LE(line.size(), 80u) << line;
    if (line.rfind("  --", 0) != 0) continue;
    ++shown;
    const std::string name = line.substr(2, line.find(' ', 2) - 2);
    if (name == "--config") continue;  // read by ParseOptions before the rest
    Options o;
    std::string why;
    ParseOptions({name, "1"}, true, nullptr, &o, &why);
    EXPECT_EQ(why.find("unknown option"), std::string::npos) << name << ": " << why;
  }
  EXPECT_GE(shown, 40);
  EXPECT_NE(help.find("  --power POWER"), std::string::npos);
  EXPECT_LT(help.find("One candidate (step and run):"), help.find("The whole bisection (run):"));
}

TEST(Options, VerifyAndNoVerifyAreBothRemembered) {
  Options o;
  std::string why;
  ASSERT_TRUE(ParseOptions({"--no-verify"}, true, nullptr, &o, &why)) << why;
  EXPECT_TRUE(o.verify_set && !o.verify);
  ASSERT_TRUE(ParseOptions({"--verify"}, true, nullptr, &o, &why)) << why;
  EXPECT_TRUE(o.verify_set && o.verify);
  EXPECT_FALSE(ParseOptions({"--verify"}, false, nullptr, &o, &why));
  EXPECT_EQ(why, "step: --verify is an option of run");
}

}  // namespace
}  // namespace kb
