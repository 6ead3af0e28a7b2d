// Scoring: how well a loaded model predicts given next tokens, in one forward pass without
// gradients (evaluation's perplexity and token accuracy).
#pragma once
#include <vector>

#include "api.h"
#include "infer/generate.h"
#include "util/json.h"

namespace egen {

struct ScoreConfig {
  std::vector<int64_t> inputs, targets;  // (B, T) token ids, row-major
  int64_t batch = 0, time = 0;           // B, T
  int64_t threads = 0;                   // 0 = libtorch's default
  // {inputs: number[][], targets: number[][], threads?}; unknown keys are refused.
  static ScoreConfig FromJson(const Json& json);
};

struct LogitsConfig {
  std::vector<int64_t> inputs;  // (B, T) token ids, row-major
  int64_t batch = 0, time = 0;
  int64_t threads = 0;
  // {inputs: number[][], threads?}; unknown keys are refused.
  static LogitsConfig FromJson(const Json& json);
};

struct ClassifyConfig {
  std::vector<std::vector<int64_t>> inputs;  // B rows of 1..contextLength token ids, ragged
  int64_t threads = 0;
  // {inputs: number[][], threads?}; unknown keys are refused.
  static ClassifyConfig FromJson(const Json& json);
};

// Serialized with generation on the same model. Throws on tokens outside the vocabulary or rows
// longer than the context.
ScoreResult Score(ModelHandle& handle, const ScoreConfig& config);
// The float32 logits of every position; the same checks as Score.
LogitsResult Logits(ModelHandle& handle, const LogitsConfig& config);
// A classifier's logits (B, numLabels), float32: rows right-padded internally, each read at its
// last token. Refuses a causal-lm model, empty rows and rows longer than the context.
LogitsResult Classify(ModelHandle& handle, const ClassifyConfig& config);

}  // namespace egen
