#include "util/json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace egen {
namespace {

class Parser {
 public:
  Parser(const std::string& text, const std::string& what) : s_(text), what_(what) {}

  Json ParseDocument() {
    Json v = ParseValue(0);
    SkipSpace();
    if (pos_ != s_.size()) Fail("unexpected trailing characters");
    return v;
  }

 private:
  [[noreturn]] void Fail(const std::string& why) {
    throw std::runtime_error(what_ + " is not valid JSON: " + why + " at offset " + std::to_string(pos_));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  char Peek() {
    SkipSpace();
    if (pos_ >= s_.size()) Fail("unexpected end");
    return s_[pos_];
  }
  void Expect(char c) {
    if (Peek() != c) Fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  Json ParseValue(int depth) {
    if (depth > 64) Fail("nesting too deep");
    const char c = Peek();
    if (c == '{') return ParseObject(depth);
    if (c == '[') return ParseArray(depth);
    if (c == '"') return Json(ParseString());
    if (s_.compare(pos_, 4, "true") == 0) { pos_ += 4; return Json(true); }
    if (s_.compare(pos_, 5, "false") == 0) { pos_ += 5; return Json(false); }
    if (s_.compare(pos_, 4, "null") == 0) { pos_ += 4; return Json(); }
    return ParseNumber();
  }
  Json ParseObject(int depth) {
    Expect('{');
    Json::Object out;
    if (Peek() == '}') { ++pos_; return Json(std::move(out)); }
    while (true) {
      if (Peek() != '"') Fail("expected a key");
      std::string key = ParseString();
      Expect(':');
      out[key] = ParseValue(depth + 1);
      const char c = Peek();
      ++pos_;
      if (c == '}') break;
      if (c != ',') Fail("expected ',' or '}'");
    }
    return Json(std::move(out));
  }
  Json ParseArray(int depth) {
    Expect('[');
    Json::Array out;
    if (Peek() == ']') { ++pos_; return Json(std::move(out)); }
    while (true) {
      out.push_back(ParseValue(depth + 1));
      const char c = Peek();
      ++pos_;
      if (c == ']') break;
      if (c != ',') Fail("expected ',' or ']'");
    }
    return Json(std::move(out));
  }
  std::string ParseString() {
    Expect('"');
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) Fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') break;
      if (c != '\\') { out.push_back(c); continue; }
      if (pos_ >= s_.size()) Fail("unterminated escape");
      c = s_[pos_++];
      switch (c) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (pos_ + 4 > s_.size()) Fail("bad \\u escape");
          unsigned code = std::stoul(s_.substr(pos_, 4), nullptr, 16);
          pos_ += 4;
          // Basic Multilingual Plane only; enough for names and paths in our files.
          if (code < 0x80) out.push_back(static_cast<char>(code));
          else if (code < 0x800) { out.push_back(static_cast<char>(0xC0 | (code >> 6))); out.push_back(static_cast<char>(0x80 | (code & 0x3F))); }
          else { out.push_back(static_cast<char>(0xE0 | (code >> 12))); out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F))); out.push_back(static_cast<char>(0x80 | (code & 0x3F))); }
          break;
        }
        default: Fail("bad escape");
      }
    }
    return out;
  }
  Json ParseNumber() {
    const size_t start = pos_;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' || s_[pos_] == '+' || s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) ++pos_;
    if (start == pos_) Fail("unexpected character");
    char* end = nullptr;
    const std::string token = s_.substr(start, pos_ - start);
    const double v = std::strtod(token.c_str(), &end);
    if (end != token.c_str() + token.size()) Fail("bad number");
    return Json(v);
  }

  const std::string& s_;
  const std::string& what_;
  size_t pos_ = 0;
};

void Escape(std::string& out, const std::string& s) {
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

Json Json::Parse(const std::string& text, const std::string& what) { return Parser(text, what).ParseDocument(); }

bool Json::AsBool() const {
  if (type_ != Type::Bool) throw std::runtime_error("expected a boolean");
  return bool_;
}
double Json::AsNumber() const {
  if (type_ != Type::Number) throw std::runtime_error("expected a number");
  return number_;
}
int64_t Json::AsInt() const {
  const double v = AsNumber();
  if (std::floor(v) != v) throw std::runtime_error("expected an integer");
  return static_cast<int64_t>(v);
}
const std::string& Json::AsString() const {
  if (type_ != Type::String) throw std::runtime_error("expected a string");
  return string_;
}
const Json::Array& Json::AsArray() const {
  if (type_ != Type::Array) throw std::runtime_error("expected an array");
  return *array_;
}
Json::Array& Json::AsArray() {
  if (type_ != Type::Array) throw std::runtime_error("expected an array");
  return *array_;
}
const Json::Object& Json::AsObject() const {
  if (type_ != Type::Object) throw std::runtime_error("expected an object");
  return *object_;
}
bool Json::Has(const std::string& key) const {
  return type_ == Type::Object && object_->count(key) > 0 && !object_->at(key).is_null();
}
const Json& Json::at(const std::string& key) const {
  if (type_ != Type::Object) throw std::runtime_error("expected an object holding \"" + key + "\"");
  const auto it = object_->find(key);
  if (it == object_->end()) throw std::runtime_error("missing field \"" + key + "\"");
  return it->second;
}
Json& Json::operator[](const std::string& key) {
  if (type_ == Type::Null) { type_ = Type::Object; object_ = std::make_shared<Object>(); }
  if (type_ != Type::Object) throw std::runtime_error("not an object");
  // Copy on write: values share storage after copies.
  if (object_.use_count() > 1) object_ = std::make_shared<Object>(*object_);
  return (*object_)[key];
}
void Json::Push(Json value) {
  if (type_ == Type::Null) { type_ = Type::Array; array_ = std::make_shared<Array>(); }
  if (type_ != Type::Array) throw std::runtime_error("not an array");
  if (array_.use_count() > 1) array_ = std::make_shared<Array>(*array_);
  array_->push_back(std::move(value));
}
double Json::Number(const std::string& key, double fallback) const { return Has(key) ? at(key).AsNumber() : fallback; }
int64_t Json::Int(const std::string& key, int64_t fallback) const { return Has(key) ? at(key).AsInt() : fallback; }
bool Json::Bool(const std::string& key, bool fallback) const { return Has(key) ? at(key).AsBool() : fallback; }
std::string Json::String(const std::string& key, const std::string& fallback) const { return Has(key) ? at(key).AsString() : fallback; }

std::string Json::Dump(int indent) const {
  std::string out;
  DumpTo(out, indent, 0);
  return out;
}

void Json::DumpTo(std::string& out, int indent, int depth) const {
  const auto newline = [&](int d) {
    if (indent < 0) return;
    out.push_back('\n');
    out.append(static_cast<size_t>(indent * d), ' ');
  };
  switch (type_) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += bool_ ? "true" : "false"; break;
    case Type::Number: {
      if (!std::isfinite(number_)) { out += "null"; break; }
      char buf[32];
      if (std::floor(number_) == number_ && std::fabs(number_) < 9.007199254740992e15) std::snprintf(buf, sizeof buf, "%.0f", number_);
      else std::snprintf(buf, sizeof buf, "%.17g", number_);
      out += buf;
      break;
    }
    case Type::String: Escape(out, string_); break;
    case Type::Array: {
      out.push_back('[');
      bool first = true;
      for (const Json& v : *array_) {
        if (!first) out.push_back(',');
        first = false;
        newline(depth + 1);
        v.DumpTo(out, indent, depth + 1);
      }
      if (!array_->empty()) newline(depth);
      out.push_back(']');
      break;
    }
    case Type::Object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : *object_) {
        if (!first) out.push_back(',');
        first = false;
        newline(depth + 1);
        Escape(out, k);
        out += indent < 0 ? ":" : ": ";
        v.DumpTo(out, indent, depth + 1);
      }
      if (!object_->empty()) newline(depth);
      out.push_back('}');
      break;
    }
  }
}

void RejectUnknownKeys(const Json& object, const std::vector<const char*>& known, const std::string& what) {
  for (const auto& [key, value] : object.AsObject()) {
    if (std::find_if(known.begin(), known.end(), [&key = key](const char* k) { return key == k; }) == known.end()) {
      throw std::invalid_argument("Unknown " + what + " option \"" + key + "\"");
    }
  }
}

}  // namespace egen
