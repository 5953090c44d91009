#include "lib/git.h"

#include <git2.h>
#include <sys/stat.h>

namespace kb {
namespace {

std::string LastError(const std::string& what) {
  const git_error* e = git_error_last();
  return what + ": " + (e && e->message ? e->message : "libgit2 error");
}

std::string Hex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

}  // namespace

Git::Git() { git_libgit2_init(); }

Git::~Git() {
  git_repository_free(repo_);
  git_libgit2_shutdown();
}

bool Git::Open(const std::string& path, std::string* err) {
  if (git_repository_open_ext(&repo_, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    *err = LastError("cannot open the repository " + path);
    return false;
  }
  return true;
}

bool Git::Discover(const std::string& path, std::string* err) {
  if (git_repository_open_ext(&repo_, path.c_str(), 0, nullptr) != 0) {
    *err = LastError("not in a git repository (" + path + ")");
    return false;
  }
  return true;
}

bool Git::Head(std::string* branch, std::string* sha, std::string* err) {
  git_reference* head = nullptr;
  if (git_repository_head(&head, repo_) != 0) {
    *err = LastError("cannot read HEAD");
    return false;
  }
  branch->clear();
  if (git_reference_is_branch(head)) *branch = git_reference_shorthand(head);
  git_object* commit = nullptr;
  bool ok = git_reference_peel(&commit, head, GIT_OBJECT_COMMIT) == 0;
  if (ok) *sha = Hex(git_object_id(commit));
  else *err = LastError("HEAD is not a commit");
  git_object_free(commit);
  git_reference_free(head);
  return ok;
}

std::string Git::WorkDir() const {
  const char* w = git_repository_workdir(repo_);
  return w ? w : "";
}

bool Git::Fetch(const std::string& remote, const std::string& ref, const std::string& name, std::string* err) {
  git_remote* r = nullptr;
  if (git_remote_lookup(&r, repo_, remote.c_str()) != 0) {
    *err = LastError("no remote " + remote);
    return false;
  }
  std::string spec = "+" + ref + ":refs/kbisect/" + remote + "/" + name;
  char* specs[] = {spec.data()};
  git_strarray refspecs = {specs, 1};
  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  int rc = git_remote_fetch(r, &refspecs, &opts, "kbisect-builder fetch");
  if (rc != 0) *err = LastError("fetching " + ref + " from " + remote);
  git_remote_free(r);
  return rc == 0;
}

bool Git::Tip(const std::string& remote, const std::string& ref, const std::string& name, std::string* sha,
              std::string* err) {
  std::string full = remote.empty() ? ref : "refs/kbisect/" + remote + "/" + name;
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo_, full.c_str()) != 0) {
    *err = LastError("branch " + name + ": no " + full);
    return false;
  }
  git_commit* c = nullptr;  // the ref may point at a tag: peel to the commit
  git_object* obj = nullptr;
  if (git_object_lookup(&obj, repo_, &oid, GIT_OBJECT_ANY) != 0 ||
      git_object_peel(reinterpret_cast<git_object**>(&c), obj, GIT_OBJECT_COMMIT) != 0) {
    git_object_free(obj);
    *err = LastError("branch " + name + ": " + full + " is not a commit");
    return false;
  }
  *sha = Hex(git_commit_id(c));
  git_commit_free(c);
  git_object_free(obj);
  return true;
}

bool Git::NewCommits(const std::string& old, const std::string& tip, bool first_parent,
                     std::vector<std::string>* out, std::string* err) {
  git_revwalk* w = nullptr;
  git_oid t, o;
  if (git_revwalk_new(&w, repo_) != 0 || git_oid_fromstr(&t, tip.c_str()) != 0 || git_revwalk_push(w, &t) != 0) {
    *err = LastError("walking from " + tip);
    git_revwalk_free(w);
    return false;
  }
  git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  if (first_parent) git_revwalk_simplify_first_parent(w);
  if (!old.empty()) {
    if (git_oid_fromstr(&o, old.c_str()) != 0 || git_revwalk_hide(w, &o) != 0) {
      *err = LastError("hiding " + old);
      git_revwalk_free(w);
      return false;
    }
  }
  out->clear();
  git_oid next;
  while (git_revwalk_next(&next, w) == 0) {
    out->push_back(Hex(&next));
    if (old.empty()) break;  // a branch seen for the first time: its tip only
  }
  git_revwalk_free(w);
  return true;
}

bool Git::Range(const std::string& spec, bool first_parent, std::vector<std::string>* out, std::string* err) {
  size_t dots = spec.find("..");
  if (dots == std::string::npos) {
    std::string sha;
    if (!Resolve(spec, &sha, err)) return false;
    *out = {sha};
    return true;
  }
  std::string a, b;
  if (!Resolve(spec.substr(0, dots), &a, err) || !Resolve(spec.substr(dots + 2), &b, err)) return false;
  if (!NewCommits(a, b, first_parent, out, err)) return false;
  return true;
}

bool Git::Resolve(const std::string& rev, std::string* sha, std::string* err) {
  git_object* obj = nullptr;
  git_object* commit = nullptr;
  if (git_revparse_single(&obj, repo_, rev.c_str()) != 0 || git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) != 0) {
    *err = LastError("no commit " + rev);
    git_object_free(obj);
    return false;
  }
  *sha = Hex(git_object_id(commit));
  git_object_free(commit);
  git_object_free(obj);
  return true;
}

bool Git::Parents(const std::string& sha, std::vector<std::string>* out, std::string* err) {
  git_oid oid;
  git_commit* c = nullptr;
  if (git_oid_fromstr(&oid, sha.c_str()) != 0 || git_commit_lookup(&c, repo_, &oid) != 0) {
    *err = LastError("no commit " + sha);
    return false;
  }
  out->clear();
  for (unsigned i = 0; i < git_commit_parentcount(c); ++i) out->push_back(Hex(git_commit_parent_id(c, i)));
  git_commit_free(c);
  return true;
}

bool Git::Info(const std::string& sha, CommitInfo* out, std::string* err) {
  git_oid oid;
  git_commit* c = nullptr;
  if (git_oid_fromstr(&oid, sha.c_str()) != 0 || git_commit_lookup(&c, repo_, &oid) != 0) {
    *err = LastError("no commit " + sha);
    return false;
  }
  out->sha = sha;
  const char* s = git_commit_summary(c);
  out->summary = s ? s : "";
  out->time = git_commit_time(c);
  const git_signature* a = git_commit_author(c);
  out->author = a ? std::string(a->name ? a->name : "") + " <" + (a->email ? a->email : "") + ">" : "";
  git_commit_free(c);
  return true;
}

namespace {

// The commit of sha (null with *err).
git_commit* LookupCommit(git_repository* repo, const std::string& sha, std::string* err) {
  git_oid oid;
  git_commit* c = nullptr;
  if (git_oid_fromstr(&oid, sha.c_str()) != 0 || git_commit_lookup(&c, repo, &oid) != 0)
    *err = LastError("no commit " + sha);
  return c;
}

// The paths of an index's conflicts, each once.
std::vector<std::string> ConflictPaths(git_index* index) {
  std::vector<std::string> paths;
  git_index_conflict_iterator* it = nullptr;
  if (git_index_conflict_iterator_new(&it, index) != 0) return paths;
  const git_index_entry *ancestor, *ours, *theirs;
  while (git_index_conflict_next(&ancestor, &ours, &theirs, it) == 0) {
    const git_index_entry* e = ours ? ours : theirs ? theirs : ancestor;
    if (e && (paths.empty() || paths.back() != e->path)) paths.push_back(e->path);
  }
  git_index_conflict_iterator_free(it);
  return paths;
}

}  // namespace

bool Git::Revert(const std::string& onto, const std::string& culprit, std::string* sha,
                 std::vector<std::string>* conflicts, std::string* err) {
  conflicts->clear();
  git_commit* ours = LookupCommit(repo_, onto, err);
  git_commit* bad = ours ? LookupCommit(repo_, culprit, err) : nullptr;
  git_index* index = nullptr;
  git_tree* tree = nullptr;
  git_signature* me = nullptr;
  bool ok = false;
  const unsigned mainline = bad && git_commit_parentcount(bad) > 1 ? 1 : 0;
  if (!bad) {
  } else if (git_revert_commit(&index, repo_, bad, ours, mainline, nullptr) != 0) {
    *err = LastError("cannot revert " + culprit);
  } else if (git_index_has_conflicts(index)) {
    *conflicts = ConflictPaths(index);
    *err = "reverting " + culprit + " conflicts";
  } else {
    git_oid tree_id, id;
    const char* summary = git_commit_summary(bad);
    const std::string message =
        "Revert \"" + std::string(summary ? summary : "") + "\"\n\nThis reverts commit " + culprit + ".\n";
    const git_commit* parents[] = {ours};
    if (git_index_write_tree_to(&tree_id, index, repo_) != 0 || git_tree_lookup(&tree, repo_, &tree_id) != 0 ||
        git_signature_now(&me, "kbisect", "kbisect@localhost") != 0 ||
        git_commit_create(&id, repo_, nullptr, me, me, nullptr, message.c_str(), tree, 1, parents) != 0)
      *err = LastError("cannot commit the revert of " + culprit);
    else
      *sha = Hex(&id), ok = true;
  }
  git_signature_free(me);
  git_tree_free(tree);
  git_index_free(index);
  git_commit_free(bad);
  git_commit_free(ours);
  return ok;
}

bool Git::PushRef(const std::string& remote, const std::string& sha, const std::string& ref, std::string* err) {
  git_oid oid;
  git_reference* local = nullptr;
  if (git_oid_fromstr(&oid, sha.c_str()) != 0 ||
      git_reference_create(&local, repo_, ref.c_str(), &oid, 1, "kbisect: revert check") != 0)
    return *err = LastError("cannot point " + ref + " at " + sha), false;
  git_reference_free(local);
  git_remote* r = nullptr;
  if (git_remote_lookup(&r, repo_, remote.c_str()) != 0 &&
      git_remote_create_anonymous(&r, repo_, remote.c_str()) != 0)
    return *err = LastError("no remote " + remote), false;
  std::string spec = "+" + ref + ":" + ref;
  char* specs[] = {spec.data()};
  git_strarray refspecs = {specs, 1};
  git_push_options opts = GIT_PUSH_OPTIONS_INIT;
  // The remote's word on the ref itself (a hook's or a rule's refusal).
  std::string refused;
  opts.callbacks.payload = &refused;
  opts.callbacks.push_update_reference = [](const char*, const char* status, void* payload) -> int {
    if (status) *static_cast<std::string*>(payload) = status;
    return 0;
  };
  int rc = git_remote_push(r, &refspecs, &opts);
  if (rc != 0) *err = LastError("cannot push " + ref + " to " + remote);
  else if (!refused.empty()) *err = remote + " refused " + ref + ": " + refused;
  git_remote_free(r);
  return rc == 0 && refused.empty();
}

bool Git::IsAncestor(const std::string& ancestor, const std::string& of) {
  git_oid a, b;
  if (git_oid_fromstr(&a, ancestor.c_str()) != 0 || git_oid_fromstr(&b, of.c_str()) != 0) return false;
  return git_oid_equal(&a, &b) || git_graph_descendant_of(repo_, &b, &a) == 1;
}

bool Git::ChangedPaths(const std::string& from, const std::string& to, std::vector<std::string>* out,
                       std::string* err) {
  out->clear();
  git_oid a, b;
  git_commit *ca = nullptr, *cb = nullptr;
  git_tree *ta = nullptr, *tb = nullptr;
  git_diff* diff = nullptr;
  bool ok = git_oid_fromstr(&a, from.c_str()) == 0 && git_oid_fromstr(&b, to.c_str()) == 0 &&
            git_commit_lookup(&ca, repo_, &a) == 0 && git_commit_lookup(&cb, repo_, &b) == 0 &&
            git_commit_tree(&ta, ca) == 0 && git_commit_tree(&tb, cb) == 0 &&
            git_diff_tree_to_tree(&diff, repo_, ta, tb, nullptr) == 0;
  if (ok)
    for (size_t i = 0; i < git_diff_num_deltas(diff); ++i) {
      const git_diff_delta* d = git_diff_get_delta(diff, i);
      out->push_back(d->new_file.path ? d->new_file.path : d->old_file.path);
      if (d->old_file.path && out->back() != d->old_file.path) out->push_back(d->old_file.path);
    }
  else
    *err = LastError("comparing " + from + " with " + to);
  git_diff_free(diff);
  git_tree_free(ta);
  git_tree_free(tb);
  git_commit_free(ca);
  git_commit_free(cb);
  return ok;
}

bool Git::Checkout(const std::string& name, const std::string& path, const std::string& sha, std::string* err) {
  git_worktree* wt = nullptr;
  struct stat st;
  bool have = git_worktree_lookup(&wt, repo_, name.c_str()) == 0;
  if (have && (stat((path + "/.git").c_str(), &st) != 0 || git_worktree_validate(wt) != 0)) {
    git_worktree_prune_options po = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
    po.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE;
    git_worktree_prune(wt, &po);
    git_worktree_free(wt);
    wt = nullptr;
    have = false;
  }
  if (!have) {
    git_reference* branch = nullptr;
    git_reference_lookup(&branch, repo_, ("refs/heads/" + name).c_str());
    git_worktree_add_options opts = GIT_WORKTREE_ADD_OPTIONS_INIT;
    opts.ref = branch;
    int rc = git_worktree_add(&wt, repo_, name.c_str(), path.c_str(), &opts);
    git_reference_free(branch);
    if (rc != 0) {
      *err = LastError("cannot make the work tree " + path);
      return false;
    }
  }
  git_repository* wr = nullptr;
  git_oid oid;
  git_commit* c = nullptr;
  git_tree* tree = nullptr;
  bool ok = git_repository_open_from_worktree(&wr, wt) == 0 && git_oid_fromstr(&oid, sha.c_str()) == 0 &&
            git_commit_lookup(&c, wr, &oid) == 0 && git_commit_tree(&tree, c) == 0;
  if (ok) {
    git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
    co.checkout_strategy = GIT_CHECKOUT_FORCE;
    ok = git_checkout_tree(wr, reinterpret_cast<git_object*>(tree), &co) == 0 &&
         git_repository_set_head_detached(wr, &oid) == 0;
  }
  if (!ok) *err = LastError("checking out " + sha + " in " + path);
  git_tree_free(tree);
  git_commit_free(c);
  git_repository_free(wr);
  git_worktree_free(wt);
  return ok;
}

}  // namespace kb
