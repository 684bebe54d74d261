//===- ParseNode.cpp - Parsing consts, ops and attributes ------------------===//
#include "ir/ParserImpl.h"
#include "ir/Safetensors.h"

#include <cmath>

namespace cnnc::detail {

bool Parser::parseConst(const std::vector<Token> &results) {
  SourceLoc loc = Cur.loc;
  consume();
  if (results.size() != 1) {
    Diag.error(results[1].loc, "const defines one value, found {}",
               results.size());
    return false;
  }
  ConstSource src;
  if (isIdent("random")) {
    consume();
    RandomInit r;
    int64_t seed;
    if (!expect(Tok::LParen, "'(' after 'random'"))
      return false;
    SourceLoc seedLoc = Cur.loc;
    if (!parseInt(seed, "an integer seed"))
      return false;
    if (seed < 0) {
      Diag.error(seedLoc, "random seed must be non-negative, found {}", seed);
      return false;
    }
    r.seed = uint64_t(seed);
    if (is(Tok::Comma)) {
      consume();
      r.hasRange = true;
      if (!parseNumber(r.lo, "the low end of the range") ||
          !expect(Tok::Comma, "',' and the high end of the range") ||
          !parseNumber(r.hi, "the high end of the range"))
        return false;
      if (!std::isfinite(r.lo) || !std::isfinite(r.hi)) {
        Diag.error(seedLoc, "random range [{}, {}] must be finite",
                   floatText(r.lo), floatText(r.hi));
        return false;
      }
      if (!(r.lo <= r.hi)) {
        Diag.error(seedLoc, "random range [{}, {}] is empty", floatText(r.lo),
                   floatText(r.hi));
        return false;
      }
    }
    if (!expect(Tok::RParen, "')' to close 'random('"))
      return false;
    src = r;
  } else if (isIdent("file")) {
    consume();
    if (!expect(Tok::LParen, "'(' after 'file'"))
      return false;
    if (!is(Tok::String))
      return expected("a quoted tensor name");
    src = FileRef{Cur.text};
    consume();
    if (!expect(Tok::RParen, "')' to close 'file('"))
      return false;
  } else if (is(Tok::LBracket)) {
    consume();
    InlineData d;
    bool ok = parseList(Tok::RBracket, "]", "the literal", [&] {
      double v;
      if (!parseNumber(v, "a number"))
        return false;
      d.values.push_back(v);
      return true;
    });
    if (!ok)
      return false;
    src = std::move(d);
  } else {
    return expected("'random(seed)', 'file(\"name\")' or a literal '[...]' "
                    "after 'const'");
  }
  if (!expect(Tok::Colon, "':' and the constant's type"))
    return false;
  TensorType t;
  if (!parseType(t) || !defineName(results[0]))
    return false;
  Node *n = G->addNode(OpKind::Const, results[0].loc, {}, {results[0].text});
  n->setConstSource(std::move(src));
  n->result()->setType(t);
  Scope[results[0].text] = n->result();
  if (auto *d = std::get_if<InlineData>(&n->constSource());
      d && int64_t(d->values.size()) != t.numElements()) {
    Diag.error(loc, "const has {} values, expected {} for {}",
               d->values.size(), t.numElements(), t.str());
    return false;
  }
  return checkFileWeight(*n);
}

bool Parser::checkFileWeight(const Node &n) {
  auto *ref = std::get_if<FileRef>(&n.constSource());
  if (!ref)
    return true;
  const SafetensorsFile *f = G->weightsFile();
  if (!f) {
    Diag.error(n.loc(), "weight '{}' is read from a file, but the graph "
               "names no weights file (add 'weights \"FILE.safetensors\"')",
               ref->key);
    return false;
  }
  const SafetensorsFile::Entry *e = f->find(ref->key);
  if (!e) {
    std::vector<std::string_view> names;
    for (const auto &[k, _] : f->entries())
      names.push_back(k);
    Diag.error(n.loc(), "weight '{}' not found in '{}'{}", ref->key,
               G->weightsPath(), suggest(ref->key, names));
    return false;
  }
  const TensorType &t = n.result()->type();
  if (e->dtype != t.dtype || e->shape != t.shape) {
    Diag.error(n.loc(), "weight '{}' in '{}' is {}, expected {}", ref->key,
               G->weightsPath(), TensorType(e->dtype, e->shape).str(),
               t.str());
    return false;
  }
  return true;
}

bool Parser::parseOp(const std::vector<Token> &results) {
  Token opTok = Cur;
  consume();
  std::optional<OpKind> kind = lookupOp(opTok.text);
  if (!kind) {
    std::vector<std::string_view> names;
    for (const OpInfo &i : allOps())
      names.push_back(i.name);
    Diag.error(opTok.loc, "unknown op '{}'{}", opTok.text,
               suggest(opTok.text, names));
    return false;
  }
  if (!expect(Tok::LParen, fmt::format("'(' after '{}'", opTok.text)))
    return false;
  std::vector<Value *> operands;
  bool ok = parseList(Tok::RParen, ")", "the operand list", [&] {
    Value *v;
    if (!parseValueUse(v))
      return false;
    operands.push_back(v);
    return true;
  });
  if (!ok)
    return false;
  for (const Token &r : results)
    if (!defineName(r))
      return false;
  std::vector<std::string> names;
  for (const Token &r : results)
    names.push_back(r.text);
  // The node's location is its op name: that is where its errors point.
  Node *n = G->addNode(*kind, opTok.loc, std::move(operands), std::move(names));
  for (unsigned i = 0; i < results.size(); ++i)
    Scope[results[i].text] = n->result(i);
  if (is(Tok::LBrace)) {
    consume();
    if (!parseList(Tok::RBrace, "}", "the attribute list",
                   [&] { return parseAttr(*n); }))
      return false;
  }
  return parseResultTypes(*n);
}

bool Parser::parseAttr(Node &node) {
  if (!is(Tok::Ident))
    return expected("an attribute name");
  Token name = Cur;
  const OpInfo &info = node.info();
  const AttrSpec *spec = info.attr(name.text);
  if (!spec) {
    std::vector<std::string_view> names;
    std::string all;
    for (const AttrSpec &a : info.attrs) {
      names.push_back(a.name);
      all += (all.empty() ? "" : ", ") + std::string(a.name);
    }
    Diag.error(name.loc, "{} has no attribute '{}'{}{}", info.name, name.text,
               suggest(name.text, names),
               all.empty() ? fmt::format(" ({} takes no attributes)", info.name)
                           : fmt::format(" (attributes: {})", all));
    return false;
  }
  if (node.hasAttr(name.text)) {
    Diag.error(name.loc, "attribute '{}' is given twice", name.text);
    return false;
  }
  consume();
  if (!expect(Tok::Equal, fmt::format("'=' after '{}'", name.text)))
    return false;
  Token valTok = Cur;
  auto wrongKind = [&]() {
    Diag.error(valTok.loc, "attribute '{}' of {} expects {}, found {}",
               name.text, info.name, attrKindName(spec->kind),
               Lexer::describe(valTok));
    return false;
  };
  switch (spec->kind) {
  case AttrKind::Int: {
    if (!is(Tok::Int))
      return wrongKind();
    int64_t v;
    if (!parseInt(v, "an integer"))
      return false;
    node.setAttr(name.text, v);
    return true;
  }
  case AttrKind::Float: {
    double v;
    if (!(is(Tok::Int) || is(Tok::Float) ||
          (is(Tok::Ident) && (Cur.text == "inf" || Cur.text == "nan"))))
      return wrongKind();
    if (!parseNumber(v, "a number"))
      return false;
    node.setAttr(name.text, v);
    return true;
  }
  case AttrKind::Enum:
    if (!is(Tok::Ident))
      return wrongKind();
    if (!spec->allowsChoice(Cur.text)) {
      Diag.error(Cur.loc, "attribute '{}' of {} expects one of {}, found '{}'",
                 name.text, info.name, spec->defaultText, Cur.text);
      return false;
    }
    node.setAttr(name.text, Cur.text);
    consume();
    return true;
  case AttrKind::Ints:
  case AttrKind::Floats: {
    if (!is(Tok::LBracket))
      return wrongKind();
    consume();
    std::vector<int64_t> ints;
    std::vector<double> floats;
    bool ok = parseList(Tok::RBracket, "]", "the list", [&] {
      if (spec->kind == AttrKind::Floats) {
        double v;
        if (!parseNumber(v, "a number"))
          return false;
        floats.push_back(v);
        return true;
      }
      if (!is(Tok::Int)) {
        valTok = Cur;
        return wrongKind();
      }
      int64_t v;
      if (!parseInt(v, "an integer"))
        return false;
      ints.push_back(v);
      return true;
    });
    if (!ok)
      return false;
    if (spec->kind == AttrKind::Ints)
      node.setAttr(name.text, std::move(ints));
    else
      node.setAttr(name.text, std::move(floats));
    return true;
  }
  }
  return false;
}

bool Parser::parseResultTypes(Node &node) {
  if (!is(Tok::Colon))
    return true;
  consume();
  for (unsigned i = 0; i < node.numResults(); ++i) {
    if (i && !expect(Tok::Comma, "',' and the next result's type"))
      return false;
    TensorType t;
    if (!parseType(t))
      return false;
    node.result(i)->setType(t);
  }
  if (is(Tok::Comma)) {
    Diag.error(Cur.loc, "more result types than the {} result{} of '{}'",
               node.numResults(), node.numResults() == 1 ? "" : "s",
               node.info().name);
    return false;
  }
  return true;
}

} // namespace cnnc::detail
