//===- Parser.cpp - Recursive-descent parser for the text IR --------------===//
#include "ir/Parser.h"
#include "ir/Lexer.h"
#include "ir/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace cnnc {

namespace {

/// Edit distance, for "did you mean" suggestions.
size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

template <typename Names>
std::string suggest(std::string_view word, const Names &names,
                    std::string_view prefix = "") {
  std::string_view best;
  size_t bestD = 3; // only close matches
  for (std::string_view n : names) {
    size_t d = editDistance(word, n);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best.empty() ? ""
                      : fmt::format("; did you mean '{}{}'?", prefix, best);
}

class Parser {
public:
  Parser(std::string_view text, std::string_view fileName, DiagEngine &diag)
      : Diag(diag), FileName(fileName), Lex(text, diag.fileLoc(fileName), diag) {
    consume();
  }

  std::unique_ptr<Graph> parse();

private:
  void consume() { Cur = Lex.next(); }
  bool is(Tok k) const { return Cur.kind == k; }
  bool isIdent(std::string_view s) const {
    return Cur.kind == Tok::Ident && Cur.text == s;
  }
  /// Reports "expected X, found Y" at the current token; returns false.
  bool expected(std::string_view what) {
    if (Cur.kind != Tok::Error) // the lexer already reported it
      Diag.error(Cur.loc, "expected {}, found {}", what, Lexer::describe(Cur));
    return false;
  }
  bool expect(Tok k, std::string_view what) {
    if (!is(k))
      return expected(what);
    consume();
    return true;
  }

  bool parseStatement();
  bool parseWeights();
  bool parseInput();
  bool parseOutput();
  bool parseNode();
  bool parseConst(const std::vector<Token> &results);
  bool parseOp(const std::vector<Token> &results);
  bool parseAttr(Node &node);
  bool parseType(TensorType &t);
  bool parseInt(int64_t &v, std::string_view what);
  bool parseNumber(double &v, std::string_view what);
  bool parseValueUse(Value *&v);
  bool parseResultTypes(Node &node);
  bool defineName(const Token &t);
  bool checkFileWeight(const Node &n);

  DiagEngine &Diag;
  std::string FileName;
  Lexer Lex;
  Token Cur;
  std::unique_ptr<Graph> G;
  std::unordered_map<std::string, Value *> Scope;
  std::unordered_map<std::string, SourceLoc> Defined;
  bool SawOutput = false;
};

std::unique_ptr<Graph> Parser::parse() {
  if (!isIdent("graph")) {
    expected("'graph'");
    return nullptr;
  }
  G = std::make_unique<Graph>();
  G->setLoc(Cur.loc);
  consume();
  if (!is(Tok::Ident)) {
    expected("a graph name");
    return nullptr;
  }
  G->setName(Cur.text);
  consume();
  if (!expect(Tok::LBrace, "'{' after the graph name"))
    return nullptr;
  while (!is(Tok::RBrace)) {
    if (is(Tok::Eof)) {
      expected("'}' to close the graph");
      return nullptr;
    }
    if (!parseStatement())
      return nullptr;
  }
  SourceLoc closeLoc = Cur.loc;
  consume();
  if (!is(Tok::Eof)) {
    expected("end of file after the graph");
    return nullptr;
  }
  if (!SawOutput) {
    Diag.error(closeLoc, "graph '{}' has no 'output' statement", G->name());
    return nullptr;
  }
  return Diag.hasErrors() ? nullptr : std::move(G);
}

bool Parser::parseStatement() {
  if (isIdent("weights"))
    return parseWeights();
  if (isIdent("input"))
    return parseInput();
  if (isIdent("output"))
    return parseOutput();
  if (is(Tok::Value))
    return parseNode();
  return expected("'input', 'output', 'weights' or a value definition");
}

bool Parser::parseWeights() {
  SourceLoc loc = Cur.loc;
  consume();
  if (!is(Tok::String))
    return expected("a quoted weights file name");
  if (!G->weightsPath().empty()) {
    Diag.error(loc, "the graph already has a weights file '{}'",
               G->weightsPath());
    return false;
  }
  if (!G->nodes().empty()) {
    Diag.error(loc, "'weights' must come before the first node");
    return false;
  }
  std::string written = Cur.text;
  std::filesystem::path p(written);
  if (p.is_relative())
    p = std::filesystem::path(FileName).parent_path() / p;
  consume();
  auto file = SafetensorsFile::open(p.string(), Diag, loc);
  if (!file)
    return false;
  G->setWeightsFile(written, std::move(file));
  return true;
}

bool Parser::defineName(const Token &t) {
  auto it = Defined.find(t.text);
  if (it != Defined.end()) {
    Diag.error(t.loc, "redefinition of value '%{}'", t.text);
    Diag.note(it->second, "previous definition of '%{}' is here", t.text);
    return false;
  }
  Defined[t.text] = t.loc;
  return true;
}

bool Parser::parseInput() {
  consume();
  if (!is(Tok::Value))
    return expected("an input value name");
  Token name = Cur;
  consume();
  if (!expect(Tok::Colon, "':' and the input's type"))
    return false;
  TensorType t;
  if (!parseType(t) || !defineName(name))
    return false;
  Scope[name.text] = G->addInput(name.text, t, name.loc);
  return true;
}

bool Parser::parseOutput() {
  SourceLoc loc = Cur.loc;
  consume();
  if (SawOutput) {
    Diag.error(loc, "the graph already has an 'output' statement");
    return false;
  }
  SawOutput = true;
  while (true) {
    Value *v;
    if (!parseValueUse(v))
      return false;
    G->addOutput(v);
    if (!is(Tok::Comma))
      return true;
    consume();
  }
}

bool Parser::parseValueUse(Value *&v) {
  if (!is(Tok::Value))
    return expected("a value name");
  auto it = Scope.find(Cur.text);
  if (it == Scope.end()) {
    std::vector<std::string_view> names;
    for (const auto &[k, _] : Scope)
      names.push_back(k);
    Diag.error(Cur.loc, "use of undefined value '%{}'{}", Cur.text,
               suggest(Cur.text, names, "%"));
    return false;
  }
  v = it->second;
  consume();
  return true;
}

bool Parser::parseNode() {
  std::vector<Token> results;
  while (true) {
    if (!is(Tok::Value))
      return expected("a result value name");
    results.push_back(Cur);
    consume();
    if (!is(Tok::Comma))
      break;
    consume();
  }
  if (!expect(Tok::Equal, "'=' after the result names"))
    return false;
  if (!is(Tok::Ident))
    return expected("an op name");
  if (Cur.text == "const")
    return parseConst(results);
  return parseOp(results);
}

bool Parser::parseInt(int64_t &v, std::string_view what) {
  if (!is(Tok::Int))
    return expected(what);
  std::optional<int64_t> i = parseIntText(Cur.text);
  if (!i) {
    Diag.error(Cur.loc, "integer {} is out of range", Cur.text);
    return false;
  }
  v = *i;
  consume();
  return true;
}

bool Parser::parseNumber(double &v, std::string_view what) {
  std::optional<double> d;
  if (is(Tok::Int) || is(Tok::Float) ||
      (is(Tok::Ident) && (Cur.text == "inf" || Cur.text == "nan")))
    d = parseFloatText(Cur.text);
  if (!d)
    return expected(what);
  v = *d;
  consume();
  return true;
}

bool Parser::parseType(TensorType &t) {
  if (!is(Tok::Ident))
    return expected("a tensor type such as f32[1,3,224,224]");
  std::optional<DType> dt = parseDTypeName(Cur.text);
  if (!dt) {
    Diag.error(Cur.loc, "unknown element type '{}'; expected one of f32, f16, "
               "bf16, f64, i8, u8, i32, i64, bool", Cur.text);
    return false;
  }
  SourceLoc loc = Cur.loc;
  consume();
  if (!expect(Tok::LBracket, "'[' to start the shape"))
    return false;
  Shape shape;
  while (!is(Tok::RBracket)) {
    SourceLoc dimLoc = Cur.loc;
    int64_t d;
    if (!parseInt(d, "a dimension"))
      return false;
    if (d < 0) {
      Diag.error(dimLoc, "dimension must be non-negative, found {}", d);
      return false;
    }
    shape.push_back(d);
    if (is(Tok::Comma))
      consume();
    else if (!is(Tok::RBracket))
      return expected("',' or ']' in the shape");
  }
  consume();
  if (!checkedNumElements(shape)) {
    Diag.error(loc, "tensor type {} has more than 2^40 elements",
               TensorType(*dt, shape).str());
    return false;
  }
  t = TensorType(*dt, std::move(shape));
  return true;
}

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
    while (!is(Tok::RBracket)) {
      double v;
      if (!parseNumber(v, "a number"))
        return false;
      d.values.push_back(v);
      if (is(Tok::Comma))
        consume();
      else if (!is(Tok::RBracket))
        return expected("',' or ']' in the literal");
    }
    consume();
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
  while (!is(Tok::RParen)) {
    Value *v;
    if (!parseValueUse(v))
      return false;
    operands.push_back(v);
    if (is(Tok::Comma))
      consume();
    else if (!is(Tok::RParen))
      return expected("',' or ')' in the operand list");
  }
  consume();
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
    while (!is(Tok::RBrace)) {
      if (!parseAttr(*n))
        return false;
      if (is(Tok::Comma))
        consume();
      else if (!is(Tok::RBrace))
        return expected("',' or '}' in the attribute list");
    }
    consume();
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
    while (!is(Tok::RBracket)) {
      if (spec->kind == AttrKind::Ints) {
        if (!is(Tok::Int)) {
          valTok = Cur;
          return wrongKind();
        }
        int64_t v;
        if (!parseInt(v, "an integer"))
          return false;
        ints.push_back(v);
      } else {
        double v;
        if (!parseNumber(v, "a number"))
          return false;
        floats.push_back(v);
      }
      if (is(Tok::Comma))
        consume();
      else if (!is(Tok::RBracket))
        return expected("',' or ']' in the list");
    }
    consume();
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

} // namespace

bool readFile(const std::string &path, std::string &out, DiagEngine &diag) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diag.error(SourceLoc{}, "'{}' is a directory, expected a file", path);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.error(SourceLoc{}, "cannot open '{}'", path);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::unique_ptr<Graph> parseGraph(std::string_view text,
                                  std::string_view fileName, DiagEngine &diag) {
  if (text.find('\0') != std::string_view::npos) {
    diag.error(diag.fileLoc(fileName), "file contains a NUL byte; expected "
               "IR text");
    return nullptr;
  }
  return Parser(text, fileName, diag).parse();
}

std::unique_ptr<Graph> parseGraphFile(const std::string &path,
                                      DiagEngine &diag) {
  std::string text;
  if (!readFile(path, text, diag))
    return nullptr;
  return parseGraph(text, path, diag);
}

} // namespace cnnc
