//===- ParserImpl.h - The IR parser's internals -----------------*- C++ -*-===//
//
// Private to Parser.cpp (graph and statements) and ParseNode.cpp (consts,
// ops, attributes). Users include ir/Parser.h.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_PARSERIMPL_H
#define CNNC_IR_PARSERIMPL_H

#include "ir/Graph.h"
#include "ir/Lexer.h"

#include <fmt/format.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace cnnc::detail {

/// "; did you mean '<prefix>name'?" for the closest of `names`, or "".
std::string suggest(std::string_view word,
                    const std::vector<std::string_view> &names,
                    std::string_view prefix = "");

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
  /// Parses `elem (',' elem)*`, possibly empty, through the closing token
  /// `close` (the opening one is already consumed). `closeText` and `what`
  /// make the message "expected ',' or ']' in the shape".
  template <typename Elem>
  bool parseList(Tok close, std::string_view closeText, std::string_view what,
                 Elem elem) {
    while (!is(close)) {
      if (!elem())
        return false;
      if (is(Tok::Comma))
        consume();
      else if (!is(close))
        return expected(fmt::format("',' or '{}' in {}", closeText, what));
    }
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

} // namespace cnnc::detail

#endif
