// Checkpoint directories: written atomically, verified on read.
//
// Layout of a checkpoint directory (format "egen-checkpoint", version 1):
//   checkpoint.json            manifest: format, version, kind, model config, LoRA config,
//                              training options and state, and {bytes, crc32} of every file
//   model.safetensors          weights under Hugging Face GPT-2 names (kind "model"/"training")
//   adapter_model.safetensors  LoRA adapters only (adapter-only checkpoints)
//   optimizer.safetensors      AdamW state: exp_avg/<name>, exp_avg_sq/<name>, step/<name>
//   rng.safetensors            generator states: cpu, cuda:<i>
// Writing: a temp directory next to the target, every file fsynced, the manifest last, then one
// rename; a reader never sees a half-written checkpoint.
#pragma once
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "util/json.h"

namespace egen {

constexpr int kCheckpointFormatVersion = 1;
constexpr const char* kCheckpointManifest = "checkpoint.json";

struct CheckpointFile {
  std::string name;  // e.g. "model.safetensors"
  NamedTensors tensors;
  std::map<std::string, std::string> metadata;
};

// Writes files + manifest (to which "format", "version" and "files" are added) into `dir`
// atomically, replacing an existing checkpoint of that name.
void WriteCheckpoint(const std::string& dir, const std::vector<CheckpointFile>& files, Json manifest);
// Reads and checks the manifest and the size and CRC-32 of every file it lists; errors name
// the file ("... model.safetensors is corrupt: checksum mismatch").
Json ReadCheckpointManifest(const std::string& dir);
// Loads one listed safetensors file of a verified checkpoint.
std::map<std::string, at::Tensor> LoadCheckpointFile(const std::string& dir, const std::string& name);

}  // namespace egen
