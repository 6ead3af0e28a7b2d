// PyTorch and TorchScript artifacts of a checkpoint, and the reader of Python's torch.save files.
//
// pytorch_model.bin: the zip archive Python's torch.save writes (data.pkl + data/<key> storages),
// pickled by libtorch's Pickler without TorchScript type tags, so that
// torch.load(path, weights_only=True) reads it: a dict of tensors under Hugging Face GPT-2 names
// and layouts (Conv1D weights (in, out), lm_head.weight tied to transformer.wte.weight).
//
// model.pt: a TorchScript module compiled from source over the checkpoint's weights (libtorch
// cannot trace a C++ module): forward(input_ids: int64 (B, T)) -> float32 logits (B, T, V), the
// math of model/gpt.cc. Weights are stored in the requested dtype and computed in float32.
#pragma once
#include <ATen/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace egen {

// Reads a state dict written by Python's torch.save (zip format): every entry, in file order.
// Throws naming the file for legacy (non-zip) files, truncated or corrupt archives, a top level
// that is not a dict, and entries that are not tensors.
std::vector<std::pair<std::string, at::Tensor>> ReadTorchStateDict(const std::string& path);

}  // namespace egen
