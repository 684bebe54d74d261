//===- Parser.cpp - Recursive-descent parser for the text IR --------------===//
#include "ir/Parser.h"
#include "ir/ParserImpl.h"
#include "ir/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace cnnc {

namespace detail {

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
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

} // namespace

std::string suggest(std::string_view word,
                    const std::vector<std::string_view> &names,
                    std::string_view prefix) {
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
    Diag.error(Cur.loc,
               "unknown element type '{}'; expected one of f32, f16, "
               "bf16, f64, i8, u8, i32, i64, bool",
               Cur.text);
    return false;
  }
  SourceLoc loc = Cur.loc;
  consume();
  if (!expect(Tok::LBracket, "'[' to start the shape"))
    return false;
  Shape shape;
  bool ok = parseList(Tok::RBracket, "]", "the shape", [&] {
    SourceLoc dimLoc = Cur.loc;
    int64_t d;
    if (!parseInt(d, "a dimension"))
      return false;
    if (d < 0) {
      Diag.error(dimLoc, "dimension must be non-negative, found {}", d);
      return false;
    }
    shape.push_back(d);
    return true;
  });
  if (!ok)
    return false;
  if (!checkedNumElements(shape)) {
    Diag.error(loc, "tensor type {} has more than 2^40 elements",
               TensorType(*dt, shape).str());
    return false;
  }
  t = TensorType(*dt, std::move(shape));
  if (!is(Tok::At))
    return true;
  consume();
  if (!is(Tok::Ident))
    return expected("a layout such as nchw8c after '@'");
  std::optional<int64_t> block = parseLayoutName(Cur.text, t.rank());
  if (!block) {
    Diag.error(Cur.loc,
               "'{}' is no layout of a rank-{} tensor; expected {} "
               "or {}",
               Cur.text, t.rank(), layoutName(t.rank(), 0),
               layoutName(t.rank(), 8));
    return false;
  }
  if (*block && t.shape[1] % *block != 0) {
    Diag.error(Cur.loc,
               "layout {} needs channels (axis 1) a multiple of "
               "{}, found {}",
               Cur.text, *block, t.shape[1]);
    return false;
  }
  t.block = *block;
  consume();
  return true;
}

} // namespace detail

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
  return detail::Parser(text, fileName, diag).parse();
}

std::unique_ptr<Graph> parseGraphFile(const std::string &path,
                                      DiagEngine &diag) {
  std::string text;
  if (!readFile(path, text, diag))
    return nullptr;
  return parseGraph(text, path, diag);
}

} // namespace cnnc
