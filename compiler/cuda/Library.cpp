//===- Library.cpp - The CUDA kernel library's sources -------------------===//
//
// The build bundles compiler/cuda/kernels/*.cuh into one text, each file
// after a line "//@@file <name>" (cmake/BundleTexts.cmake); it is embedded
// here and split once.
//
//===----------------------------------------------------------------------===//
#include "compiler/cuda/Library.h"

#include "compiler/Embed.h"

#include <algorithm>

CNNC_EMBED_FILE(cnnc_cuda_library, CNNC_CUDA_LIBRARY_PATH)

namespace cnnc::cuda {

const std::vector<LibraryFile> &libraryFiles() {
  static const std::vector<LibraryFile> files = [] {
    std::vector<LibraryFile> out;
    std::string_view all = cnnc_cuda_library_bytes();
    constexpr std::string_view marker = "//@@file ";
    size_t pos = all.find(marker);
    while (pos != std::string_view::npos) {
      size_t nameBegin = pos + marker.size();
      size_t nameEnd = all.find('\n', nameBegin);
      if (nameEnd == std::string_view::npos)
        break;
      size_t next = all.find(marker, nameEnd);
      size_t end = next == std::string_view::npos ? all.size() : next;
      out.push_back({"cnnk/" + std::string(all.substr(nameBegin,
                                                      nameEnd - nameBegin)),
                     all.substr(nameEnd + 1, end - nameEnd - 1)});
      pos = next;
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const LibraryFile &a, const LibraryFile &b) {
                       bool ap = a.name == "cnnk/prelude.cuh";
                       bool bp = b.name == "cnnk/prelude.cuh";
                       return ap != bp ? ap : a.name < b.name;
                     });
    return out;
  }();
  return files;
}

std::string libraryIncludes() {
  std::string s;
  for (const LibraryFile &f : libraryFiles())
    s += "#include \"" + f.name + "\"\n";
  return s;
}

} // namespace cnnc::cuda
