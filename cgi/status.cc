// GET <server>/status: an HTML page for people: every machine with its default,
// once and last boot, and the newest images per branch and arch.
#include <map>

#include "cgi/cgi.h"
#include "cgi/state.h"
#include "cgi/store.h"

namespace kb {
namespace {

constexpr size_t kPerGroup = 5;

std::string Html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

constexpr std::string_view kHead = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kbisect status</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:70em;padding:.8em;color:#222}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f4f4}code{font:13px ui-monospace,monospace;word-break:break-all}
.none{color:#999}.once{color:#a50}
</style></head><body>
<h1>kbisect status</h1>
)";

std::string Cell(const std::optional<std::string>& v, const char* cls = nullptr) {
  if (!v) return "<td class=\"none\">none</td>";
  std::string open = cls ? "<td class=\"" + std::string(cls) + "\">" : "<td>";
  return open + "<code>" + Html(*v) + "</code></td>";
}

std::string Machines(const ServerConfig& cfg) {
  std::vector<std::string> machines;
  std::string err;
  if (!ListMachines(cfg.state, &machines, &err)) return "<p>" + Html(err) + "</p>\n";
  std::string out = "<h2>Machines (" + std::to_string(machines.size()) + ")</h2>\n";
  if (machines.empty()) return out + "<p class=\"none\">No machine has state yet.</p>\n";
  out += "<div class=\"scroll\"><table id=\"machines\"><tr><th>machine</th><th>default</th>"
         "<th>once</th><th>last boot</th><th>when</th></tr>\n";
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
    out += "<tr><td><b>" + Html(m) + "</b></td>" + Cell(dflt) + Cell(once, "once") + Cell(image) +
           (when ? "<td>" + Html(*when) + "</td>" : "<td class=\"none\">never</td>") + "</tr>\n";
  }
  return out + "</table></div>\n";
}

std::string Images(const ServerConfig& cfg) {
  std::vector<StoreImage> images;
  std::string err;
  if (!ListImages(cfg.images, "", &images, &err)) return "<p>" + Html(err) + "</p>\n";
  // (branch, arch) -> newest images, in the store's newest-first order.
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<StoreImage, ImageInfo>>> groups;
  for (const StoreImage& i : images) {
    ImageInfo info;
    if (!ReadImageInfo(cfg.images, i.name, &info, &err)) continue;
    auto& g = groups[{info["branch"], i.arch}];
    if (g.size() < kPerGroup) g.push_back({i, std::move(info)});
  }
  std::string out = "<h2>Images (" + std::to_string(images.size()) + ")</h2>\n";
  if (groups.empty()) return out + "<p class=\"none\">The store has no image yet.</p>\n";
  for (auto& [key, list] : groups) {
    out += "<h3>" + Html(key.first) + " · " + Html(key.second) + "</h3>\n<div class=\"scroll\"><table>"
           "<tr><th>image</th><th>commit</th><th>built</th></tr>\n";
    for (auto& [img, info] : list)
      out += "<tr><td><code>" + Html(img.name) + "</code></td><td><code>" + Html(info["commit"].substr(0, 12)) +
             "</code></td><td>" + Html(info["built"]) + "</td></tr>\n";
    out += "</table></div>\n";
  }
  return out;
}

Response Status(const Request& req, const ServerConfig& cfg) {
  if (req.method != "GET" && req.method != "HEAD") return MethodNotAllowed(req.method, "GET, HEAD");
  if (!req.query.empty()) return Text(400, "status takes no parameters");
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(kHead) + Machines(cfg) + Images(cfg) + "</body></html>\n";
  return r;
}

}  // namespace
}  // namespace kb

int main() { return kb::RunCgi("status", kb::Status); }
