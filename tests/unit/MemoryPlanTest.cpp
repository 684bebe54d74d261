//===- MemoryPlanTest.cpp - The workspace planner against an interval check
//===//
//
// Oracle: an independent O(n^2) check over the values' lifetimes, computed
// here from the graph (definition to last use in program order): two
// workspace values whose lifetimes overlap must not overlap in memory,
// unless one shares the other's storage by a view or in place, and an
// in-place result may only take over storage that dies at its node. Scratch
// areas must not overlap any value live at their node. Totals and storage
// decisions on small graphs are checked against hand-computed numbers.
//
//===----------------------------------------------------------------------===//
#include "passes/MemoryPlan.h"
#include "TestUtil.h"

#include <doctest/doctest.h>

#include <map>

using namespace cnnc;
using namespace cnnc::test;

namespace {

struct Lifetime {
  int64_t first = 0, last = 0;
};

/// The storage root of `v`: follows view / in-place sources.
const Value *root(const MemoryPlan &plan, const Value *v) {
  while (const MemoryPlan::ValueInfo *vi = plan.info(v)) {
    if (!vi->source)
      break;
    v = vi->source;
  }
  return v;
}

struct Scratch {
  int slot;
  int64_t pos;
};

/// Checks the placed `plan` of `g` against the oracle; `scratch` lists the
/// scratch slots requested.
void checkPlan(const Graph &g, const MemoryPlan &plan,
               const std::vector<Scratch> &scratch = {}) {
  std::map<const Value *, Lifetime> life;
  std::vector<const Value *> order;
  int64_t pos = 0;
  for (const auto &n : g.nodes()) {
    for (const Value *v : n->operands())
      if (life.count(v))
        life[v].last = pos;
    for (const Value *r : n->results()) {
      const MemoryPlan::ValueInfo *vi = plan.info(r);
      REQUIRE(vi);
      if (vi->slot < 0)
        continue;
      life[r] = {pos, pos};
      order.push_back(r);
    }
    ++pos;
  }
  auto bytes = [](const Value *v) { return v->type().sizeInBytes(); };
  for (const Value *v : order) {
    int64_t off = plan.offsetOf(v);
    CHECK(off >= 0);
    CHECK(off % kWorkspaceAlign == 0);
    CHECK(off + bytes(v) <= plan.workspaceBytes());
    CHECK(plan.info(v)->storage != Storage::Input);
  }
  for (size_t i = 0; i < order.size(); ++i)
    for (size_t j = i + 1; j < order.size(); ++j) {
      const Value *u = order[i], *v = order[j];
      const Lifetime &a = life[u], &b = life[v];
      if (a.last < b.first || b.last < a.first)
        continue;
      bool slabs = plan.info(u)->storage == Storage::Slab &&
                   plan.info(v)->storage == Storage::Slab;
      if (root(plan, u) == root(plan, v) && !slabs) {
        // Shared storage: an in-place v must find every earlier sharer
        // dead by v's node (views are read-only and may overlap; a
        // concat's slabs lie inside it). Two slabs of one concat are
        // checked as separate values below.
        if (plan.info(v)->storage == Storage::InPlace)
          CHECK_MESSAGE(a.last <= b.first, u->name() << " still live when "
                                                     << v->name()
                                                     << " overwrites it");
        continue;
      }
      int64_t ou = plan.offsetOf(u), ov = plan.offsetOf(v);
      bool disjoint = ou + bytes(u) <= ov || ov + bytes(v) <= ou;
      CHECK_MESSAGE(disjoint,
                    u->name() << " and " << v->name() << " overlap in memory");
    }
  for (const Scratch &s : scratch) {
    const MemoryPlan::Slot &slot = plan.slots()[size_t(s.slot)];
    for (const Value *v : order) {
      const Lifetime &l = life[v];
      if (l.last < s.pos || s.pos < l.first)
        continue;
      int64_t ov = plan.offsetOf(v);
      CHECK(
          bool(slot.offset + slot.bytes <= ov || ov + bytes(v) <= slot.offset));
    }
  }
}

std::unique_ptr<Graph> graphOf(const std::string &text, DiagEngine &diag) {
  std::unique_ptr<Graph> g = build(text, diag);
  REQUIRE_MESSAGE(g, messages(diag));
  return g;
}

const Value *valueNamed(const Graph &g, std::string_view name) {
  for (const auto &n : g.nodes())
    for (const Value *r : n->results())
      if (r->name() == name)
        return r;
  FAIL("no value " << name);
  return nullptr;
}

Storage storageOf(const MemoryPlan &p, const Graph &g, std::string_view v) {
  return p.info(valueNamed(g, v))->storage;
}

} // namespace

TEST_CASE("memory plan: a chain of copies reuses the first buffer") {
  // Each transpose is 256 B; t3 reuses t1's region once t1 died at t2.
  DiagEngine diag;
  auto g = graphOf(R"(graph chain {
    input %x : f32[1,4,4,4]
    %t1 = transpose(%x) {perm=[0,1,3,2]}
    %t2 = transpose(%t1) {perm=[0,1,3,2]}
    %t3 = transpose(%t2) {perm=[0,1,3,2]}
    %y = transpose(%t3) {perm=[0,1,3,2]}
    output %y
  })",
                   diag);
  MemoryPlan plan(*g);
  plan.place();
  checkPlan(*g, plan);
  CHECK(plan.bytesWithoutReuse() == 768);
  CHECK(plan.workspaceBytes() == 512);
  CHECK(plan.offsetOf(valueNamed(*g, "t1")) ==
        plan.offsetOf(valueNamed(*g, "t3")));
  CHECK(storageOf(plan, *g, "y") == Storage::Output);
}

TEST_CASE("memory plan: elementwise chain runs in place, never on the input") {
  DiagEngine diag;
  auto g = graphOf(R"(graph ew {
    input %x : f32[1,16]
    %a = relu(%x)
    %b = sigmoid(%a)
    %c = tanh(%b)
    %y = relu(%c)
    output %y
  })",
                   diag);
  MemoryPlan plan(*g);
  plan.place();
  checkPlan(*g, plan);
  CHECK(storageOf(plan, *g, "a") == Storage::Workspace);
  CHECK(storageOf(plan, *g, "b") == Storage::InPlace);
  CHECK(storageOf(plan, *g, "c") == Storage::InPlace);
  CHECK(plan.bytesWithoutReuse() == 192);
  CHECK(plan.workspaceBytes() == 64);
}

TEST_CASE("memory plan: diamond, in place only where the operand dies") {
  // a is read by b and c: b may not overwrite it, c (a's last use) may.
  DiagEngine diag;
  auto g = graphOf(R"(graph diamond {
    input %x : f32[1,4,4,4]
    %a = transpose(%x) {perm=[0,1,3,2]}
    %b = relu(%a)
    %c = sigmoid(%a)
    %d = add(%b, %c)
    %y = transpose(%d) {perm=[0,1,3,2]}
    output %y
  })",
                   diag);
  MemoryPlan plan(*g);
  plan.place();
  checkPlan(*g, plan);
  CHECK(storageOf(plan, *g, "b") == Storage::Workspace);
  CHECK(storageOf(plan, *g, "c") == Storage::InPlace);
  CHECK(storageOf(plan, *g, "d") == Storage::InPlace);
  CHECK(plan.bytesWithoutReuse() == 4 * 256);
  CHECK(plan.workspaceBytes() == 2 * 256);
}

TEST_CASE("memory plan: conv residual is never aliased") {
  DiagEngine diag;
  auto g = graphOf(R"(graph residual {
    input %x : f32[1,2,4,4]
    %w = const random(1) : f32[2,2,3,3]
    %b = const random(2) : f32[2]
    %c1 = conv(%x, %w, %b) {pads=[1,1,1,1]}
    %r = relu(%c1)
    %c2 = conv(%r, %w, %b, %r) {pads=[1,1,1,1], res_act=relu}
    %s = add(%c2, %r)
    %y = relu(%s)
    output %y
  })",
                   diag);
  MemoryPlan plan(*g);
  plan.place();
  checkPlan(*g, plan);
  CHECK(storageOf(plan, *g, "c2") == Storage::Workspace);
  CHECK(plan.offsetOf(valueNamed(*g, "c2")) !=
        plan.offsetOf(valueNamed(*g, "r")));
  CHECK(storageOf(plan, *g, "r") == Storage::InPlace);
  // add: both operands die here; it takes the first one's region.
  CHECK(storageOf(plan, *g, "s") == Storage::InPlace);
  CHECK(plan.workspaceBytes() == 2 * 128);
}

TEST_CASE("memory plan: views share storage, inputs are never written") {
  // f views the input: g may not run in place on it. r views g's slot and
  // keeps it alive until z; an output view is a copy into the output.
  DiagEngine diag;
  auto g = graphOf(R"(graph views {
    input %x : f32[1,2,4,4]
    %f = flatten(%x)
    %g = relu(%f)
    %r = reshape(%g) {shape=[1,32,1,1]}
    %h = sigmoid(%g)
    %z = add(%r, %r)
    %o = reshape(%h) {shape=[2,16]}
    output %z, %o
  })",
                   diag);
  MemoryPlan plan(*g);
  plan.place();
  checkPlan(*g, plan);
  const MemoryPlan::ValueInfo *f = plan.info(valueNamed(*g, "f"));
  CHECK(f->storage == Storage::View);
  CHECK(f->slot == -1);
  CHECK(f->index == 0);
  CHECK(storageOf(plan, *g, "g") == Storage::Workspace);
  CHECK(storageOf(plan, *g, "r") == Storage::View);
  CHECK(plan.info(valueNamed(*g, "r"))->slot ==
        plan.info(valueNamed(*g, "g"))->slot);
  // g's slot is still read by z (through r) after h: no in place for h.
  CHECK(storageOf(plan, *g, "h") == Storage::Workspace);
  CHECK(storageOf(plan, *g, "o") == Storage::Output);
  CHECK(plan.bytesWithoutReuse() == 4 * 128);
  CHECK(plan.workspaceBytes() == 2 * 128);
}

TEST_CASE("memory plan: scratch overlaps only what is dead at its node") {
  DiagEngine diag;
  auto g = graphOf(R"(graph scratch {
    input %x : f32[1,4,4,4]
    %a = transpose(%x) {perm=[0,1,3,2]}
    %b = transpose(%a) {perm=[0,1,3,2]}
    %c = transpose(%b) {perm=[0,1,3,2]}
    %y = transpose(%c) {perm=[0,1,3,2]}
    output %y
  })",
                   diag);
  MemoryPlan plan(*g);
  const Node &third = *g->nodes()[2];
  std::vector<Scratch> scratch = {{plan.addScratch(third, 100), 2},
                                  {plan.addScratch(*g->nodes()[0], 1000), 0}};
  plan.place();
  checkPlan(*g, plan, scratch);
  // At node 2 (c) b and c are live: 2 x 256 + 128 (aligned 100). At node 0
  // only a: 256 + 1024. Before: 3 x 256 + 128 + 1024.
  CHECK(plan.workspaceBytes() == 1280);
  CHECK(plan.bytesWithoutReuse() == 768 + 128 + 1024);
}

TEST_CASE("memory plan: concat operands are written into their slabs") {
  // a and b (256 bytes each) go into c's slot at bytes 0 and 256; c's slot
  // lives from a's node on; the concat copies nothing. t then reads c and
  // runs in place over it (offset 0, its whole slot).
  DiagEngine diag;
  auto g = graphOf(R"(graph slabs {
    input %x : f32[1,4,4,4]
    %a = relu(%x)
    %b = sigmoid(%x)
    %c = concat(%a, %b) {axis=1}
    %t = tanh(%c)
    %y = add(%t, %t)
    output %y
  })",
                   diag);
  MemoryPlan plan(*g);
  plan.place();
  checkPlan(*g, plan);
  const Value *a = valueNamed(*g, "a"), *b = valueNamed(*g, "b"),
              *c = valueNamed(*g, "c");
  CHECK(storageOf(plan, *g, "a") == Storage::Slab);
  CHECK(storageOf(plan, *g, "b") == Storage::Slab);
  CHECK(storageOf(plan, *g, "c") == Storage::Workspace);
  CHECK(storageOf(plan, *g, "t") == Storage::InPlace);
  CHECK(plan.inSlabOf(a, c));
  CHECK(plan.inSlabOf(b, c));
  CHECK_FALSE(plan.inSlabOf(c, c));
  CHECK(plan.info(a)->slot == plan.info(c)->slot);
  CHECK(plan.offsetOf(a) == plan.offsetOf(c));
  CHECK(plan.offsetOf(b) == plan.offsetOf(c) + 256);
  const MemoryPlan::Slot &slot = plan.slots()[size_t(plan.info(c)->slot)];
  CHECK(slot.first == 0); // a's node
  CHECK(slot.bytes == 512);
  CHECK(plan.workspaceBytes() == 512);
  CHECK(plan.bytesWithoutReuse() == 256 + 256 + 512 + 512);
}

TEST_CASE("memory plan: concats that keep their copies") {
  // Each concat copies all its operands when one of them does not qualify:
  // batch 2 (slabs not contiguous), an operand read elsewhere too, an
  // operand twice, a graph input, a concat result that is a graph output,
  // an operand that is a view.
  DiagEngine diag;
  auto g = graphOf(R"(graph copies {
    input %x : f32[2,4,4,4]
    input %z : f32[1,4,4,4]
    %a = relu(%x)
    %b = sigmoid(%x)
    %c = concat(%a, %b) {axis=1}
    %d = relu(%z)
    %e = sigmoid(%z)
    %f = concat(%d, %e) {axis=1}
    %g = tanh(%e)
    %h = relu(%z)
    %i = concat(%h, %h) {axis=1}
    %j = relu(%z)
    %k = concat(%j, %z) {axis=1}
    %l = relu(%z)
    %m = sigmoid(%z)
    %n = concat(%l, %m) {axis=1}
    %o = relu(%z)
    %p = reshape(%o) {shape=[1,4,4,4]}
    %q = sigmoid(%z)
    %r = concat(%p, %q) {axis=1}
    %s = add(%c, %c)
    %t = add(%f, %f)
    %u = add(%i, %i)
    %v = add(%k, %k)
    %w = add(%r, %r)
    output %s, %t, %u, %v, %n, %g, %w
  })",
                   diag);
  MemoryPlan plan(*g);
  plan.place();
  checkPlan(*g, plan);
  for (const char *v :
       {"a", "b", "d", "e", "h", "j", "l", "m", "o", "p", "q"}) {
    CAPTURE(v);
    CHECK(storageOf(plan, *g, v) != Storage::Slab);
  }
}

TEST_CASE("memory plan: an inception module's branches fill the concat") {
  // Four branches of convs (GoogLeNet's shape, small) concatenated along
  // the channels, batch 1, plain and blocked: every branch result is a
  // slab, the oracle's overlap check holds.
  for (const char *layout : {"", "@nchw8c"}) {
    CAPTURE(layout);
    DiagEngine diag;
    // Every "@L" in the text is the layout of the case.
    std::string text = R"(graph inception {
      input %x : f32[1,8,6,6]
      %xb = relayout(%x) : f32[1,8,6,6]@L
      %w1 = const random(1) : f32[8,8,1,1]
      %w2 = const random(2) : f32[8,8,3,3]
      %w3 = const random(3) : f32[16,8,1,1]
      %b1 = conv(%xb, %w1) : f32[1,8,6,6]@L
      %b2a = conv(%xb, %w1) : f32[1,8,6,6]@L
      %b2 = conv(%b2a, %w2) {pads=[1,1,1,1]} : f32[1,8,6,6]@L
      %b3 = max_pool(%xb) {kernel=[3,3], stride=[1,1], pads=[1,1,1,1]}
          : f32[1,8,6,6]@L
      %b4 = conv(%xb, %w3) : f32[1,16,6,6]@L
      %cat = concat(%b1, %b2, %b3, %b4) {axis=1} : f32[1,40,6,6]@L
      %y = relayout(%cat) : f32[1,40,6,6]
      output %y
    })";
    for (size_t at = text.find("@L"); at != std::string::npos;
         at = text.find("@L", at))
      text.replace(at, 2, layout);
    auto g = graphOf(text, diag);
    MemoryPlan plan(*g);
    plan.place();
    checkPlan(*g, plan);
    const Value *cat = valueNamed(*g, "cat");
    int64_t at = 0;
    for (auto [v, ch] :
         {std::pair{"b1", 8}, {"b2", 8}, {"b3", 8}, {"b4", 16}}) {
      CAPTURE(v);
      CHECK(plan.inSlabOf(valueNamed(*g, v), cat));
      CHECK(plan.offsetOf(valueNamed(*g, v)) == plan.offsetOf(cat) + at);
      at += ch * 36 * 4;
    }
    CHECK(storageOf(plan, *g, "b2a") == Storage::Workspace);
  }
}

TEST_CASE("memory plan: samples pass the interval check") {
  for (const char *name : {"resnet18", "mobilenet_v2", "alexnet", "lenet5",
                           "volume3d", "signal1d"}) {
    CAPTURE(name);
    DiagEngine diag;
    std::string text;
    std::string path = std::string(CNNC_SAMPLES_DIR) + "/" + name + ".ir";
    REQUIRE(readFile(path, text, diag));
    std::unique_ptr<Graph> g = build(text, diag, path);
    REQUIRE(g);
    MemoryPlan plan(*g);
    // A scratch area at every third node, as lowerings ask for them.
    std::vector<Scratch> scratch;
    for (size_t i = 0; i < g->nodes().size(); i += 3)
      scratch.push_back(
          {plan.addScratch(*g->nodes()[i], int64_t(4096 + 64 * i)),
           int64_t(i)});
    plan.place();
    checkPlan(*g, plan, scratch);
    CHECK(plan.workspaceBytes() < plan.bytesWithoutReuse());
  }
}
