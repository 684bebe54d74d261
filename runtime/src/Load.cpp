//===- Load.cpp - Loading a compiled model ----------------------*- C++ -*-===//
//
// cnnrt_load and cnnrt_load_desc: open the shared object, find the entry,
// and check everything that can be checked before a run: the descriptor's
// magic, ABI version and fields, the CPU features the code needs, and the
// external weights (size and FNV-1a 64 hash); a CUDA model is then loaded
// onto the GPU (CudaModel.cpp). Each failure has its own
// status code and a message naming the file, what was expected and what
// was found.
//
//===----------------------------------------------------------------------===//
#include "Internal.h"
#include "cnnc/hash.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace cnnrt;

namespace {

/// Largest rank a descriptor may declare (far beyond any real tensor).
constexpr int32_t MaxRank = 64;

std::string errnoText(int err) { return std::strerror(err); }

/// The folder of `path` ("." when it has none).
std::string dirOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Closes a file descriptor when it goes out of scope.
struct FdCloser {
  int Fd;
  ~FdCloser() {
    if (Fd >= 0)
      ::close(Fd);
  }
};

/// Reads `bytes` bytes at `offset` of `fd`; false when the file ends first.
bool readAt(int fd, void *buf, uint64_t bytes, uint64_t offset) {
  auto *p = static_cast<unsigned char *>(buf);
  while (bytes > 0) {
    ssize_t got = ::pread(fd, p, bytes, off_t(offset));
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return false;
    p += got;
    bytes -= uint64_t(got);
    offset += uint64_t(got);
  }
  return true;
}

/// Whether [offset, offset + bytes) lies inside a file of `size` bytes.
bool inside(uint64_t offset, uint64_t bytes, uint64_t size) {
  return offset <= size && bytes <= size - offset;
}

#if defined(__x86_64__)
constexpr uint16_t HostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t HostMachine = EM_AARCH64;
#else
constexpr uint16_t HostMachine = EM_NONE;
#endif

/// Checks the ELF structure of `fd` (`size` bytes) that the loader will
/// map: a 64-bit little-endian shared object for this machine, whose
/// program headers, segments and section headers all lie inside the file.
/// dlopen maps segments past the end of a truncated file, and touching
/// them kills the process with SIGBUS; here it is an error instead.
cnnrt_status checkElf(int fd, uint64_t size, const std::string &path) {
  auto bad = [&](const std::string &why) {
    return fail(CNNRT_ERR_NOT_SHARED_OBJECT,
                cat("'", path, "' is not a valid compiled model: ", why));
  };
  Elf64_Ehdr eh;
  if (size < sizeof eh || !readAt(fd, &eh, sizeof eh, 0))
    return bad(
        cat("its ELF header is cut off (the file has ", size, " bytes)"));
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return bad("it is not a 64-bit little-endian ELF file");
  if (eh.e_type != ET_DYN)
    return bad(cat("it is an ELF file of type ", eh.e_type,
                   ", not a shared object (", int(ET_DYN), ")"));
  if (HostMachine != EM_NONE && eh.e_machine != HostMachine)
    return bad(cat("it is for ELF machine ", eh.e_machine, ", this one is ",
                   HostMachine));
  if (eh.e_phnum == 0 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr), size))
    return bad(cat("its program headers (", eh.e_phnum, " at byte ", eh.e_phoff,
                   ") do not lie inside the file of ", size,
                   " bytes; the file is truncated or damaged"));
  for (uint16_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!readAt(fd, &ph, sizeof ph, eh.e_phoff + i * uint64_t(sizeof ph)))
      return bad("its program headers cannot be read");
    if (ph.p_type != PT_LOAD && ph.p_type != PT_DYNAMIC)
      continue;
    if (!inside(ph.p_offset, ph.p_filesz, size))
      return bad(cat("its segment ", i, " (bytes ", ph.p_offset, " to ",
                     ph.p_offset + ph.p_filesz,
                     ") ends past the end of the "
                     "file (",
                     size, " bytes); the file is truncated"));
  }
  if (eh.e_shnum != 0 &&
      (eh.e_shentsize != sizeof(Elf64_Shdr) ||
       !inside(eh.e_shoff, uint64_t(eh.e_shnum) * sizeof(Elf64_Shdr), size)))
    return bad(cat("its section headers (", eh.e_shnum, " at byte ", eh.e_shoff,
                   ") do not lie inside the file of ", size,
                   " bytes; the file is truncated or damaged"));
  return CNNRT_OK;
}

/// Checks that `path` names a readable, whole ELF shared object before
/// dlopen, whose own messages do not separate "missing" from "not a shared
/// object", and which crashes on a truncated one.
cnnrt_status checkFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(CNNRT_ERR_FILE_NOT_FOUND,
                cat("cannot open model '", path, "': ", errnoText(errno)));
  FdCloser guard{fd};
  struct stat st;
  bool isDir = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  unsigned char magic[4] = {0, 0, 0, 0};
  ssize_t got = isDir ? 0 : ::read(fd, magic, sizeof magic);
  if (isDir)
    return fail(CNNRT_ERR_FILE_NOT_FOUND,
                cat("cannot open model '", path, "': it is a directory"));
  if (got != 4 || std::memcmp(magic,
                              "\x7f"
                              "ELF",
                              4) != 0)
    return fail(CNNRT_ERR_NOT_SHARED_OBJECT,
                cat("'", path,
                    "' is not a cnnc model: expected an ELF "
                    "shared object, found ",
                    got < 4 ? "a file of " + std::to_string(got < 0 ? 0 : got) +
                                  " bytes"
                            : std::string("no ELF header")));
  return checkElf(fd, uint64_t(st.st_size), path);
}

/// Checks one tensor of the descriptor.
cnnrt_status checkTensor(const cnnrt_model &m, const cnnc_tensor_desc &t,
                         const char *kind, int32_t index) {
  std::string what = cat(m.Source, ": ", kind, " ", index);
  if (!t.name)
    return fail(CNNRT_ERR_BAD_DESCRIPTOR, cat(what, " has no name"));
  what += cat(" '", t.name, "'");
  if (t.dtype != CNNC_F32)
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(what, " has dtype ", t.dtype, ", expected f32 (",
                    int(CNNC_F32), ")"));
  if (t.rank < 0 || t.rank > MaxRank || (t.rank > 0 && !t.shape))
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(what, " has an invalid rank ", t.rank));
  int64_t elems = 1;
  for (int32_t d = 0; d < t.rank; ++d) {
    int64_t n = t.shape[d];
    if (n < 0 || (n > 0 && elems > (INT64_MAX / 4) / n))
      return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                  cat(what, " has an invalid dimension ", n));
    elems *= n;
  }
  if (t.bytes != elems * 4)
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(what, " declares ", t.bytes, " bytes, its shape holds ",
                    elems * 4));
  return CNNRT_OK;
}

/// The profiling table: a count with its entries, each named.
cnnrt_status checkProfileEntries(const cnnrt_model &m) {
  const cnnc_model_desc *d = m.Desc;
  if (d->num_profile_entries < 0 ||
      (d->num_profile_entries > 0 && !d->profile_entries))
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(m.Source, ": descriptor declares ", d->num_profile_entries,
                    " profile entries but their table is missing"));
  for (int32_t i = 0; i < d->num_profile_entries; ++i) {
    const cnnc_profile_entry &e = d->profile_entries[i];
    if (!e.name || !e.kernel || !e.source)
      return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                  cat(m.Source, ": profile entry ", i, " has a null name"));
  }
  return CNNRT_OK;
}

/// Magic, ABI version and the consistency of the descriptor's fields.
cnnrt_status checkDesc(const cnnrt_model &m) {
  const cnnc_model_desc *d = m.Desc;
  if (!d)
    return fail(CNNRT_ERR_BAD_MAGIC,
                cat(m.Source, " is not a cnnc model: its cnnc_model entry "
                              "returned null"));
  if (d->magic != CNNC_MODEL_MAGIC)
    return fail(CNNRT_ERR_BAD_MAGIC,
                cat(m.Source, " is not a cnnc model: descriptor magic is ",
                    hex64(d->magic), ", expected ", hex64(CNNC_MODEL_MAGIC)));
  if (d->abi_version != CNNC_ABI_VERSION)
    return fail(CNNRT_ERR_ABI_VERSION,
                cat(m.Source, " was compiled for model ABI version ",
                    d->abi_version, ", this runtime expects version ",
                    CNNC_ABI_VERSION, "; recompile the model"));
  if (d->desc_size < sizeof(cnnc_model_desc))
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(m.Source, ": descriptor is ", d->desc_size,
                    " bytes, model ABI ", CNNC_ABI_VERSION, " needs at least ",
                    sizeof(cnnc_model_desc)));
  if (!d->name)
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(m.Source, ": descriptor has a null name"));
  if (d->device != CNNC_DEVICE_CPU && d->device != CNNC_DEVICE_CUDA)
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(m.Source, ": descriptor has an unknown device ", d->device,
                    ", expected ", int(CNNC_DEVICE_CPU), " (cpu) or ",
                    int(CNNC_DEVICE_CUDA), " (cuda)"));
  if (d->device == CNNC_DEVICE_CPU && !d->run)
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(m.Source, ": descriptor has a null run function"));
  if (d->num_inputs < 0 || d->num_outputs < 0 ||
      (d->num_inputs > 0 && !d->inputs) || (d->num_outputs > 0 && !d->outputs))
    return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                cat(m.Source, ": descriptor declares ", d->num_inputs,
                    " inputs and ", d->num_outputs,
                    " outputs but their tables are missing"));
  if (cnnrt_status s = checkProfileEntries(m))
    return s;
  for (int32_t i = 0; i < d->num_inputs; ++i)
    if (cnnrt_status s = checkTensor(m, d->inputs[i], "input", i))
      return s;
  for (int32_t i = 0; i < d->num_outputs; ++i)
    if (cnnrt_status s = checkTensor(m, d->outputs[i], "output", i))
      return s;
  return d->device == CNNC_DEVICE_CUDA ? checkCudaDesc(m) : CNNRT_OK;
}

/// The required features (of the runtime's table) the host lacks.
cnnrt_status checkCpuFeatures(const cnnrt_model &m) {
  const char *list = m.Desc->cpu_features;
  if (!list)
    return CNNRT_OK;
  FeatureMask need = 0;
  std::string_view rest(list);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    need |= featureBit(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  FeatureMask missing = need & ~hostFeatures();
  if (!missing)
    return CNNRT_OK;
  const char *cpu = m.Desc->target_cpu ? m.Desc->target_cpu : "?";
  return fail(CNNRT_ERR_CPU_FEATURES,
              cat(m.Source, " was compiled for CPU '", cpu,
                  "' and needs CPU features this machine lacks: ",
                  featureNames(missing, ", "),
                  "; recompile the model for this machine"));
}

/// Reads exactly `bytes` bytes of `fd` into `buf`.
bool readAll(int fd, unsigned char *buf, uint64_t bytes) {
  while (bytes > 0) {
    size_t chunk = bytes > (1u << 30) ? (1u << 30) : size_t(bytes);
    ssize_t got = ::read(fd, buf, chunk);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return false;
    buf += got;
    bytes -= uint64_t(got);
  }
  return true;
}

/// Reads and checks the model's external weights file.
cnnrt_status loadWeights(cnnrt_model &m, const std::string &dir) {
  const cnnc_model_desc &d = *m.Desc;
  if (!d.weights_file)
    return CNNRT_OK;
  std::string path = d.weights_file;
  if (path.empty() || path[0] != '/') {
    std::string base = dir.empty() ? "." : dir;
    path = base + (base.back() == '/' ? "" : "/") + path;
  }
  FdCloser f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st;
  if (f.Fd < 0 || ::fstat(f.Fd, &st) != 0 || S_ISDIR(st.st_mode))
    return fail(CNNRT_ERR_WEIGHTS_MISSING,
                cat(m.Source, " needs its weights file '", path,
                    "': ", f.Fd < 0 ? errnoText(errno) : "not a file"));
  if (uint64_t(st.st_size) != d.weights_bytes)
    return fail(CNNRT_ERR_WEIGHTS_SIZE,
                cat("weights file '", path, "' has ", uint64_t(st.st_size),
                    " bytes, ", m.Source, " expects ", d.weights_bytes));
  m.Weights = cnnrt_aligned_alloc(d.weights_bytes);
  if (!m.Weights)
    return fail(CNNRT_ERR_OUT_OF_MEMORY,
                cat("out of memory reading ", d.weights_bytes,
                    " bytes of weights from '", path, "'"));
  if (!readAll(f.Fd, static_cast<unsigned char *>(m.Weights), d.weights_bytes))
    return fail(CNNRT_ERR_WEIGHTS_MISSING,
                cat("cannot read weights file '", path, "'"));
  uint64_t hash = cnnc_weights_hash(m.Weights, d.weights_bytes);
  if (hash != d.weights_hash)
    return fail(CNNRT_ERR_WEIGHTS_HASH,
                cat("weights file '", path, "' has checksum ", hex64(hash),
                    ", ", m.Source, " expects ", hex64(d.weights_hash),
                    " (the file is damaged or belongs to another build of the "
                    "model)"));
  return CNNRT_OK;
}

/// Whether the environment asks cnnrt_load to verify embedded weights.
bool verifyOnLoad() {
  const char *v = std::getenv("CNNRT_VERIFY_WEIGHTS");
  return v && *v && std::strcmp(v, "0") != 0;
}

/// Frees a partly loaded model on the failure paths.
struct ModelDeleter {
  void operator()(cnnrt_model *m) const { cnnrt_unload(m); }
};
using ModelPtr = std::unique_ptr<cnnrt_model, ModelDeleter>;

/// Every check after the descriptor is known; on success hands the model
/// to the caller.
cnnrt_status finishLoad(ModelPtr m, const std::string &weightsDir,
                        cnnrt_model **out) {
  if (cnnrt_status s = checkDesc(*m))
    return s;
  // A CUDA model's .so holds no host code: its CPU features do not matter.
  if (!m->isCuda())
    if (cnnrt_status s = checkCpuFeatures(*m))
      return s;
  if (cnnrt_status s = loadWeights(*m, weightsDir))
    return s;
  if (verifyOnLoad())
    if (cnnrt_status s = cnnrt_verify_weights(m.get()))
      return s;
  if (m->isCuda())
    if (cnnrt_status s = loadCuda(*m))
      return s;
  *out = m.release();
  return CNNRT_OK;
}

} // namespace

cnnrt_status cnnrt_load(const char *path, cnnrt_model **model) {
  if (model)
    *model = nullptr;
  if (!path || !model)
    return fail(CNNRT_ERR_INVALID_ARGUMENT,
                cat("cnnrt_load: null ", path ? "model pointer" : "path"));
  return guarded([&] {
    std::string file(path);
    if (cnnrt_status s = checkFile(file))
      return s;
    // dlopen searches the library path for a name without a slash.
    std::string openName =
        file.find('/') == std::string::npos ? "./" + file : file;
    ModelPtr m(new cnnrt_model);
    m->Source = cat("'", file, "'");
    dlerror();
    m->Handle = dlopen(openName.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!m->Handle) {
      const char *why = dlerror();
      return fail(CNNRT_ERR_DLOPEN_FAILED, cat("cannot load '", file, "': ",
                                               why ? why : "dlopen failed"));
    }
    void *sym = dlsym(m->Handle, "cnnc_model");
    if (!sym)
      return fail(CNNRT_ERR_NO_ENTRY, cat("'", file,
                                          "' is not a cnnc model: it has no "
                                          "'cnnc_model' symbol"));
    m->Desc = reinterpret_cast<cnnc_model_entry_fn>(sym)();
    return finishLoad(std::move(m), dirOf(file), model);
  });
}

cnnrt_status cnnrt_load_desc(const cnnc_model_desc *desc,
                             const char *weights_dir, cnnrt_model **model) {
  if (model)
    *model = nullptr;
  if (!desc || !model)
    return fail(
        CNNRT_ERR_INVALID_ARGUMENT,
        cat("cnnrt_load_desc: null ", desc ? "model pointer" : "descriptor"));
  return guarded([&] {
    ModelPtr m(new cnnrt_model);
    m->Desc = desc;
    m->Source = desc->magic == CNNC_MODEL_MAGIC && desc->name
                    ? cat("model '", desc->name, "'")
                    : std::string("the linked model");
    return finishLoad(std::move(m), weights_dir ? weights_dir : ".", model);
  });
}

cnnrt_status cnnrt_verify_weights(const cnnrt_model *model) {
  if (!model || !model->Desc)
    return fail(CNNRT_ERR_INVALID_ARGUMENT, "cnnrt_verify_weights: null model");
  return guarded([&] {
    const cnnc_model_desc &d = *model->Desc;
    if (d.weights_bytes == 0)
      return CNNRT_OK;                  // no weights
    const void *bytes = model->Weights; // external, as read at load
    const char *what = "external weights";
    if (!d.weights_file) {
      bytes = d.embedded_weights;
      what = "embedded weights";
      if (!bytes && d.weights_bytes > 0)
        return fail(CNNRT_ERR_BAD_DESCRIPTOR,
                    cat(model->Source, ": descriptor records ", d.weights_bytes,
                        " bytes of embedded weights but no "
                        "pointer to them"));
    }
    if (!bytes && model->isCuda())
      return CNNRT_OK; // uploaded to the GPU and freed: checked at load
    uint64_t hash = cnnc_weights_hash(bytes, d.weights_bytes);
    if (hash != d.weights_hash)
      return fail(CNNRT_ERR_WEIGHTS_HASH,
                  cat(model->Source, " is damaged: its ", what, " (",
                      d.weights_bytes, " bytes) have checksum ", hex64(hash),
                      ", the compiler recorded ", hex64(d.weights_hash)));
    return CNNRT_OK;
  });
}

void cnnrt_unload(cnnrt_model *model) {
  if (!model)
    return;
  // The GPU state first: the descriptor it was loaded from lives in the
  // shared object.
  model->Cuda.reset();
  cnnrt_workspace_free(model->Weights);
  if (model->Handle)
    dlclose(model->Handle);
  delete model;
}
