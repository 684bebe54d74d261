//===- GraphFiles.cpp - Writing a graph and its weights to files -----------===//
#include "ir/GraphFiles.h"

#include "ir/AtomicFile.h"
#include "ir/Printer.h"
#include "ir/Safetensors.h"
#include "ir/Weights.h"

#include <filesystem>
#include <set>

namespace cnnc {

namespace fs = std::filesystem;

bool hasHeldData(const Graph &g) {
  for (const auto &n : g.nodes())
    if (n->kind() == OpKind::Const &&
        std::holds_alternative<HeldData>(n->constSource()))
      return true;
  return false;
}

bool writeGraphFiles(Graph &g, const std::string &irPath, DiagEngine &diag) {
  if (!hasHeldData(g))
    return writeFileAtomically(irPath, printGraph(g), diag);

  // Every file-backed const, under a unique key.
  std::vector<std::pair<std::string, Tensor>> tensors;
  std::vector<Node *> consts;
  std::set<std::string> keys;
  for (const auto &n : g.nodes()) {
    if (n->kind() != OpKind::Const)
      continue;
    const ConstSource &src = n->constSource();
    std::string key;
    if (auto *h = std::get_if<HeldData>(&src))
      key = h->key;
    else if (auto *f = std::get_if<FileRef>(&src))
      key = f->key;
    else
      continue;
    std::optional<Tensor> t = materializeConst(g, *n, diag);
    if (!t)
      return false;
    std::string unique = key;
    for (int i = 1; keys.count(unique); ++i)
      unique = key + "." + std::to_string(i);
    keys.insert(unique);
    tensors.emplace_back(unique, std::move(*t));
    consts.push_back(n.get());
  }
  fs::path weights = fs::path(irPath).replace_extension(".safetensors");
  std::vector<std::pair<std::string, const Tensor *>> refs;
  for (const auto &[k, t] : tensors)
    refs.emplace_back(k, &t);
  if (!writeSafetensors(weights.string(), refs, diag))
    return false;
  std::unique_ptr<SafetensorsFile> file =
      SafetensorsFile::open(weights.string(), diag, SourceLoc{});
  if (!file)
    return false;
  for (size_t i = 0; i < consts.size(); ++i)
    consts[i]->setConstSource(FileRef{tensors[i].first});
  g.setWeightsFile(weights.filename().string(), std::move(file));
  return writeFileAtomically(irPath, printGraph(g), diag);
}

} // namespace cnnc
