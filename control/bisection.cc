#include "control/bisection.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <unordered_map>

namespace kb {

int CommitGraph::Find(const std::string& id) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].id == id) return static_cast<int>(i);
  return -1;
}

Bisection::Bisection(CommitGraph graph, int new_end) : graph_(std::move(graph)) {
  const int n = static_cast<int>(graph_.nodes.size());
  const size_t words = (n + 63) / 64;
  old_.assign(words, 0);
  skip_.assign(words, 0);
  if (new_end < 0 || new_end >= n) {
    error_ = "the new end is not in the range";
    return;
  }
  std::unordered_map<std::string, int> ids;
  std::vector<std::vector<int>> children(n);
  std::vector<int> pending(n, 0);
  for (int i = 0; i < n; ++i) {
    const CommitGraph::Node& node = graph_.nodes[i];
    if (node.id.empty() || !ids.emplace(node.id, i).second) {
      error_ = "commit " + (node.id.empty() ? std::string("#") + std::to_string(i) : node.id) +
               (node.id.empty() ? " has no id" : " is in the range twice");
      return;
    }
    std::vector<int> seen;
    for (int p : node.parents) {
      if (p < 0 || p >= n || p == i) {
        error_ = "commit " + node.id + " has a parent outside the range's list";
        return;
      }
      if (std::find(seen.begin(), seen.end(), p) != seen.end()) continue;
      seen.push_back(p);
      children[p].push_back(i);
      ++pending[i];
    }
  }
  // Parents before children (Kahn): each commit's ancestors are itself and its
  // parents' ancestors. A commit never reached is on a cycle.
  ancestors_.assign(n, Bits(words, 0));
  std::vector<int> ready;
  for (int i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push_back(i);
  int done = 0;
  while (!ready.empty()) {
    int c = ready.back();
    ready.pop_back();
    ++done;
    Set(&ancestors_[c], c);
    for (int p : graph_.nodes[c].parents)
      for (size_t w = 0; w < words; ++w) ancestors_[c][w] |= ancestors_[p][w];
    for (int ch : children[c])
      if (--pending[ch] == 0) ready.push_back(ch);
  }
  if (done != n) {
    error_ = "the commits' parents form a cycle";
    return;
  }
  new_end_ = first_new_end_ = new_end;
}

void Bisection::Reset() {
  if (!error_.empty()) return;
  new_end_ = first_new_end_;
  std::fill(old_.begin(), old_.end(), 0);
  std::fill(skip_.begin(), skip_.end(), 0);
}

bool Bisection::InRange(int commit) const {
  return error_.empty() && commit >= 0 && commit < static_cast<int>(graph_.nodes.size()) && commit != new_end_ &&
         Has(Remaining(), commit);
}

Bisection::Bits Bisection::Remaining() const {
  Bits r = ancestors_[new_end_];
  for (size_t w = 0; w < r.size(); ++w) r[w] &= ~old_[w];
  return r;
}

int Bisection::Count(const Bits& b) const {
  int n = 0;
  for (uint64_t w : b) n += std::popcount(w);
  return n;
}

bool Bisection::Record(int commit, Mark mark, std::string* why) {
  if (!error_.empty()) {
    *why = error_;
    return false;
  }
  if (commit < 0 || commit >= static_cast<int>(graph_.nodes.size())) {
    *why = "no such commit in the range";
    return false;
  }
  const std::string& id = graph_.nodes[commit].id;
  if (!Has(Remaining(), commit)) {
    *why = "commit " + id + " is no longer in the range: the verdicts so far decide it";
    return false;
  }
  switch (mark) {
    case Mark::kNew:
      new_end_ = commit;
      break;
    case Mark::kOld:
      if (commit == new_end_) {
        *why = "commit " + id + " is the new end: it cannot be old";
        return false;
      }
      for (size_t w = 0; w < old_.size(); ++w) old_[w] |= ancestors_[commit][w];
      break;
    case Mark::kSkip:
      if (commit == new_end_) {
        *why = "commit " + id + " is the new end: it cannot be skipped";
        return false;
      }
      Set(&skip_, commit);
      break;
  }
  return true;
}

Bisection::Next Bisection::Step(const std::set<int>& busy) const {
  Next next{Next::kDone, new_end_, {}};
  if (!error_.empty()) return next;
  const Bits r = Remaining();
  const int total = Count(r);
  int best = -1, best_score = -1;
  bool any_busy = false, any_open = false;
  for (int c = 0; c < static_cast<int>(graph_.nodes.size()); ++c) {
    if (c == new_end_ || !Has(r, c)) continue;
    any_open = true;
    if (Has(skip_, c)) continue;
    if (busy.count(c)) {
      any_busy = true;
      continue;
    }
    // The commits of the range this one contains: a new verdict keeps those, an
    // old one removes them. The best halves the range either way.
    Bits in = ancestors_[c];
    for (size_t w = 0; w < in.size(); ++w) in[w] &= r[w];
    const int weight = Count(in);
    const int score = std::min(weight, total - weight);
    if (score > best_score) best = c, best_score = score;
  }
  if (!any_open) return next;
  if (best >= 0) return {Next::kTest, best, {}};
  if (any_busy) return {Next::kBusy, -1, {}};
  next.kind = Next::kOnlySkipped;
  next.commit = -1;
  for (int c = 0; c < static_cast<int>(graph_.nodes.size()); ++c)
    if (Has(r, c) && (Has(skip_, c) || c == new_end_)) next.suspects.push_back(c);
  return next;
}

std::vector<int> Bisection::Picks(int k, const std::set<int>& busy) const {
  std::vector<int> picks;
  if (k < 1 || Step(busy).kind != Next::kTest) return picks;
  if (k == 1) return {Step(busy).commit};
  const Bits r = Remaining();
  const int total = Count(r);
  std::vector<std::pair<int, int>> weighed;  // (weight, commit)
  for (int c = 0; c < static_cast<int>(graph_.nodes.size()); ++c) {
    if (c == new_end_ || !Has(r, c) || Has(skip_, c) || busy.count(c)) continue;
    Bits in = ancestors_[c];
    for (size_t w = 0; w < in.size(); ++w) in[w] &= r[w];
    weighed.emplace_back(Count(in), c);
  }
  // For each cut j/(k+1) of the range, the commit whose weight is nearest to it
  // (not one chosen already).
  std::vector<bool> taken(weighed.size(), false);
  for (int j = 1; j <= k && picks.size() < weighed.size(); ++j) {
    const double target = double(total) * j / (k + 1);
    int best = -1;
    double best_gap = 0;
    for (size_t i = 0; i < weighed.size(); ++i) {
      if (taken[i]) continue;
      const double gap = std::abs(weighed[i].first - target);
      if (best < 0 || gap < best_gap) best = static_cast<int>(i), best_gap = gap;
    }
    taken[best] = true;
    picks.push_back(weighed[best].second);
  }
  return picks;
}

int Bisection::Open() const { return error_.empty() ? Count(Remaining()) - 1 : 0; }

int Bisection::StepsLeft() const {
  int open = Open(), steps = 0;
  while ((1 << steps) < open + 1) ++steps;
  return steps;
}

}  // namespace kb
