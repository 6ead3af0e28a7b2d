// The optimizer and the loss scaler of a training run: AdamW as torch.optim.AdamW(fused=True)
// with two parameter groups, and fp16 dynamic loss scaling as torch.amp.GradScaler.
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "model/gpt.h"
#include "util/json.h"

namespace egen {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double weight_decay = 0.1;      // decay group only
  bool decay_embeddings = false;  // wte/wpe join the decay group
};

// AdamW over the trainable parameters of a model. Decay group: linear weights (2-D tensors, and
// the embeddings when asked); no-decay group: biases, norms, embeddings.
class AdamW {
 public:
  AdamW(const GPT& model, AdamWOptions options);

  void ZeroGrad();                              // set_to_none, as torch.optim's default
  std::vector<at::Tensor> Gradients() const;    // the defined gradients, in parameter order
  void Step(double lr);                         // one fused kernel per group
  int64_t NumTrainable() const;                 // elements of the trainable parameters

  // optimizer.safetensors: exp_avg/, exp_avg_sq/ and step/ per parameter (PyTorch's names).
  CheckpointFile StateFile() const;
  // Copies the state back; `what` names the file in errors ("... has no exp_avg/<name>").
  void LoadState(const std::map<std::string, at::Tensor>& tensors, const std::string& what);

 private:
  // One parameter's state; step is a float tensor, as the fused kernel wants it.
  struct ParamState {
    std::string name;
    at::Tensor param, exp_avg, exp_avg_sq, step;
    bool decay;
  };
  AdamWOptions options_;
  std::vector<ParamState> params_;
};

// Dynamic loss scaling for fp16 (disabled otherwise: every call is then a no-op).
class LossScaler {
 public:
  static constexpr double kInitScale = 65536.0;   // 2^16
  static constexpr double kGrowthFactor = 2.0;    // after kGrowthInterval clean steps
  static constexpr double kBackoffFactor = 0.5;   // after a step with inf/NaN gradients
  static constexpr int64_t kGrowthInterval = 2000;

  LossScaler(bool enabled, const c10::Device& device);
  bool enabled() const { return enabled_; }

  at::Tensor Scale(const at::Tensor& loss) const;  // what backward() is called on
  // Unscales the gradients in place and returns found_inf (undefined when disabled), as GradScaler.unscale_.
  at::Tensor Unscale(const std::vector<at::Tensor>& grads) const;
  static bool FoundInf(const at::Tensor& found_inf);  // note: a sync point
  void Update(const at::Tensor& found_inf);           // grow or back off
  double scale() const;                               // note: a sync point

  // "lossScale" and "growthTracker" in a checkpoint's training state.
  void SaveState(Json& state) const;
  void LoadState(const Json& state);

 private:
  bool enabled_;
  at::Tensor scale_, growth_tracker_;  // on the device
};

}  // namespace egen
