// The training loop: runs on a native thread, reports through callbacks, obeys pause / resume /
// cancel at step boundaries, checkpoints atomically and resumes exactly.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api.h"
#include "model/gpt.h"
#include "util/json.h"

namespace egen {

// Normalized options (native/index.ts applies defaults and validates; see TrainOptions there).
struct TrainConfig {
  std::optional<GPTConfig> model;      // required unless initFrom/resumeFrom supplies it
  std::string init_from;               // checkpoint to fine-tune from (weights only)
  std::string resume_from;             // checkpoint to continue exactly (weights, optimizer, RNG, cursor)
  std::optional<LoraConfig> lora;      // adapters on top of frozen base weights
  std::vector<std::string> train_shards, val_shards;
  int64_t batch_size = 12;             // sequences per micro-batch
  int64_t grad_accum_steps = 1;        // micro-batches per optimizer step
  int64_t max_steps = 1000;            // optimizer steps, counted from 0 (a resumed run continues the count)
  bool random_windows = true;          // false: sequential windows
  uint64_t seed = 1337;                // model init, data windows, dropout
  double learning_rate = 6e-4;         // peak, reached after warmup
  double min_learning_rate = 6e-5;     // floor of the decay
  int64_t warmup_steps = 100;
  std::string decay = "cosine";        // "cosine" | "linear" | "constant"
  int64_t decay_steps = -1;            // step where the decay reaches min lr; -1 = max_steps
  double weight_decay = 0.1;           // on linear weights only (not biases, norms, embeddings)
  bool decay_embeddings = false;
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double grad_clip = 1.0;              // max global L2 norm; 0 = no clipping (norm still reported)
  double skip_grad_norm_above = 0;     // skip the optimizer step when the norm (before clipping) is above this or not finite; 0 = never
  std::string precision = "fp32";      // "fp32" | "bf16" | "fp16" | "auto"
  std::string device = "auto";         // "auto" | "cpu" | "cuda" | "cuda:N"
  int64_t threads = 0;                 // intra-op threads; 0 = libtorch's default
  int64_t eval_every = 0;              // 0 = only at the end (when validation shards exist)
  int64_t eval_batches = 20;
  std::string checkpoint_dir;          // "" = no checkpoints
  int64_t checkpoint_every = 0;        // 0 = only at the end
  int64_t keep_last = 3;               // newest step-* checkpoints kept (the best is kept too)
  bool save_adapter_only = true;       // LoRA runs: write adapter_model.safetensors only
  bool step_hook = false;              // ask the hook after every step whether to stop
  bool deterministic = false;          // deterministic kernels (CUDA: attention in plain ops)
  double peak_flops = 0;               // for MFU; 0 = a rough guess for the device
  Json raw;                            // the options as given, stored in checkpoints

  // Throws std::invalid_argument naming an unknown key (`Unknown training option "lerningRate"`).
  static TrainConfig FromJson(const Json& json);
  // The defaults of the options above that have one, under their JavaScript names (lrDecaySteps
  // -1 stands for maxSteps).
  static Json DefaultsJson();
};

class StepReporter;

class Trainer : public TrainingRun {
 public:
  using Emit = std::function<void(Json)>;  // progress; must not block
  using Ask = std::function<bool(Json)>;   // the step hook; true = stop the run

  Trainer(TrainConfig config, Emit emit, Ask ask);
  ~Trainer() override;

  // Runs to completion on the calling thread; returns the result object. Throws on bad input.
  Json Run() override;

  // Thread-safe controls, obeyed at the next step boundary.
  void Pause() override;
  void Resume() override;
  void Cancel() override;

 private:
  Json Train();  // the run itself; Run() adds what must happen after its tensors are gone
  // At a step boundary: blocks while paused (reporting PAUSED / IN_PROGRESS); false = cancelled.
  bool WaitWhilePaused(StepReporter& reporter, int64_t step);
  TrainConfig config_;
  Emit emit_;
  Ask ask_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool paused_ = false;
  std::atomic<bool> cancelled_{false};
};

// The learning rate at optimizer step `step` (0-based).
double LearningRateAt(const TrainConfig& c, int64_t step);

}  // namespace egen
