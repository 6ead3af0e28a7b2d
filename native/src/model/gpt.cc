#include "model/gpt.h"

#include "ops/causal_attention_cpu.h"
#include "ops/gelu_cpu.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include <cmath>
#include <stdexcept>

namespace egen {
namespace {

constexpr double kInitStd = 0.02;     // GPT-2's initializer_range
constexpr double kLayerNormEps = 1e-5;

bool IsTarget(const LoraConfig& lora, const std::string& name) {
  for (const std::string& t : lora.targets) if (t == name) return true;
  return false;
}

}  // namespace

// ---- config ----

void GPTConfig::Validate() const {
  const auto positive = [](const char* name, int64_t v) {
    if (v < 1) throw std::invalid_argument(std::string(name) + " must be a positive integer, got " + std::to_string(v));
  };
  positive("vocabSize", vocab_size);
  positive("contextLength", context_length);
  positive("nLayer", n_layer);
  positive("nHead", n_head);
  positive("nEmbd", n_embd);
  if (n_embd % n_head != 0) {
    throw std::invalid_argument("nEmbd (" + std::to_string(n_embd) + ") is not divisible by nHead (" + std::to_string(n_head) + ")");
  }
  if (!(dropout >= 0 && dropout < 1)) throw std::invalid_argument("dropout must be in [0, 1), got " + std::to_string(dropout));
  if (task == "classification") {
    if (num_labels < 2) throw std::invalid_argument("numLabels must be at least 2 for a classification model, got " + std::to_string(num_labels));
  } else if (task == "causal-lm") {
    if (num_labels != 0) throw std::invalid_argument("numLabels must be 0 for a causal-lm model (it has no score head), got " + std::to_string(num_labels));
  } else {
    throw std::invalid_argument("task must be \"causal-lm\" or \"classification\", got \"" + task + "\"");
  }
}

Json GPTConfig::ToJson() const {
  Json j = Json::MakeObject();
  j["vocabSize"] = vocab_size;
  j["contextLength"] = context_length;
  j["nLayer"] = n_layer;
  j["nHead"] = n_head;
  j["nEmbd"] = n_embd;
  j["dropout"] = dropout;
  j["bias"] = bias;
  j["task"] = task;
  j["numLabels"] = num_labels;
  return j;
}

GPTConfig GPTConfig::FromJson(const Json& j, bool allow_unknown_keys) {
  if (!allow_unknown_keys) RejectUnknownKeys(j, {"vocabSize", "contextLength", "nLayer", "nHead", "nEmbd", "dropout", "bias", "task", "numLabels"}, "model");
  GPTConfig c;
  c.vocab_size = j.at("vocabSize").AsInt();
  c.context_length = j.at("contextLength").AsInt();
  c.n_layer = j.at("nLayer").AsInt();
  c.n_head = j.at("nHead").AsInt();
  c.n_embd = j.at("nEmbd").AsInt();
  c.dropout = j.Number("dropout", c.dropout);
  c.bias = j.Bool("bias", c.bias);
  // Manifests written before classification existed have neither key: causal-lm.
  c.task = j.String("task", c.task);
  c.num_labels = j.Int("numLabels", c.num_labels);
  c.Validate();
  return c;
}

std::string GPTConfig::FirstArchitectureDifference(const GPTConfig& o) const {
  if (task != o.task) return "task (" + task + " here, " + o.task + " in the checkpoint)";
  if (num_labels != o.num_labels) return "numLabels (" + std::to_string(num_labels) + " here, " + std::to_string(o.num_labels) + " in the checkpoint)";
  return FirstTransformerDifference(o);
}

std::string GPTConfig::FirstTransformerDifference(const GPTConfig& o) const {
  const auto field = [](const char* name, auto mine, auto theirs) {
    return std::string(name) + " (" + std::to_string(mine) + " here, " + std::to_string(theirs) + " in the checkpoint)";
  };
  if (vocab_size != o.vocab_size) return field("vocabSize", vocab_size, o.vocab_size);
  if (context_length != o.context_length) return field("contextLength", context_length, o.context_length);
  if (n_layer != o.n_layer) return field("nLayer", n_layer, o.n_layer);
  if (n_head != o.n_head) return field("nHead", n_head, o.n_head);
  if (n_embd != o.n_embd) return field("nEmbd", n_embd, o.n_embd);
  if (bias != o.bias) return std::string("bias (") + (bias ? "true" : "false") + " here, " + (o.bias ? "true" : "false") + " in the checkpoint)";
  return "";
}

Json LoraConfig::ToJson() const {
  Json j = Json::MakeObject();
  j["rank"] = rank;
  j["alpha"] = alpha;
  j["dropout"] = dropout;
  Json t = Json::MakeArray();
  for (const auto& s : targets) t.Push(s);
  j["targets"] = t;
  return j;
}

LoraConfig LoraConfig::FromJson(const Json& j, bool allow_unknown_keys) {
  if (!allow_unknown_keys) RejectUnknownKeys(j, {"rank", "alpha", "dropout", "targets"}, "LoRA");
  LoraConfig c;
  c.rank = j.Int("rank", c.rank);
  c.alpha = j.Number("alpha", c.alpha);
  c.dropout = j.Number("dropout", c.dropout);
  if (j.Has("targets")) {
    c.targets.clear();
    for (const Json& t : j.at("targets").AsArray()) c.targets.push_back(t.AsString());
  }
  for (const auto& t : c.targets) {
    if (t != "attn.c_attn" && t != "attn.c_proj" && t != "mlp.c_fc" && t != "mlp.c_proj") {
      throw std::invalid_argument("lora.targets: unknown module \"" + t + "\"");
    }
  }
  if (c.rank < 1) throw std::invalid_argument("lora.rank must be a positive integer");
  return c;
}

// ---- layers ----

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias) : in_features(in), out_features(out) {
  weight = register_parameter("weight", torch::empty({out, in}));
  if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = at::linear(x, weight, bias);
  if (lora_A.defined()) {
    torch::Tensor in = lora_dropout > 0 && is_training() ? at::dropout(x, lora_dropout, true) : x;
    y = y + at::linear(at::linear(in, lora_A), lora_B) * lora_scaling;  // (B, T, r) -> (B, T, out)
  }
  return y;
}

void LinearImpl::AddLora(int64_t rank, double alpha, double dropout) {
  auto a = std::make_shared<torch::nn::Module>();
  auto b = std::make_shared<torch::nn::Module>();
  // As PEFT: A ~ kaiming-uniform(a = sqrt(5)), B = 0, so the adapted model starts equal to the base.
  lora_A = a->register_parameter("weight", torch::empty({rank, in_features}, weight.options()));
  lora_B = b->register_parameter("weight", torch::zeros({out_features, rank}, weight.options()));
  {
    torch::NoGradGuard no_grad;
    torch::nn::init::kaiming_uniform_(lora_A, std::sqrt(5.0));
  }
  register_module("lora_A", a);
  register_module("lora_B", b);
  lora_scaling = alpha / static_cast<double>(rank);
  lora_dropout = dropout;
}

void LinearImpl::MergeLora() {
  if (!lora_A.defined()) return;
  {
    torch::NoGradGuard no_grad;
    weight.add_(at::matmul(lora_B, lora_A) * lora_scaling);  // (out, r) @ (r, in)
  }
  unregister_module("lora_A");
  unregister_module("lora_B");
  lora_A = torch::Tensor();
  lora_B = torch::Tensor();
}

LayerNormImpl::LayerNormImpl(int64_t width, bool with_bias) {
  weight = register_parameter("weight", torch::ones({width}));
  if (with_bias) bias = register_parameter("bias", torch::zeros({width}));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  return at::layer_norm(x, {weight.size(0)}, weight, bias, kLayerNormEps);
}

AttentionImpl::AttentionImpl(const GPTConfig& c)
    : c_attn(register_module("c_attn", Linear(c.n_embd, 3 * c.n_embd, c.bias))),
      c_proj(register_module("c_proj", Linear(c.n_embd, c.n_embd, c.bias))),
      n_head(c.n_head),
      n_embd(c.n_embd),
      dropout(c.dropout) {}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_mask, LayerCache* cache) {
  const int64_t B = x.size(0), T = x.size(1), C = n_embd, hs = C / n_head;
  const double p = is_training() ? dropout : 0.0;
  // One fused matmul for q, k and v: (B, T, 3C).
  const torch::Tensor fused_qkv = c_attn(x);
  // Short causal contexts in float32 on the CPU: the fused kernel reads q, k, v in place (and is
  // deterministic, so deterministic runs take it too).
  if (cache == nullptr && !attn_mask.defined() && p == 0 && CausalAttentionCpuApplies(fused_qkv)) {
    return c_proj(CausalAttentionCpu(fused_qkv, n_head));
  }
  // Otherwise views (B, nh, T, hs) for the cache and SDPA.
  const auto qkv = fused_qkv.split(/*split_size=*/C, /*dim=*/2);
  torch::Tensor q = qkv[0].view({B, T, n_head, hs}).transpose(1, 2);
  torch::Tensor k = qkv[1].view({B, T, n_head, hs}).transpose(1, 2);
  torch::Tensor v = qkv[2].view({B, T, n_head, hs}).transpose(1, 2);
  if (cache != nullptr) {
    if (cache->k.defined()) {
      k = at::cat({cache->k, k}, /*dim=*/2);  // (B, nh, T_past + T, hs)
      v = at::cat({cache->v, v}, /*dim=*/2);
    }
    cache->k = k;
    cache->v = v;
  }
  // Flash/memory-efficient kernels where available; causal masking without a mask tensor.
  const bool causal = !attn_mask.defined() && k.size(2) == T;
  torch::Tensor y;
  if (math_attention) {
    // softmax(q k^T / sqrt(hs)) v in plain ops (autocast keeps the softmax in fp32); every
    // backward kernel here is deterministic.
    torch::Tensor att = at::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(hs)));
    if (attn_mask.defined()) {
      att = att.masked_fill(attn_mask.logical_not(), -INFINITY);
    } else if (causal) {
      att = att.masked_fill(at::ones({T, T}, att.options().dtype(at::kBool)).triu(1), -INFINITY);
    }
    att = at::softmax(att, -1);
    if (p > 0) att = at::dropout(att, p, true);
    y = at::matmul(att, v);
  } else {
    const std::optional<torch::Tensor> mask = attn_mask.defined() ? std::optional<torch::Tensor>(attn_mask) : std::nullopt;
    y = at::scaled_dot_product_attention(q, k, v, mask, p, causal);
  }
  y = y.transpose(1, 2).contiguous().view({B, T, C});  // re-assemble heads side by side
  y = c_proj(y);
  return p > 0 ? at::dropout(y, p, true) : y;
}

MLPImpl::MLPImpl(const GPTConfig& c)
    : c_fc(register_module("c_fc", Linear(c.n_embd, 4 * c.n_embd, c.bias))),
      c_proj(register_module("c_proj", Linear(4 * c.n_embd, c.n_embd, c.bias))),
      dropout(c.dropout) {}

torch::Tensor MLPImpl::forward(const torch::Tensor& x) {
  // Exact (erf) GELU, as nanoGPT's nn.GELU(); on the CPU in float32 the kernel that keeps its
  // derivative (ops/gelu_cpu.h).
  const torch::Tensor h = c_fc(x);
  torch::Tensor y = c_proj(GeluCpuApplies(h) ? GeluCpu(h) : at::gelu(h));
  return dropout > 0 && is_training() ? at::dropout(y, dropout, true) : y;
}

BlockImpl::BlockImpl(const GPTConfig& c)
    : ln_1(register_module("ln_1", LayerNorm(c.n_embd, c.bias))),
      ln_2(register_module("ln_2", LayerNorm(c.n_embd, c.bias))),
      attn(register_module("attn", Attention(c))),
      mlp(register_module("mlp", MLP(c))) {}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_mask, LayerCache* cache) {
  torch::Tensor h = x + attn(ln_1(x), attn_mask, cache);  // pre-norm residual blocks
  return h + mlp(ln_2(h));
}

TransformerImpl::TransformerImpl(const GPTConfig& c) {
  auto wte_module = std::make_shared<torch::nn::Module>();
  auto wpe_module = std::make_shared<torch::nn::Module>();
  wte = wte_module->register_parameter("weight", torch::empty({c.vocab_size, c.n_embd}));
  wpe = wpe_module->register_parameter("weight", torch::empty({c.context_length, c.n_embd}));
  register_module("wte", wte_module);
  register_module("wpe", wpe_module);
  h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.n_layer; ++i) {
    blocks.emplace_back(c);
    h->push_back(blocks.back());
  }
  ln_f = register_module("ln_f", LayerNorm(c.n_embd, c.bias));
}

namespace {
constexpr const char* kScoreWeight = "score.weight";
}  // namespace

// ---- model ----

GPTImpl::GPTImpl(const GPTConfig& c, bool initialize) : config(c) {
  config.Validate();
  transformer = register_module("transformer", Transformer(config));
  if (config.classification()) {
    auto score_module = std::make_shared<torch::nn::Module>();
    score = score_module->register_parameter("weight", torch::empty({config.num_labels, config.n_embd}));
    register_module("score", score_module);
  }
  if (initialize) InitWeights();
}

void GPTImpl::InitWeights() {
  torch::NoGradGuard no_grad;
  const double residual_std = kInitStd / std::sqrt(2.0 * static_cast<double>(config.n_layer));
  transformer->wte.normal_(0.0, kInitStd);
  transformer->wpe.normal_(0.0, kInitStd);
  for (Block& block : transformer->blocks) {
    for (Linear* lin : {&block->attn->c_attn, &block->attn->c_proj, &block->mlp->c_fc, &block->mlp->c_proj}) {
      const bool residual = lin == &block->attn->c_proj || lin == &block->mlp->c_proj;
      (*lin)->weight.normal_(0.0, residual ? residual_std : kInitStd);
      if ((*lin)->bias.defined()) (*lin)->bias.zero_();
    }
  }
  if (score.defined()) score.normal_(0.0, kInitStd);  // as transformers initializes GPT2ForSequenceClassification.score
}

torch::Tensor GPTImpl::Hidden(const torch::Tensor& idx, const torch::Tensor& positions, const torch::Tensor& attn_mask, std::vector<LayerCache>* cache) {
  const int64_t T = idx.size(1);
  const int64_t past = cache != nullptr && !cache->empty() && (*cache)[0].k.defined() ? (*cache)[0].k.size(2) : 0;
  TORCH_CHECK(past + T <= config.context_length, "sequence of ", past + T, " tokens is longer than contextLength ", config.context_length);
  torch::Tensor pos_emb = positions.defined()
                              ? at::embedding(transformer->wpe, positions)                                            // (B, T, C)
                              : at::embedding(transformer->wpe, at::arange(past, past + T, idx.options()));  // (T, C)
  // Sparse gradient for the token embedding: only B*T rows are touched, and the tied head's
  // dense gradient arrives first, so the rows are added into it in place instead of
  // materializing (and zero-filling) a second V x C dense gradient and summing the two.
  // (A classifier has no tied head, so its embedding gradient stays dense.)
  const bool sparse = is_training() && !config.classification();
  torch::Tensor x = at::embedding(transformer->wte, idx, /*padding_idx=*/-1, /*scale_grad_by_freq=*/false, sparse) + pos_emb;  // (B, T, C)
  if (is_training() && config.dropout > 0) x = at::dropout(x, config.dropout, true);
  if (cache != nullptr && cache->empty()) cache->resize(static_cast<size_t>(config.n_layer));
  for (size_t i = 0; i < transformer->blocks.size(); ++i) {
    x = transformer->blocks[i]->forward(x, attn_mask, cache != nullptr ? &(*cache)[i] : nullptr);
  }
  return transformer->ln_f(x);
}

GPTOutput GPTImpl::forward(const torch::Tensor& idx, const torch::Tensor& targets, const torch::Tensor& positions,
                           const torch::Tensor& attn_mask, std::vector<LayerCache>* cache, bool last_only) {
  if (config.classification()) throw std::invalid_argument("this is a classification model (numLabels " + std::to_string(config.num_labels) + "); it has no next-token head, use classify");
  const int64_t T = idx.size(1);
  torch::Tensor x = Hidden(idx, positions, attn_mask, cache);
  GPTOutput out;
  if (last_only) x = x.narrow(1, T - 1, 1);
  // Tied LM head: (B, T, V). On CUDA a vocabulary that is not a multiple of 64 (GPT-2's 50257)
  // sends cuBLAS to slow unaligned bf16 kernels: on an H100 the head's product and its two
  // backward products took ~30 ms of a 74 ms GPT-2 step. The product runs on the weight padded
  // with zero rows and the extra logits are dropped: the same logits and gradients, aligned kernels.
  const int64_t vocab = transformer->wte.size(0);
  const int64_t aligned = (vocab + 63) / 64 * 64;
  if (x.is_cuda() && aligned != vocab) {
    out.logits = at::linear(x, at::constant_pad_nd(transformer->wte, {0, 0, 0, aligned - vocab})).narrow(-1, 0, vocab);
  } else {
    out.logits = at::linear(x, transformer->wte);
  }
  if (targets.defined()) {
    out.loss = at::cross_entropy_loss(out.logits.reshape({-1, vocab}).to(at::kFloat), targets.reshape({-1}));
  }
  return out;
}

GPTOutput GPTImpl::Classify(const torch::Tensor& idx, const torch::Tensor& lengths, const torch::Tensor& labels) {
  if (!config.classification()) throw std::invalid_argument("this is a causal-lm model; it has no classification head");
  const torch::Tensor hidden = Hidden(idx, {}, {}, nullptr);  // (B, T, C)
  // Each row's last real token: a gather at lengths - 1 (the padding after it is never read).
  const torch::Tensor last = (lengths.to(idx.device()) - 1).view({-1, 1, 1}).expand({hidden.size(0), 1, hidden.size(2)});
  const torch::Tensor pooled = hidden.gather(/*dim=*/1, last).squeeze(1);  // (B, C)
  GPTOutput out;
  out.logits = at::linear(pooled, score);  // (B, numLabels)
  if (labels.defined()) out.loss = at::cross_entropy_loss(out.logits.to(at::kFloat), labels.to(idx.device()));
  return out;
}

void GPTImpl::ResizeTokenEmbeddings(int64_t new_vocab_size) {
  const int64_t old = config.vocab_size;
  if (new_vocab_size < old) {
    throw std::invalid_argument("vocabSize " + std::to_string(new_vocab_size) + " is smaller than the current " + std::to_string(old) + "; shrinking would drop trained rows");
  }
  if (new_vocab_size == old) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor w = transformer->wte;
  const torch::Tensor mean = w.mean(/*dim=*/0, /*keepdim=*/true);  // (1, C)
  transformer->wte.set_data(at::cat({w, mean.expand({new_vocab_size - old, w.size(1)})}, 0).contiguous());
  config.vocab_size = new_vocab_size;
}

void GPTImpl::AddLora(const LoraConfig& lora) {
  if (lora_) throw std::runtime_error("the model already has LoRA adapters");
  for (auto& p : parameters()) p.set_requires_grad(false);  // base weights frozen
  if (score.defined()) score.set_requires_grad(true);
  for (Block& block : transformer->blocks) {
    if (IsTarget(lora, "attn.c_attn")) block->attn->c_attn->AddLora(lora.rank, lora.alpha, lora.dropout);
    if (IsTarget(lora, "attn.c_proj")) block->attn->c_proj->AddLora(lora.rank, lora.alpha, lora.dropout);
    if (IsTarget(lora, "mlp.c_fc")) block->mlp->c_fc->AddLora(lora.rank, lora.alpha, lora.dropout);
    if (IsTarget(lora, "mlp.c_proj")) block->mlp->c_proj->AddLora(lora.rank, lora.alpha, lora.dropout);
  }
  lora_ = lora;
}

void GPTImpl::MergeLora() {
  if (!lora_) throw std::runtime_error("the model has no LoRA adapters to merge");
  for (Block& block : transformer->blocks) {
    block->attn->c_attn->MergeLora();
    block->attn->c_proj->MergeLora();
    block->mlp->c_fc->MergeLora();
    block->mlp->c_proj->MergeLora();
  }
  for (auto& p : parameters()) p.set_requires_grad(true);
  lora_.reset();
}

int64_t GPTImpl::NumParams(bool non_embedding) const {
  int64_t n = 0;
  for (const auto& item : named_parameters()) {
    if (item.key().find("lora_") != std::string::npos) continue;
    n += item.value().numel();
  }
  if (non_embedding) n -= transformer->wpe.numel();
  return n;
}

bool GPTImpl::IsAdapterTensor(const std::string& name) const {
  return name.find(".lora_") != std::string::npos || (lora_.has_value() && name == kScoreWeight);
}

std::vector<std::pair<std::string, torch::Tensor>> GPTImpl::NamedTensors(bool lora_only) const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : named_parameters()) {
    if (lora_only && !IsAdapterTensor(item.key())) continue;
    out.emplace_back(item.key(), item.value());
  }
  return out;
}

void GPTImpl::LoadNamed(const std::map<std::string, at::Tensor>& tensors, const std::string& what, bool lora_only) {
  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    if (lora_only != IsAdapterTensor(item.key())) continue;
    const auto it = tensors.find(item.key());
    if (it == tensors.end()) throw std::runtime_error(what + " has no tensor " + item.key());
    if (it->second.sizes() != item.value().sizes()) {
      throw std::runtime_error(what + ": tensor " + item.key() + " has shape " + c10::str(it->second.sizes()) + " but the model expects " + c10::str(item.value().sizes()));
    }
    item.value().copy_(it->second);
  }
}

}  // namespace egen
