// Autoregressive generation: batched (left-padded) prompts, optional KV cache, greedy or
// sampled (temperature, top-k, top-p, repetition penalty), stop tokens, streamed step by step.
#pragma once
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "model/gpt.h"
#include "util/json.h"

namespace egen {

struct GenerateConfig {
  std::vector<std::vector<int64_t>> prompts;  // token ids; each non-empty
  int64_t max_new_tokens = 64;
  double temperature = 1.0;         // 0 = greedy
  int64_t top_k = 0;                // 0 = off
  double top_p = 1.0;               // 1 = off
  double repetition_penalty = 1.0;  // 1 = off; >1 discourages tokens already in the sequence (as Hugging Face)
  std::vector<int64_t> stop_tokens;
  uint64_t seed = 0;
  bool use_cache = true;
  int64_t threads = 0;              // 0 = libtorch's default
  // Throws std::invalid_argument naming an unknown key (`Unknown generation option "topk"`).
  static GenerateConfig FromJson(const Json& json);
};

// A loaded model that serves generate calls one at a time.
struct ModelHandle {
  GPT model{nullptr};
  torch::Device device{torch::kCPU};
  Json manifest;
  std::mutex mutex;  // generation calls are serialized
};

// Throws for a classification model: `operation` (generate, score, logits) needs the LM head.
void RequireCausalLm(const GPT& model, const char* operation);

std::shared_ptr<ModelHandle> OpenModel(const std::string& checkpoint, const std::string& device);
Json DescribeModel(const ModelHandle& handle);

// Emits {type:"tokens", step, tokens:[id or -1 per prompt]} after every step; returns
// {sequences, finishReasons}. Stops early when `cancel` becomes true.
Json Generate(ModelHandle& handle, const GenerateConfig& config, const std::function<void(Json)>& emit, const std::atomic<bool>& cancel);

}  // namespace egen
