// The addon's export table. Bindings only: convert already-validated JavaScript values
// (native/index.ts checks every argument) into plain C++ structs and back.
#include <napi.h>

#include "bindings/promise_worker.h"
#include "bindings/tokenizer_bindings.h"
#include "ops/tensor_ops.h"
#include "runtime/runtime_info.h"

namespace egen {
namespace {

Napi::Value Version(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const RuntimeInfo runtime = QueryRuntimeInfo();
  Napi::Object out = Napi::Object::New(env);
  out.Set("libtorch", runtime.libtorch_version);
  out.Set("cudaAvailable", runtime.cuda_available);
  out.Set("cudaVersion", runtime.cuda_version.empty() ? env.Null() : Napi::String::New(env, runtime.cuda_version));
  out.Set("intraOpThreads", Napi::Number::New(env, static_cast<double>(runtime.intra_op_threads)));
  Napi::Array devices = Napi::Array::New(env, runtime.devices.size());
  for (size_t i = 0; i < runtime.devices.size(); ++i) {
    const DeviceInfo& d = runtime.devices[i];
    Napi::Object device = Napi::Object::New(env);
    device.Set("type", d.type);
    device.Set("index", Napi::Number::New(env, static_cast<double>(d.index)));
    device.Set("name", d.name);
    device.Set("totalMemoryBytes", Napi::Number::New(env, static_cast<double>(d.total_memory_bytes)));
    devices.Set(static_cast<uint32_t>(i), device);
  }
  out.Set("devices", devices);
  return out;
}

DenseTensor ReadTensor(const Napi::Object& js) {
  const Napi::Float32Array data = js.Get("data").As<Napi::Float32Array>();
  const Napi::Array shape = js.Get("shape").As<Napi::Array>();
  DenseTensor t;
  t.data.assign(data.Data(), data.Data() + data.ElementLength());
  for (uint32_t i = 0; i < shape.Length(); ++i) t.shape.push_back(shape.Get(i).As<Napi::Number>().Int64Value());
  return t;
}

Napi::Value WriteTensor(Napi::Env env, DenseTensor& t) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Float32Array data = Napi::Float32Array::New(env, t.data.size());
  std::copy(t.data.begin(), t.data.end(), data.Data());
  Napi::Array shape = Napi::Array::New(env, t.shape.size());
  for (size_t i = 0; i < t.shape.size(); ++i) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.shape[i])));
  out.Set("data", data);
  out.Set("shape", shape);
  return out;
}

// matmul(a: {data, shape}, b: {data, shape}) -> Promise<{data, shape}>
Napi::Value MatmulBinding(const Napi::CallbackInfo& info) {
  DenseTensor a = ReadTensor(info[0].As<Napi::Object>());
  DenseTensor b = ReadTensor(info[1].As<Napi::Object>());
  return PromiseWorker<DenseTensor>::Start(
      info.Env(), "matmul", [a = std::move(a), b = std::move(b)]() { return Matmul(a, b); }, WriteTensor);
}

}  // namespace
}  // namespace egen

static Napi::Object InitEgenNative(Napi::Env env, Napi::Object exports) {
  using namespace egen;
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  exports.Set("matmul", Napi::Function::New(env, MatmulBinding, "matmul"));
  RegisterTokenizerBindings(env, exports);
  return exports;
}

NODE_API_MODULE(egen_native, InitEgenNative)
