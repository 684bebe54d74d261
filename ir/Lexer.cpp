//===- Lexer.cpp ----------------------------------------------------------===//
#include "ir/Lexer.h"

#include <cctype>

namespace cnnc {

namespace {
bool isIdentStart(char c) { return std::isalpha(uint8_t(c)) || c == '_'; }
bool isIdentChar(char c) { return std::isalnum(uint8_t(c)) || c == '_'; }
bool isValueChar(char c) { return isIdentChar(c) || c == '.'; }
} // namespace

SourceLoc Lexer::here() const { return SourceLoc{File.file, Line, Col}; }

void Lexer::advance() {
  if (Text[Pos] == '\n') {
    ++Line;
    Col = 1;
  } else {
    ++Col;
  }
  ++Pos;
}

std::string Lexer::describe(const Token &t) {
  switch (t.kind) {
  case Tok::Eof:
    return "end of file";
  case Tok::Ident:
    return "'" + t.text + "'";
  case Tok::Value:
    return "'%" + t.text + "'";
  case Tok::Int:
  case Tok::Float:
    return "number " + t.text;
  case Tok::String:
    return "string \"" + t.text + "\"";
  case Tok::Error:
    return "invalid token";
  default:
    return "'" + t.text + "'";
  }
}

Token Lexer::next() {
  // Skip blanks and comments.
  while (Pos < Text.size()) {
    char c = Text[Pos];
    if (c == '#') {
      while (Pos < Text.size() && Text[Pos] != '\n')
        advance();
    } else if (std::isspace(uint8_t(c))) {
      advance();
    } else {
      break;
    }
  }
  SourceLoc loc = here();
  if (Pos >= Text.size())
    return Token{Tok::Eof, "", loc};
  char c = Text[Pos];
  auto single = [&](Tok k) {
    advance();
    return Token{k, std::string(1, c), loc};
  };
  switch (c) {
  case '{':
    return single(Tok::LBrace);
  case '}':
    return single(Tok::RBrace);
  case '(':
    return single(Tok::LParen);
  case ')':
    return single(Tok::RParen);
  case '[':
    return single(Tok::LBracket);
  case ']':
    return single(Tok::RBracket);
  case ',':
    return single(Tok::Comma);
  case '=':
    return single(Tok::Equal);
  case ':':
    return single(Tok::Colon);
  case '@':
    return single(Tok::At);
  case '"':
    return lexString(loc);
  default:
    break;
  }
  if (c == '%') {
    advance();
    size_t start = Pos;
    while (Pos < Text.size() && isValueChar(Text[Pos]))
      advance();
    if (Pos == start) {
      Diag.error(loc, "expected a value name after '%'");
      return Token{Tok::Error, "%", loc};
    }
    return Token{Tok::Value, std::string(Text.substr(start, Pos - start)), loc};
  }
  if (std::isdigit(uint8_t(c)) ||
      ((c == '-' || c == '+') &&
       (std::isdigit(uint8_t(peek(1))) || peek(1) == '.' || peek(1) == 'i')))
    return lexNumber(loc);
  if (isIdentStart(c)) {
    size_t start = Pos;
    while (Pos < Text.size() && isIdentChar(Text[Pos]))
      advance();
    return Token{Tok::Ident, std::string(Text.substr(start, Pos - start)), loc};
  }
  Diag.error(loc, "unexpected character '{}'",
             std::isprint(uint8_t(c)) ? std::string(1, c)
                                      : fmt::format("\\x{:02x}", uint8_t(c)));
  advance();
  return Token{Tok::Error, std::string(1, c), loc};
}

Token Lexer::lexNumber(SourceLoc loc) {
  size_t start = Pos;
  bool isFloat = false;
  if (peek() == '-' || peek() == '+')
    advance();
  if (Text.substr(Pos, 3) == "inf") { // -inf, +inf
    for (int i = 0; i < 3; ++i)
      advance();
    return Token{Tok::Float, std::string(Text.substr(start, Pos - start)), loc};
  }
  while (std::isdigit(uint8_t(peek())))
    advance();
  if (peek() == '.') {
    isFloat = true;
    advance();
    while (std::isdigit(uint8_t(peek())))
      advance();
  }
  if (peek() == 'e' || peek() == 'E') {
    size_t k = 1;
    if (peek(1) == '-' || peek(1) == '+')
      k = 2;
    if (std::isdigit(uint8_t(peek(k)))) {
      isFloat = true;
      for (size_t i = 0; i < k; ++i)
        advance();
      while (std::isdigit(uint8_t(peek())))
        advance();
    }
  }
  if (isIdentChar(peek())) {
    while (isIdentChar(peek()))
      advance();
    Diag.error(loc, "malformed number '{}'", Text.substr(start, Pos - start));
    return Token{Tok::Error, std::string(Text.substr(start, Pos - start)), loc};
  }
  return Token{isFloat ? Tok::Float : Tok::Int,
               std::string(Text.substr(start, Pos - start)), loc};
}

Token Lexer::lexString(SourceLoc loc) {
  advance(); // opening quote
  std::string s;
  while (true) {
    if (Pos >= Text.size() || peek() == '\n') {
      Diag.error(loc, "unterminated string");
      return Token{Tok::Error, s, loc};
    }
    char c = peek();
    advance();
    if (c == '"')
      break;
    if (c == '\\' && Pos < Text.size()) {
      c = peek();
      advance();
    }
    s += c;
  }
  return Token{Tok::String, s, loc};
}

} // namespace cnnc
