#include "train/step_reporter.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#ifndef _WIN32
#include <sys/resource.h>
#include <unistd.h>
#endif

#ifdef EGEN_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace egen {
namespace {

int64_t MemoryBytes(const c10::Device& device) {
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
double GuessPeakFlops(const c10::Device& device, int threads) {
  if (device.is_cuda()) return 312e12;
  return static_cast<double>(threads) * 2.5e9 * 32.0;
}

}  // namespace

double FlopsPerToken(const GPT& model) {
  const GPTConfig& mc = model->config;
  const double n_params = static_cast<double>(model->NumParams(true));
  return 6.0 * n_params + 12.0 * static_cast<double>(mc.n_layer * mc.n_head * (mc.n_embd / mc.n_head) * mc.context_length);
}

StepReporter::StepReporter(Emit emit, const c10::Device& device, int threads, double flops_per_token, double peak_flops, int64_t tokens_per_step)
    : emit_(std::move(emit)),
      device_(device),
      threads_(threads),
      flops_per_token_(flops_per_token),
      peak_flops_(peak_flops > 0 ? peak_flops : GuessPeakFlops(device, threads)),
      tokens_per_step_(tokens_per_step),
      profile_(std::getenv("EGEN_TRAIN_PROFILE") != nullptr) {}

void StepReporter::Start(int64_t step, int64_t max_steps, const std::string& precision, const GPT& model, int64_t trainable_parameters, int64_t train_tokens) {
  Json start = Json::MakeObject();
  start["type"] = "start";
  start["step"] = step;
  start["maxSteps"] = max_steps;
  start["device"] = device_.str();
  start["precision"] = precision;
  start["threads"] = threads_;
  start["parameters"] = model->NumParams(false);
  start["trainableParameters"] = trainable_parameters;
  start["model"] = model->config.ToJson();
  start["trainTokens"] = train_tokens;
  emit_(start);
}

void StepReporter::Status(const char* status, int64_t step) {
  Json event = Json::MakeObject();
  event["type"] = "status";
  event["status"] = status;
  event["step"] = step;
  emit_(event);
}

void StepReporter::BeginStep() {
  started_ = Clock::now();
  cpu_before_ = ProcessCpuSeconds();
  faults_before_ = profile_ ? MinorPageFaults() : 0;
}

void StepReporter::MarkBackward() { after_backward_ = Clock::now(); }
void StepReporter::MarkClip() { after_clip_ = Clock::now(); }

Json StepReporter::Step(int64_t step, double loss, double lr, double grad_norm, int64_t tokens_seen, bool skipped, std::optional<double> loss_scale) {
  const auto finished = Clock::now();
  const double seconds = std::chrono::duration<double>(finished - started_).count();
  if (profile_) {
    const auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::fprintf(stderr, "[egen train] step %lld: forward+backward %.1f ms, norm+clip %.1f ms, adamw %.1f ms, %lld minor page faults\n", static_cast<long long>(step),
                 ms(started_, after_backward_), ms(after_backward_, after_clip_), ms(after_clip_, finished), static_cast<long long>(MinorPageFaults() - faults_before_));
  }
  Json report = Json::MakeObject();
  report["type"] = "step";
  report["step"] = step;
  report["loss"] = loss;
  report["lr"] = lr;
  report["gradNorm"] = grad_norm;
  report["tokensPerSecond"] = static_cast<double>(tokens_per_step_) / seconds;
  report["stepTimeMs"] = seconds * 1000.0;
  report["cpuTimeMs"] = (ProcessCpuSeconds() - cpu_before_) * 1000.0;
  report["mfu"] = flops_per_token_ * static_cast<double>(tokens_per_step_) / seconds / peak_flops_;
  report["memoryBytes"] = MemoryBytes(device_);
  report["tokensSeen"] = tokens_seen;
  report["skipped"] = skipped;
  if (loss_scale) report["lossScale"] = *loss_scale;
  emit_(report);
  return report;
}

void StepReporter::Eval(int64_t step, double val_loss, double best_val_loss, std::optional<double> val_accuracy) {
  Json ev = Json::MakeObject();
  ev["type"] = "eval";
  ev["step"] = step;
  ev["valLoss"] = val_loss;
  ev["perplexity"] = std::exp(val_loss);
  ev["bestValLoss"] = best_val_loss;
  if (val_accuracy) ev["valAccuracy"] = *val_accuracy;
  emit_(ev);
}

void StepReporter::Checkpoint(int64_t step, const std::string& path, bool best, bool final) {
  Json event = Json::MakeObject();
  event["type"] = "checkpoint";
  event["step"] = step;
  event["path"] = path;
  event["best"] = best;
  event["final"] = final;
  emit_(event);
}

}  // namespace egen
