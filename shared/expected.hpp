// Expected<T, E>: a value or the reason there is none, the one shape every parser of untrusted
// input returns (config files, study files, wire messages, objective specs). g++ 12 has no
// std::expected in C++20 mode; this keeps its spelling (has_value, value, error, operator*) so a
// later switch is a rename. Expected<void, E> is "done, or why not" (a validation).
// Errors are values, not exceptions: the caller decides whether a refusal exits 2, is logged and
// dropped, or is shown to a user (STYLE.md, habit 5).
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace quante {

// A refusal with its message, e.g. "study.toml: key 'x' must be a number". The message is
// complete: callers print it as is.
struct Error {
  std::string message;
};

template <class T, class E = Error>
class [[nodiscard]] Expected {
  static_assert(!std::is_same_v<std::decay_t<T>, std::decay_t<E>>, "a value and an error of the same type are ambiguous");

 public:
  // From anything a T is made of (a unique_ptr to a derived class, a message alternative), as
  // std::expected allows; an E is always the error.
  template <class U = T>
    requires(std::is_constructible_v<T, U> && !std::is_same_v<std::remove_cvref_t<U>, Expected> &&
             !std::is_same_v<std::remove_cvref_t<U>, E>)
  Expected(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}
  Expected(E error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // value() and error() throw std::bad_variant_access when called on the other alternative.
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& { return std::get<1>(state_); }
  E&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  Expected(E error) : error_(std::move(error)), failed_(true) {}

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace quante
