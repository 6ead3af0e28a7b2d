// The addon's export table. Bindings only: convert already-validated JavaScript values
// (native/index.ts checks every argument) into plain C++ structs and back.
#include <napi.h>

#include "api.h"
#include "bindings/json_napi.h"
#include "bindings/promise_worker.h"
#include "bindings/streaming_job.h"
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
  Napi::Object kernels = Napi::Object::New(env);
  kernels.Set("causalAttention", runtime.cpu_attention_kernel);
  kernels.Set("gelu", runtime.cpu_gelu_kernel);
  out.Set("cpuKernels", kernels);
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

// A promise-returning call of one api.h function on the libuv pool: fn(options) -> Promise<object>.
template <Json (*Fn)(const Json&)>
Napi::Value JsonCall(const Napi::CallbackInfo& info, const char* operation) {
  Json options = FromJs(info[0]);
  return PromiseWorker<Json>::Start(
      info.Env(), operation, [options = std::move(options)]() { return Fn(options); },
      [](Napi::Env env, Json& result) { return ToJs(env, result); });
}

Napi::Value CreateModelBinding(const Napi::CallbackInfo& info) { return JsonCall<CreateModelApi>(info, "createModel"); }
Napi::Value ResizeEmbeddingsBinding(const Napi::CallbackInfo& info) { return JsonCall<ResizeEmbeddingsApi>(info, "resizeEmbeddings"); }
Napi::Value MergeLoraBinding(const Napi::CallbackInfo& info) { return JsonCall<MergeLoraApi>(info, "mergeLora"); }
Napi::Value InspectGradientsBinding(const Napi::CallbackInfo& info) { return JsonCall<InspectGradientsApi>(info, "inspectGradients"); }
Napi::Value WritePytorchStateDictBinding(const Napi::CallbackInfo& info) { return JsonCall<WritePytorchStateDictApi>(info, "writePytorchStateDict"); }
Napi::Value ReadPytorchStateDictBinding(const Napi::CallbackInfo& info) { return JsonCall<ReadPytorchStateDictApi>(info, "readPytorchStateDict"); }
Napi::Value CheckpointFromHuggingFaceBinding(const Napi::CallbackInfo& info) { return JsonCall<CheckpointFromHuggingFaceApi>(info, "checkpointFromHuggingFace"); }
Napi::Value WriteTorchScriptBinding(const Napi::CallbackInfo& info) { return JsonCall<WriteTorchScriptApi>(info, "writeTorchScript"); }

// optionDefaults() -> { training, model, lora }, synchronously (no files, no tensors).
Napi::Value OptionDefaultsBinding(const Napi::CallbackInfo& info) { return ToJs(info.Env(), OptionDefaultsApi()); }

// openModelCount() -> loaded models not yet freed (a diagnostic for dispose).
Napi::Value OpenModelCountBinding(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(OpenModelCount())); }

// startTraining(options, onEvent) -> { done: Promise<result>, pause(), resume(), cancel() }
// onEvent receives every report; for events with ask: true its return value (truthy = stop) is awaited.
Napi::Value StartTrainingBinding(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Json options = FromJs(info[0]);
  const Napi::Function on_event = info[1].As<Napi::Function>();
  // The run is created on the JS thread so option errors throw synchronously; callbacks are
  // wired once the job's channel exists.
  auto channel = std::make_shared<StreamingJob::Channel>();
  std::shared_ptr<TrainingRun> run;
  try {
    run = CreateTrainingRun(
        options, [channel](Json e) { channel->emit(std::move(e)); },
        [channel](Json e) {
          e["ask"] = true;
          return channel->ask(std::move(e));
        });
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("train: ") + e.what());
  }
  Napi::Promise done = StreamingJob::Start(
      env, "train", on_event,
      [run, channel](const StreamingJob::Channel& c) {
        *channel = c;
        return run->Run();
      },
      [run]() { run->Cancel(); });
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("done", done);
  handle.Set("pause", Napi::Function::New(env, [run](const Napi::CallbackInfo&) { run->Pause(); }, "pause"));
  handle.Set("resume", Napi::Function::New(env, [run](const Napi::CallbackInfo&) { run->Resume(); }, "resume"));
  handle.Set("cancel", Napi::Function::New(env, [run](const Napi::CallbackInfo&) { run->Cancel(); }, "cancel"));
  return handle;
}

// The model behind a JavaScript handle: dispose() empties the slot, so the model is freed once
// no call in flight holds it; each call takes its own reference first.
using ModelSlot = std::shared_ptr<std::shared_ptr<ServedModel>>;

std::shared_ptr<ServedModel> ModelOf(const Napi::Env& env, const ModelSlot& slot) {
  if (!*slot) throw Napi::Error::New(env, "The model was disposed");
  return *slot;
}

Napi::Value WriteScore(Napi::Env env, ScoreResult& r) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Float32Array log_probs = Napi::Float32Array::New(env, r.log_probs.size());
  std::copy(r.log_probs.begin(), r.log_probs.end(), log_probs.Data());
  out.Set("loss", Napi::Number::New(env, r.loss));
  out.Set("logProbs", log_probs);
  out.Set("correct", Napi::Number::New(env, static_cast<double>(r.correct)));
  out.Set("tokens", Napi::Number::New(env, static_cast<double>(r.tokens)));
  return out;
}

Napi::Value WriteLogits(Napi::Env env, LogitsResult& r) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Float32Array data = Napi::Float32Array::New(env, r.data.size());
  std::copy(r.data.begin(), r.data.end(), data.Data());
  Napi::Array shape = Napi::Array::New(env, r.shape.size());
  for (size_t i = 0; i < r.shape.size(); ++i) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(r.shape[i])));
  out.Set("data", data);
  out.Set("shape", shape);
  return out;
}

// A served model's methods: info, generate(options, onEvent) -> { done, cancel() },
// score(options) -> Promise<{loss, logProbs, correct, tokens}>, logits(options) -> Promise<{data, shape}>,
// classify(options) -> Promise<{data, shape}>, dispose().
Napi::Value ServedModelObject(Napi::Env env, std::shared_ptr<ServedModel> served) {
  auto slot = std::make_shared<std::shared_ptr<ServedModel>>(std::move(served));
  Napi::Object out = Napi::Object::New(env);
  out.Set("info", ToJs(env, (*slot)->Describe()));
  out.Set("generate", Napi::Function::New(env, [slot](const Napi::CallbackInfo& info) -> Napi::Value {
    const Napi::Env e = info.Env();
    std::shared_ptr<ServedModel> model = ModelOf(e, slot);
    Json options = FromJs(info[0]);
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    Napi::Promise done = StreamingJob::Start(
        e, "generate", info[1].As<Napi::Function>(),
        [model, options = std::move(options), cancel](const StreamingJob::Channel& c) { return model->Generate(options, c.emit, *cancel); },
        [cancel]() { *cancel = true; });
    Napi::Object handle = Napi::Object::New(e);
    handle.Set("done", done);
    handle.Set("cancel", Napi::Function::New(e, [cancel](const Napi::CallbackInfo&) { *cancel = true; }, "cancel"));
    return handle;
  }, "generate"));
  out.Set("score", Napi::Function::New(env, [slot](const Napi::CallbackInfo& info) -> Napi::Value {
    std::shared_ptr<ServedModel> model = ModelOf(info.Env(), slot);
    Json options = FromJs(info[0]);
    return PromiseWorker<ScoreResult>::Start(
        info.Env(), "score", [model, options = std::move(options)]() { return model->Score(options); }, WriteScore);
  }, "score"));
  out.Set("logits", Napi::Function::New(env, [slot](const Napi::CallbackInfo& info) -> Napi::Value {
    std::shared_ptr<ServedModel> model = ModelOf(info.Env(), slot);
    Json options = FromJs(info[0]);
    return PromiseWorker<LogitsResult>::Start(
        info.Env(), "logits", [model, options = std::move(options)]() { return model->Logits(options); }, WriteLogits);
  }, "logits"));
  out.Set("classify", Napi::Function::New(env, [slot](const Napi::CallbackInfo& info) -> Napi::Value {
    std::shared_ptr<ServedModel> model = ModelOf(info.Env(), slot);
    Json options = FromJs(info[0]);
    return PromiseWorker<LogitsResult>::Start(
        info.Env(), "classify", [model, options = std::move(options)]() { return model->Classify(options); }, WriteLogits);
  }, "classify"));
  // Idempotent; in-flight calls keep their reference until they settle.
  out.Set("dispose", Napi::Function::New(env, [slot](const Napi::CallbackInfo&) { slot->reset(); }, "dispose"));
  return out;
}

// torchScriptLogits({path, inputs, threads}) -> Promise<{data, shape}>
Napi::Value TorchScriptLogitsBinding(const Napi::CallbackInfo& info) {
  Json options = FromJs(info[0]);
  return PromiseWorker<LogitsResult>::Start(
      info.Env(), "torchScriptLogits", [options = std::move(options)]() { return TorchScriptLogitsApi(options); }, WriteLogits);
}

// openModel({checkpoint, device}) -> Promise<{info, generate}>
Napi::Value OpenModelBinding(const Napi::CallbackInfo& info) {
  Json options = FromJs(info[0]);
  return PromiseWorker<std::shared_ptr<ServedModel>>::Start(
      info.Env(), "openModel", [options = std::move(options)]() { return OpenServedModel(options); },
      [](Napi::Env env, std::shared_ptr<ServedModel>& model) { return ServedModelObject(env, model); });
}

}  // namespace
}  // namespace egen

static Napi::Object InitEgenNative(Napi::Env env, Napi::Object exports) {
  using namespace egen;
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  exports.Set("matmul", Napi::Function::New(env, MatmulBinding, "matmul"));
  exports.Set("createModel", Napi::Function::New(env, CreateModelBinding, "createModel"));
  exports.Set("resizeEmbeddings", Napi::Function::New(env, ResizeEmbeddingsBinding, "resizeEmbeddings"));
  exports.Set("mergeLora", Napi::Function::New(env, MergeLoraBinding, "mergeLora"));
  exports.Set("inspectGradients", Napi::Function::New(env, InspectGradientsBinding, "inspectGradients"));
  exports.Set("startTraining", Napi::Function::New(env, StartTrainingBinding, "startTraining"));
  exports.Set("openModel", Napi::Function::New(env, OpenModelBinding, "openModel"));
  exports.Set("writePytorchStateDict", Napi::Function::New(env, WritePytorchStateDictBinding, "writePytorchStateDict"));
  exports.Set("readPytorchStateDict", Napi::Function::New(env, ReadPytorchStateDictBinding, "readPytorchStateDict"));
  exports.Set("checkpointFromHuggingFace", Napi::Function::New(env, CheckpointFromHuggingFaceBinding, "checkpointFromHuggingFace"));
  exports.Set("writeTorchScript", Napi::Function::New(env, WriteTorchScriptBinding, "writeTorchScript"));
  exports.Set("torchScriptLogits", Napi::Function::New(env, TorchScriptLogitsBinding, "torchScriptLogits"));
  exports.Set("optionDefaults", Napi::Function::New(env, OptionDefaultsBinding, "optionDefaults"));
  exports.Set("openModelCount", Napi::Function::New(env, OpenModelCountBinding, "openModelCount"));
  RegisterTokenizerBindings(env, exports);
  return exports;
}

NODE_API_MODULE(egen_native, InitEgenNative)
