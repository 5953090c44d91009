#include "control/machines.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include "control/cli.h"
#include "control/lab.h"
#include "control/machine.h"
#include "control/options.h"
#include "control/power.h"
#include "control/server.h"
#include "lib/run.h"

namespace kb {

namespace {

constexpr double kAskTimeout = 20;  // seconds, each switch's and the server's answer

// What the table says of one machine, and what could not be asked.
struct Row {
  std::string power = "-", lease = "-", boot = "-", problems;
};

// Its switch's word on the power: on, off, "(cannot tell)" (a PDU), "-" (none).
void AskPower(Options m, Row* r) {
  if (m.power.empty()) return;
  std::string why;
  m.power_timeout = kAskTimeout;
  std::unique_ptr<Power> p = OpenPower(PowerTargetOf(m, -1, nullptr), &why);
  PowerState st;
  if (!p) r->power = "?", r->problems += "  power: " + why + "\n";
  else if (!p->Can(PowerVerb::kStatus)) r->power = "(cannot tell)";
  else if (!p->Status(&st, &why)) r->power = "?", r->problems += "  power: " + why + "\n";
  else r->power = st == PowerState::kOn ? "on" : "off";
}

// The lease's holder and end ("free"), from the lease answer's key=value lines.
std::string LeaseOf(const std::string& answer) {
  std::string lease = "free";
  for (size_t at = 0; at < answer.size();) {
    size_t nl = answer.find('\n', at);
    const std::string line = answer.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (line.rfind("owner=", 0) == 0) lease = line.substr(6);
    if (line.rfind("until=", 0) == 0) lease += " until " + line.substr(6);
    at = nl == std::string::npos ? answer.size() : nl + 1;
  }
  return lease;
}

void AskServer(const std::string& server, const std::string& machine, Row* r) {
  if (server.empty()) return;
  Server s(server, kAskTimeout);
  std::string out, why;
  if (s.Call("GET", "lease?machine=" + UrlEncode(machine), "", &out, &why)) r->lease = LeaseOf(out);
  else r->lease = "?", r->problems += "  lease: " + why + "\n";
  if (s.NewestBoot(machine, &out, &why)) r->boot = out.empty() ? "never" : out;
  else r->boot = "?", r->problems += "  last boot: " + why + "\n";
}

// The rows as columns two spaces apart (the last one as it is).
void PrintColumns(const std::vector<std::vector<std::string>>& table) {
  std::vector<size_t> width(table[0].size(), 0);
  for (const auto& row : table)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : table) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c)
      line += c + 1 == row.size() ? row[c] : row[c] + std::string(width[c] + 2 - row[c].size(), ' ');
    printf("%s\n", line.c_str());
  }
}

}  // namespace

int CmdMachines(const std::string& server, std::vector<std::string> a) {
  const std::string usage = "usage: machines [--lab FILE|URL] [--pool TAG]";
  std::string lab_flag, pool, why;
  for (size_t i = 0; i < a.size(); i += 2) {
    std::string* value = a[i] == "--lab" ? &lab_flag : a[i] == "--pool" ? &pool : nullptr;
    if (!value || i + 1 >= a.size() || a[i + 1].empty() || !value->empty()) return Usage(usage);
    *value = a[i + 1];
  }
  Lab lab;
  bool given = false;
  if (!LoadLab(lab_flag, &lab, &given, &why)) return Usage(why);
  if (lab.machines.empty())
    return Usage("no machines: no lab file (--lab FILE|URL, $KBISECT_LAB or " + std::string(kDefaultLab) + ")");
  Options o;
  o.pool = pool;
  o.server = server;
  if (pool.empty())
    for (const LabMachine& m : lab.machines) o.machines.push_back(m.name);
  if (!ApplyLab(lab, true, &o, &why)) return Usage(why);
  std::vector<Row> rows(o.machines.size());
  InstallStopHandlers();
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < o.machines.size(); ++i)
      threads.emplace_back([&, i] {
        AskPower(MachineOptions(o, o.machines[i]), &rows[i]);
        AskServer(o.server, o.machines[i], &rows[i]);
      });
    for (std::thread& t : threads) t.join();
  }
  std::vector<std::vector<std::string>> table = {{"MACHINE", "ARCH", "TAGS", "POWER", "LEASE", "LAST BOOT"}};
  int rc = kDone;
  for (size_t i = 0; i < rows.size(); ++i) {
    const LabMachine* m = lab.Find(o.machines[i]);
    std::string tags;
    for (const std::string& t : m->tags) tags += (tags.empty() ? "" : ",") + t;
    table.push_back({m->name, m->arch.empty() ? "x86_64" : m->arch, tags.empty() ? "-" : tags, rows[i].power,
                     rows[i].lease, rows[i].boot});
    if (!rows[i].problems.empty()) {
      fprintf(stderr, "%s:\n%s", m->name.c_str(), rows[i].problems.c_str());
      rc = kUnreachable;
    }
  }
  PrintColumns(table);
  if (o.server.empty()) Say("no server (--server, $KBISECT_SERVER or the lab file's server): no leases or boots");
  return rc;
}

}  // namespace kb
