// Recursive-descent parser for kernel strings (grammar in kernel_parser.hpp). Each kernel name is
// registered once in kFactories with its factory; adding a kernel is one file and one line here.
#include "kernel_parser.hpp"

#include "constant_kernel.hpp"
#include "dot_product_kernel.hpp"
#include "kernel_args.hpp"
#include "matern_kernel.hpp"
#include "product_kernel.hpp"
#include "rbf_kernel.hpp"
#include "sum_kernel.hpp"
#include "white_kernel.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <utility>
#include <vector>

namespace quante::opt {

namespace {

using Factory = KernelOrArgError (*)(const std::vector<KernelArg>&, std::size_t);

struct Registration {
  std::string_view name;
  Factory factory;
};

constexpr std::array<Registration, 6> kFactories{{
    {"Matern", &MaternKernel::from_args},
    {"RBF", &RbfKernel::from_args},
    {"DotProduct", &DotProductKernel::from_args},
    {"ConstantKernel", &ConstantKernel::from_args},
    {"C", &ConstantKernel::from_args},
    {"WhiteKernel", &WhiteKernel::from_args},
}};

// Kernel strings come from users: bound the recursion of the parser and of the tree.
constexpr int kMaxDepth = 64;
constexpr int kMaxKernels = 64;

enum class Tok { Name, Number, String, LParen, RParen, LBracket, RBracket, Comma, Equals, Plus, Star, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;
  std::size_t position = 0;
  double number = 0.0;
};

struct Failure {
  ParseError error;
};

ParseError make_error(std::string what, std::size_t position, std::string token) {
  std::string message = std::move(what) + " at position " + std::to_string(position);
  return ParseError{std::move(message), position, std::move(token)};
}

std::string describe(const Token& t) {
  return t.kind == Tok::End ? std::string("end of string") : "'" + t.text + "'";
}

// Splits the text into tokens, or fails on a character that starts none.
std::variant<std::vector<Token>, ParseError> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    Token t;
    t.position = i;
    if (std::isalpha(c) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      t.kind = Tok::Name;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (std::isdigit(c) || c == '.' || c == '-' || c == '+') {
      // A leading '+' or '-' is a sign only where an argument value starts (after '=', '[', ',',
      // or the '(' of a call or a pair); anywhere else '+' is the sum operator.
      const bool sign = (c == '-' || c == '+');
      const bool value_position =
          !out.empty() && (out.back().kind == Tok::Equals || out.back().kind == Tok::LBracket ||
                           out.back().kind == Tok::Comma ||
                           (out.back().kind == Tok::LParen && out.size() >= 2 &&
                            (out[out.size() - 2].kind == Tok::Name ||
                             out[out.size() - 2].kind == Tok::Equals)));
      if (sign && !value_position) {
        if (c == '+') {
          t.kind = Tok::Plus;
          t.text = "+";
          ++i;
          out.push_back(t);
          continue;
        }
        return make_error("unexpected '-'", i, "-");
      }
      const std::string rest(s.substr(i));
      errno = 0;
      char* end = nullptr;
      const double v = std::strtod(rest.c_str(), &end);
      const std::size_t len = static_cast<std::size_t>(end - rest.c_str());
      if (len == 0 || errno == ERANGE) {
        return make_error("malformed number", i, std::string(1, static_cast<char>(c)));
      }
      t.kind = Tok::Number;
      t.number = v;
      t.text = rest.substr(0, len);
      i += len;
    } else if (c == '"' || c == '\'') {
      const std::size_t close = s.find(static_cast<char>(c), i + 1);
      if (close == std::string_view::npos) {
        return make_error("unterminated string", i, std::string(s.substr(i)));
      }
      t.kind = Tok::String;
      t.text = std::string(s.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      switch (c) {
        case '(': t.kind = Tok::LParen; break;
        case ')': t.kind = Tok::RParen; break;
        case '[': t.kind = Tok::LBracket; break;
        case ']': t.kind = Tok::RBracket; break;
        case ',': t.kind = Tok::Comma; break;
        case '=': t.kind = Tok::Equals; break;
        case '*':
          if (i + 1 < s.size() && s[i + 1] == '*') {
            return make_error("exponentiation '**' is not supported", i, "**");
          }
          t.kind = Tok::Star;
          break;
        default:
          return make_error("unexpected character '" + std::string(1, static_cast<char>(c)) + "'",
                            i, std::string(1, static_cast<char>(c)));
      }
      t.text = std::string(1, static_cast<char>(c));
      ++i;
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = Tok::End;
  end.position = s.size();
  out.push_back(end);
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  std::unique_ptr<Kernel> parse_all() {
    if (peek().kind == Tok::End) fail(make_error("empty kernel string", 0, ""));
    auto k = expr(0);
    if (peek().kind == Tok::RParen) {
      fail(make_error("unbalanced parentheses: unexpected ')'", peek().position, ")"));
    }
    if (peek().kind != Tok::End) {
      fail(make_error("expected '+', '*' or the end, found " + describe(peek()), peek().position,
                      peek().text));
    }
    return k;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  [[noreturn]] static void fail(ParseError e) { throw Failure{std::move(e)}; }

  std::unique_ptr<Kernel> expr(int depth) {
    auto k = term(depth);
    while (peek().kind == Tok::Plus) {
      next();
      k = std::make_unique<SumKernel>(std::move(k), term(depth));
    }
    return k;
  }

  std::unique_ptr<Kernel> term(int depth) {
    auto k = factor(depth);
    while (peek().kind == Tok::Star) {
      next();
      k = std::make_unique<ProductKernel>(std::move(k), factor(depth));
    }
    return k;
  }

  std::unique_ptr<Kernel> factor(int depth) {
    if (depth > kMaxDepth) fail(make_error("kernel nested too deeply", peek().position, peek().text));
    const Token t = next();
    if ((t.kind == Tok::Name || t.kind == Tok::Number) && ++kernels_ > kMaxKernels) {
      fail(make_error("more than " + std::to_string(kMaxKernels) + " kernels", t.position, t.text));
    }
    switch (t.kind) {
      case Tok::LParen: {
        auto k = expr(depth + 1);
        if (peek().kind != Tok::RParen) {
          fail(make_error("unbalanced parentheses: '(' at position " + std::to_string(t.position) +
                              " is not closed, found " + describe(peek()),
                          peek().position, peek().text));
        }
        next();
        return k;
      }
      case Tok::Number: {
        if (!(t.number > 0.0)) fail(make_error("a constant factor must be positive", t.position, t.text));
        return std::make_unique<ConstantKernel>(t.number);
      }
      case Tok::Name:
        return call(t);
      case Tok::RParen:
        fail(make_error("unbalanced parentheses: unexpected ')'", t.position, t.text));
      case Tok::End:
        fail(make_error("expected a kernel, found end of string", t.position, ""));
      default:
        fail(make_error("expected a kernel, found " + describe(t), t.position, t.text));
    }
  }

  std::unique_ptr<Kernel> call(const Token& name) {
    Factory factory = nullptr;
    for (const auto& r : kFactories) {
      if (r.name == name.text) factory = r.factory;
    }
    if (factory == nullptr) {
      std::string known;
      for (const auto& r : kFactories) known += (known.empty() ? "" : ", ") + std::string(r.name);
      fail(make_error("unknown kernel '" + name.text + "' (known: " + known + ")", name.position,
                      name.text));
    }
    if (peek().kind != Tok::LParen) {
      fail(make_error("expected '(' after '" + name.text + "', found " + describe(peek()),
                      peek().position, peek().text));
    }
    const Token open = next();
    std::vector<KernelArg> args;
    if (peek().kind != Tok::RParen) {
      for (;;) {
        if (peek().kind == Tok::End) {
          fail(make_error("unbalanced parentheses: '(' at position " +
                              std::to_string(open.position) + " of '" + name.text +
                              "' is not closed",
                          peek().position, ""));
        }
        args.push_back(argument());
        if (peek().kind == Tok::Comma) {
          next();
          continue;
        }
        break;
      }
    }
    if (peek().kind != Tok::RParen) {
      if (peek().kind == Tok::End) {
        fail(make_error("unbalanced parentheses: '(' at position " + std::to_string(open.position) +
                            " of '" + name.text + "' is not closed",
                        peek().position, ""));
      }
      fail(make_error("expected ',' or ')' in the arguments of '" + name.text + "', found " +
                          describe(peek()),
                      peek().position, peek().text));
    }
    next();
    KernelOrArgError made = factory(args, name.position);
    if (auto* e = std::get_if<ArgError>(&made)) {
      const auto& tok = token_at(e->position);
      fail(make_error(e->message, e->position, tok));
    }
    return std::move(std::get<std::unique_ptr<Kernel>>(made));
  }

  std::string token_at(std::size_t position) const {
    for (const auto& t : tokens_) {
      if (t.position == position) return t.text;
    }
    return "";
  }

  KernelArg argument() {
    KernelArg arg;
    arg.position = peek().position;
    if (peek().kind == Tok::Name && tokens_[pos_ + 1].kind == Tok::Equals) {
      arg.name = next().text;
      next();
    }
    arg.value = value();
    return arg;
  }

  ArgValue value() {
    const Token t = next();
    ArgValue v;
    switch (t.kind) {
      case Tok::Number:
        v.kind = ArgValue::Kind::Number;
        v.number = t.number;
        return v;
      case Tok::String:
        v.kind = ArgValue::Kind::String;
        v.text = t.text;
        return v;
      case Tok::LBracket:
      case Tok::LParen: {
        const Tok close = t.kind == Tok::LBracket ? Tok::RBracket : Tok::RParen;
        v.kind = ArgValue::Kind::List;
        for (;;) {
          const Token item = next();
          if (item.kind != Tok::Number) {
            fail(make_error("expected a number in a list, found " + describe(item), item.position,
                            item.text));
          }
          v.list.push_back(item.number);
          const Token sep = next();
          if (sep.kind == close) break;
          if (sep.kind != Tok::Comma) {
            fail(make_error(std::string("unbalanced brackets: expected ',' or '") +
                                (close == Tok::RBracket ? "]" : ")") + "', found " + describe(sep),
                            sep.position, sep.text));
          }
        }
        return v;
      }
      default:
        fail(make_error("expected a value, found " + describe(t), t.position, t.text));
    }
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int kernels_ = 0;
};

}  // namespace

KernelParseResult parse_kernel(std::string_view text) {
  auto tokens = tokenize(text);
  if (auto* e = std::get_if<ParseError>(&tokens)) return *e;
  try {
    Parser parser(std::move(std::get<std::vector<Token>>(tokens)));
    return parser.parse_all();
  } catch (Failure& f) {
    return std::move(f.error);
  }
}

}  // namespace quante::opt
