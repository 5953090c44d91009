#include "control/range.h"

#include <unordered_map>
#include <vector>

namespace kb {

bool LoadRange(Git& git, const std::string& old_rev, const std::string& new_rev, CommitGraph* g, int* new_end,
               std::string* why) {
  std::string o, n;
  if (!git.Resolve(old_rev, &o, why) || !git.Resolve(new_rev, &n, why)) return false;
  if (o == n) {
    *why = "the two ends are the same commit " + o.substr(0, 12);
    return false;
  }
  if (!git.IsAncestor(o, n)) {
    *why = "the old end " + o.substr(0, 12) + " is not an ancestor of the new end " + n.substr(0, 12);
    return false;
  }
  std::vector<std::string> ids;
  if (!git.NewCommits(o, n, false, &ids, why)) return false;
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < ids.size(); ++i) index.emplace(ids[i], static_cast<int>(i));
  g->nodes.clear();
  for (const std::string& id : ids) {
    std::vector<std::string> parents;
    if (!git.Parents(id, &parents, why)) return false;
    CommitGraph::Node node{id, {}};
    for (const std::string& p : parents) {
      auto it = index.find(p);
      if (it != index.end()) node.parents.push_back(it->second);
    }
    g->nodes.push_back(std::move(node));
  }
  auto it = index.find(n);
  if (it == index.end()) {
    *why = "the new end " + n.substr(0, 12) + " is not in its own range";
    return false;
  }
  *new_end = it->second;
  return true;
}

}  // namespace kb
