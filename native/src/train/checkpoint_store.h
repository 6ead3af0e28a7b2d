// Training checkpoints: the directory of step-NNNNNNNN checkpoints with its retention policy
// (the newest keepLast and the best by validation loss), what a training checkpoint holds beyond
// the model (training state, RNG states), and reading it back to resume exactly.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "train/optimizer.h"
#include "util/json.h"

namespace egen {

// The counters a resumed run continues from ("state" in checkpoint.json).
struct TrainingState {
  int64_t step = 0;          // optimizer steps done
  int64_t cursor = 0;        // the data cursor (sequential windows; the random sampler's counter)
  int64_t tokens_seen = 0;
  int64_t best_step = -1;    // step of the best validation loss; -1 = none yet
  double best_val_loss = INFINITY;
  double last_val_loss = NAN;

  // Adds seed, precision and (fp16) the loss scaler's state.
  Json ToJson(uint64_t seed, const std::string& precision, const LossScaler& scaler) const;
  static TrainingState FromJson(const Json& state);
};

// rng.safetensors: the CPU generator's state and every CUDA device's.
CheckpointFile RngStateFile();

// Restores a run from `dir` (a verified checkpoint whose manifest is `manifest`): the returned
// counters, the optimizer and loss scaler state, and the generators. Errors name the checkpoint.
TrainingState ResumeTraining(const std::string& dir, const Json& manifest, AdamW& optimizer, LossScaler& scaler);

class CheckpointStore {
 public:
  // `dir` "" = no checkpoints. Finds the step-* checkpoints an earlier run left in `dir`: they
  // count for retention like this run's own.
  CheckpointStore(std::string dir, int64_t keep_last);

  bool enabled() const { return !dir_.empty(); }
  std::string PathOf(int64_t step) const;  // dir/step-NNNNNNNN

  // Writes the checkpoint of `step` atomically, then removes all but the newest keep_last and
  // the checkpoint of `best_step`. Returns its directory.
  std::string Save(int64_t step, int64_t best_step, const std::vector<CheckpointFile>& files, const Json& manifest);

  const std::string& last_path() const { return last_path_; }  // "" until the first Save
  int64_t last_step() const { return last_step_; }             // -1 until the first Save

 private:
  std::string dir_;
  int64_t keep_last_;
  std::vector<std::string> kept_;  // checkpoint directories, oldest first
  std::string last_path_;
  int64_t last_step_ = -1;
};

}  // namespace egen
