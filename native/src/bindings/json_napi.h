// Plain JavaScript values <-> egen::Json. Options cross in as JSON-like objects (already
// validated by native/index.ts); reports and results cross out as plain objects.
#pragma once
#include <napi.h>

#include <cmath>

#include "util/json.h"

namespace egen {

inline Json FromJs(const Napi::Value& v, int depth = 0) {
  if (depth > 32) throw Napi::TypeError::New(v.Env(), "value is nested too deeply");
  if (v.IsNull() || v.IsUndefined()) return Json();
  if (v.IsBoolean()) return Json(v.As<Napi::Boolean>().Value());
  if (v.IsNumber()) return Json(v.As<Napi::Number>().DoubleValue());
  if (v.IsString()) return Json(v.As<Napi::String>().Utf8Value());
  if (v.IsArray()) {
    const Napi::Array a = v.As<Napi::Array>();
    Json::Array out;
    out.reserve(a.Length());
    for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(FromJs(a.Get(i), depth + 1));
    return Json(std::move(out));
  }
  if (v.IsObject() && !v.IsFunction()) {
    const Napi::Object o = v.As<Napi::Object>();
    const Napi::Array keys = o.GetPropertyNames();
    Json::Object out;
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      const std::string key = keys.Get(i).As<Napi::String>().Utf8Value();
      const Napi::Value value = o.Get(key);
      if (!value.IsUndefined() && !value.IsFunction()) out[key] = FromJs(value, depth + 1);
    }
    return Json(std::move(out));
  }
  throw Napi::TypeError::New(v.Env(), "unsupported value crossing into native code");
}

inline Napi::Value ToJs(Napi::Env env, const Json& j) {
  switch (j.type()) {
    case Json::Type::Null: return env.Null();
    case Json::Type::Bool: return Napi::Boolean::New(env, j.AsBool());
    case Json::Type::Number: return Napi::Number::New(env, j.AsNumber());
    case Json::Type::String: return Napi::String::New(env, j.AsString());
    case Json::Type::Array: {
      const auto& a = j.AsArray();
      Napi::Array out = Napi::Array::New(env, a.size());
      for (size_t i = 0; i < a.size(); ++i) out.Set(static_cast<uint32_t>(i), ToJs(env, a[i]));
      return out;
    }
    case Json::Type::Object: {
      Napi::Object out = Napi::Object::New(env);
      for (const auto& [k, v] : j.AsObject()) out.Set(k, ToJs(env, v));
      return out;
    }
  }
  return env.Undefined();
}

}  // namespace egen
