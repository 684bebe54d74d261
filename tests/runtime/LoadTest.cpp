//===- LoadTest.cpp - Loading models: every check and its message ---------===//
#include "TestUtil.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace cnnrt_test;

extern "C" const cnnc_model_desc *linked_cnnc_model(void);

namespace {

/// Loads `path` expecting `status`; returns the message.
std::string loadFails(const std::string &path, cnnrt_status status) {
  cnnrt_model *m = reinterpret_cast<cnnrt_model *>(&m);
  cnnrt_status s = cnnrt_load(path.c_str(), &m);
  CHECK(m == nullptr);
  CHECK_MESSAGE(s == status, "got ", cnnrt_status_name(s), ": ", lastError());
  return lastError();
}

bool hostHas(const std::string &feature) {
  std::string list = std::string(",") + cnnrt_cpu_features() + ",";
  return contains(list, "," + feature + ",");
}

} // namespace

TEST_CASE("load: a good model, and what it says about itself") {
  ModelHolder h;
  REQUIRE(cnnrt_load(fakePath("fake_add1").c_str(), &h.M) == CNNRT_OK);
  CHECK(std::string(cnnrt_model_name(h.M)) == "fake");
  CHECK(std::string(cnnrt_model_target_cpu(h.M)) == "x86-64");
  CHECK(std::string(cnnrt_model_cpu_features(h.M)) == "sse2");
  CHECK(cnnrt_num_inputs(h.M) == 1);
  CHECK(cnnrt_num_outputs(h.M) == 1);
  const cnnc_tensor_desc *x = cnnrt_input_desc(h.M, 0);
  REQUIRE(x);
  CHECK(std::string(x->name) == "x");
  CHECK(x->rank == 2);
  CHECK(x->shape[1] == 256);
  CHECK(x->bytes == 4096);
  CHECK(cnnrt_find_input(h.M, "x") == 0);
  CHECK(cnnrt_find_output(h.M, "y") == 0);
  CHECK(cnnrt_find_output(h.M, "nope") == -1);
  CHECK(cnnrt_workspace_bytes(h.M) == 4096);
  CHECK(cnnrt_model_flops(h.M) == 2048);
  CHECK(cnnrt_model_desc(h.M)->abi_version == CNNC_ABI_VERSION);

  CHECK(cnnrt_output_desc(h.M, 1) == nullptr);
  CHECK(lastError() == "cnnrt_output_desc: output index 1 is out of range: "
                       "model 'fake' has 1");
  CHECK(cnnrt_input_desc(h.M, -1) == nullptr);
}

TEST_CASE("load: null arguments") {
  cnnrt_model *m = nullptr;
  CHECK(cnnrt_load(nullptr, &m) == CNNRT_ERR_INVALID_ARGUMENT);
  CHECK(lastError() == "cnnrt_load: null path");
  CHECK(cnnrt_load(fakePath("fake_add1").c_str(), nullptr) ==
        CNNRT_ERR_INVALID_ARGUMENT);
  CHECK(lastError() == "cnnrt_load: null model pointer");
  CHECK(cnnrt_load_desc(nullptr, nullptr, &m) == CNNRT_ERR_INVALID_ARGUMENT);
  CHECK(lastError() == "cnnrt_load_desc: null descriptor");
  cnnrt_unload(nullptr);
}

TEST_CASE("load: introspection of a null model") {
  CHECK(cnnrt_num_inputs(nullptr) == -1);
  CHECK(lastError() == "cnnrt_num_inputs: null model");
  CHECK(cnnrt_num_outputs(nullptr) == -1);
  CHECK(cnnrt_model_name(nullptr) == nullptr);
  CHECK(cnnrt_model_desc(nullptr) == nullptr);
  CHECK(cnnrt_input_desc(nullptr, 0) == nullptr);
  CHECK(cnnrt_find_input(nullptr, "x") == -1);
  CHECK(cnnrt_workspace_bytes(nullptr) == 0);
  CHECK(cnnrt_model_flops(nullptr) == 0);
  void *ws = &ws;
  CHECK(cnnrt_workspace_alloc(nullptr, &ws) == CNNRT_ERR_INVALID_ARGUMENT);
  CHECK(ws == nullptr);
}

TEST_CASE("load: missing and unreadable files") {
  TempDir dir("missing");
  std::string msg = loadFails(dir.file("nothing.so"), CNNRT_ERR_FILE_NOT_FOUND);
  CHECK(msg == "cannot open model '" + dir.file("nothing.so") +
                   "': No such file or directory");
  msg = loadFails(dir.file(""), CNNRT_ERR_FILE_NOT_FOUND);
  CHECK(contains(msg, "it is a directory"));
}

TEST_CASE("load: files that are not shared objects") {
  TempDir dir("notso");
  const char text[] = "this is not a model\n";
  writeFile(dir.file("text.so"), text, sizeof text - 1);
  std::string msg = loadFails(dir.file("text.so"), CNNRT_ERR_NOT_SHARED_OBJECT);
  CHECK(msg == "'" + dir.file("text.so") +
                   "' is not a cnnc model: expected an ELF shared object, "
                   "found no ELF header");
  writeFile(dir.file("empty.so"), "", 0);
  msg = loadFails(dir.file("empty.so"), CNNRT_ERR_NOT_SHARED_OBJECT);
  CHECK(contains(msg, "found a file of 0 bytes"));
  // The start of an ELF header: refused before the loader sees it.
  writeFile(dir.file("trunc.so"),
            "\x7f"
            "ELF\x02\x01\x01",
            7);
  msg = loadFails(dir.file("trunc.so"), CNNRT_ERR_NOT_SHARED_OBJECT);
  CHECK(msg == "'" + dir.file("trunc.so") +
                   "' is not a valid compiled model: its ELF header is cut "
                   "off (the file has 7 bytes)");
  // A real shared object cut short: every prefix is refused with a message
  // (the loader would map its segments past the end of the file and die
  // with SIGBUS on touching them), except the whole file.
  std::ifstream in(fakePath("fake_add1"), std::ios::binary);
  std::string whole((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  REQUIRE(whole.size() > 1000);
  for (size_t n : {size_t(4), size_t(63), size_t(64), size_t(500),
                   whole.size() / 2, whole.size() - 1}) {
    writeFile(dir.file("cut.so"), whole.data(), n);
    msg = loadFails(dir.file("cut.so"), CNNRT_ERR_NOT_SHARED_OBJECT);
    CHECK(contains(msg, "'" + dir.file("cut.so") + "' is not a"));
  }
  writeFile(dir.file("cut.so"), whole.data(), whole.size());
  ModelHolder h;
  CHECK(cnnrt_load(dir.file("cut.so").c_str(), &h.M) == CNNRT_OK);
}

TEST_CASE("load: a shared object without the entry") {
  std::string msg = loadFails(fakePath("plain_lib"), CNNRT_ERR_NO_ENTRY);
  CHECK(msg == "'" + fakePath("plain_lib") +
                   "' is not a cnnc model: it has no 'cnnc_model' symbol");
}

TEST_CASE("load: bad magic, null descriptor, bad descriptor") {
  std::string msg = loadFails(fakePath("fake_bad_magic"), CNNRT_ERR_BAD_MAGIC);
  CHECK(msg == "'" + fakePath("fake_bad_magic") +
                   "' is not a cnnc model: descriptor magic is "
                   "0x00000000deadbeef, expected 0x00000000434e4e43");
  msg = loadFails(fakePath("fake_null_desc"), CNNRT_ERR_BAD_MAGIC);
  CHECK(contains(msg, "its cnnc_model entry returned null"));
  msg = loadFails(fakePath("fake_bad_bytes"), CNNRT_ERR_BAD_DESCRIPTOR);
  CHECK(contains(msg, ": input 0 'x' declares 100 bytes, its shape holds "
                      "4096"));
}

TEST_CASE("load: wrong ABI version") {
  std::string msg = loadFails(fakePath("fake_abi999"), CNNRT_ERR_ABI_VERSION);
  CHECK(msg == "'" + fakePath("fake_abi999") +
                   "' was compiled for model ABI version 999, this runtime "
                   "expects version " +
                   std::to_string(CNNC_ABI_VERSION) + "; recompile the model");
}

TEST_CASE("load: a descriptor smaller than the ABI's") {
  std::string msg =
      loadFails(fakePath("fake_small_desc"), CNNRT_ERR_BAD_DESCRIPTOR);
  CHECK(msg == "'" + fakePath("fake_small_desc") +
                   "': descriptor is 16 bytes, model ABI " +
                   std::to_string(CNNC_ABI_VERSION) + " needs at least " +
                   std::to_string(sizeof(cnnc_model_desc)));
}

TEST_CASE("cpu features: the host's list and CNNRT_HIDE_CPU_FEATURES") {
  std::string all = cnnrt_cpu_features();
#if defined(__x86_64__)
  CHECK(hostHas("sse2"));
#endif
  {
    ScopedEnv hide("CNNRT_HIDE_CPU_FEATURES", "sse2,avx2,not-a-feature");
    CHECK_FALSE(hostHas("sse2"));
    CHECK_FALSE(hostHas("avx2"));
  }
  CHECK(std::string(cnnrt_cpu_features()) == all);
}

TEST_CASE("cpu features: a model needing avx512f") {
  std::string path = fakePath("fake_avx512f");
  if (hostHas("avx512f")) {
    ModelHolder h;
    CHECK(cnnrt_load(path.c_str(), &h.M) == CNNRT_OK);
  }
  ScopedEnv hide("CNNRT_HIDE_CPU_FEATURES", "avx512f");
  std::string msg = loadFails(path, CNNRT_ERR_CPU_FEATURES);
  CHECK(msg == "'" + path +
                   "' was compiled for CPU 'x86-64' and needs CPU features "
                   "this machine lacks: avx512f; recompile the model for "
                   "this machine");
}

TEST_CASE("cpu features: only the missing ones are listed") {
  ScopedEnv hide("CNNRT_HIDE_CPU_FEATURES", "avx2,fma");
  std::string msg = loadFails(fakePath("fake_avx2"), CNNRT_ERR_CPU_FEATURES);
  CHECK(contains(msg, "lacks: avx2, fma;"));
}

TEST_CASE("cpu features: a feature the runtime does not know is ignored") {
  ModelHolder h;
  CHECK(cnnrt_load(fakePath("fake_madeup").c_str(), &h.M) == CNNRT_OK);
}

TEST_CASE("weights: loaded and checked") {
  TempDir dir("weights");
  std::string so = dir.file("fake.so");
  std::filesystem::copy_file(fakePath("fake_weights"), so);
  std::vector<float> w = fakeWeights();
  CHECK(cnnrt_weights_hash(w.data(), 16) == 0xf08df2b2cf29d13bull);

  SUBCASE("missing") {
    std::string msg = loadFails(so, CNNRT_ERR_WEIGHTS_MISSING);
    CHECK(msg == "'" + so + "' needs its weights file '" +
                     dir.file("fake.weights") + "': No such file or directory");
  }
  SUBCASE("wrong size") {
    writeFile(dir.file("fake.weights"), w.data(), 12);
    std::string msg = loadFails(so, CNNRT_ERR_WEIGHTS_SIZE);
    CHECK(msg == "weights file '" + dir.file("fake.weights") +
                     "' has 12 bytes, '" + so + "' expects 16");
  }
  SUBCASE("wrong hash") {
    w[3] = 4.5f;
    writeFile(dir.file("fake.weights"), w.data(), 16);
    std::string msg = loadFails(so, CNNRT_ERR_WEIGHTS_HASH);
    CHECK(contains(msg, "weights file '" + dir.file("fake.weights") +
                            "' has checksum 0x"));
    CHECK(contains(msg, "'" + so + "' expects 0xf08df2b2cf29d13b"));
  }
  SUBCASE("right") {
    writeFile(dir.file("fake.weights"), w.data(), 16);
    ModelHolder h;
    REQUIRE(cnnrt_load(so.c_str(), &h.M) == CNNRT_OK);
  }
}

namespace {

/// The weights checksum written again from cnnc/hash.h's description, word
/// by word with explicit lanes, as the oracle of cnnrt_weights_hash.
uint64_t referenceHash(const std::vector<uint8_t> &b) {
  const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full,
                 k3 = 0x165667b19e3779f9ull;
  auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  auto word = [&](size_t at) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= uint64_t(b[at + size_t(i)]) << (8 * i);
    return v;
  };
  auto round = [&](uint64_t lane, uint64_t w) {
    return rotl(lane + w * k2, 31) * k1;
  };
  uint64_t lane[4] = {k1 + k2, k2, 0, 0 - k1};
  size_t i = 0;
  for (; i + 32 <= b.size(); i += 32)
    for (int l = 0; l < 4; ++l)
      lane[l] = round(lane[l], word(i + size_t(8 * l)));
  const int rot[4] = {1, 7, 12, 18};
  uint64_t h = 0;
  for (int l = 0; l < 4; ++l)
    h += rotl(lane[l], rot[l]);
  for (int l = 0; l < 4; ++l)
    h = (h ^ round(0, lane[l])) * k1 + k3;
  h += b.size();
  for (; i + 8 <= b.size(); i += 8)
    h = rotl(h ^ round(0, word(i)), 27) * k1 + k3;
  for (; i < b.size(); ++i)
    h = rotl(h ^ (b[i] * k3), 11) * k1;
  h = (h ^ (h >> 33)) * k2;
  h = (h ^ (h >> 29)) * k3;
  return h ^ (h >> 32);
}

} // namespace

TEST_CASE("weights checksum: matches its description, sees every bit") {
  std::vector<uint8_t> b;
  for (size_t n = 0; n <= 200; ++n) {
    CHECK(cnnrt_weights_hash(b.data(), b.size()) == referenceHash(b));
    b.push_back(uint8_t(n * 37 + 11));
  }
  // Every single-bit change of 100 bytes and every shorter prefix gives
  // another checksum.
  b.resize(100);
  uint64_t h = cnnrt_weights_hash(b.data(), b.size());
  std::vector<uint64_t> seen{h};
  for (size_t i = 0; i < b.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      b[i] ^= uint8_t(1 << bit);
      seen.push_back(cnnrt_weights_hash(b.data(), b.size()));
      b[i] ^= uint8_t(1 << bit);
    }
  for (size_t n = 0; n < b.size(); ++n)
    seen.push_back(cnnrt_weights_hash(b.data(), n));
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  CHECK(cnnrt_weights_hash(nullptr, 0) == referenceHash({}));
}

TEST_CASE("load_desc: a model linked into the program") {
  TempDir dir("linked");
  cnnrt_model *m = nullptr;
  CHECK(cnnrt_load_desc(linked_cnnc_model(), dir.file("").c_str(), &m) ==
        CNNRT_ERR_WEIGHTS_MISSING);
  CHECK(contains(lastError(), "model 'fake' needs its weights file"));
  std::vector<float> w = fakeWeights();
  writeFile(dir.file("fake.weights"), w.data(), 16);
  ModelHolder h;
  REQUIRE(cnnrt_load_desc(linked_cnnc_model(), dir.file("").c_str(), &h.M) ==
          CNNRT_OK);
  CHECK(std::string(cnnrt_model_name(h.M)) == "fake");
}

TEST_CASE("status names are distinct") {
  std::vector<std::string> names;
  for (int s = CNNRT_OK; s <= CNNRT_ERR_WRONG_DEVICE; ++s) {
    std::string n = cnnrt_status_name(cnnrt_status(s));
    CHECK(n != "unknown");
    for (const std::string &m : names)
      CHECK(m != n);
    names.push_back(n);
  }
}
