// Models in checkpoint directories (io/checkpoint.h): create, load, save, and the offline
// edits (embedding resize, LoRA merge) that read one checkpoint and write another.
#pragma once
#include <string>

#include "io/checkpoint.h"
#include "model/gpt.h"

namespace egen {

struct LoadedModel {
  GPT model{nullptr};
  Json manifest;
};

// Loads weights (and LoRA adapters, following "baseCheckpoint" for adapter-only checkpoints)
// onto the CPU. Verifies checksums first.
LoadedModel LoadModelCheckpoint(const std::string& dir);
// The model file(s) of a checkpoint: full weights, or only the adapters when `adapter_only`.
CheckpointFile ModelFile(const GPT& model, bool adapter_only);
// Manifest fields describing the model: model config, lora config, adapterOnly, baseCheckpoint.
Json ModelManifest(const GPT& model, bool adapter_only, const std::string& base_checkpoint);

// createModel: a freshly initialized model (seeded) written as a "model" checkpoint. With
// `base_checkpoint` (a model of the same transformer shape, e.g. a causal LM to fine-tune as a
// classifier) its transformer.* weights are copied and only the head (a classifier's score) is fresh.
Json CreateModelCheckpoint(const GPTConfig& config, uint64_t seed, const std::string& out_dir, const std::string& base_checkpoint = "");
// resizeEmbeddings: grows the vocabulary of `in_dir`'s model and writes `out_dir`.
Json ResizeEmbeddingsCheckpoint(const std::string& in_dir, int64_t vocab_size, const std::string& out_dir);
// mergeLora: folds the adapters of `in_dir` into the base weights and writes `out_dir`.
Json MergeLoraCheckpoint(const std::string& in_dir, const std::string& out_dir);

}  // namespace egen
