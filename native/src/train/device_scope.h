// Where and how a run computes: the device, the autocast precision, and the process-wide
// settings (deterministic kernels, autocast state) a run sets and puts back when it ends.
#pragma once
#include <ATen/ATen.h>
#include <c10/core/Device.h>

#include <optional>
#include <string>

namespace egen {

// "auto" | "cpu" | "cuda" | "cuda:N"; throws when CUDA is asked for but absent.
c10::Device ResolveDevice(const std::string& name);

// The autocast dtype for a precision name ("fp32" | "bf16" | "fp16" | "auto"), or nullopt for
// plain fp32; `resolved` receives the precision actually used ("auto" picks one).
std::optional<at::ScalarType> ResolvePrecision(const std::string& precision, const c10::Device& device, std::string& resolved);

// Deterministic algorithms for the duration of a run (a process-wide libtorch setting, put back
// when the run ends): libtorch then picks deterministic CUDA kernels where it has them (embedding
// and loss backward, scatter/index ops) and cuBLAS gets a fixed workspace, so a resumed run
// repeats the uninterrupted one. Warn-only: an op without a deterministic kernel still runs.
class DeterministicScope {
 public:
  explicit DeterministicScope(bool active);
  ~DeterministicScope();
  DeterministicScope(const DeterministicScope&) = delete;
  DeterministicScope& operator=(const DeterministicScope&) = delete;

 private:
  bool active_;
  bool previous_algorithms_ = false, previous_warn_only_ = false, previous_cudnn_ = false, previous_benchmark_ = false;
};

// Autocast for the current thread (autocast state is thread-local), restored on exit.
class AutocastScope {
 public:
  AutocastScope(at::DeviceType device, std::optional<at::ScalarType> dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  at::DeviceType device_;
  bool active_;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

}  // namespace egen
