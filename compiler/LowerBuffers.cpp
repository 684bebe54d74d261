//===- LowerBuffers.cpp - Buffers and weights while lowering -------------===//
#include "compiler/LowerBuffers.h"

#include "ir/Weights.h"

#include <cassert>
#include <algorithm>
#include <cstring>
#include <new>
#if defined(__linux__)
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace cnnc {

static int64_t alignUp(int64_t x, int64_t a) { return (x + a - 1) / a * a; }

BufferCtx::BufferCtx(const Graph &g, DiagEngine &diag) : G(g), Diag(diag) {}
BufferCtx::~BufferCtx() = default;

bool BufferCtx::hadError() const { return Diag.hasErrors(); }

const Tensor *BufferCtx::constant(const Value *v) {
  const Node *def = v->def();
  if (!def || def->kind() != OpKind::Const)
    return nullptr;
  auto it = Consts.find(v);
  if (it != Consts.end())
    return it->second.get();
  if (FreedConsts.count(v)) {
    Diag.error(def->loc(), "internal error: const '{}' read after its last "
                           "reader was lowered",
               v->name());
    return nullptr;
  }
  auto &slot = Consts[v];
  if (auto *h = std::get_if<HeldData>(&def->constSource())) {
    slot = h->tensor;
    return slot.get();
  }
  std::optional<Tensor> t = materializeConst(G, *def, Diag);
  if (!t) {
    Consts.erase(v);
    return nullptr;
  }
  slot = std::make_shared<const Tensor>(std::move(*t));
  return slot.get();
}

uint8_t *WeightBlob::appendZeros(size_t zeros, size_t bytes) {
  size_t at = Size + zeros;
  append(zeros + bytes, nullptr, 0);
  return Data + at;
}

bool WeightBlob::useMemoryFile(size_t header, const std::string &dir) {
#if defined(__linux__) && defined(MFD_CLOEXEC)
  if (Data || Fd >= 0)
    return false;
  // No O_CLOEXEC: the linker, a child of a child, may read the file.
#if defined(O_TMPFILE)
  if (!dir.empty())
    Fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR, 0600);
#endif
  if (Fd < 0)
    Fd = ::memfd_create("cnnc-weights", 0);
  if (Fd < 0)
    return false;
  Header = header;
  return true;
#else
  (void)header;
  return false;
#endif
}

int WeightBlob::takeMemoryFile() {
  if (Fd < 0)
    return -1;
  settle(Size);
#if defined(__linux__)
  if (Map)
    ::munmap(Map, Header + Capacity);
#endif
  int fd = Fd;
  Fd = -1;
  Map = Data = nullptr;
  Size = Capacity = Header = 0;
  cnnc_hash_init(&Hash);
  Hashed = Released = 0;
  return fd;
}

void WeightBlob::grow(size_t need) {
  size_t cap = std::max(need, Capacity + Capacity / 2);
#if defined(__linux__)
  if (Fd >= 0) {
    // A page-multiple mapping; the file grows with it.
    cap = (Header + cap + 4095) / 4096 * 4096 - Header;
    void *p = MAP_FAILED;
    if (::ftruncate(Fd, off_t(Header + cap)) == 0)
      p = Map ? ::mremap(Map, Header + Capacity, Header + cap, MREMAP_MAYMOVE)
              : ::mmap(nullptr, Header + cap, PROT_READ | PROT_WRITE,
                       MAP_SHARED, Fd, 0);
    if (p == MAP_FAILED)
      throw std::bad_alloc();
    Map = static_cast<uint8_t *>(p);
    // Written once, in order: no read-ahead of the file's holes on a
    // fault (ext4 zeroed megabytes around every touched page).
    ::madvise(Map, Header + cap, MADV_RANDOM);
    Data = Map + Header;
    Capacity = cap;
    return;
  }
#endif
  auto *p = static_cast<uint8_t *>(std::realloc(Data, cap));
  if (!p)
    throw std::bad_alloc();
  Data = p;
  Capacity = cap;
}

void WeightBlob::append(size_t zeros, const void *data, size_t bytes) {
  size_t need = Size + zeros + bytes;
  if (need > Capacity)
    grow(need);
  // A file's bytes past Size were never written: zeros already, and left
  // untouched (a 400 MB weight is then not made resident before its fill).
  if (Fd < 0)
    std::memset(Data + Size, 0, zeros);
  if (bytes)
    std::memcpy(Data + Size + zeros, data, bytes);
  Size = need;
}

void WeightBlob::settle(size_t upTo) {
  upTo = std::min(upTo, Size);
  if (upTo <= Hashed)
    return;
  size_t stripes = (upTo - Hashed) / 32 * 32;
  cnnc_hash_stripes(&Hash, Data + Hashed, stripes);
  Hashed += stripes;
#if defined(__linux__)
  if (Fd >= 0) {
    size_t page = size_t(::sysconf(_SC_PAGESIZE));
    size_t end = (Header + Hashed) / page * page;
    if (end > Released) {
      ::madvise(Map + Released, end - Released, MADV_DONTNEED);
      Released = end;
    }
  }
#endif
}

uint64_t WeightBlob::hash() {
  settle(Size);
  return cnnc_hash_finish(&Hash, Data ? Data + Hashed : Data, Size - Hashed);
}

void WeightBlob::clear() {
  if (Fd >= 0) {
    ::close(takeMemoryFile());
    return;
  }
  std::free(Data);
  Data = nullptr;
  Size = Capacity = 0;
  cnnc_hash_init(&Hash);
  Hashed = Released = 0;
}

Buffer BufferCtx::addWeights(const std::vector<float> &data) {
  int64_t offset = alignUp(int64_t(WeightBytes.size()), 64);
  WeightBytes.append(size_t(offset) - WeightBytes.size(), data.data(),
                     data.size() * sizeof(float));
  WeightBytes.settle(WeightBytes.size());
  Buffer b;
  b.kind = Buffer::Weights;
  b.offset = offset;
  return b;
}

Buffer BufferCtx::addWeights(int64_t floats,
                             const std::function<void(float *)> &fill) {
  int64_t offset = alignUp(int64_t(WeightBytes.size()), 64);
  uint8_t *at = WeightBytes.appendZeros(size_t(offset) - WeightBytes.size(),
                                        size_t(floats) * sizeof(float));
  fill(reinterpret_cast<float *>(at));
  WeightBytes.settle(WeightBytes.size());
  Buffer b;
  b.kind = Buffer::Weights;
  b.offset = offset;
  return b;
}

void BufferCtx::settleWeights(const float *end) {
  const auto *e = reinterpret_cast<const uint8_t *>(end);
  if (e >= WeightBytes.data() && e <= WeightBytes.data() + WeightBytes.size())
    WeightBytes.settle(size_t(e - WeightBytes.data()));
}

void BufferCtx::takeConstants(Graph &g) {
  assert(&g == &G && "takeConstants of another graph");
  for (const auto &n : g.nodes()) {
    if (n->kind() != OpKind::Const)
      continue;
    auto *h = std::get_if<HeldData>(&n->constSource());
    if (!h || !h->tensor)
      continue;
    Consts[n->result()] = h->tensor;
    ConstUsers[n->result()] = 0;
    HeldData bare{nullptr, h->key};
    n->setConstSource(bare);
  }
  for (const auto &n : g.nodes())
    for (const Value *v : n->operands())
      if (auto it = ConstUsers.find(v); it != ConstUsers.end())
        ++it->second;
  // A const that is a graph output is copied after the nodes: kept.
  for (const Value *v : g.outputs())
    if (auto it = ConstUsers.find(v); it != ConstUsers.end())
      ++it->second;
}

void BufferCtx::nodeLowered(const Node &n) {
  for (const Value *v : n.operands()) {
    auto it = ConstUsers.find(v);
    if (it == ConstUsers.end() || --it->second > 0)
      continue;
    Consts.erase(v);
    FreedConsts.insert(v);
    ConstUsers.erase(it);
  }
}

Buffer BufferCtx::buffer(const Value *v) {
  auto it = Buffers.find(v);
  if (it != Buffers.end())
    return it->second;
  auto ct = ConstBuffers.find(v);
  if (ct != ConstBuffers.end())
    return ct->second;
  // A const used as a plain operand: its data, as is.
  const Tensor *t = constant(v);
  if (!t)
    return Buffer{Buffer::Weights, 0, 0}; // error already reported
  Buffer b = addWeights(t->data);
  ConstBuffers[v] = b;
  return b;
}

Buffer BufferCtx::scratch(int64_t bytes) {
  assert(Plan && !Plan->placed() && Current && "scratch outside lowering");
  return Buffer{Buffer::Workspace, Plan->addScratch(*Current, bytes), 0};
}

void BufferCtx::planBuffers() {
  Plan = std::make_unique<MemoryPlan>(G);
  for (const auto &n : G.nodes())
    for (const Value *r : n->results()) {
      const MemoryPlan::ValueInfo *vi = Plan->info(r);
      if (!vi || vi->storage == Storage::Const)
        continue;
      if (vi->slot >= 0)
        Buffers[r] = Buffer{Buffer::Workspace, vi->slot, vi->within};
      else if (vi->storage == Storage::Output)
        Buffers[r] = Buffer{Buffer::Output, vi->index, 0};
      else
        Buffers[r] = Buffer{Buffer::Input, vi->index, 0}; // a view of one
    }
  for (size_t i = 0; i < G.inputs().size(); ++i)
    Buffers[G.inputs()[i]] = Buffer{Buffer::Input, int64_t(i), 0};
}

void BufferCtx::finishBuffers() {
  if (!Plan || Plan->placed())
    return;
  Plan->place();
  resolveAllCalls();
}

void BufferCtx::resolveWorkspace(std::vector<Buffer> &buffers) const {
  if (!Plan || !Plan->placed())
    return;
  const std::vector<MemoryPlan::Slot> &slots = Plan->slots();
  for (Buffer &b : buffers) {
    if (b.kind != Buffer::Workspace)
      continue;
    b.offset += slots[size_t(b.index)].offset;
    b.index = 0;
  }
}

} // namespace cnnc
