#include "train/trainer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/cpu/Utils.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "data/token_shards.h"
#include "io/checkpoint.h"
#include "io/files.h"
#include "io/safetensors.h"
#include "model/model_store.h"
#include "train/cpu_allocator.h"

#ifndef _WIN32
#include <sys/resource.h>
#include <unistd.h>
#endif

#ifdef EGEN_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace egen {
namespace {

using Clock = std::chrono::steady_clock;

// ---- options ----

std::vector<std::string> Strings(const Json& j, const std::string& key) {
  std::vector<std::string> out;
  if (j.Has(key)) for (const Json& s : j.at(key).AsArray()) out.push_back(s.AsString());
  return out;
}

}  // namespace

TrainConfig TrainConfig::FromJson(const Json& j) {
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
  c.checkpoint_dir = j.String("checkpointDir", "");
  c.checkpoint_every = j.Int("checkpointEvery", c.checkpoint_every);
  c.keep_last = j.Int("keepLast", c.keep_last);
  c.save_adapter_only = j.Bool("saveAdapterOnly", c.save_adapter_only);
  c.step_hook = j.Bool("stepHook", false);
  c.peak_flops = j.Number("peakFlops", 0);
  c.deterministic = j.Bool("deterministic", false);
  if (c.train_shards.empty()) throw std::invalid_argument("trainShards must name at least one shard");
  return c;
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

namespace {

torch::Device ResolveDevice(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  const bool cuda = torch::cuda::is_available();
  if (name == "auto") return cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (!cuda) throw std::runtime_error("device \"" + name + "\" was requested but CUDA is not available in this build or on this machine");
  const int64_t index = name == "cuda" ? 0 : std::stoll(name.substr(5));
  if (index >= static_cast<int64_t>(torch::cuda::device_count())) {
    throw std::runtime_error("device \"" + name + "\" does not exist; " + std::to_string(torch::cuda::device_count()) + " CUDA device(s) found");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

bool CpuHasFastBf16() {
  for (const auto& [key, value] : at::cpu::get_cpu_capabilities()) {
    if (key.find("bf16") != std::string::npos && value.isBool() && value.toBool()) return true;
  }
  return false;
}

// The autocast dtype for a precision name, or nullopt for plain fp32.
std::optional<at::ScalarType> ResolvePrecision(const std::string& precision, const torch::Device& device, std::string& resolved) {
  resolved = precision;
  if (precision == "fp32") return std::nullopt;
  if (precision == "bf16") return at::kBFloat16;
  if (precision == "fp16") {
    if (!device.is_cuda()) throw std::runtime_error("precision \"fp16\" needs a CUDA device (dynamic loss scaling); use \"bf16\" or \"fp32\" on the CPU");
    return at::kHalf;
  }
  // auto: bf16 where the hardware does it natively, else fp16 with loss scaling on older GPUs.
  if (device.is_cuda()) {
#ifdef EGEN_WITH_CUDA
    const bool bf16 = at::cuda::getDeviceProperties(device.index())->major >= 8;
    resolved = bf16 ? "bf16" : "fp16";
    return bf16 ? at::kBFloat16 : at::kHalf;
#endif
  }
  if (CpuHasFastBf16()) {
    resolved = "bf16";
    return at::kBFloat16;
  }
  resolved = "fp32";
  return std::nullopt;
}

// Deterministic algorithms for the duration of a run (a process-wide libtorch setting, put back
// when the run ends): libtorch then picks deterministic CUDA kernels where it has them (embedding
// and loss backward, scatter/index ops) and cuBLAS gets a fixed workspace, so a resumed run
// repeats the uninterrupted one. Warn-only: an op without a deterministic kernel still runs.
class DeterministicScope {
 public:
  explicit DeterministicScope(bool active) : active_(active) {
    if (!active_) return;
    auto& ctx = at::globalContext();
    previous_algorithms_ = ctx.deterministicAlgorithms();
    previous_warn_only_ = ctx.deterministicAlgorithmsWarnOnly();
    previous_cudnn_ = ctx.deterministicCuDNN();
    previous_benchmark_ = ctx.benchmarkCuDNN();
    // Read when cuBLAS creates a handle: effective for handles created after this point.
#ifdef _WIN32
    if (std::getenv("CUBLAS_WORKSPACE_CONFIG") == nullptr) _putenv_s("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
#else
    setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
#endif
    ctx.setDeterministicAlgorithms(true, /*warn_only=*/true);
    ctx.setDeterministicCuDNN(true);
    ctx.setBenchmarkCuDNN(false);
  }
  ~DeterministicScope() {
    if (!active_) return;
    auto& ctx = at::globalContext();
    ctx.setDeterministicAlgorithms(previous_algorithms_, previous_warn_only_);
    ctx.setDeterministicCuDNN(previous_cudnn_);
    ctx.setBenchmarkCuDNN(previous_benchmark_);
  }

 private:
  bool active_;
  bool previous_algorithms_ = false, previous_warn_only_ = false, previous_cudnn_ = false, previous_benchmark_ = false;
};

// Autocast for the current thread (autocast state is thread-local), restored on exit.
class AutocastScope {
 public:
  AutocastScope(at::DeviceType device, std::optional<at::ScalarType> dtype) : device_(device), active_(dtype.has_value()) {
    if (!active_) return;
    previous_enabled_ = at::autocast::is_autocast_enabled(device_);
    previous_dtype_ = at::autocast::get_autocast_dtype(device_);
    at::autocast::set_autocast_enabled(device_, true);
    at::autocast::set_autocast_dtype(device_, *dtype);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!active_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(device_, previous_enabled_);
    at::autocast::set_autocast_dtype(device_, previous_dtype_);
  }

 private:
  at::DeviceType device_;
  bool active_;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

int64_t MemoryBytes(const torch::Device& device) {
#ifdef EGEN_WITH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    return stats.allocated_bytes[0].current;  // aggregate pool
  }
#endif
  (void)device;
#ifdef __linux__
  // Resident set size of the process: /proc/self/statm field 2, in pages.
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    long pages = 0, resident = 0;
    const int n = std::fscanf(f, "%ld %ld", &pages, &resident);
    std::fclose(f);
    if (n == 2) return static_cast<int64_t>(resident) * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
  }
#endif
  return 0;
}

// CPU time of the whole process (all threads), in seconds; on a shared machine the step's CPU
// time measures its work better than wall time does.
double ProcessCpuSeconds() {
#ifndef _WIN32
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
#else
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
#endif
}

int64_t MinorPageFaults() {
#ifndef _WIN32
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
#else
  return 0;
#endif
}

// Rough peak FLOP/s when the caller gives none: nanoGPT's A100 bf16 figure on CUDA; on the CPU,
// cores x 2.5 GHz x 32 fp32 FLOPs/cycle (two 8-wide FMA units). MFU is an estimate either way.
double GuessPeakFlops(const torch::Device& device, int threads) {
  if (device.is_cuda()) return 312e12;
  return static_cast<double>(threads) * 2.5e9 * 32.0;
}

// AdamW state for one parameter: PyTorch's names, step kept as a float tensor as the fused kernel wants.
struct AdamState {
  std::string name;
  torch::Tensor param, exp_avg, exp_avg_sq, step;
  bool decay;
};

// Dynamic loss scaling for fp16, as torch.amp.GradScaler.
struct LossScaler {
  bool enabled = false;
  torch::Tensor scale, growth_tracker;  // on the device
  static constexpr double kInitScale = 65536.0;   // 2^16
  static constexpr double kGrowthFactor = 2.0;    // after growth_interval clean steps
  static constexpr double kBackoffFactor = 0.5;   // after a step with inf/NaN gradients
  static constexpr int64_t kGrowthInterval = 2000;
};

std::string StepDirName(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%08lld", static_cast<long long>(step));
  return buf;
}

}  // namespace

// ---- the run ----

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
  torch::manual_seed(c.seed);
  GPT model{nullptr};
  Json resume_manifest;
  std::string base_checkpoint;
  const std::string source = !c.resume_from.empty() ? c.resume_from : c.init_from;
  if (!source.empty()) {
    const char* role = !c.resume_from.empty() ? "resumeFrom" : "initFrom";
    LoadedModel loaded = LoadModelCheckpoint(source);
    if (c.model) {
      const std::string diff = c.model->FirstArchitectureDifference(loaded.model->config);
      if (!diff.empty()) throw std::runtime_error(std::string(role) + " checkpoint " + source + " was saved with a different model: " + diff);
      loaded.model->config.dropout = c.model->dropout;
    }
    model = loaded.model;
    if (!c.resume_from.empty()) {
      resume_manifest = loaded.manifest;
      if (!resume_manifest.Has("state")) throw std::runtime_error("resumeFrom checkpoint " + source + " holds only weights (no training state); use initFrom to fine-tune from it");
      base_checkpoint = resume_manifest.String("baseCheckpoint", "");
    } else if (c.lora) {
      base_checkpoint = c.init_from;
    }
  } else {
    if (!c.model) throw std::invalid_argument("model is required when neither initFrom nor resumeFrom is given");
    model = GPT(*c.model);
  }
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

  // ---- data ----
  const TokenDataset train_data(c.train_shards, mc.vocab_size, mc.context_length, "train");
  std::unique_ptr<TokenDataset> val_data;
  if (!c.val_shards.empty()) val_data = std::make_unique<TokenDataset>(c.val_shards, mc.vocab_size, mc.context_length, "validation");

  // ---- optimizer: AdamW over trainable parameters; no decay on biases, norms, embeddings ----
  std::vector<AdamState> adam;
  for (const auto& [name, p] : model->NamedTensors(false)) {
    if (!p.requires_grad()) continue;
    const bool is_embedding = name.find(".wte.") != std::string::npos || name.find(".wpe.") != std::string::npos;
    const bool decay = p.dim() >= 2 && (!is_embedding || c.decay_embeddings);
    adam.push_back(AdamState{name, p, torch::zeros_like(p, at::MemoryFormat::Contiguous), torch::zeros_like(p, at::MemoryFormat::Contiguous),
                             torch::zeros({}, p.options().dtype(at::kFloat)), decay});
  }
  LossScaler scaler;
  scaler.enabled = autocast_dtype == at::kHalf;
  if (scaler.enabled) {
    scaler.scale = torch::full({}, LossScaler::kInitScale, torch::TensorOptions().dtype(at::kFloat).device(device));
    scaler.growth_tracker = torch::zeros({}, torch::TensorOptions().dtype(at::kInt).device(device));
  }

  // ---- training state (restored on resume) ----
  int64_t step = 0, cursor = 0, tokens_seen = 0, best_step = -1;
  double best_val_loss = INFINITY, last_val_loss = NAN;
  if (!c.resume_from.empty()) {
    const Json& s = resume_manifest.at("state");
    step = s.at("step").AsInt();
    cursor = s.at("cursor").AsInt();
    tokens_seen = s.Int("tokensSeen", 0);
    best_step = s.Int("bestStep", -1);
    best_val_loss = s.Has("bestValLoss") ? s.at("bestValLoss").AsNumber() : INFINITY;
    if (!resume_manifest.at("files").Has("optimizer.safetensors")) throw std::runtime_error("resumeFrom checkpoint " + c.resume_from + " has no optimizer.safetensors");
    const auto opt = LoadCheckpointFile(c.resume_from, "optimizer.safetensors");
    torch::NoGradGuard no_grad;
    for (AdamState& a : adam) {
      for (auto [prefix, tensor] : {std::pair<const char*, torch::Tensor*>{"exp_avg/", &a.exp_avg}, {"exp_avg_sq/", &a.exp_avg_sq}, {"step/", &a.step}}) {
        const auto it = opt.find(prefix + a.name);
        if (it == opt.end()) throw std::runtime_error("resumeFrom checkpoint " + c.resume_from + ": optimizer.safetensors has no " + prefix + a.name);
        tensor->copy_(it->second);
      }
    }
    if (scaler.enabled && s.Has("lossScale")) {
      scaler.scale.fill_(s.at("lossScale").AsNumber());
      scaler.growth_tracker.fill_(s.Int("growthTracker", 0));
    }
    const auto rng = LoadCheckpointFile(c.resume_from, "rng.safetensors");
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
  }

  // FLOPs per token, as nanoGPT's estimate_mfu (PaLM appendix B): 6N for the matmuls of
  // forward + backward over N non-embedding-position parameters, plus 12*L*H*Q*T for attention
  // (L layers, H heads, Q head size, T context).
  const double n_params = static_cast<double>(model->NumParams(true));
  const double flops_per_token = 6.0 * n_params + 12.0 * static_cast<double>(mc.n_layer * mc.n_head * (mc.n_embd / mc.n_head) * mc.context_length);
  const double peak_flops = c.peak_flops > 0 ? c.peak_flops : GuessPeakFlops(device, threads);
  const int64_t tokens_per_step = c.batch_size * c.grad_accum_steps * mc.context_length;

  std::vector<std::string> kept_checkpoints;
  std::string last_checkpoint;
  int64_t last_checkpoint_step = -1;
  if (!c.checkpoint_dir.empty() && IsDirectory(c.checkpoint_dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(c.checkpoint_dir)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("step-", 0) == 0 && name.find(".tmp-") == std::string::npos) kept_checkpoints.push_back(entry.path().string());
    }
    std::sort(kept_checkpoints.begin(), kept_checkpoints.end());
  }

  // ---- helpers ----
  const auto evaluate = [&]() -> double {
    torch::NoGradGuard no_grad;
    model->eval();
    AutocastScope autocast(device.type(), autocast_dtype);
    int64_t val_cursor = 0;  // validation always reads the same leading windows
    torch::Tensor x, y, total = torch::zeros({}, torch::TensorOptions().dtype(at::kDouble).device(device));
    for (int64_t i = 0; i < c.eval_batches; ++i) {
      val_data->NextBatch(c.batch_size, /*random=*/false, c.seed, val_cursor, x, y);
      total += model->forward(x.to(device), y.to(device)).loss.to(at::kDouble);
    }
    model->train();
    return total.item<double>() / static_cast<double>(c.eval_batches);  // note: a sync point
  };

  const auto save_checkpoint = [&](bool final) {
    const std::string dir = JoinPath(c.checkpoint_dir, StepDirName(step));
    const bool adapter_only = model->has_lora() && c.save_adapter_only;
    std::vector<CheckpointFile> files;
    files.push_back(ModelFile(model, adapter_only));
    CheckpointFile opt{"optimizer.safetensors", {}, {}};
    for (const AdamState& a : adam) {
      opt.tensors.emplace_back("exp_avg/" + a.name, a.exp_avg);
      opt.tensors.emplace_back("exp_avg_sq/" + a.name, a.exp_avg_sq);
      opt.tensors.emplace_back("step/" + a.name, a.step);
    }
    files.push_back(std::move(opt));
    CheckpointFile rng{"rng.safetensors", {}, {}};
    rng.tensors.emplace_back("cpu", at::detail::getDefaultCPUGenerator().get_state());
#ifdef EGEN_WITH_CUDA
    if (torch::cuda::is_available()) {
      for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i) {
        rng.tensors.emplace_back("cuda:" + std::to_string(i), at::cuda::detail::getDefaultCUDAGenerator(static_cast<c10::DeviceIndex>(i)).get_state());
      }
    }
#endif
    files.push_back(std::move(rng));
    Json manifest = ModelManifest(model, adapter_only, base_checkpoint);
    manifest["kind"] = "training";
    manifest["training"] = c.raw;
    Json state = Json::MakeObject();
    state["step"] = step;
    state["cursor"] = cursor;
    state["tokensSeen"] = tokens_seen;
    state["seed"] = static_cast<int64_t>(c.seed);
    state["bestStep"] = best_step;
    state["bestValLoss"] = std::isfinite(best_val_loss) ? Json(best_val_loss) : Json();
    state["valLoss"] = std::isfinite(last_val_loss) ? Json(last_val_loss) : Json();
    state["precision"] = precision_name;
    if (scaler.enabled) {
      state["lossScale"] = scaler.scale.item<double>();
      state["growthTracker"] = scaler.growth_tracker.item<int64_t>();
    }
    manifest["state"] = state;
    WriteCheckpoint(dir, files, manifest);
    last_checkpoint = dir;
    last_checkpoint_step = step;
    if (std::find(kept_checkpoints.begin(), kept_checkpoints.end(), dir) == kept_checkpoints.end()) kept_checkpoints.push_back(dir);
    // Keep the newest keep_last, and the best by validation loss.
    const std::string best_dir = best_step >= 0 ? JoinPath(c.checkpoint_dir, StepDirName(best_step)) : "";
    std::sort(kept_checkpoints.begin(), kept_checkpoints.end());  // zero-padded step numbers: oldest first
    const auto newest_start = static_cast<int64_t>(kept_checkpoints.size()) - c.keep_last;
    std::vector<std::string> kept;
    for (int64_t i = 0; i < static_cast<int64_t>(kept_checkpoints.size()); ++i) {
      const std::string& d = kept_checkpoints[static_cast<size_t>(i)];
      if (i >= newest_start || d == best_dir) kept.push_back(d);
      else RemoveAll(d);
    }
    kept_checkpoints = std::move(kept);
    Json event = Json::MakeObject();
    event["type"] = "checkpoint";
    event["step"] = step;
    event["path"] = dir;
    event["best"] = best_step == step;
    event["final"] = final;
    emit_(event);
  };

  const auto status_event = [&](const char* status) {
    Json event = Json::MakeObject();
    event["type"] = "status";
    event["status"] = status;
    event["step"] = step;
    emit_(event);
  };

  // ---- the loop ----
  {
    Json start = Json::MakeObject();
    start["type"] = "start";
    start["step"] = step;
    start["maxSteps"] = c.max_steps;
    start["device"] = device.str();
    start["precision"] = precision_name;
    start["threads"] = threads;
    start["parameters"] = model->NumParams(false);
    start["trainableParameters"] = [&] { int64_t n = 0; for (const auto& a : adam) n += a.param.numel(); return n; }();
    start["model"] = mc.ToJson();
    start["trainTokens"] = train_data.total_tokens();
    emit_(start);
  }
  // EGEN_TRAIN_PROFILE=1 prints a per-step time breakdown to stderr (a diagnostic for benchmarks).
  const bool profile = std::getenv("EGEN_TRAIN_PROFILE") != nullptr;
  std::string status = "COMPLETED", reason;
  bool stopped_early = false;
  double last_loss = NAN, last_grad_norm = NAN;
  torch::Tensor x, y;
  std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
  // EGEN_TRAIN_TRACE=FILE writes the operator trace of ten steps after the first ten (Chrome's
  // trace format; chrome://tracing or Perfetto opens it), another diagnostic for benchmarks.
  const char* trace_path = std::getenv("EGEN_TRAIN_TRACE");
  std::unique_ptr<torch::autograd::profiler::RecordProfile> trace;
  while (step < c.max_steps) {
    if (trace_path != nullptr && step == 10) trace = std::make_unique<torch::autograd::profiler::RecordProfile>(std::string(trace_path));
    if (step == 20) trace.reset();
    // Step boundary: obey pause and cancel.
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (paused_ && !cancelled_) {
        lock.unlock();
        status_event("PAUSED");
        lock.lock();
        wake_.wait(lock, [&] { return !paused_ || cancelled_.load(); });
        lock.unlock();
        if (!cancelled_) status_event("IN_PROGRESS");
      }
    }
    if (cancelled_) {
      status = "CANCELLED";
      reason = "cancelled at step " + std::to_string(step);
      break;
    }
    const auto started = Clock::now();
    const double cpu_before = ProcessCpuSeconds();
    const int64_t faults_before = profile ? MinorPageFaults() : 0;
    const double lr = LearningRateAt(c, step);

    // Forward and backward over the micro-batches; gradients accumulate in .grad.
    for (AdamState& a : adam) a.param.mutable_grad() = torch::Tensor();  // set_to_none
    torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(at::kFloat).device(device));
    for (int64_t micro = 0; micro < c.grad_accum_steps; ++micro) {
      train_data.NextBatch(c.batch_size, c.random_windows, c.seed, cursor, x, y);
      torch::Tensor loss;
      {
        AutocastScope autocast(device.type(), autocast_dtype);
        loss = model->forward(device.is_cpu() ? x : x.to(device, /*non_blocking=*/true), device.is_cpu() ? y : y.to(device, true)).loss;
      }
      loss = c.grad_accum_steps > 1 ? loss / static_cast<double>(c.grad_accum_steps) : loss;
      (scaler.enabled ? loss * scaler.scale : loss).backward();
      loss_sum += loss.detach();
    }
    tokens_seen += tokens_per_step;
    const auto after_backward = Clock::now();

    params.clear(); grads.clear();
    for (AdamState& a : adam) if (a.param.grad().defined()) { params.push_back(a.param); grads.push_back(a.param.grad()); }
    torch::NoGradGuard no_grad;
    // fp16: unscale the gradients and look for inf/NaN, as GradScaler.unscale_.
    torch::Tensor found_inf;
    if (scaler.enabled) {
      found_inf = torch::zeros({}, torch::TensorOptions().dtype(at::kFloat).device(device));
      at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, scaler.scale.reciprocal());
    }
    // Global gradient norm over all parameters, then clip (as torch.nn.utils.clip_grad_norm_).
    const std::vector<torch::Tensor> norms = at::_foreach_norm(grads, 2);
    const torch::Tensor total_norm = at::linalg_vector_norm(at::stack(norms), 2);
    if (c.grad_clip > 0) {
      const torch::Tensor coef = at::clamp_max(c.grad_clip / (total_norm + 1e-6), 1.0);
      at::_foreach_mul_(grads, coef);
    }
    // One sync per step for what we report (loss, norm, and fp16's found_inf).
    last_loss = loss_sum.item<double>();
    last_grad_norm = total_norm.item<double>();
    const bool scaler_skipped = scaler.enabled && found_inf.item<float>() != 0.0f;
    // A gradient spike above the threshold (or a non-finite norm) skips the update, weights untouched.
    const bool norm_skipped = c.skip_grad_norm_above > 0 && !(last_grad_norm <= c.skip_grad_norm_above);
    const bool skipped = scaler_skipped || norm_skipped;
    const auto after_clip = Clock::now();
    if (!skipped) {
      // Fused AdamW: one kernel for all tensors of a group (decay and no-decay groups).
      for (const bool decay : {true, false}) {
        std::vector<torch::Tensor> p, g, m, v, s;
        for (AdamState& a : adam) {
          if (a.decay != decay || !a.param.grad().defined()) continue;
          p.push_back(a.param); g.push_back(a.param.grad()); m.push_back(a.exp_avg); v.push_back(a.exp_avg_sq); s.push_back(a.step);
        }
        if (p.empty()) continue;
        at::_foreach_add_(s, 1);  // as torch.optim's fused path: the kernel reads the incremented step
        at::_fused_adamw_(p, g, m, v, /*max_exp_avg_sqs=*/{}, s, lr, c.beta1, c.beta2, decay ? c.weight_decay : 0.0, c.eps,
                          /*amsgrad=*/false, /*maximize=*/false);
      }
    }
    if (scaler.enabled) {
      at::_amp_update_scale_(scaler.scale, scaler.growth_tracker, found_inf, LossScaler::kGrowthFactor, LossScaler::kBackoffFactor, LossScaler::kGrowthInterval);
    }
    step += 1;
    const auto finished = Clock::now();
    const double seconds = std::chrono::duration<double>(finished - started).count();
    if (profile) {
      const auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
      std::fprintf(stderr, "[egen train] step %lld: forward+backward %.1f ms, norm+clip %.1f ms, adamw %.1f ms, %lld minor page faults\n", static_cast<long long>(step),
                   ms(started, after_backward), ms(after_backward, after_clip), ms(after_clip, finished), static_cast<long long>(MinorPageFaults() - faults_before));
    }

    Json report = Json::MakeObject();
    report["type"] = "step";
    report["step"] = step;
    report["loss"] = last_loss;
    report["lr"] = lr;
    report["gradNorm"] = last_grad_norm;
    report["tokensPerSecond"] = static_cast<double>(tokens_per_step) / seconds;
    report["stepTimeMs"] = seconds * 1000.0;
    report["cpuTimeMs"] = (ProcessCpuSeconds() - cpu_before) * 1000.0;
    report["mfu"] = flops_per_token * static_cast<double>(tokens_per_step) / seconds / peak_flops;
    report["memoryBytes"] = MemoryBytes(device);
    report["tokensSeen"] = tokens_seen;
    report["skipped"] = skipped;
    if (scaler.enabled) report["lossScale"] = scaler.scale.item<double>();
    emit_(report);

    // A NaN/inf loss stops the run (fp16 steps skipped by the scaler excepted).
    if (!std::isfinite(last_loss) && !scaler_skipped) {
      status = "FAILED";
      reason = std::string("loss is ") + (std::isnan(last_loss) ? "NaN" : "infinite") + " at step " + std::to_string(step);
      break;
    }
    const bool last = step >= c.max_steps;
    if (val_data && ((c.eval_every > 0 && step % c.eval_every == 0) || last)) {
      last_val_loss = evaluate();
      if (last_val_loss < best_val_loss) {
        best_val_loss = last_val_loss;
        best_step = step;
      }
      Json ev = Json::MakeObject();
      ev["type"] = "eval";
      ev["step"] = step;
      ev["valLoss"] = last_val_loss;
      ev["perplexity"] = std::exp(last_val_loss);
      ev["bestValLoss"] = best_val_loss;
      emit_(ev);
    }
    if (!c.checkpoint_dir.empty() && c.checkpoint_every > 0 && step % c.checkpoint_every == 0) save_checkpoint(last);
    if (c.step_hook && ask_ && ask_(report)) {
      status = "COMPLETED";
      stopped_early = true;
      reason = "stopped by the onStep hook at step " + std::to_string(step);
      break;
    }
  }
  if (!c.checkpoint_dir.empty() && status != "FAILED" && last_checkpoint_step != step) save_checkpoint(true);

  Json result = Json::MakeObject();
  result["status"] = status;
  result["reason"] = reason.empty() ? Json() : Json(reason);
  result["stoppedEarly"] = stopped_early;
  result["step"] = step;
  result["loss"] = last_loss;
  result["gradNorm"] = last_grad_norm;
  result["valLoss"] = std::isfinite(last_val_loss) ? Json(last_val_loss) : Json();
  result["bestValLoss"] = std::isfinite(best_val_loss) ? Json(best_val_loss) : Json();
  result["bestCheckpoint"] = best_step >= 0 && !c.checkpoint_dir.empty() ? Json(JoinPath(c.checkpoint_dir, StepDirName(best_step))) : Json();
  result["lastCheckpoint"] = last_checkpoint.empty() ? Json() : Json(last_checkpoint);
  result["tokensSeen"] = tokens_seen;
  result["cursor"] = cursor;
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

Json InspectGradientsApi(const Json& o) {
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
  const at::Tensor x = to_tensor(o.at("inputs"), "inputs");
  const at::Tensor y = to_tensor(o.at("targets"), "targets");
  const GPTOutput out = model->forward(x, y);
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
