#include "infer/score.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/utils.h>

#include <stdexcept>
#include <string>

namespace egen {
namespace {

// Rows of token ids, flattened; every row as long as the first.
std::vector<int64_t> ReadRows(const Json& rows, const char* name, int64_t& batch, int64_t& time) {
  std::vector<int64_t> flat;
  batch = static_cast<int64_t>(rows.AsArray().size());
  time = -1;
  for (const Json& row : rows.AsArray()) {
    const auto& r = row.AsArray();
    if (time >= 0 && static_cast<int64_t>(r.size()) != time) throw std::invalid_argument(std::string(name) + " rows must all have the same length");
    time = static_cast<int64_t>(r.size());
    for (const Json& t : r) flat.push_back(t.AsInt());
  }
  if (batch == 0 || time <= 0) throw std::invalid_argument(std::string(name) + " must hold at least one non-empty row");
  return flat;
}

// Refuses rows longer than the context and tokens outside the vocabulary.
void CheckTokens(const GPT& model, int64_t time, std::initializer_list<const std::vector<int64_t>*> rows) {
  const int64_t V = model->config.vocab_size;
  if (time > model->config.context_length) {
    throw std::invalid_argument("rows of " + std::to_string(time) + " tokens are longer than the model's contextLength " + std::to_string(model->config.context_length));
  }
  for (const auto* tokens : rows) {
    for (const int64_t t : *tokens) if (t < 0 || t >= V) throw std::invalid_argument("token " + std::to_string(t) + " is outside the model's vocabulary of " + std::to_string(V));
  }
}

}  // namespace

LogitsConfig LogitsConfig::FromJson(const Json& j) {
  RejectUnknownKeys(j, {"inputs", "threads"}, "logits");
  LogitsConfig c;
  c.inputs = ReadRows(j.at("inputs"), "inputs", c.batch, c.time);
  c.threads = j.Int("threads", c.threads);
  return c;
}

ClassifyConfig ClassifyConfig::FromJson(const Json& j) {
  RejectUnknownKeys(j, {"inputs", "threads"}, "classify");
  ClassifyConfig c;
  for (const Json& row : j.at("inputs").AsArray()) {
    std::vector<int64_t> tokens;
    for (const Json& t : row.AsArray()) tokens.push_back(t.AsInt());
    c.inputs.push_back(std::move(tokens));
  }
  if (c.inputs.empty()) throw std::invalid_argument("inputs must hold at least one row");
  c.threads = j.Int("threads", c.threads);
  return c;
}

ScoreConfig ScoreConfig::FromJson(const Json& j) {
  RejectUnknownKeys(j, {"inputs", "targets", "threads"}, "score");
  ScoreConfig c;
  c.inputs = ReadRows(j.at("inputs"), "inputs", c.batch, c.time);
  int64_t batch = 0, time = 0;
  c.targets = ReadRows(j.at("targets"), "targets", batch, time);
  if (batch != c.batch || time != c.time) throw std::invalid_argument("targets must have the shape of inputs");
  c.threads = j.Int("threads", c.threads);
  return c;
}

ScoreResult Score(ModelHandle& handle, const ScoreConfig& c) {
  std::lock_guard<std::mutex> lock(handle.mutex);
  if (c.threads > 0) at::set_num_threads(static_cast<int>(c.threads));
  torch::NoGradGuard no_grad;
  GPT& model = handle.model;
  RequireCausalLm(model, "score");
  CheckTokens(model, c.time, {&c.inputs, &c.targets});
  const at::Tensor x = at::tensor(c.inputs, at::kLong).view({c.batch, c.time}).to(handle.device);
  const at::Tensor y = at::tensor(c.targets, at::kLong).view({c.batch, c.time}).to(handle.device);
  const GPTOutput out = model->forward(x, y);                               // logits (B, T, V)
  const at::Tensor logits = out.logits.to(at::kFloat);
  const at::Tensor log_probs = at::log_softmax(logits, /*dim=*/-1).gather(/*dim=*/-1, y.unsqueeze(-1)).squeeze(-1);  // (B, T)
  const at::Tensor correct = at::eq(logits.argmax(/*dim=*/-1), y).sum();
  ScoreResult result;
  result.loss = out.loss.item<double>();  // note: a device sync point
  const at::Tensor flat = log_probs.reshape({-1}).to(at::kCPU).contiguous();
  result.log_probs.assign(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
  result.correct = correct.item<int64_t>();
  result.tokens = c.batch * c.time;
  return result;
}

LogitsResult Classify(ModelHandle& handle, const ClassifyConfig& c) {
  std::lock_guard<std::mutex> lock(handle.mutex);
  if (c.threads > 0) at::set_num_threads(static_cast<int>(c.threads));
  torch::NoGradGuard no_grad;
  GPT& model = handle.model;
  if (!model->config.classification()) throw std::invalid_argument("classify needs a classification model; this one is causal-lm (use logits, score or generate)");
  const auto batch = static_cast<int64_t>(c.inputs.size());
  int64_t width = 0;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const auto length = static_cast<int64_t>(c.inputs[i].size());
    if (length == 0) throw std::invalid_argument("inputs[" + std::to_string(i) + "] is empty");
    width = std::max(width, length);
  }
  std::vector<int64_t> flat(static_cast<size_t>(batch * width), 0), lengths;
  for (int64_t b = 0; b < batch; ++b) {
    const auto& row = c.inputs[static_cast<size_t>(b)];
    std::copy(row.begin(), row.end(), flat.begin() + b * width);
    lengths.push_back(static_cast<int64_t>(row.size()));
  }
  CheckTokens(model, width, {&flat});
  const at::Tensor x = at::tensor(flat, at::kLong).view({batch, width}).to(handle.device);
  const at::Tensor logits = model->Classify(x, at::tensor(lengths, at::kLong)).logits.to(at::kFloat).to(at::kCPU).contiguous();
  LogitsResult result;
  result.data.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
  result.shape = logits.sizes().vec();
  return result;
}

LogitsResult Logits(ModelHandle& handle, const LogitsConfig& c) {
  std::lock_guard<std::mutex> lock(handle.mutex);
  if (c.threads > 0) at::set_num_threads(static_cast<int>(c.threads));
  torch::NoGradGuard no_grad;
  GPT& model = handle.model;
  RequireCausalLm(model, "logits");
  CheckTokens(model, c.time, {&c.inputs});
  const at::Tensor x = at::tensor(c.inputs, at::kLong).view({c.batch, c.time}).to(handle.device);
  const at::Tensor logits = model->forward(x, at::Tensor()).logits.to(at::kFloat).to(at::kCPU).contiguous();
  LogitsResult result;
  result.data.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
  result.shape = logits.sizes().vec();
  return result;
}

}  // namespace egen
