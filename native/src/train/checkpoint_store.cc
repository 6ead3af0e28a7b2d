#include "train/checkpoint_store.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "io/files.h"

#ifdef EGEN_WITH_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

namespace egen {
namespace {

std::string StepDirName(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%08lld", static_cast<long long>(step));
  return buf;
}

}  // namespace

Json TrainingState::ToJson(uint64_t seed, const std::string& precision, const LossScaler& scaler) const {
  Json state = Json::MakeObject();
  state["step"] = step;
  state["cursor"] = cursor;
  state["tokensSeen"] = tokens_seen;
  state["seed"] = static_cast<int64_t>(seed);
  state["bestStep"] = best_step;
  state["bestValLoss"] = std::isfinite(best_val_loss) ? Json(best_val_loss) : Json();
  state["valLoss"] = std::isfinite(last_val_loss) ? Json(last_val_loss) : Json();
  state["precision"] = precision;
  scaler.SaveState(state);
  return state;
}

TrainingState TrainingState::FromJson(const Json& s) {
  TrainingState state;
  state.step = s.at("step").AsInt();
  state.cursor = s.at("cursor").AsInt();
  state.tokens_seen = s.Int("tokensSeen", 0);
  state.best_step = s.Int("bestStep", -1);
  state.best_val_loss = s.Has("bestValLoss") ? s.at("bestValLoss").AsNumber() : INFINITY;
  return state;
}

CheckpointFile RngStateFile() {
  CheckpointFile rng{"rng.safetensors", {}, {}};
  rng.tensors.emplace_back("cpu", at::detail::getDefaultCPUGenerator().get_state());
#ifdef EGEN_WITH_CUDA
  if (torch::cuda::is_available()) {
    for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i) {
      rng.tensors.emplace_back("cuda:" + std::to_string(i), at::cuda::detail::getDefaultCUDAGenerator(static_cast<c10::DeviceIndex>(i)).get_state());
    }
  }
#endif
  return rng;
}

TrainingState ResumeTraining(const std::string& dir, const Json& manifest, AdamW& optimizer, LossScaler& scaler) {
  const Json& s = manifest.at("state");
  const TrainingState state = TrainingState::FromJson(s);
  if (!manifest.at("files").Has("optimizer.safetensors")) throw std::runtime_error("resumeFrom checkpoint " + dir + " has no optimizer.safetensors");
  optimizer.LoadState(LoadCheckpointFile(dir, "optimizer.safetensors"), "resumeFrom checkpoint " + dir + ": optimizer.safetensors");
  torch::NoGradGuard no_grad;
  scaler.LoadState(s);
  const auto rng = LoadCheckpointFile(dir, "rng.safetensors");
  if (rng.count("cpu")) {
    at::Generator cpu_generator = at::detail::getDefaultCPUGenerator();  // shares the default generator
    cpu_generator.set_state(rng.at("cpu"));
  }
#ifdef EGEN_WITH_CUDA
  for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i) {
    const auto it = rng.find("cuda:" + std::to_string(i));
    if (it != rng.end()) {
      at::Generator g = at::cuda::detail::getDefaultCUDAGenerator(static_cast<c10::DeviceIndex>(i));
      g.set_state(it->second);
    }
  }
#endif
  return state;
}

CheckpointStore::CheckpointStore(std::string dir, int64_t keep_last) : dir_(std::move(dir)), keep_last_(keep_last) {
  if (dir_.empty() || !IsDirectory(dir_)) return;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step-", 0) == 0 && name.find(".tmp-") == std::string::npos) kept_.push_back(entry.path().string());
  }
  std::sort(kept_.begin(), kept_.end());
}

std::string CheckpointStore::PathOf(int64_t step) const { return JoinPath(dir_, StepDirName(step)); }

std::string CheckpointStore::Save(int64_t step, int64_t best_step, const std::vector<CheckpointFile>& files, const Json& manifest) {
  const std::string dir = PathOf(step);
  WriteCheckpoint(dir, files, manifest);
  last_path_ = dir;
  last_step_ = step;
  if (std::find(kept_.begin(), kept_.end(), dir) == kept_.end()) kept_.push_back(dir);
  // Keep the newest keep_last, and the best by validation loss.
  const std::string best_dir = best_step >= 0 ? PathOf(best_step) : "";
  std::sort(kept_.begin(), kept_.end());  // zero-padded step numbers: oldest first
  const auto newest_start = static_cast<int64_t>(kept_.size()) - keep_last_;
  std::vector<std::string> kept;
  for (int64_t i = 0; i < static_cast<int64_t>(kept_.size()); ++i) {
    const std::string& d = kept_[static_cast<size_t>(i)];
    if (i >= newest_start || d == best_dir) kept.push_back(d);
    else RemoveAll(d);
  }
  kept_ = std::move(kept);
  return dir;
}

}  // namespace egen
