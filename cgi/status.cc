// GET <server>/status: an HTML page for people: every machine with its default,
// once, last boot and live lease, and the newest images per branch and arch.
#include <map>

#include "cgi/handlers.h"
#include "common/html.h"
#include "cgi/lease.h"
#include "cgi/state.h"
#include "store/store.h"

namespace kb {
namespace {

constexpr size_t kPerGroup = 5;

std::string Html(std::string_view s) { return HtmlEscape(s); }

constexpr std::string_view kHead = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kbisect status</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:60em;padding:.8em;color:#222}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}h3{font-size:1em;margin:.8em 0 .3em}
.card{border:1px solid #ddd;border-radius:6px;padding:.5em .7em;margin:.5em 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em .8em;margin:.3em 0 0}
dt{color:#666}dd{margin:0;min-width:0}
code{font:13px ui-monospace,monospace;overflow-wrap:anywhere}
ul{list-style:none;padding:0;margin:0}li{padding:.35em 0;border-bottom:1px solid #eee}
small{color:#666}.none{color:#999}.once{color:#a50}.lease{color:#06c}.bad{color:#b00}
</style></head><body>
<h1>kbisect status</h1>
)";

std::string Value(const std::optional<std::string>& v, const char* cls = nullptr) {
  if (!v) return "<dd class=\"none\">none</dd>";
  std::string open = cls ? "<dd class=\"" + std::string(cls) + "\">" : "<dd>";
  return open + "<code>" + Html(*v) + "</code></dd>";
}

// A live lease's row, a damaged lease file's reason, or nothing.
std::string LeaseRow(const MachineState& st, int64_t now) {
  std::optional<Lease> l;
  std::string e;
  if (!st.ReadLease(&l, &e)) return "<dt>lease</dt><dd class=\"bad\">" + Html(e) + "</dd>";
  if (!l || !l->Live(now)) return "";
  return "<dt>leased by</dt><dd class=\"lease\">" + Html(DescribeLease(*l)) + "</dd>";
}

std::string Machines(const ServerConfig& cfg, int64_t now) {
  std::vector<std::string> machines;
  std::string err;
  if (!ListMachines(cfg.state, &machines, &err)) return "<p>" + Html(err) + "</p>\n";
  std::string out = "<h2>Machines (" + std::to_string(machines.size()) + ")</h2>\n";
  if (machines.empty()) return out + "<p class=\"none\">No machine has state yet.</p>\n";
  for (const std::string& m : machines) {
    MachineState st(cfg.state, m);
    std::optional<std::string> dflt, once;
    std::string e;
    st.ReadName("default", &dflt, &e);
    st.ReadName("once", &once, &e);
    std::vector<std::string> last;
    st.ReadBootLog(1, &last, &e);
    std::optional<std::string> image, when;
    if (!last.empty()) {
      // "TIME NAME ADDRESS"
      size_t a = last[0].find(' '), b = last[0].find(' ', a + 1);
      when = last[0].substr(0, a);
      if (a != std::string::npos) image = last[0].substr(a + 1, b - a - 1);
    }
    out += "<div class=\"card\" id=\"machine-" + Html(m) + "\"><b>" + Html(m) + "</b><dl>" +
           "<dt>default</dt>" + Value(dflt) + "<dt>once</dt>" + Value(once, "once") +
           "<dt>last boot</dt>" + Value(image) + "<dt>when</dt>" +
           (when ? "<dd>" + Html(*when) + "</dd>" : "<dd class=\"none\">never</dd>") + LeaseRow(st, now) +
           "</dl></div>\n";
  }
  return out;
}

std::string Images(const ServerConfig& cfg) {
  std::vector<StoreImage> images;
  std::string err;
  if (!ListImages(cfg.images, "", &images, &err)) return "<p>" + Html(err) + "</p>\n";
  // (branch, arch) -> newest images, in the store's newest-first order.
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<StoreImage, Manifest>>> groups;
  for (const StoreImage& i : images) {
    Manifest m;
    if (!ReadManifest(cfg.images, i.name, &m, &err)) continue;
    auto& g = groups[{std::string(m.ini.branch), i.arch}];
    if (g.size() < kPerGroup) g.push_back({i, std::move(m)});
  }
  std::string out = "<h2>Images (" + std::to_string(images.size()) + ")</h2>\n";
  if (groups.empty()) return out + "<p class=\"none\">The store has no image yet.</p>\n";
  for (auto& [key, list] : groups) {
    out += "<h3>" + Html(key.first) + " · " + Html(key.second) + "</h3>\n<ul>\n";
    for (auto& [img, m] : list)
      out += "<li><code>" + Html(img.name) + "</code><br><small>commit " +
             Html(std::string(m.ini.commit.substr(0, 12))) + " · built " + Html(std::string(m.ini.built)) +
             "</small></li>\n";
    out += "</ul>\n";
  }
  return out;
}

}  // namespace

Response HandleStatus(const Request& req, const ServerConfig& cfg) {
  if (req.method != "GET" && req.method != "HEAD") return MethodNotAllowed(req.method, "GET, HEAD");
  if (!req.query.empty()) return Text(400, "status takes no parameters");
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(kHead) + Machines(cfg, req.now) + Images(cfg) + "</body></html>\n";
  return r;
}

}  // namespace kb
