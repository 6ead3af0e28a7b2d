// The C++ surface the bindings call, free of torch headers so that addon.cc stays light.
// Inputs are plain JSON values already validated and normalized by native/index.ts; every
// function throws std::exception with a message naming the argument or file at fault.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "util/json.h"

namespace egen {

using EmitFn = std::function<void(Json)>;  // progress; never blocks
using AskFn = std::function<bool(Json)>;   // blocks for the answer; true = stop

class TrainingRun {
 public:
  virtual ~TrainingRun() = default;
  virtual Json Run() = 0;  // on the training thread; returns the result
  virtual void Pause() = 0;
  virtual void Resume() = 0;
  virtual void Cancel() = 0;
};
// Parses the options (cheap; files are opened by Run).
std::shared_ptr<TrainingRun> CreateTrainingRun(const Json& options, EmitFn emit, AskFn ask);

// What ServedModel::Score returns (plain values: the bindings copy log_probs into a Float32Array).
struct ScoreResult {
  double loss = 0;               // mean next-token cross-entropy over every target
  std::vector<float> log_probs;  // (B * T) log-probability of each target, row-major
  int64_t correct = 0;           // targets that are the argmax of their logits
  int64_t tokens = 0;            // B * T
};

// What ServedModel::Logits returns: the model's raw next-token logits, float32, row-major.
struct LogitsResult {
  std::vector<float> data;     // B * T * V values
  std::vector<int64_t> shape;  // {B, T, V}
};

class ServedModel {
 public:
  virtual ~ServedModel() = default;
  virtual Json Describe() const = 0;
  virtual Json Generate(const Json& options, const EmitFn& emit, const std::atomic<bool>& cancel) = 0;
  // One forward pass without gradients: {inputs, targets, threads?} -> loss, log-probs, argmax hits.
  virtual ScoreResult Score(const Json& options) = 0;
  // One forward pass without gradients: {inputs, threads?} -> logits (B, T, V) in float32 (the
  // reference that export parity checks compare artifacts against).
  virtual LogitsResult Logits(const Json& options) = 0;
  // A classifier's forward pass without gradients: {inputs (ragged rows), threads?} -> logits
  // (B, numLabels) at each row's last token.
  virtual LogitsResult Classify(const Json& options) = 0;
};
// Loaded models not yet freed (a diagnostic: dispose and in-flight calls are checked by it).
int64_t OpenModelCount();
std::shared_ptr<ServedModel> OpenServedModel(const Json& options);  // {checkpoint, device}

Json CreateModelApi(const Json& options);        // {model, seed, outputDir, baseCheckpoint?}
Json ResizeEmbeddingsApi(const Json& options);   // {checkpoint, vocabSize, outputDir}
Json MergeLoraApi(const Json& options);          // {checkpoint, outputDir}
Json InspectGradientsApi(const Json& options);   // {checkpoint, inputs, targets | labels, outputPath, threads}
// Model artifacts (io/torch_export.h). pytorch_model.bin: Hugging Face names and layouts, loadable
// with torch.load(weights_only=True); model.pt: TorchScript, int64 ids (B, T) -> float32 logits.
Json WritePytorchStateDictApi(const Json& options);  // {checkpoint, outputPath, dtype} -> {path, bytes, tensors}
Json ReadPytorchStateDictApi(const Json& options);   // {path, outputPath} -> {path, tensors}: torch.save state dict -> safetensors
Json WriteTorchScriptApi(const Json& options);       // {checkpoint, outputPath, dtype} -> {path, bytes, tensors}
// A checkpoint from weights under Hugging Face GPT-2 names and layouts (a safetensors file):
// Conv1D weights transposed to (out, in), lm_head.weight checked to be tied, stored as float32.
Json CheckpointFromHuggingFaceApi(const Json& options);  // {weights, model, outputDir} -> CreatedModel
LogitsResult TorchScriptLogitsApi(const Json& options);  // {path, inputs, threads}: logits of a model.pt, run by torch::jit::load
// The defaults of the default-constructed option structs under their JavaScript names:
// {training, model, lora}.
Json OptionDefaultsApi();

}  // namespace egen
