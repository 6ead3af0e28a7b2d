// The events a training run reports (start, step, eval, checkpoint, status) and what they
// measure: step time, CPU time, tokens/s, MFU, memory. Emits through the run's callback.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "model/gpt.h"
#include "util/json.h"

namespace egen {

// FLOPs per token, as nanoGPT's estimate_mfu (PaLM appendix B): 6N for the matmuls of forward +
// backward over N non-embedding-position parameters, plus 12*L*H*Q*T for attention (L layers,
// H heads, Q head size, T context).
double FlopsPerToken(const GPT& model);

class StepReporter {
 public:
  using Emit = std::function<void(Json)>;
  // `peak_flops` 0 = a rough guess for the device.
  StepReporter(Emit emit, const c10::Device& device, int threads, double flops_per_token, double peak_flops, int64_t tokens_per_step);

  void Start(int64_t step, int64_t max_steps, const std::string& precision, const GPT& model, int64_t trainable_parameters, int64_t train_tokens);
  void Status(const char* status, int64_t step);

  // Step timing: BeginStep at the step boundary, the marks after backward and after clipping
  // (EGEN_TRAIN_PROFILE=1 prints the phases), then Step once the optimizer has run.
  void BeginStep();
  void MarkBackward();
  void MarkClip();
  // Emits the step report and returns it (the step hook reads it too).
  Json Step(int64_t step, double loss, double lr, double grad_norm, int64_t tokens_seen, bool skipped, std::optional<double> loss_scale);

  // `val_accuracy`: classifiers only.
  void Eval(int64_t step, double val_loss, double best_val_loss, std::optional<double> val_accuracy = std::nullopt);
  // The tokens of the step being timed, when they differ from tokens_per_step (a classifier's
  // batches are as long as their longest example).
  void SetStepTokens(int64_t tokens) { tokens_per_step_ = tokens; }
  void Checkpoint(int64_t step, const std::string& path, bool best, bool final);

 private:
  using Clock = std::chrono::steady_clock;
  Emit emit_;
  c10::Device device_;
  int threads_;
  double flops_per_token_, peak_flops_;
  int64_t tokens_per_step_;
  bool profile_;  // EGEN_TRAIN_PROFILE=1: a per-step time breakdown on stderr (a diagnostic for benchmarks)
  Clock::time_point started_, after_backward_, after_clip_;
  double cpu_before_ = 0;
  int64_t faults_before_ = 0;
};

}  // namespace egen
