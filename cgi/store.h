// Reading the image store (design.md "Image store"). The CGI never writes here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

struct StoreImage {
  std::string name;
  std::string date;     // YYYYMMDD from the name
  std::string arch;     // from the name
  int64_t mtime_ns = 0; // the directory's
};

// The images of `arch` (every arch when empty), newest first: the name's date,
// then the directory's mtime, then the name. Entries that are not image names
// (the builder's hidden temporary directories, stray files) are skipped. Reads the
// directory and one stat per image, nothing inside the images.
bool ListImages(const std::string& images, std::string_view arch, std::vector<StoreImage>* out,
                std::string* err);

// Whether <images>/<name> is a published image (name checked first).
bool ImageExists(const std::string& images, std::string_view name);

// image.ini's [image] keys.
using ImageInfo = std::map<std::string, std::string, std::less<>>;
bool ReadImageInfo(const std::string& images, std::string_view name, ImageInfo* out, std::string* err);

}  // namespace kb
