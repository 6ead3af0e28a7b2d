#include "io/safetensors.h"

#include <ATen/ATen.h>

#include <cstring>
#include <stdexcept>

#include "io/files.h"
#include "util/json.h"

namespace egen {
namespace {

std::string DtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "F32";
    case at::kDouble: return "F64";
    case at::kHalf: return "F16";
    case at::kBFloat16: return "BF16";
    case at::kLong: return "I64";
    case at::kInt: return "I32";
    case at::kShort: return "I16";
    case at::kByte: return "U8";
    case at::kChar: return "I8";
    case at::kBool: return "BOOL";
    default: throw std::runtime_error(std::string("safetensors: unsupported dtype ") + c10::toString(t));
  }
}

at::ScalarType DtypeFromName(const std::string& name, const std::string& path) {
  if (name == "F32") return at::kFloat;
  if (name == "F64") return at::kDouble;
  if (name == "F16") return at::kHalf;
  if (name == "BF16") return at::kBFloat16;
  if (name == "I64") return at::kLong;
  if (name == "I32") return at::kInt;
  if (name == "I16") return at::kShort;
  if (name == "U8") return at::kByte;
  if (name == "I8") return at::kChar;
  if (name == "BOOL") return at::kBool;
  throw std::runtime_error(path + ": unsupported safetensors dtype " + name);
}

}  // namespace

void SaveSafetensors(const std::string& path, const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  Json header = Json::MakeObject();
  std::vector<at::Tensor> cpu;
  cpu.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    Json entry = Json::MakeObject();
    entry["dtype"] = DtypeName(t.scalar_type());
    Json shape = Json::MakeArray();
    for (const int64_t d : t.sizes()) shape.Push(Json(d));
    entry["shape"] = shape;
    entry["data_offsets"] = Json(Json::Array{Json(offset), Json(offset + bytes)});
    header[name] = entry;
    offset += bytes;
    cpu.push_back(std::move(t));
  }
  if (!metadata.empty()) {
    Json meta = Json::MakeObject();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  std::string head = header.Dump();
  while ((head.size() + 8) % 8 != 0) head.push_back(' ');  // align the data section to 8 bytes
  std::string out;
  out.resize(8 + head.size() + offset);
  const uint64_t n = head.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
  std::memcpy(out.data() + 8, head.data(), head.size());
  char* data = out.data() + 8 + head.size();
  size_t at_offset = 0;
  for (const at::Tensor& t : cpu) {
    const size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
    if (bytes > 0) std::memcpy(data + at_offset, t.data_ptr(), bytes);
    at_offset += bytes;
  }
  WriteFileDurably(path, out);
}

std::map<std::string, at::Tensor> LoadSafetensors(const std::string& path) {
  const std::string bytes = ReadFile(path);
  if (bytes.size() < 8) throw std::runtime_error(path + " is truncated (no safetensors header)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[static_cast<size_t>(i)])) << (8 * i);
  if (n > bytes.size() - 8) throw std::runtime_error(path + " is truncated (header of " + std::to_string(n) + " bytes does not fit)");
  const Json header = Json::Parse(bytes.substr(8, n), path);
  const size_t data_start = 8 + n;
  const size_t data_size = bytes.size() - data_start;
  std::map<std::string, at::Tensor> out;
  for (const auto& [name, entry] : header.AsObject()) {
    if (name == "__metadata__") continue;
    const at::ScalarType dtype = DtypeFromName(entry.at("dtype").AsString(), path);
    std::vector<int64_t> shape;
    for (const Json& d : entry.at("shape").AsArray()) shape.push_back(d.AsInt());
    const auto& offsets = entry.at("data_offsets").AsArray();
    if (offsets.size() != 2) throw std::runtime_error(path + ": bad data_offsets for " + name);
    const auto begin = static_cast<size_t>(offsets[0].AsInt());
    const auto end = static_cast<size_t>(offsets[1].AsInt());
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    const size_t expected = static_cast<size_t>(t.numel()) * t.element_size();
    if (end < begin || end > data_size || end - begin != expected) {
      throw std::runtime_error(path + " is truncated or corrupt (tensor " + name + " does not fit)");
    }
    if (expected > 0) std::memcpy(t.data_ptr(), bytes.data() + data_start + begin, expected);
    out.emplace(name, std::move(t));
  }
  return out;
}

}  // namespace egen
