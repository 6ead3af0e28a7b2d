#include "infer/generate.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <stdexcept>

#include "model/model_store.h"

namespace egen {

GenerateConfig GenerateConfig::FromJson(const Json& j) {
  RejectUnknownKeys(j, {"prompts", "maxNewTokens", "temperature", "topK", "topP", "repetitionPenalty", "stopTokens", "seed", "useCache", "threads"}, "generation");
  GenerateConfig c;
  for (const Json& p : j.at("prompts").AsArray()) {
    std::vector<int64_t> tokens;
    for (const Json& t : p.AsArray()) tokens.push_back(t.AsInt());
    c.prompts.push_back(std::move(tokens));
  }
  c.max_new_tokens = j.Int("maxNewTokens", c.max_new_tokens);
  c.temperature = j.Number("temperature", c.temperature);
  c.top_k = j.Int("topK", c.top_k);
  c.top_p = j.Number("topP", c.top_p);
  c.repetition_penalty = j.Number("repetitionPenalty", c.repetition_penalty);
  if (j.Has("stopTokens")) for (const Json& t : j.at("stopTokens").AsArray()) c.stop_tokens.push_back(t.AsInt());
  c.seed = static_cast<uint64_t>(j.Int("seed", static_cast<int64_t>(c.seed)));
  c.use_cache = j.Bool("useCache", c.use_cache);
  c.threads = j.Int("threads", c.threads);
  return c;
}

void RequireCausalLm(const GPT& model, const char* operation) {
  if (model->config.classification()) {
    throw std::invalid_argument(std::string(operation) + " needs a causal-lm model; this one is a classification model (numLabels " + std::to_string(model->config.num_labels) + "), use classify");
  }
}

std::shared_ptr<ModelHandle> OpenModel(const std::string& checkpoint, const std::string& device_name) {
  auto handle = std::make_shared<ModelHandle>();
  LoadedModel loaded = LoadModelCheckpoint(checkpoint);
  handle->manifest = loaded.manifest;
  handle->model = loaded.model;
  if (device_name == "cpu") handle->device = torch::kCPU;
  else if (device_name == "auto") handle->device = torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  else {
    if (!torch::cuda::is_available()) throw std::runtime_error("device \"" + device_name + "\" was requested but CUDA is not available");
    handle->device = torch::Device(device_name);
  }
  handle->model->to(handle->device);
  handle->model->eval();
  return handle;
}

Json DescribeModel(const ModelHandle& handle) {
  Json out = Json::MakeObject();
  out["model"] = handle.model->config.ToJson();
  out["lora"] = handle.model->has_lora() ? handle.model->lora()->ToJson() : Json();
  out["parameters"] = handle.model->NumParams(false);
  out["device"] = handle.device.str();
  return out;
}

namespace {

// Masks logits (V) in place for one row; `seen` are the token ids of its sequence so far.
void ApplyPenaltyAndFilters(at::Tensor& logits, const std::vector<int64_t>& seen, const GenerateConfig& c) {
  if (c.repetition_penalty != 1.0 && !seen.empty()) {
    const at::Tensor idx = at::tensor(seen, at::kLong);
    const at::Tensor score = logits.index_select(0, idx);
    logits.index_copy_(0, idx, at::where(score < 0, score * c.repetition_penalty, score / c.repetition_penalty));
  }
  if (c.temperature > 0) logits.div_(c.temperature);
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (c.top_k > 0 && c.top_k < logits.size(0)) {
    const at::Tensor kth = std::get<0>(at::topk(logits, c.top_k)).select(0, c.top_k - 1);
    logits.masked_fill_(logits < kth, neg_inf);
  }
  if (c.top_p < 1.0) {
    auto [sorted, order] = at::sort(logits, /*dim=*/0, /*descending=*/true);
    const at::Tensor probs = at::softmax(sorted, 0);
    // Drop a token when the tokens ranked above it already hold top_p of the mass (keeps >= 1).
    const at::Tensor remove = (at::cumsum(probs, 0) - probs) > c.top_p;
    logits.index_put_({order.masked_select(remove)}, neg_inf);
  }
}

}  // namespace

Json Generate(ModelHandle& handle, const GenerateConfig& c, const std::function<void(Json)>& emit, const std::atomic<bool>& cancel) {
  RequireCausalLm(handle.model, "generate");
  std::lock_guard<std::mutex> lock(handle.mutex);
  if (c.threads > 0) at::set_num_threads(static_cast<int>(c.threads));
  c10::InferenceMode inference;
  GPT& model = handle.model;
  const torch::Device device = handle.device;
  const int64_t B = static_cast<int64_t>(c.prompts.size());
  const int64_t V = model->config.vocab_size;
  const int64_t context = model->config.context_length;
  int64_t L = 0;
  for (const auto& p : c.prompts) {
    L = std::max<int64_t>(L, static_cast<int64_t>(p.size()));
    for (const int64_t t : p) if (t < 0 || t >= V) throw std::runtime_error("prompt token " + std::to_string(t) + " is outside the model's vocabulary of " + std::to_string(V));
  }
  if (L > context) throw std::runtime_error("a prompt of " + std::to_string(L) + " tokens is longer than the model's contextLength " + std::to_string(context));

  // Left-padded token matrix and validity mask (B, total) on the CPU; grown each step.
  const int64_t capacity = std::min(context, L + c.max_new_tokens);
  at::Tensor tokens = at::zeros({B, capacity}, at::kLong);
  at::Tensor valid = at::zeros({B, capacity}, at::kBool);
  std::vector<std::vector<int64_t>> seen(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = c.prompts[static_cast<size_t>(b)];
    const int64_t pad = L - static_cast<int64_t>(p.size());
    for (size_t i = 0; i < p.size(); ++i) tokens[b][pad + static_cast<int64_t>(i)] = p[i];
    valid.select(0, b).narrow(0, pad, L - pad).fill_(true);
    seen[static_cast<size_t>(b)] = p;
  }
  const at::Tensor causal = at::ones({capacity, capacity}, at::kBool).tril();
  const at::Tensor eye = at::eye(capacity, at::TensorOptions().dtype(at::kBool));
  // attention mask for queries [q0, q1) over keys [0, q1): (B, 1, q1 - q0, q1)
  const auto mask_for = [&](int64_t q0, int64_t q1) {
    const at::Tensor keys = valid.narrow(1, 0, q1).unsqueeze(1);                       // (B, 1, q1)
    const at::Tensor allowed = (causal.narrow(0, q0, q1 - q0).narrow(1, 0, q1).unsqueeze(0) & keys) |
                               eye.narrow(0, q0, q1 - q0).narrow(1, 0, q1).unsqueeze(0);  // pads see themselves: no empty rows
    return allowed.unsqueeze(1).to(device);
  };
  // positions count only real tokens: 0 at each row's first prompt token
  const auto positions_for = [&](int64_t q0, int64_t q1) {
    const at::Tensor pos = (valid.narrow(1, 0, q1).to(at::kLong).cumsum(1) - 1).clamp_min(0);
    return pos.narrow(1, q0, q1 - q0).to(device);
  };

  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(c.seed);
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(B));
  std::vector<std::string> finish(static_cast<size_t>(B), "");
  std::vector<LayerCache> cache;
  int64_t length = L;
  for (int64_t step = 0; step < c.max_new_tokens; ++step) {
    if (cancel) {
      for (auto& f : finish) if (f.empty()) f = "cancelled";
      break;
    }
    if (length >= context) {
      for (auto& f : finish) if (f.empty()) f = "length";
      break;
    }
    at::Tensor logits;
    if (c.use_cache) {
      const int64_t q0 = step == 0 ? 0 : length - 1;
      logits = model->forward(tokens.narrow(1, q0, length - q0).to(device), {}, positions_for(q0, length), mask_for(q0, length), &cache, /*last_only=*/true).logits;
    } else {
      logits = model->forward(tokens.narrow(1, 0, length).to(device), {}, positions_for(0, length), mask_for(0, length), nullptr, /*last_only=*/true).logits;
    }
    logits = logits.select(1, 0).to(at::kCPU, at::kFloat);  // (B, V); note: a device sync point
    Json emitted = Json::MakeArray();
    for (int64_t b = 0; b < B; ++b) {
      const auto bi = static_cast<size_t>(b);
      if (!finish[bi].empty()) {
        emitted.Push(Json(-1));
        continue;
      }
      at::Tensor row = logits.select(0, b).clone();
      ApplyPenaltyAndFilters(row, seen[bi], c);
      int64_t next;
      if (c.temperature <= 0) next = row.argmax().item<int64_t>();
      else next = at::multinomial(at::softmax(row, 0), 1, /*replacement=*/false, gen).item<int64_t>();
      out[bi].push_back(next);
      seen[bi].push_back(next);
      emitted.Push(Json(next));
      if (std::find(c.stop_tokens.begin(), c.stop_tokens.end(), next) != c.stop_tokens.end()) finish[bi] = "stop";
      tokens[b][length] = next;
    }
    valid.narrow(1, length, 1).fill_(true);  // finished rows keep valid (ignored) tokens: no empty attention rows
    length += 1;
    Json event = Json::MakeObject();
    event["type"] = "tokens";
    event["step"] = step;
    event["tokens"] = emitted;
    emit(event);
    if (std::all_of(finish.begin(), finish.end(), [](const std::string& f) { return !f.empty(); })) break;
  }
  Json result = Json::MakeObject();
  Json sequences = Json::MakeArray(), reasons = Json::MakeArray();
  for (int64_t b = 0; b < B; ++b) {
    Json seq = Json::MakeArray();
    for (const int64_t t : out[static_cast<size_t>(b)]) seq.Push(Json(t));
    sequences.Push(seq);
    const std::string& f = finish[static_cast<size_t>(b)];
    reasons.Push(Json(f.empty() ? std::string("length") : f));
  }
  result["sequences"] = sequences;
  result["finishReasons"] = reasons;
  return result;
}

}  // namespace egen

// ---- api.h ----
#include "api.h"
#include "infer/score.h"

namespace egen {
namespace {

std::atomic<int64_t> open_models{0};

// Owns the loaded model: freeing the last reference (the JavaScript handle's, or an in-flight
// call's) frees the libtorch module.
class ServedModelImpl : public ServedModel {
 public:
  explicit ServedModelImpl(std::shared_ptr<ModelHandle> handle) : handle_(std::move(handle)) { ++open_models; }
  ~ServedModelImpl() override { --open_models; }
  Json Describe() const override { return DescribeModel(*handle_); }
  Json Generate(const Json& options, const EmitFn& emit, const std::atomic<bool>& cancel) override {
    return egen::Generate(*handle_, GenerateConfig::FromJson(options), emit, cancel);
  }
  ScoreResult Score(const Json& options) override { return egen::Score(*handle_, ScoreConfig::FromJson(options)); }
  LogitsResult Logits(const Json& options) override { return egen::Logits(*handle_, LogitsConfig::FromJson(options)); }
  LogitsResult Classify(const Json& options) override { return egen::Classify(*handle_, ClassifyConfig::FromJson(options)); }

 private:
  std::shared_ptr<ModelHandle> handle_;
};
}  // namespace

int64_t OpenModelCount() { return open_models.load(); }

std::shared_ptr<ServedModel> OpenServedModel(const Json& o) {
  RejectUnknownKeys(o, {"checkpoint", "device"}, "openModel");
  return std::make_shared<ServedModelImpl>(OpenModel(o.at("checkpoint").AsString(), o.String("device", "auto")));
}

}  // namespace egen
