// GPT: a decoder-only transformer as GPT-2 / nanoGPT build it.
//
// Dimension legend used in shape comments:
//   B = batch, T = time (sequence), C = channels (n_embd), V = vocabulary,
//   nh = heads, hs = head size (C / nh), r = LoRA rank.
//
// Parameter names follow Hugging Face GPT-2's state dict (transformer.wte.weight,
// transformer.h.0.attn.c_attn.weight, ...), with one documented difference: linear weights use
// torch.nn.Linear's (out, in) layout, where Hugging Face's Conv1D stores (in, out), so an export
// transposes attn.c_attn, attn.c_proj, mlp.c_fc and mlp.c_proj weights. The LM head is tied to
// transformer.wte.weight and has no parameter of its own. A classification model (task
// "classification") has no LM head but a score head, score.weight (numLabels, C) without bias,
// read at each sequence's last real token: transformers' GPT2ForSequenceClassification. LoRA adapters are named as PEFT names
// them under the adapted module: ...c_attn.lora_A.weight (r, in), ...c_attn.lora_B.weight (out, r).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/nn/modules/container/modulelist.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace egen {

struct GPTConfig {
  int64_t vocab_size = 50304;     // GPT-2's 50257, padded up to a multiple of 64 for efficiency
  int64_t context_length = 1024;  // longest sequence (nanoGPT's block_size, GPT-2's n_positions)
  int64_t n_layer = 12;           // transformer blocks
  int64_t n_head = 12;            // attention heads per block; must divide n_embd
  int64_t n_embd = 768;           // embedding width (C)
  double dropout = 0.0;           // on embeddings, attention weights and residual branches; 0 for pretraining
  bool bias = true;               // biases in linears and LayerNorms (GPT-2: true)
  std::string task = "causal-lm";  // "causal-lm" (tied LM head) | "classification" (score head)
  int64_t num_labels = 0;          // classes of the score head: 0 for causal-lm, >= 2 for classification

  bool classification() const { return task == "classification"; }

  // Throws std::invalid_argument naming the field (e.g. "nEmbd (100) is not divisible by nHead (3)").
  void Validate() const;
  Json ToJson() const;  // camelCase keys, as the TypeScript side spells them
  // Throws std::invalid_argument naming an unknown key (`Unknown model option "nEmb"`), unless
  // `allow_unknown_keys` (configs read back from checkpoint manifests, which other versions wrote).
  static GPTConfig FromJson(const Json& json, bool allow_unknown_keys = false);
  // The first field (camelCase) whose value differs, or "" when the architectures match.
  // Dropout is a training setting, so it is not compared.
  std::string FirstArchitectureDifference(const GPTConfig& other) const;
  // As FirstArchitectureDifference, for the transformer alone (task and numLabels not compared):
  // whether a checkpoint's transformer weights fit this model.
  std::string FirstTransformerDifference(const GPTConfig& other) const;
};

struct LoraConfig {
  int64_t rank = 8;       // r: width of the low-rank update
  double alpha = 16;      // the update is scaled by alpha / r
  double dropout = 0.0;   // on the adapter's input only
  std::vector<std::string> targets = {"attn.c_attn"};  // any of attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj
  Json ToJson() const;
  // As GPTConfig::FromJson (`Unknown LoRA option "rnak"`).
  static LoraConfig FromJson(const Json& json, bool allow_unknown_keys = false);
};

// A linear layer y = x W^T + b that can carry a LoRA adapter: y += (drop(x) A^T B^T) * alpha / r.
struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in, int64_t out, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  void AddLora(int64_t rank, double alpha, double dropout);
  void MergeLora();  // W += B A * alpha / r, then drops the adapter
  bool has_lora() const { return lora_A.defined(); }

  int64_t in_features, out_features;
  torch::Tensor weight, bias;    // (out, in), (out)
  torch::Tensor lora_A, lora_B;  // (r, in), (out, r); registered as lora_A.weight / lora_B.weight
  double lora_scaling = 0, lora_dropout = 0;
};
TORCH_MODULE(Linear);

struct LayerNormImpl : torch::nn::Module {
  LayerNormImpl(int64_t width, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
};
TORCH_MODULE(LayerNorm);

// Keys and values of past positions for one block: (B, nh, T_past, hs) each.
struct LayerCache {
  torch::Tensor k, v;
};

struct AttentionImpl : torch::nn::Module {
  explicit AttentionImpl(const GPTConfig& config);
  // attn_mask: boolean (B, 1, T, T_total), true = may attend; undefined = plain causal.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_mask, LayerCache* cache);
  Linear c_attn{nullptr}, c_proj{nullptr};  // fused q,k,v projection (C -> 3C); output projection
  int64_t n_head, n_embd;
  double dropout;
  // Attention in plain operations instead of the fused kernels, whose CUDA backward accumulates
  // atomically (run-to-run differences); set for deterministic training. (Short float32 CPU
  // contexts use CausalAttentionCpu either way: it is deterministic.)
  bool math_attention = false;
};
TORCH_MODULE(Attention);

struct MLPImpl : torch::nn::Module {
  explicit MLPImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  Linear c_fc{nullptr}, c_proj{nullptr};  // C -> 4C -> C
  double dropout;
};
TORCH_MODULE(MLP);

struct BlockImpl : torch::nn::Module {
  explicit BlockImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_mask, LayerCache* cache);
  LayerNorm ln_1{nullptr}, ln_2{nullptr};
  Attention attn{nullptr};
  MLP mlp{nullptr};
};
TORCH_MODULE(Block);

// The "transformer" submodule, so that names start with "transformer." as in Hugging Face.
struct TransformerImpl : torch::nn::Module {
  explicit TransformerImpl(const GPTConfig& config);
  torch::Tensor wte, wpe;  // registered as wte.weight (V, C), wpe.weight (T, C)
  torch::nn::ModuleList h;
  std::vector<Block> blocks;
  LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Transformer);

struct GPTOutput {
  torch::Tensor logits;  // (B, T, V), or (B, 1, V) when only the last position was asked for; classification: (B, numLabels)
  torch::Tensor loss;    // scalar mean cross-entropy, undefined without targets
};

struct GPTImpl : torch::nn::Module {
  // `initialize` = false skips the random initialization (the weights are loaded next).
  explicit GPTImpl(const GPTConfig& config, bool initialize = true);

  // idx: (B, T) int64 token ids. targets: (B, T) or undefined. positions: (B, T) or undefined
  // (0..T-1 after the cached length). attn_mask: see AttentionImpl. cache: one per block or empty.
  GPTOutput forward(const torch::Tensor& idx, const torch::Tensor& targets = {}, const torch::Tensor& positions = {},
                    const torch::Tensor& attn_mask = {}, std::vector<LayerCache>* cache = nullptr, bool last_only = false);

  // Classification models: idx (B, T) right-padded (the padding's ids do not matter: attention is
  // causal and nothing reads past a row's end); lengths (B) int64, each in 1..T; labels (B) int64
  // or undefined. Logits (B, numLabels) of the score head at each row's last real token (after
  // ln_f); loss = mean cross-entropy over the rows.
  GPTOutput Classify(const torch::Tensor& idx, const torch::Tensor& lengths, const torch::Tensor& labels = {});

  // GPT-2 initialization: N(0, 0.02) for linears and embeddings, N(0, 0.02/sqrt(2 n_layer)) for
  // residual projections (attn.c_proj, mlp.c_proj), zero biases, unit LayerNorm weights.
  void InitWeights();
  // Grows (or keeps) the vocabulary: existing rows are kept, new rows start at the mean of the
  // old ones; the tied LM head follows automatically.
  void ResizeTokenEmbeddings(int64_t new_vocab_size);
  // Adds adapters to the target linears and freezes every other parameter but the score head of a
  // classification model (it is new to the task, so it trains fully, as PEFT's modules_to_save).
  void AddLora(const LoraConfig& lora);
  void MergeLora();
  bool has_lora() const { return lora_.has_value(); }
  const std::optional<LoraConfig>& lora() const { return lora_; }

  // Parameters counted as nanoGPT does (position embeddings excluded; the tied head once).
  int64_t NumParams(bool non_embedding = true) const;
  // Every (HF-style name, tensor) pair; `lora_only` keeps the adapters (and, with adapters, the
  // score head that trains alongside them).
  std::vector<std::pair<std::string, torch::Tensor>> NamedTensors(bool lora_only = false) const;
  // Copies tensors in by name; every model tensor must be present with the same shape, unless
  // `allow_missing_lora` and the tensor is an adapter. Errors name the tensor and the file.
  void LoadNamed(const std::map<std::string, at::Tensor>& tensors, const std::string& what, bool lora_only = false);

  GPTConfig config;
  Transformer transformer{nullptr};
  torch::Tensor score;  // classification only: registered as score.weight (numLabels, C)

 private:
  // Token ids -> hidden states after ln_f (B, T, C).
  torch::Tensor Hidden(const torch::Tensor& idx, const torch::Tensor& positions, const torch::Tensor& attn_mask, std::vector<LayerCache>* cache);
  // Saved with the adapters: a LoRA tensor, or the score head of an adapted classifier.
  bool IsAdapterTensor(const std::string& name) const;
  std::optional<LoraConfig> lora_;
};
TORCH_MODULE(GPT);

}  // namespace egen
