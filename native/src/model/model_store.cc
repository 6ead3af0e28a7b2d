#include "model/model_store.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <stdexcept>

#include "io/files.h"

namespace egen {

CheckpointFile ModelFile(const GPT& model, bool adapter_only) {
  CheckpointFile f;
  f.name = adapter_only ? "adapter_model.safetensors" : "model.safetensors";
  f.tensors = model->NamedTensors(/*lora_only=*/adapter_only);
  f.metadata["format"] = "pt";  // what transformers expects in safetensors metadata
  return f;
}

Json ModelManifest(const GPT& model, bool adapter_only, const std::string& base_checkpoint) {
  Json m = Json::MakeObject();
  m["model"] = model->config.ToJson();
  m["lora"] = model->has_lora() ? model->lora()->ToJson() : Json();
  m["adapterOnly"] = adapter_only;
  m["baseCheckpoint"] = base_checkpoint.empty() ? Json() : Json(base_checkpoint);
  return m;
}

LoadedModel LoadModelCheckpoint(const std::string& dir) {
  LoadedModel out;
  out.manifest = ReadCheckpointManifest(dir);
  const Json& m = out.manifest;
  // Tolerant of keys this version does not know: the manifest may come from another version.
  const GPTConfig config = GPTConfig::FromJson(m.at("model"), /*allow_unknown_keys=*/true);
  const bool adapter_only = m.Bool("adapterOnly", false);
  if (adapter_only) {
    if (!m.Has("baseCheckpoint")) throw std::runtime_error("adapter checkpoint " + dir + " does not name its baseCheckpoint");
    out.model = LoadModelCheckpoint(m.at("baseCheckpoint").AsString()).model;
    const std::string diff = config.FirstArchitectureDifference(out.model->config);
    if (!diff.empty()) throw std::runtime_error("adapter checkpoint " + dir + " does not match its base model: " + diff);
    if (out.model->has_lora()) out.model->MergeLora();
  } else {
    torch::NoGradGuard no_grad;
    out.model = GPT(config, /*initialize=*/false);
  }
  if (m.Has("lora") && !out.model->has_lora()) out.model->AddLora(LoraConfig::FromJson(m.at("lora"), /*allow_unknown_keys=*/true));
  if (adapter_only) {
    out.model->LoadNamed(LoadCheckpointFile(dir, "adapter_model.safetensors"), JoinPath(dir, "adapter_model.safetensors"), /*lora_only=*/true);
  } else {
    const auto tensors = LoadCheckpointFile(dir, "model.safetensors");
    const std::string what = JoinPath(dir, "model.safetensors");
    out.model->LoadNamed(tensors, what, /*lora_only=*/false);
    if (out.model->has_lora()) out.model->LoadNamed(tensors, what, /*lora_only=*/true);
  }
  return out;
}

Json CreateModelCheckpoint(const GPTConfig& config, uint64_t seed, const std::string& out_dir, const std::string& base_checkpoint) {
  torch::manual_seed(seed);
  GPT model(config);
  if (!base_checkpoint.empty()) {
    LoadedModel base = LoadModelCheckpoint(base_checkpoint);
    if (base.model->has_lora()) throw std::runtime_error("baseCheckpoint " + base_checkpoint + " has LoRA adapters; merge them (mergeLora) first");
    const std::string diff = config.FirstTransformerDifference(base.model->config);
    if (!diff.empty()) throw std::runtime_error("baseCheckpoint " + base_checkpoint + " has a different transformer: " + diff);
    std::map<std::string, at::Tensor> weights;
    for (const auto& [name, tensor] : base.model->NamedTensors(false)) if (name.rfind("transformer.", 0) == 0) weights.emplace(name, tensor);
    torch::NoGradGuard no_grad;
    for (const auto& [name, tensor] : model->NamedTensors(false)) {
      if (name.rfind("transformer.", 0) == 0) tensor.copy_(weights.at(name));  // same shapes: the transformers match
    }
  }
  Json manifest = ModelManifest(model, false, "");
  manifest["kind"] = "model";
  manifest["seed"] = static_cast<int64_t>(seed);
  manifest["initializedFrom"] = base_checkpoint.empty() ? Json() : Json(base_checkpoint);
  WriteCheckpoint(out_dir, {ModelFile(model, false)}, manifest);
  Json result = Json::MakeObject();
  result["path"] = out_dir;
  result["model"] = model->config.ToJson();
  result["parameters"] = model->NumParams(false);
  return result;
}

Json ResizeEmbeddingsCheckpoint(const std::string& in_dir, int64_t vocab_size, const std::string& out_dir) {
  LoadedModel loaded = LoadModelCheckpoint(in_dir);
  if (loaded.model->has_lora()) throw std::runtime_error("checkpoint " + in_dir + " has LoRA adapters; merge them (mergeLora) before resizing embeddings");
  const int64_t before = loaded.model->config.vocab_size;
  loaded.model->ResizeTokenEmbeddings(vocab_size);
  Json manifest = ModelManifest(loaded.model, false, "");
  manifest["kind"] = "model";
  WriteCheckpoint(out_dir, {ModelFile(loaded.model, false)}, manifest);
  Json result = Json::MakeObject();
  result["path"] = out_dir;
  result["model"] = loaded.model->config.ToJson();
  result["addedTokens"] = vocab_size - before;
  return result;
}

Json MergeLoraCheckpoint(const std::string& in_dir, const std::string& out_dir) {
  LoadedModel loaded = LoadModelCheckpoint(in_dir);
  if (!loaded.model->has_lora()) throw std::runtime_error("checkpoint " + in_dir + " has no LoRA adapters to merge");
  loaded.model->MergeLora();
  Json manifest = ModelManifest(loaded.model, false, "");
  manifest["kind"] = "model";
  manifest["mergedFrom"] = in_dir;
  WriteCheckpoint(out_dir, {ModelFile(loaded.model, false)}, manifest);
  Json result = Json::MakeObject();
  result["path"] = out_dir;
  result["model"] = loaded.model->config.ToJson();
  return result;
}

}  // namespace egen

// ---- api.h ----
#include "api.h"

namespace egen {

Json CreateModelApi(const Json& o) {
  RejectUnknownKeys(o, {"model", "seed", "outputDir", "baseCheckpoint"}, "createModel");
  return CreateModelCheckpoint(GPTConfig::FromJson(o.at("model")), static_cast<uint64_t>(o.Int("seed", 1337)), o.at("outputDir").AsString(), o.String("baseCheckpoint", ""));
}
Json ResizeEmbeddingsApi(const Json& o) {
  RejectUnknownKeys(o, {"checkpoint", "vocabSize", "outputDir"}, "resizeEmbeddings");
  return ResizeEmbeddingsCheckpoint(o.at("checkpoint").AsString(), o.at("vocabSize").AsInt(), o.at("outputDir").AsString());
}
Json MergeLoraApi(const Json& o) {
  RejectUnknownKeys(o, {"checkpoint", "outputDir"}, "mergeLora");
  return MergeLoraCheckpoint(o.at("checkpoint").AsString(), o.at("outputDir").AsString());
}

}  // namespace egen
