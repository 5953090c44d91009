// The image store (doc/design.md "Image store"): the one module that writes it
// (the builder: PublishImage, RemoveImage) and reads it (the CGI: ListImages,
// ImageExists, ReadManifest; the builder's prune). The stage-1 init reads the
// same manifests through the pure parser in common/image_ini.h.
//
//   <images>/<name>/image.ini   the manifest: names every file the stage-1 uses,
//                                with its sha256
//   <images>/<name>/image.ini.sig  its signature, when the builder has a key
//   <images>/<name>/...         bzImage, initrd, config, System.map, build.log
//
//   <images>/.index/<arch>       the list index: the arch's image names in
//                                ListImages' order (below)
//
// An image appears whole or not at all: it is made in a hidden directory of the
// store and renamed into place; it disappears the same way. Names starting with
// '.' are never images.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/image_ini.h"
#include "store/signing.h"

namespace kb {

struct StoreImage {
  std::string name;
  std::string date;     // YYYYMMDD from the name
  std::string arch;     // from the name
  int64_t mtime_ns = 0; // the directory's, read only where it decides (0 otherwise)
};

// The images of `arch` (every arch when empty), newest first: the name's date,
// then the directory's mtime, then the name. Entries that are not image names
// (hidden temporary directories, stray files, symbolic links) are skipped. Reads
// the directory, and stats only the images that share their date with another
// (and any entry whose type the file system does not give), nothing inside the
// images.
bool ListImages(const std::string& images, std::string_view arch, std::vector<StoreImage>* out,
                std::string* err);

// The list index, <images>/.index/<arch>: what ListImages(images, arch) gives, kept
// ready by the store's writers so that the list CGI need not read a directory of
// 10,000 entries on each request. A header line, then the names, one a line:
//
//   kbisect-list-index 1 <arch> <mtime_ns> <count>
//
// <mtime_ns>: the store directory's mtime (st_mtim in ns) when the names were
// read; the index holds for as long as the directory still has that mtime (any
// entry added, removed or renamed changes it). Numbers are decimal without
// leading zeros.

// The parts of an index's text (views into it).
struct ListIndex {
  int64_t mtime_ns = 0;
  size_t count = 0;
  std::string_view names;  // the lines after the header, each ending in '\n'
};

// Parses an index of `arch`, and checks it as written: the header, then exactly
// <count> lines, each an image name (common/names.h) of that arch, their dates
// never increasing. *err says what is wrong (for the log: the caller reads the
// directory instead).
bool ParseListIndex(std::string_view text, std::string_view arch, ListIndex* out, std::string* err);

// The text of an index (the inverse of ParseListIndex).
std::string FormatListIndex(std::string_view arch, int64_t mtime_ns, const std::vector<std::string_view>& names);

// The names of `arch`'s images, one a line: a view into what `keep` holds (the
// index file mapped into memory, or the text made from the directory).
struct ImageNames {
  std::string_view text;
  std::shared_ptr<const void> keep;
};

// The names of `arch`'s images in ListImages' order: the index's when it is fresh
// (it records the store directory's mtime of now), else ListImages'.
// *note is set when an index was there but not used (stale: the store changed
// without its writer, as when an image is removed by hand; damaged; unreadable),
// for the caller's log; empty otherwise (also when there is no index, as for an
// arch without images or a store whose writer predates the index).
bool ListImageNames(const std::string& images, std::string_view arch, ImageNames* names, std::string* note,
                    std::string* err);

// Rewrites the index of every arch of the store (and empties the index of an arch
// whose images are all gone), under an flock of <images>/.index/.lock, which
// serializes the builders that share a store (also over NFS). The files are
// replaced whole inside .index/, so that writing them does not change the store
// directory's mtime. The store's writers below call it after each change; a
// failure costs only speed (a reader finds the index stale and reads the
// directory), so they say it on stderr and succeed.
//
// The index records the directory's mtime M and the names read after it. A change
// the read does not see must leave the directory with an mtime other than M, which
// file systems that stamp times in ticks (a jiffy on ext4, a second or two
// elsewhere) do not promise for a change within M's tick. So the directory is
// read only once the file system's clock is past M: the lock file is stamped with
// the file system's time now (futimens, also the server's over NFS) until that
// time is later than M; any change after it then gets a later mtime. (An mtime set
// back by hand to exactly M is not seen.)
bool WriteListIndex(const std::string& images, std::string* err);

// Whether <images>/<name> is a published image (name checked first).
bool ImageExists(const std::string& images, std::string_view name);

// An image's manifest as read from the store: its text and the parsed keys, which
// are views into that text (kept alive with it, so copies are safe).
struct Manifest {
  std::shared_ptr<const std::string> text;
  ImageIni ini;
};

// Reads <images>/<name>/image.ini and checks it: every key as common/image_ini.h
// says, and its name is its directory's. *err says which file, line and rule.
bool ReadManifest(const std::string& images, std::string_view name, Manifest* out, std::string* err);

// A file of a new image: copied from `from` (not a symbolic link) as `as`.
struct ImageFile {
  std::string from;
  std::string as;
};

// Publishes an image: copies `files` into a hidden directory of the store,
// fills in the sha256 of ini.kernel (and ini.initrd, ini.modules) from the copies,
// writes the manifest, makes it all world-readable, syncs, and renames it into
// place. With `key`, image.ini.sig (its signature) is written beside the
// manifest before the rename, so an image is signed from its first moment. The
// kernel, initrd and modules named must be among `files`. If an image of that name
// is already published it is kept (an image is built once) and *already is set.
// On any error nothing is left in the store.
bool PublishImage(const std::string& images, ImageIni ini, const std::vector<ImageFile>& files,
                  const SigningKey* key, bool* already, std::string* err);

// Removes a published image: renamed out of sight first, so a reader sees it
// whole or not at all. PublishImage, RemoveImage and CleanLeftovers rewrite the
// list index after they changed the store (WriteListIndex).
bool RemoveImage(const std::string& images, std::string_view name, std::string* err);

// Removes what a publisher or a remover that died left behind (hidden .tmp-* and
// .rm-* directories) once older than min_age_s: a live publication takes
// seconds, and the store may be shared by builders on several hosts. *removed:
// their names.
bool CleanLeftovers(const std::string& images, int64_t min_age_s, std::vector<std::string>* removed,
                    std::string* err);

}  // namespace kb
