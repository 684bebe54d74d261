//===- Lexer.h - Tokens of the text IR --------------------------*- C++ -*-===//
#ifndef CNNC_IR_LEXER_H
#define CNNC_IR_LEXER_H

#include "ir/Diagnostics.h"

#include <string>
#include <string_view>

namespace cnnc {

enum class Tok {
  Eof,
  Ident,  // conv, f32, same_upper, inf
  Value,  // %conv1.w (text without the '%')
  Int,    // 42, -3
  Float,  // 0.5, 1e-05, -2.0
  String, // "lenet5.safetensors" (text unescaped)
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Equal,
  Colon,
  At,
  Error, // a bad character or literal; already reported
};

struct Token {
  Tok kind = Tok::Eof;
  std::string text;
  SourceLoc loc;
};

/// Splits IR text into tokens; `#` starts a comment to the end of the line.
class Lexer {
public:
  Lexer(std::string_view text, SourceLoc fileLoc, DiagEngine &diag)
      : Text(text), File(fileLoc), Diag(diag) {}
  Token next();
  /// Describes a token for "expected X, found Y" messages.
  static std::string describe(const Token &t);

private:
  SourceLoc here() const;
  char peek(size_t k = 0) const {
    return Pos + k < Text.size() ? Text[Pos + k] : '\0';
  }
  void advance();
  Token lexNumber(SourceLoc loc);
  Token lexString(SourceLoc loc);

  std::string_view Text;
  SourceLoc File;
  DiagEngine &Diag;
  size_t Pos = 0;
  uint32_t Line = 1, Col = 1;
};

} // namespace cnnc

#endif
