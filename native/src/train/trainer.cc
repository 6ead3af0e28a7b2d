#include "train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "data/example_shards.h"
#include "data/token_shards.h"
#include "model/model_store.h"
#include "train/checkpoint_store.h"
#include "train/cpu_allocator.h"
#include "train/device_scope.h"
#include "train/optimizer.h"
#include "train/step_reporter.h"

#ifdef EGEN_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace egen {
namespace {

// ---- options ----

// Every key TrainConfig::FromJson reads (native/index.ts spells them; stepHook is its own).
const std::vector<const char*> kTrainOptionKeys = {
    "model", "initFrom", "resumeFrom", "lora", "trainShards", "validationShards", "batchSize", "gradientAccumulationSteps", "maxSteps",
    "sampling", "seed", "learningRate", "minLearningRate", "warmupSteps", "lrDecay", "lrDecaySteps", "weightDecay",
    "weightDecayOnEmbeddings", "beta1", "beta2", "eps", "gradClip", "skipGradNormAbove", "precision", "device", "threads", "evalEvery",
    "evalBatches", "checkpointDir", "checkpointEvery", "keepLast", "saveAdapterOnly", "stepHook", "peakFlops", "deterministic"};

std::vector<std::string> Strings(const Json& j, const std::string& key) {
  std::vector<std::string> out;
  if (j.Has(key)) for (const Json& s : j.at(key).AsArray()) out.push_back(s.AsString());
  return out;
}

}  // namespace

TrainConfig TrainConfig::FromJson(const Json& j) {
  RejectUnknownKeys(j, kTrainOptionKeys, "training");
  TrainConfig c;
  c.raw = j;
  if (j.Has("model")) c.model = GPTConfig::FromJson(j.at("model"));
  c.init_from = j.String("initFrom", "");
  c.resume_from = j.String("resumeFrom", "");
  if (j.Has("lora")) c.lora = LoraConfig::FromJson(j.at("lora"));
  c.train_shards = Strings(j, "trainShards");
  c.val_shards = Strings(j, "validationShards");
  c.batch_size = j.Int("batchSize", c.batch_size);
  c.grad_accum_steps = j.Int("gradientAccumulationSteps", c.grad_accum_steps);
  c.max_steps = j.Int("maxSteps", c.max_steps);
  c.random_windows = j.String("sampling", "random") == "random";
  c.seed = static_cast<uint64_t>(j.Int("seed", static_cast<int64_t>(c.seed)));
  c.learning_rate = j.Number("learningRate", c.learning_rate);
  c.min_learning_rate = j.Number("minLearningRate", c.min_learning_rate);
  c.warmup_steps = j.Int("warmupSteps", c.warmup_steps);
  c.decay = j.String("lrDecay", c.decay);
  c.decay_steps = j.Int("lrDecaySteps", c.decay_steps);
  c.weight_decay = j.Number("weightDecay", c.weight_decay);
  c.decay_embeddings = j.Bool("weightDecayOnEmbeddings", c.decay_embeddings);
  c.beta1 = j.Number("beta1", c.beta1);
  c.beta2 = j.Number("beta2", c.beta2);
  c.eps = j.Number("eps", c.eps);
  c.grad_clip = j.Number("gradClip", c.grad_clip);
  c.skip_grad_norm_above = j.Number("skipGradNormAbove", c.skip_grad_norm_above);
  c.precision = j.String("precision", c.precision);
  c.device = j.String("device", c.device);
  c.threads = j.Int("threads", c.threads);
  c.eval_every = j.Int("evalEvery", c.eval_every);
  c.eval_batches = j.Int("evalBatches", c.eval_batches);
  c.checkpoint_dir = j.String("checkpointDir", c.checkpoint_dir);
  c.checkpoint_every = j.Int("checkpointEvery", c.checkpoint_every);
  c.keep_last = j.Int("keepLast", c.keep_last);
  c.save_adapter_only = j.Bool("saveAdapterOnly", c.save_adapter_only);
  c.step_hook = j.Bool("stepHook", c.step_hook);
  c.peak_flops = j.Number("peakFlops", c.peak_flops);
  c.deterministic = j.Bool("deterministic", c.deterministic);
  if (c.train_shards.empty()) throw std::invalid_argument("trainShards must name at least one shard");
  return c;
}

Json TrainConfig::DefaultsJson() {
  const TrainConfig c;
  Json j = Json::MakeObject();
  j["batchSize"] = c.batch_size;
  j["gradientAccumulationSteps"] = c.grad_accum_steps;
  j["maxSteps"] = c.max_steps;
  j["sampling"] = c.random_windows ? "random" : "sequential";
  j["seed"] = c.seed;
  j["learningRate"] = c.learning_rate;
  j["minLearningRate"] = c.min_learning_rate;
  j["warmupSteps"] = c.warmup_steps;
  j["lrDecay"] = c.decay;
  j["lrDecaySteps"] = c.decay_steps;
  j["weightDecay"] = c.weight_decay;
  j["weightDecayOnEmbeddings"] = c.decay_embeddings;
  j["beta1"] = c.beta1;
  j["beta2"] = c.beta2;
  j["eps"] = c.eps;
  j["gradClip"] = c.grad_clip;
  j["skipGradNormAbove"] = c.skip_grad_norm_above;
  j["precision"] = c.precision;
  j["device"] = c.device;
  j["threads"] = c.threads;
  j["evalEvery"] = c.eval_every;
  j["evalBatches"] = c.eval_batches;
  j["checkpointEvery"] = c.checkpoint_every;
  j["keepLast"] = c.keep_last;
  j["saveAdapterOnly"] = c.save_adapter_only;
  j["deterministic"] = c.deterministic;
  j["peakFlops"] = c.peak_flops;
  return j;
}

double LearningRateAt(const TrainConfig& c, int64_t step) {
  const int64_t decay_end = c.decay_steps < 0 ? c.max_steps : c.decay_steps;
  // 1) linear warmup over warmup_steps
  if (step < c.warmup_steps) return c.learning_rate * static_cast<double>(step + 1) / static_cast<double>(c.warmup_steps + 1);
  // 2) past the decay: the floor
  if (c.decay == "constant") return c.learning_rate;
  if (step >= decay_end || decay_end <= c.warmup_steps) return c.min_learning_rate;
  // 3) in between: decay from the peak down to the floor
  const double ratio = static_cast<double>(step - c.warmup_steps) / static_cast<double>(decay_end - c.warmup_steps);
  const double coeff = c.decay == "linear" ? 1.0 - ratio : 0.5 * (1.0 + std::cos(M_PI * ratio));
  return c.min_learning_rate + coeff * (c.learning_rate - c.min_learning_rate);
}

// ---- the run ----

namespace {

// EGEN_TRAIN_TRACE traces steps [kTraceFirstStep, kTraceEndStep): ten steps, once the
// allocator and caches are warm.
constexpr int64_t kTraceFirstStep = 10;
constexpr int64_t kTraceEndStep = 20;

// The model a run trains: fresh, fine-tuned from a checkpoint (initFrom), or resumed.
struct StartingModel {
  GPT model{nullptr};
  Json resume_manifest;         // resumeFrom's manifest (its "state" restores the run)
  std::string base_checkpoint;  // adapter-only checkpoints name the base model they adapt
};

StartingModel LoadStartingModel(const TrainConfig& c) {
  StartingModel out;
  const std::string source = !c.resume_from.empty() ? c.resume_from : c.init_from;
  if (source.empty()) {
    if (!c.model) throw std::invalid_argument("model is required when neither initFrom nor resumeFrom is given");
    out.model = GPT(*c.model);
    return out;
  }
  const char* role = !c.resume_from.empty() ? "resumeFrom" : "initFrom";
  LoadedModel loaded = LoadModelCheckpoint(source);
  if (c.model) {
    const std::string diff = c.model->FirstArchitectureDifference(loaded.model->config);
    if (!diff.empty()) throw std::runtime_error(std::string(role) + " checkpoint " + source + " was saved with a different model: " + diff);
    loaded.model->config.dropout = c.model->dropout;
  }
  out.model = loaded.model;
  if (!c.resume_from.empty()) {
    out.resume_manifest = loaded.manifest;
    if (!out.resume_manifest.Has("state")) throw std::runtime_error("resumeFrom checkpoint " + source + " holds only weights (no training state); use initFrom to fine-tune from it");
    out.base_checkpoint = out.resume_manifest.String("baseCheckpoint", "");
  } else if (c.lora) {
    out.base_checkpoint = c.init_from;
  }
  return out;
}

// Mean validation loss over the first eval_batches windows (the same ones every time).
double EvaluateLoss(GPT& model, const TokenDataset& val_data, const TrainConfig& c, const torch::Device& device, std::optional<at::ScalarType> autocast_dtype) {
  torch::NoGradGuard no_grad;
  model->eval();
  AutocastScope autocast(device.type(), autocast_dtype);
  int64_t val_cursor = 0;
  torch::Tensor x, y, total = torch::zeros({}, torch::TensorOptions().dtype(at::kDouble).device(device));
  for (int64_t i = 0; i < c.eval_batches; ++i) {
    val_data.NextBatch(c.batch_size, /*random=*/false, c.seed, val_cursor, x, y);
    total += model->forward(x.to(device), y.to(device)).loss.to(at::kDouble);
  }
  model->train();
  return total.item<double>() / static_cast<double>(c.eval_batches);  // note: a sync point
}

struct ClassifierEval {
  double loss = NAN;
  double accuracy = NAN;
};

// Mean validation loss and accuracy of a classifier over the first eval_batches * batch_size
// examples in stored order (all of them when there are fewer; the same ones every time).
ClassifierEval EvaluateClassifier(GPT& model, const ExampleDataset& val_data, const TrainConfig& c, const torch::Device& device, std::optional<at::ScalarType> autocast_dtype) {
  torch::NoGradGuard no_grad;
  model->eval();
  AutocastScope autocast(device.type(), autocast_dtype);
  const int64_t examples = std::min(val_data.size(), c.eval_batches * c.batch_size);
  int64_t cursor = 0;
  torch::Tensor x, lengths, labels;
  torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(at::kDouble).device(device));
  torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(at::kLong).device(device));
  while (cursor < examples) {
    const int64_t n = std::min(c.batch_size, examples - cursor);
    val_data.NextBatch(n, /*shuffle=*/false, c.seed, cursor, x, lengths, labels);
    const torch::Tensor y = labels.to(device);
    const GPTOutput out = model->Classify(x.to(device), lengths, y);
    loss_sum += out.loss.to(at::kDouble) * static_cast<double>(n);
    correct += at::eq(out.logits.argmax(-1), y).sum();
  }
  model->train();
  ClassifierEval result;
  result.loss = loss_sum.item<double>() / static_cast<double>(examples);  // note: a sync point
  result.accuracy = static_cast<double>(correct.item<int64_t>()) / static_cast<double>(examples);
  return result;
}

}  // namespace

Trainer::Trainer(TrainConfig config, Emit emit, Ask ask) : config_(std::move(config)), emit_(std::move(emit)), ask_(std::move(ask)) {}
Trainer::~Trainer() = default;

void Trainer::Pause() {
  std::lock_guard<std::mutex> lock(mutex_);
  paused_ = true;
}
void Trainer::Resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = false;
  }
  wake_.notify_all();
}
void Trainer::Cancel() {
  cancelled_ = true;
  wake_.notify_all();
}

Json Trainer::Run() {
  // Once Train() has returned or thrown, the run's tensors are freed: hand the blocks the CUDA
  // caching allocator kept back to the driver, so a long-lived server does not hold the GPU's
  // memory between runs.
  struct ReleaseCudaCache {
    ~ReleaseCudaCache() {
#ifdef EGEN_WITH_CUDA
      if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
    }
  } release;
  return Train();
}

bool Trainer::WaitWhilePaused(StepReporter& reporter, int64_t step) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (paused_ && !cancelled_) {
    lock.unlock();
    reporter.Status("PAUSED", step);
    lock.lock();
    wake_.wait(lock, [&] { return !paused_ || cancelled_.load(); });
    lock.unlock();
    if (!cancelled_) reporter.Status("IN_PROGRESS", step);
  }
  return !cancelled_;
}

Json Trainer::Train() {
  const TrainConfig& c = config_;
  // Intra-op threads are per-thread settings under OpenMP: set them on this (the training) thread.
  if (c.threads > 0) at::set_num_threads(static_cast<int>(c.threads));
  const int threads = at::get_num_threads();
  const torch::Device device = ResolveDevice(c.device);
  const DeterministicScope deterministic(c.deterministic);
  // Reuse large CPU blocks from step to step (see cpu_allocator.h); CPU memory stays at its peak
  // for the duration of the run and is released when it ends.
  std::optional<CachingCpuAllocatorScope> cpu_cache;
  if (device.is_cpu()) cpu_cache.emplace();
  std::string precision_name;
  const std::optional<at::ScalarType> autocast_dtype = ResolvePrecision(c.precision, device, precision_name);

  // ---- model: fresh, fine-tuned from a checkpoint, or resumed ----
  torch::manual_seed(c.seed);  // before the model: the initialization and LoRA's A draw from it
  StartingModel starting = LoadStartingModel(c);
  GPT model = starting.model;
  GPTConfig& mc = model->config;
  // Dropout lives on the modules; set it from the options for every source.
  if (c.model) {
    for (Block& b : model->transformer->blocks) {
      b->attn->dropout = c.model->dropout;
      b->mlp->dropout = c.model->dropout;
    }
    mc.dropout = c.model->dropout;
  }
  for (Block& b : model->transformer->blocks) b->attn->math_attention = c.deterministic;
  if (c.lora && !model->has_lora()) model->AddLora(*c.lora);
  model->to(device);
  model->train();

  // ---- data: token windows for a language model, labelled examples for a classifier ----
  const bool classify = mc.classification();
  std::unique_ptr<TokenDataset> train_data, val_data;
  std::unique_ptr<ExampleDataset> train_examples, val_examples;
  if (classify) {
    train_examples = std::make_unique<ExampleDataset>(c.train_shards, mc.vocab_size, mc.num_labels, mc.context_length, "train");
    if (!c.val_shards.empty()) val_examples = std::make_unique<ExampleDataset>(c.val_shards, mc.vocab_size, mc.num_labels, mc.context_length, "validation");
  } else {
    train_data = std::make_unique<TokenDataset>(c.train_shards, mc.vocab_size, mc.context_length, "train");
    if (!c.val_shards.empty()) val_data = std::make_unique<TokenDataset>(c.val_shards, mc.vocab_size, mc.context_length, "validation");
  }
  const bool validate = val_data || val_examples;

  // ---- optimizer and loss scaler (fp16 only) ----
  AdamW optimizer(model, AdamWOptions{c.beta1, c.beta2, c.eps, c.weight_decay, c.decay_embeddings});
  LossScaler scaler(autocast_dtype == at::kHalf, device);

  // ---- training state: zero, or restored with the optimizer, the scaler and the generators ----
  TrainingState state;
  if (!c.resume_from.empty()) state = ResumeTraining(c.resume_from, starting.resume_manifest, optimizer, scaler);
  const int64_t tokens_per_step = c.batch_size * c.grad_accum_steps * mc.context_length;
  CheckpointStore checkpoints(c.checkpoint_dir, c.keep_last);
  StepReporter reporter(emit_, device, threads, FlopsPerToken(model), c.peak_flops, tokens_per_step);

  const auto save_checkpoint = [&](bool final) {
    const bool adapter_only = model->has_lora() && c.save_adapter_only;
    std::vector<CheckpointFile> files{ModelFile(model, adapter_only), optimizer.StateFile(), RngStateFile()};
    Json manifest = ModelManifest(model, adapter_only, starting.base_checkpoint);
    manifest["kind"] = "training";
    manifest["training"] = c.raw;
    manifest["state"] = state.ToJson(c.seed, precision_name, scaler);
    const std::string dir = checkpoints.Save(state.step, state.best_step, files, manifest);
    reporter.Checkpoint(state.step, dir, state.best_step == state.step, final);
  };

  // ---- the loop ----
  reporter.Start(state.step, c.max_steps, precision_name, model, optimizer.NumTrainable(), classify ? train_examples->total_tokens() : train_data->total_tokens());
  std::string status = "COMPLETED", reason;
  bool stopped_early = false;
  double last_loss = NAN, last_grad_norm = NAN, last_val_accuracy = NAN;
  torch::Tensor x, y, lengths;
  // EGEN_TRAIN_TRACE=FILE writes the operator trace of ten steps (Chrome's trace format;
  // chrome://tracing or Perfetto opens it), another diagnostic for benchmarks.
  const char* trace_path = std::getenv("EGEN_TRAIN_TRACE");
  std::unique_ptr<torch::autograd::profiler::RecordProfile> trace;
  while (state.step < c.max_steps) {
    if (trace_path != nullptr && state.step == kTraceFirstStep) trace = std::make_unique<torch::autograd::profiler::RecordProfile>(std::string(trace_path));
    if (state.step == kTraceEndStep) trace.reset();
    // Step boundary: obey pause and cancel.
    if (!WaitWhilePaused(reporter, state.step)) {
      status = "CANCELLED";
      reason = "cancelled at step " + std::to_string(state.step);
      break;
    }
    reporter.BeginStep();
    // 1) the learning rate of this step (warmup, then decay: see LearningRateAt)
    const double lr = LearningRateAt(c, state.step);

    // 2) forward and backward over the micro-batches; gradients accumulate in .grad
    optimizer.ZeroGrad();
    torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(at::kFloat).device(device));
    int64_t step_tokens = 0;
    for (int64_t micro = 0; micro < c.grad_accum_steps; ++micro) {
      torch::Tensor loss;
      if (classify) {
        // y holds the labels (B); examples are shuffled per epoch in random sampling
        step_tokens += train_examples->NextBatch(c.batch_size, c.random_windows, c.seed, state.cursor, x, lengths, y);
        AutocastScope autocast(device.type(), autocast_dtype);
        loss = model->Classify(device.is_cpu() ? x : x.to(device, /*non_blocking=*/true), lengths, device.is_cpu() ? y : y.to(device, true)).loss;
      } else {
        train_data->NextBatch(c.batch_size, c.random_windows, c.seed, state.cursor, x, y);
        step_tokens += tokens_per_step / c.grad_accum_steps;
        AutocastScope autocast(device.type(), autocast_dtype);
        loss = model->forward(device.is_cpu() ? x : x.to(device, /*non_blocking=*/true), device.is_cpu() ? y : y.to(device, true)).loss;
      }
      loss = c.grad_accum_steps > 1 ? loss / static_cast<double>(c.grad_accum_steps) : loss;
      scaler.Scale(loss).backward();
      loss_sum += loss.detach();
    }
    state.tokens_seen += step_tokens;
    reporter.SetStepTokens(step_tokens);
    reporter.MarkBackward();

    // 3) fp16: unscale the gradients and look for inf/NaN; then the global norm, and clipping
    //    (as torch.nn.utils.clip_grad_norm_)
    torch::NoGradGuard no_grad;
    const std::vector<torch::Tensor> grads = optimizer.Gradients();
    const torch::Tensor found_inf = scaler.Unscale(grads);
    const std::vector<torch::Tensor> norms = at::_foreach_norm(grads, 2);
    const torch::Tensor total_norm = at::linalg_vector_norm(at::stack(norms), 2);
    if (c.grad_clip > 0) {
      const torch::Tensor coef = at::clamp_max(c.grad_clip / (total_norm + 1e-6), 1.0);
      at::_foreach_mul_(grads, coef);
    }
    // note: one CPU-GPU sync per step, for what we report (loss, norm, and fp16's found_inf)
    last_loss = loss_sum.item<double>();
    last_grad_norm = total_norm.item<double>();
    const bool scaler_skipped = LossScaler::FoundInf(found_inf);
    // A gradient spike above the threshold (or a non-finite norm) skips the update, weights untouched.
    const bool norm_skipped = c.skip_grad_norm_above > 0 && !(last_grad_norm <= c.skip_grad_norm_above);
    const bool skipped = scaler_skipped || norm_skipped;
    reporter.MarkClip();

    // 4) the update: fused AdamW, then the loss scale grows or backs off
    if (!skipped) optimizer.Step(lr);
    scaler.Update(found_inf);
    state.step += 1;
    const Json report = reporter.Step(state.step, last_loss, lr, last_grad_norm, state.tokens_seen, skipped,
                                      scaler.enabled() ? std::optional<double>(scaler.scale()) : std::nullopt);

    // 5) a NaN/inf loss stops the run (fp16 steps skipped by the scaler excepted)
    if (!std::isfinite(last_loss) && !scaler_skipped) {
      status = "FAILED";
      reason = std::string("loss is ") + (std::isnan(last_loss) ? "NaN" : "infinite") + " at step " + std::to_string(state.step);
      break;
    }
    // 6) evaluation, checkpoint, and the step hook (early stopping)
    const bool last = state.step >= c.max_steps;
    if (validate && ((c.eval_every > 0 && state.step % c.eval_every == 0) || last)) {
      if (classify) {
        const ClassifierEval eval = EvaluateClassifier(model, *val_examples, c, device, autocast_dtype);
        state.last_val_loss = eval.loss;
        last_val_accuracy = eval.accuracy;
      } else {
        state.last_val_loss = EvaluateLoss(model, *val_data, c, device, autocast_dtype);
      }
      if (state.last_val_loss < state.best_val_loss) {
        state.best_val_loss = state.last_val_loss;
        state.best_step = state.step;
      }
      reporter.Eval(state.step, state.last_val_loss, state.best_val_loss, classify ? std::optional<double>(last_val_accuracy) : std::nullopt);
    }
    if (checkpoints.enabled() && c.checkpoint_every > 0 && state.step % c.checkpoint_every == 0) save_checkpoint(last);
    if (c.step_hook && ask_ && ask_(report)) {
      status = "COMPLETED";
      stopped_early = true;
      reason = "stopped by the onStep hook at step " + std::to_string(state.step);
      break;
    }
  }
  if (checkpoints.enabled() && status != "FAILED" && checkpoints.last_step() != state.step) save_checkpoint(true);

  Json result = Json::MakeObject();
  result["status"] = status;
  result["reason"] = reason.empty() ? Json() : Json(reason);
  result["stoppedEarly"] = stopped_early;
  result["step"] = state.step;
  result["loss"] = last_loss;
  result["gradNorm"] = last_grad_norm;
  result["valLoss"] = std::isfinite(state.last_val_loss) ? Json(state.last_val_loss) : Json();
  result["bestValLoss"] = std::isfinite(state.best_val_loss) ? Json(state.best_val_loss) : Json();
  result["valAccuracy"] = std::isfinite(last_val_accuracy) ? Json(last_val_accuracy) : Json();
  result["bestCheckpoint"] = state.best_step >= 0 && checkpoints.enabled() ? Json(checkpoints.PathOf(state.best_step)) : Json();
  result["lastCheckpoint"] = checkpoints.last_path().empty() ? Json() : Json(checkpoints.last_path());
  result["tokensSeen"] = state.tokens_seen;
  result["cursor"] = state.cursor;
  result["device"] = device.str();
  result["precision"] = precision_name;
  return result;
}

}  // namespace egen

// ---- api.h ----
namespace egen {

std::shared_ptr<TrainingRun> CreateTrainingRun(const Json& options, EmitFn emit, AskFn ask) {
  return std::make_shared<Trainer>(TrainConfig::FromJson(options), std::move(emit), std::move(ask));
}

Json OptionDefaultsApi() {
  Json out = Json::MakeObject();
  out["training"] = TrainConfig::DefaultsJson();
  out["model"] = GPTConfig{}.ToJson();
  out["lora"] = LoraConfig{}.ToJson();
  return out;
}

Json InspectGradientsApi(const Json& o) {
  RejectUnknownKeys(o, {"checkpoint", "inputs", "targets", "labels", "outputPath", "threads"}, "inspectGradients");
  if (o.Int("threads", 0) > 0) at::set_num_threads(static_cast<int>(o.Int("threads", 0)));
  LoadedModel loaded = LoadModelCheckpoint(o.at("checkpoint").AsString());
  GPT model = loaded.model;
  model->train();
  const auto to_tensor = [](const Json& rows, const char* name) {
    std::vector<int64_t> flat;
    int64_t width = -1;
    for (const Json& row : rows.AsArray()) {
      const auto& r = row.AsArray();
      if (width >= 0 && static_cast<int64_t>(r.size()) != width) throw std::invalid_argument(std::string(name) + " rows must all have the same length");
      width = static_cast<int64_t>(r.size());
      for (const Json& t : r) flat.push_back(t.AsInt());
    }
    return at::tensor(flat, at::kLong).view({static_cast<int64_t>(rows.AsArray().size()), width});
  };
  GPTOutput out;
  if (model->config.classification()) {
    // Ragged rows, right-padded with token 0 and read at their last token; one label per row.
    std::vector<int64_t> lengths, labels;
    int64_t width = 0;
    for (const Json& row : o.at("inputs").AsArray()) {
      lengths.push_back(static_cast<int64_t>(row.AsArray().size()));
      width = std::max(width, lengths.back());
    }
    for (const Json& label : o.at("labels").AsArray()) labels.push_back(label.AsInt());
    if (labels.size() != lengths.size()) throw std::invalid_argument("labels must hold one label per inputs row");
    at::Tensor x = at::zeros({static_cast<int64_t>(lengths.size()), width}, at::kLong);
    auto cells = x.accessor<int64_t, 2>();
    int64_t b = 0;
    for (const Json& row : o.at("inputs").AsArray()) {
      int64_t t = 0;
      for (const Json& token : row.AsArray()) cells[b][t++] = token.AsInt();
      ++b;
    }
    out = model->Classify(x, at::tensor(lengths, at::kLong), at::tensor(labels, at::kLong));
  } else {
    const at::Tensor x = to_tensor(o.at("inputs"), "inputs");
    const at::Tensor y = to_tensor(o.at("targets"), "targets");
    out = model->forward(x, y);
  }
  out.loss.backward();
  NamedTensors tensors;
  tensors.emplace_back("logits", out.logits.detach());
  tensors.emplace_back("loss", out.loss.detach());
  for (const auto& [name, p] : model->NamedTensors(false)) {
    if (p.grad().defined()) tensors.emplace_back("grad/" + name, p.grad());
  }
  SaveSafetensors(o.at("outputPath").AsString(), tensors);
  Json result = Json::MakeObject();
  result["loss"] = out.loss.item<double>();
  result["outputPath"] = o.at("outputPath").AsString();
  return result;
}

}  // namespace egen
