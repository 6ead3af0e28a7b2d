// A small JSON value: enough for checkpoint manifests, shard headers, safetensors headers and
// the plain objects that cross the Node boundary (options in, reports out). No torch here.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace egen {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(double n) : type_(Type::Number), number_(n) {}
  Json(int n) : type_(Type::Number), number_(n) {}
  Json(int64_t n) : type_(Type::Number), number_(static_cast<double>(n)) {}
  Json(uint64_t n) : type_(Type::Number), number_(static_cast<double>(n)) {}
  Json(const char* s) : type_(Type::String), string_(s) {}
  Json(std::string s) : type_(Type::String), string_(std::move(s)) {}
  Json(Array a) : type_(Type::Array), array_(std::make_shared<Array>(std::move(a))) {}
  Json(Object o) : type_(Type::Object), object_(std::make_shared<Object>(std::move(o))) {}

  static Json MakeObject() { return Json(Object{}); }
  static Json MakeArray() { return Json(Array{}); }
  // Throws std::runtime_error naming `what` (e.g. a file) on malformed input.
  static Json Parse(const std::string& text, const std::string& what);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_object() const { return type_ == Type::Object; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_bool() const { return type_ == Type::Bool; }

  bool AsBool() const;
  double AsNumber() const;
  int64_t AsInt() const;
  const std::string& AsString() const;
  const Array& AsArray() const;
  Array& AsArray();
  const Object& AsObject() const;

  bool Has(const std::string& key) const;
  // Object access; `at` throws naming the key when missing.
  const Json& at(const std::string& key) const;
  Json& operator[](const std::string& key);
  void Push(Json value);

  // Typed getters with defaults for optional fields.
  double Number(const std::string& key, double fallback) const;
  int64_t Int(const std::string& key, int64_t fallback) const;
  bool Bool(const std::string& key, bool fallback) const;
  std::string String(const std::string& key, const std::string& fallback) const;

  std::string Dump(int indent = -1) const;

 private:
  void DumpTo(std::string& out, int indent, int depth) const;
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::shared_ptr<Array> array_;
  std::shared_ptr<Object> object_;
};

// Throws std::invalid_argument `Unknown <what> option "<key>"` for the first key of `object` that
// is not in `known`: a misspelled option must fail, not silently become its default.
void RejectUnknownKeys(const Json& object, const std::vector<const char*>& known, const std::string& what);

}  // namespace egen
