//===- Epilogue.cpp - The epilogue of a fused conv or gemm ----------------===//
#include "ir/Epilogue.h"

#include <fmt/format.h>

namespace cnnc {

namespace {

/// The choices of an enum attribute, in order.
std::vector<std::string_view> enumChoices(const AttrSpec &a) {
  std::vector<std::string_view> out;
  std::string_view s = a.defaultText;
  while (true) {
    size_t bar = s.find('|');
    out.push_back(s.substr(0, bar));
    if (bar == std::string_view::npos)
      return out;
    s.remove_prefix(bar + 1);
  }
}

/// Scalar attributes of `kind` (lists cannot be args).
std::vector<const AttrSpec *> argSpecs(OpKind kind) {
  std::vector<const AttrSpec *> out;
  for (const AttrSpec &a : opInfo(kind).attrs)
    out.push_back(&a);
  return out;
}

bool readAct(const Node &n, std::string_view slot,
             std::optional<EpilogueAct> &out, std::string &error) {
  const std::string &name = n.getEnum(slot);
  std::string argsName = std::string(slot) + "_args";
  const std::vector<double> &args = n.getFloats(argsName);
  if (name == "none") {
    if (!args.empty()) {
      error = fmt::format("'{}' is given but '{}' is none", argsName, slot);
      return false;
    }
    return true;
  }
  std::optional<OpKind> kind = lookupOp(name);
  if (!kind || !isEpilogueActivation(*kind)) {
    error = fmt::format("'{}' names '{}', which is no epilogue activation",
                        slot, name);
    return false;
  }
  std::vector<const AttrSpec *> specs = argSpecs(*kind);
  if (args.size() > specs.size()) {
    error = fmt::format("'{}' has {} value{} but {} has {} attribute{}",
                        argsName, args.size(), args.size() == 1 ? "" : "s",
                        name, specs.size(), specs.size() == 1 ? "" : "s");
    return false;
  }
  auto node = std::make_shared<Node>(*kind, n.loc());
  for (size_t i = 0; i < args.size(); ++i) {
    const AttrSpec &a = *specs[i];
    double v = args[i];
    switch (a.kind) {
    case AttrKind::Float:
      node->setAttr(a.name, v);
      break;
    case AttrKind::Int:
      if (v != double(int64_t(v))) {
        error = fmt::format("'{}' value {} for {}'s integer attribute '{}' is "
                            "not an integer",
                            argsName, floatText(v), name, a.name);
        return false;
      }
      node->setAttr(a.name, int64_t(v));
      break;
    case AttrKind::Enum: {
      std::vector<std::string_view> choices = enumChoices(a);
      if (v != double(int64_t(v)) || v < 0 || v >= double(choices.size())) {
        error = fmt::format("'{}' value {} is no choice index of {}'s '{}' "
                            "(0 to {})",
                            argsName, floatText(v), name, a.name,
                            choices.size() - 1);
        return false;
      }
      node->setAttr(a.name, std::string(choices[size_t(v)]));
      break;
    }
    default:
      error = fmt::format("{}'s list attribute '{}' cannot be an epilogue arg",
                          name, a.name);
      return false;
    }
  }
  out = EpilogueAct{std::move(node)};
  return true;
}

/// The arg of attribute `a` of `act` (its value, or its default).
double argOf(const Node &act, const AttrSpec &a) {
  switch (a.kind) {
  case AttrKind::Float:
    return act.getFloat(a.name);
  case AttrKind::Int:
    return double(act.getInt(a.name));
  case AttrKind::Enum: {
    std::vector<std::string_view> choices = enumChoices(a);
    const std::string &v = act.getEnum(a.name);
    for (size_t i = 0; i < choices.size(); ++i)
      if (choices[i] == v)
        return double(i);
    return 0;
  }
  default:
    return 0;
  }
}

std::string actStr(const EpilogueAct &a) {
  std::string s(opName(a.kind()));
  std::string attrs;
  for (const auto &[name, value] : a.node->attrs())
    attrs += (attrs.empty() ? "" : ", ") + name + "=" + attrValueStr(value);
  return attrs.empty() ? s : s + "{" + attrs + "}";
}

} // namespace

bool isEpilogueActivation(OpKind kind) {
  const OpInfo &info = opInfo(kind);
  return info.has(kElementwise) && info.has(kEpilogue);
}

unsigned residualOperandIndex(OpKind kind) {
  const OpInfo &info = opInfo(kind);
  for (unsigned i = 0; i < info.operands.size(); ++i)
    if (info.operands[i].name == "res")
      return i;
  return ~0u;
}

bool readEpilogue(const Node &n, Epilogue &e, std::string &error) {
  e = Epilogue{};
  if (!n.info().has(kFusable))
    return true;
  if (!readAct(n, "act", e.act, error) ||
      !readAct(n, "res_act", e.resAct, error))
    return false;
  unsigned ri = residualOperandIndex(n.kind());
  e.res = ri < n.numOperands() ? n.operand(ri) : nullptr;
  if (e.resAct && !e.res) {
    error = "'res_act' needs the residual operand 'res'";
    return false;
  }
  return true;
}

Epilogue epilogueOf(const Node &n) {
  Epilogue e;
  std::string error;
  [[maybe_unused]] bool ok = readEpilogue(n, e, error);
  return e;
}

bool epilogueSlotFree(const Node &n, std::string_view slot) {
  return n.info().has(kFusable) && n.getEnum(slot) == "none";
}

void setEpilogueAct(Node &fused, std::string_view slot, const Node &act) {
  fused.setAttr(slot, std::string(act.info().name));
  std::vector<const AttrSpec *> specs = argSpecs(act.kind());
  std::vector<double> args;
  for (const AttrSpec *a : specs)
    args.push_back(argOf(act, *a));
  // Drop trailing args that equal their defaults.
  while (!args.empty()) {
    const AttrSpec &a = *specs[args.size() - 1];
    if (act.hasAttr(a.name) && argOf(act, a) != argOf(Node(act.kind(), {}), a))
      break;
    args.pop_back();
  }
  std::string argsName = std::string(slot) + "_args";
  if (args.empty())
    fused.removeAttr(argsName);
  else
    fused.setAttr(argsName, args);
}

std::string epilogueStr(const Node &n) {
  Epilogue e = epilogueOf(n);
  std::string s;
  if (e.act)
    s += actStr(*e.act);
  if (e.res)
    s += "+res";
  if (e.resAct)
    s += "," + actStr(*e.resAct);
  return s;
}

} // namespace cnnc
