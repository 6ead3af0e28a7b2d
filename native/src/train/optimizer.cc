#include "train/optimizer.h"

#include <torch/utils.h>

#include <stdexcept>

namespace egen {

AdamW::AdamW(const GPT& model, AdamWOptions options) : options_(options) {
  for (const auto& [name, p] : model->NamedTensors(false)) {
    if (!p.requires_grad()) continue;
    const bool is_embedding = name.find(".wte.") != std::string::npos || name.find(".wpe.") != std::string::npos;
    const bool decay = p.dim() >= 2 && (!is_embedding || options_.decay_embeddings);
    params_.push_back(ParamState{name, p, at::zeros_like(p, at::MemoryFormat::Contiguous), at::zeros_like(p, at::MemoryFormat::Contiguous),
                                 at::zeros({}, p.options().dtype(at::kFloat)), decay});
  }
}

void AdamW::ZeroGrad() {
  for (ParamState& s : params_) s.param.mutable_grad() = at::Tensor();
}

std::vector<at::Tensor> AdamW::Gradients() const {
  std::vector<at::Tensor> grads;
  for (const ParamState& s : params_) if (s.param.grad().defined()) grads.push_back(s.param.grad());
  return grads;
}

void AdamW::Step(double lr) {
  for (const bool decay : {true, false}) {
    std::vector<at::Tensor> p, g, m, v, steps;
    for (ParamState& s : params_) {
      if (s.decay != decay || !s.param.grad().defined()) continue;
      p.push_back(s.param); g.push_back(s.param.grad()); m.push_back(s.exp_avg); v.push_back(s.exp_avg_sq); steps.push_back(s.step);
    }
    if (p.empty()) continue;
    at::_foreach_add_(steps, 1);  // as torch.optim's fused path: the kernel reads the incremented step
    at::_fused_adamw_(p, g, m, v, /*max_exp_avg_sqs=*/{}, steps, lr, options_.beta1, options_.beta2, decay ? options_.weight_decay : 0.0, options_.eps,
                      /*amsgrad=*/false, /*maximize=*/false);
  }
}

int64_t AdamW::NumTrainable() const {
  int64_t n = 0;
  for (const ParamState& s : params_) n += s.param.numel();
  return n;
}

CheckpointFile AdamW::StateFile() const {
  CheckpointFile file{"optimizer.safetensors", {}, {}};
  for (const ParamState& s : params_) {
    file.tensors.emplace_back("exp_avg/" + s.name, s.exp_avg);
    file.tensors.emplace_back("exp_avg_sq/" + s.name, s.exp_avg_sq);
    file.tensors.emplace_back("step/" + s.name, s.step);
  }
  return file;
}

void AdamW::LoadState(const std::map<std::string, at::Tensor>& tensors, const std::string& what) {
  torch::NoGradGuard no_grad;
  for (ParamState& s : params_) {
    for (auto [prefix, tensor] : {std::pair<const char*, at::Tensor*>{"exp_avg/", &s.exp_avg}, {"exp_avg_sq/", &s.exp_avg_sq}, {"step/", &s.step}}) {
      const auto it = tensors.find(prefix + s.name);
      if (it == tensors.end()) throw std::runtime_error(what + " has no " + prefix + s.name);
      tensor->copy_(it->second);
    }
  }
}

LossScaler::LossScaler(bool enabled, const c10::Device& device) : enabled_(enabled) {
  if (!enabled_) return;
  scale_ = at::full({}, kInitScale, at::TensorOptions().dtype(at::kFloat).device(device));
  growth_tracker_ = at::zeros({}, at::TensorOptions().dtype(at::kInt).device(device));
}

at::Tensor LossScaler::Scale(const at::Tensor& loss) const { return enabled_ ? loss * scale_ : loss; }

at::Tensor LossScaler::Unscale(const std::vector<at::Tensor>& grads) const {
  if (!enabled_) return {};
  at::Tensor found_inf = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(scale_.device()));
  at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, scale_.reciprocal());
  return found_inf;
}

bool LossScaler::FoundInf(const at::Tensor& found_inf) { return found_inf.defined() && found_inf.item<float>() != 0.0f; }

void LossScaler::Update(const at::Tensor& found_inf) {
  if (!enabled_) return;
  at::_amp_update_scale_(scale_, growth_tracker_, found_inf, kGrowthFactor, kBackoffFactor, kGrowthInterval);
}

double LossScaler::scale() const { return scale_.item<double>(); }

void LossScaler::SaveState(Json& state) const {
  if (!enabled_) return;
  state["lossScale"] = scale_.item<double>();
  state["growthTracker"] = growth_tracker_.item<int64_t>();
}

void LossScaler::LoadState(const Json& state) {
  if (!enabled_ || !state.Has("lossScale")) return;
  scale_.fill_(state.at("lossScale").AsNumber());
  growth_tracker_.fill_(state.Int("growthTracker", 0));
}

}  // namespace egen
