// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}},
// then the raw little-endian tensor bytes. Files written here load with Python's `safetensors`.
#pragma once
#include <ATen/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace egen {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Writes tensors (moved to CPU, made contiguous) with string metadata; fsyncs the file.
void SaveSafetensors(const std::string& path, const NamedTensors& tensors, const std::map<std::string, std::string>& metadata = {});
// Reads every tensor onto the CPU. Throws naming the path on a malformed or truncated file.
std::map<std::string, at::Tensor> LoadSafetensors(const std::string& path);

}  // namespace egen
