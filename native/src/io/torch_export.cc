#include "io/torch_export.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/accumulate.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <torch/script.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "api.h"
#include "io/files.h"
#include "io/safetensors.h"
#include "model/model_store.h"

#ifndef _WIN32
#include <unistd.h>
#endif

namespace egen {
namespace {

// The Conv1D weights of a GPT-2 block, which Hugging Face stores (in, out) and EGen (out, in).
const std::regex kConv1dWeight(R"(^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$)");

// c10::Error messages carry a backtrace after the first line; users need only the reason.
std::string FirstLine(const std::string& message) {
  const auto end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end);
}

at::ScalarType ExportDtype(const std::string& name) {
  if (name == "fp32") return at::kFloat;
  if (name == "fp16") return at::kHalf;
  if (name == "bf16") return at::kBFloat16;
  throw std::invalid_argument("dtype must be \"fp32\", \"fp16\" or \"bf16\", got \"" + name + "\"");
}

// Writes `path` through a sibling temp file and one rename, so that a failure (or a crash) never
// leaves a partial file under the final name.
void WriteAtomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  const std::string parent = ParentPath(path).empty() ? "." : ParentPath(path);
  if (!IsDirectory(parent)) throw std::runtime_error("the folder of " + path + " does not exist");
#ifndef _WIN32
  const long pid = static_cast<long>(::getpid());
#else
  const long pid = 0;
#endif
  const std::string tmp = path + ".tmp-" + std::to_string(pid) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  try {
    write(tmp);
    RenamePath(tmp, path);
    SyncDirectory(parent);
  } catch (...) {
    RemoveAll(tmp);
    throw;
  }
}

// The merged model of a checkpoint (LoRA adapters folded in), which GPT2LMHeadModel-shaped
// artifacts need.
GPT LoadMergedModel(const std::string& checkpoint) {
  LoadedModel loaded = LoadModelCheckpoint(checkpoint);
  if (loaded.model->has_lora()) loaded.model->MergeLora();
  loaded.model->eval();
  return loaded.model;
}

Json TensorListing(const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  Json list = Json::MakeArray();
  for (const auto& [name, t] : tensors) {
    Json entry = Json::MakeObject();
    entry["name"] = name;
    entry["dtype"] = std::string(c10::toString(t.scalar_type()));
    Json shape = Json::MakeArray();
    for (const int64_t d : t.sizes()) shape.Push(Json(d));
    entry["shape"] = shape;
    list.Push(entry);
  }
  return list;
}

// ---- pytorch_model.bin ----

Json WritePytorchStateDict(const std::string& checkpoint, const std::string& output_path, at::ScalarType dtype) {
  GPT model = LoadMergedModel(checkpoint);
  if (!model->config.bias) throw std::runtime_error("checkpoint " + checkpoint + " is a model without biases, which GPT2LMHeadModel cannot hold");
  torch::NoGradGuard no_grad;
  c10::Dict<std::string, at::Tensor> dict;
  std::vector<std::pair<std::string, at::Tensor>> listed;
  at::Tensor wte;
  for (const auto& [name, tensor] : model->NamedTensors()) {
    at::Tensor t = std::regex_match(name, kConv1dWeight) ? tensor.t() : tensor;
    t = t.to(dtype).contiguous();  // may alias the parameter: the model is only read, then dropped
    if (name == "transformer.wte.weight") wte = t;
    dict.insert(name, t);
    listed.emplace_back(name, t);
  }
  if (!wte.defined()) throw std::runtime_error("checkpoint " + checkpoint + " has no transformer.wte.weight");
  // GPT2LMHeadModel's state dict lists the tied head too; the same tensor, so one storage is written.
  dict.insert("lm_head.weight", wte);
  listed.emplace_back("lm_head.weight", wte);

  // No type tags (torch.jit._pickle.restore_type_tag): weights_only loading refuses that global.
  std::vector<char> pickle;
  torch::jit::Pickler pickler([&](const char* bytes, size_t n) { pickle.insert(pickle.end(), bytes, bytes + n); }, nullptr, nullptr, nullptr, nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(c10::IValue(dict));
  pickler.stop();
  WriteAtomically(output_path, [&](const std::string& tmp) {
    // Streamed to the file: the archive of a large model is never held in memory a second time.
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot create " + tmp);
    {
      caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, size_t n) {
        out.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(n));
        return out ? n : size_t{0};
      });
      torch::jit::writeArchiveAndTensors("data", pickle.data(), pickle.size(), pickler.tensorData(), writer);
      writer.writeEndOfFile();
    }
    out.close();
    if (!out) throw std::runtime_error("cannot write " + tmp);
    SyncFile(tmp);
  });
  Json result = Json::MakeObject();
  result["path"] = output_path;
  result["bytes"] = FileSize(output_path);
  result["tensors"] = TensorListing(listed);
  return result;
}

// ---- model.pt ----

// The TorchScript source of the model: pre-norm blocks, causal attention, exact GELU, tied head;
// each weight is cast to float32 where it is used (a no-op for fp32 weights).
std::string TorchScriptSource(const GPTConfig& c, const std::vector<std::string>& names) {
  const auto p = [&](const std::string& hf_name) {
    for (const std::string& n : names) {
      if (n == hf_name) {
        std::string flat = n;
        for (char& ch : flat) if (ch == '.') ch = '_';
        return "self." + flat + ".float()";
      }
    }
    return std::string("None");  // a model without biases
  };
  const int64_t C = c.n_embd, H = c.n_head, hs = C / H;
  std::ostringstream s;
  s.precision(17);
  s << "def _attention(self, x: Tensor, w: Tensor, b: Optional[Tensor], pw: Tensor, pb: Optional[Tensor]) -> Tensor:\n"
    << "    B = x.size(0)\n"
    << "    T = x.size(1)\n"
    << "    qkv = torch.linear(x, w, b).split(" << C << ", 2)\n"
    << "    q = qkv[0].view(B, T, " << H << ", " << hs << ").transpose(1, 2)\n"
    << "    k = qkv[1].view(B, T, " << H << ", " << hs << ").transpose(1, 2)\n"
    << "    v = qkv[2].view(B, T, " << H << ", " << hs << ").transpose(1, 2)\n"
    << "    att = torch.matmul(q, k.transpose(-2, -1)) * " << (1.0 / std::sqrt(static_cast<double>(hs))) << "\n"
    << "    att = att.masked_fill(self.causal_mask[:T, :T], float('-inf'))\n"
    << "    att = torch.softmax(att, -1)\n"
    << "    y = torch.matmul(att, v).transpose(1, 2).contiguous().view(B, T, " << C << ")\n"
    << "    return torch.linear(y, pw, pb)\n";
  std::ostringstream f;
  f << "def forward(self, input_ids: Tensor) -> Tensor:\n"
    << "    assert input_ids.dim() == 2, 'input_ids must be (batch, time) token ids'\n"
    << "    T = input_ids.size(1)\n"
    << "    assert T <= " << c.context_length << ", 'input_ids has more tokens than the context length " << c.context_length << "'\n"
    << "    x = torch.embedding(" << p("transformer.wte.weight") << ", input_ids) + " << p("transformer.wpe.weight") << "[:T]\n";
  for (int64_t i = 0; i < c.n_layer; ++i) {
    const std::string b = "transformer.h." + std::to_string(i) + ".";
    f << "    h = torch.layer_norm(x, [" << C << "], " << p(b + "ln_1.weight") << ", " << p(b + "ln_1.bias") << ", 1e-05)\n"
      << "    x = x + self._attention(h, " << p(b + "attn.c_attn.weight") << ", " << p(b + "attn.c_attn.bias") << ", " << p(b + "attn.c_proj.weight") << ", " << p(b + "attn.c_proj.bias") << ")\n"
      << "    h = torch.layer_norm(x, [" << C << "], " << p(b + "ln_2.weight") << ", " << p(b + "ln_2.bias") << ", 1e-05)\n"
      << "    h = torch.gelu(torch.linear(h, " << p(b + "mlp.c_fc.weight") << ", " << p(b + "mlp.c_fc.bias") << "))\n"
      << "    x = x + torch.linear(h, " << p(b + "mlp.c_proj.weight") << ", " << p(b + "mlp.c_proj.bias") << ")\n";
  }
  f << "    x = torch.layer_norm(x, [" << C << "], " << p("transformer.ln_f.weight") << ", " << p("transformer.ln_f.bias") << ", 1e-05)\n"
    << "    return torch.linear(x, " << p("transformer.wte.weight") << ")\n";
  return s.str() + "\n" + f.str();
}

Json WriteTorchScript(const std::string& checkpoint, const std::string& output_path, at::ScalarType dtype) {
  GPT model = LoadMergedModel(checkpoint);
  torch::NoGradGuard no_grad;
  const GPTConfig& c = model->config;
  torch::jit::Module module(c10::QualifiedName("__torch__.egen.GPT2LMHead"));
  std::vector<std::string> names;
  std::vector<std::pair<std::string, at::Tensor>> listed;
  for (const auto& [name, tensor] : model->NamedTensors()) {
    std::string flat = name;
    for (char& ch : flat) if (ch == '.') ch = '_';
    const at::Tensor t = tensor.detach().to(dtype).contiguous().clone();
    module.register_parameter(flat, t, /*is_buffer=*/false);
    names.push_back(name);
    listed.emplace_back(flat, t);
  }
  // True above the diagonal: the future positions each query may not see.
  module.register_buffer("causal_mask", at::ones({c.context_length, c.context_length}, at::kBool).triu(1));
  for (const auto& [key, value] : std::vector<std::pair<const char*, int64_t>>{
           {"vocab_size", c.vocab_size}, {"context_length", c.context_length}, {"n_layer", c.n_layer}, {"n_head", c.n_head}, {"n_embd", c.n_embd}}) {
    module.register_attribute(key, c10::IntType::get(), c10::IValue(value));
  }
  try {
    module.define(TorchScriptSource(c, names));
  } catch (const std::exception& e) {
    // The compiler's report spans lines (source excerpt and caret); keep it on one.
    std::string report = e.what();
    for (char& ch : report) if (ch == '\n') ch = ' ';
    throw std::runtime_error("compiling the TorchScript module failed: " + report);
  }
  module.eval();
  WriteAtomically(output_path, [&](const std::string& tmp) {
    module.save(tmp);
    SyncFile(tmp);
  });
  Json result = Json::MakeObject();
  result["path"] = output_path;
  result["bytes"] = FileSize(output_path);
  result["tensors"] = TensorListing(listed);
  return result;
}

int64_t IntAttribute(const torch::jit::Module& module, const char* name, const std::string& path) {
  if (!module.hasattr(name)) throw std::runtime_error(path + " is not an EGen TorchScript export: it has no " + name + " attribute");
  return module.attr(name).toInt();
}

// ---- reading torch.save files ----

// A pickled value, as far as a state dict needs: libtorch's own Unpickler turns the
// collections.OrderedDict of every Python state_dict() into None (pytorch#100741), so the subset
// of pickle protocol 2 that torch.save writes for dicts of tensors is read here.
struct PyValue;
using PyRef = std::shared_ptr<PyValue>;
struct PyValue {
  enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Tensor, Storage, Mark, Other } kind = Kind::None;
  int64_t i = 0;
  double f = 0;
  std::string s;                             // String; Global / Other: "module.name"
  std::vector<PyRef> items;                  // Tuple, List
  std::vector<std::pair<PyRef, PyRef>> dict;  // Dict, in insertion order
  at::Tensor tensor;                         // Tensor, Storage
};

PyRef Make(PyValue::Kind kind) {
  auto v = std::make_shared<PyValue>();
  v->kind = kind;
  return v;
}

std::string Describe(const PyValue& v) {
  switch (v.kind) {
    case PyValue::Kind::None: return "None";
    case PyValue::Kind::Bool: return "bool";
    case PyValue::Kind::Int: return "int";
    case PyValue::Kind::Float: return "float";
    case PyValue::Kind::String: return "str";
    case PyValue::Kind::Tuple: return "tuple";
    case PyValue::Kind::List: return "list";
    case PyValue::Kind::Dict: return "dict";
    case PyValue::Kind::Tensor: return "tensor";
    default: return v.s.empty() ? "object" : v.s;
  }
}

at::ScalarType StorageDtype(const std::string& global, const std::string& path) {
  static const std::map<std::string, at::ScalarType> kinds = {
      {"torch.FloatStorage", at::kFloat}, {"torch.HalfStorage", at::kHalf},   {"torch.BFloat16Storage", at::kBFloat16}, {"torch.DoubleStorage", at::kDouble},
      {"torch.LongStorage", at::kLong},   {"torch.IntStorage", at::kInt},     {"torch.ShortStorage", at::kShort},       {"torch.CharStorage", at::kChar},
      {"torch.ByteStorage", at::kByte},   {"torch.BoolStorage", at::kBool}};
  const auto it = kinds.find(global);
  if (it == kinds.end()) throw std::runtime_error(path + ": unsupported storage type " + global);
  return it->second;
}

class StateDictUnpickler {
 public:
  StateDictUnpickler(std::string path, caffe2::serialize::PyTorchStreamReader& reader, const uint8_t* data, size_t size)
      : path_(std::move(path)), reader_(reader), data_(data), size_(size) {}

  std::vector<std::pair<std::string, at::Tensor>> Run() {
    PyRef top;
    for (bool done = false; !done;) done = Step(top);
    if (top->kind != PyValue::Kind::Dict) throw std::runtime_error(path_ + " holds a " + Describe(*top) + ", not a state dict (a dict of tensors)");
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& [key, value] : top->dict) {
      if (key->kind != PyValue::Kind::String) throw std::runtime_error(path_ + ": a state dict key is a " + Describe(*key) + ", not a string");
      if (value->kind != PyValue::Kind::Tensor) throw std::runtime_error(path_ + ": entry \"" + key->s + "\" is a " + Describe(*value) + ", not a tensor");
      out.emplace_back(key->s, value->tensor);
    }
    if (out.empty()) throw std::runtime_error(path_ + " holds an empty state dict");
    return out;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { throw std::runtime_error(path_ + ": data.pkl " + what + " (at byte " + std::to_string(pos_) + ")"); }
  const uint8_t* Take(size_t n) {
    if (pos_ + n > size_) Fail("ends early");
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint64_t Little(size_t n) {
    const uint8_t* p = Take(n);
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k) v |= static_cast<uint64_t>(p[k]) << (8 * k);
    return v;
  }
  std::string Line() {
    std::string out;
    for (;;) {
      const char c = static_cast<char>(*Take(1));
      if (c == '\n') return out;
      out.push_back(c);
    }
  }
  PyRef Pop() {
    if (stack_.empty()) Fail("pops an empty stack");
    PyRef v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<PyRef> PopToMark() {
    std::vector<PyRef> items;
    for (;;) {
      PyRef v = Pop();
      if (v->kind == PyValue::Kind::Mark) break;
      items.push_back(v);
    }
    std::reverse(items.begin(), items.end());
    return items;
  }
  PyRef Tuple(std::vector<PyRef> items) {
    PyRef t = Make(PyValue::Kind::Tuple);
    t->items = std::move(items);
    return t;
  }
  static int64_t AsInt(const PyRef& v) { return v->kind == PyValue::Kind::Int || v->kind == PyValue::Kind::Bool ? v->i : throw std::runtime_error("expected an int, got a " + Describe(*v)); }

  // persistent id ('storage', <Type>Storage, key, location, numel) -> the storage's bytes as a 1-D tensor
  PyRef LoadStorage(const PyRef& pid) {
    if (pid->kind != PyValue::Kind::Tuple || pid->items.size() < 5 || pid->items[0]->s != "storage") Fail("has a persistent id that is not a storage");
    const std::string key = pid->items[2]->s;
    auto cached = storages_.find(key);
    if (cached != storages_.end()) return cached->second;
    const at::ScalarType dtype = StorageDtype(pid->items[1]->s, path_);
    const int64_t numel = AsInt(pid->items[4]);
    const std::string record = "data/" + key;
    if (!reader_.hasRecord(record)) Fail("names storage " + key + ", which the archive does not hold");
    const size_t bytes = reader_.getRecordSize(record);
    if (bytes != static_cast<size_t>(numel) * c10::elementSize(dtype)) Fail("says storage " + key + " holds " + std::to_string(numel) + " elements but it has " + std::to_string(bytes) + " bytes");
    at::Tensor storage = at::empty({numel}, at::TensorOptions().dtype(dtype));
    if (bytes > 0) reader_.getRecord(record, storage.data_ptr(), bytes);
    PyRef v = Make(PyValue::Kind::Storage);
    v->tensor = storage;
    storages_[key] = v;
    return v;
  }

  std::vector<int64_t> Ints(const PyRef& t) {
    std::vector<int64_t> out;
    for (const PyRef& v : t->items) out.push_back(AsInt(v));
    return out;
  }

  PyRef Reduce(const PyRef& callable, const PyRef& args) {
    const std::string& name = callable->s;
    if (name == "collections.OrderedDict") return Make(PyValue::Kind::Dict);
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      if (args->items.size() < 4 || args->items[0]->kind != PyValue::Kind::Storage) Fail("rebuilds a tensor without a storage");
      const at::Tensor& storage = args->items[0]->tensor;
      const std::vector<int64_t> sizes = Ints(args->items[2]), strides = Ints(args->items[3]);
      const int64_t offset = AsInt(args->items[1]);
      int64_t last = offset;
      for (size_t d = 0; d < sizes.size(); ++d) if (sizes[d] > 0) last += (sizes[d] - 1) * strides[d];
      if (last >= storage.numel() && !sizes.empty() && c10::multiply_integers(sizes) > 0) Fail("has a tensor that reaches past its storage");
      PyRef v = Make(PyValue::Kind::Tensor);
      v->tensor = storage.as_strided(sizes, strides, offset);
      return v;
    }
    if (name == "torch._utils._rebuild_parameter" && !args->items.empty() && args->items[0]->kind == PyValue::Kind::Tensor) return args->items[0];
    PyRef v = Make(PyValue::Kind::Other);  // refused only if it ends up as an entry of the dict
    v->s = name;
    return v;
  }

  // One opcode; true at STOP.
  bool Step(PyRef& top) {
    const uint8_t op = *Take(1);
    switch (op) {
      case 0x80: Take(1); break;                     // PROTO
      case 0x95: Take(8); break;                     // FRAME
      case '(': stack_.push_back(Make(PyValue::Kind::Mark)); break;
      case '.': top = Pop(); return true;            // STOP
      case 'N': stack_.push_back(Make(PyValue::Kind::None)); break;
      case 0x88: case 0x89: {                        // NEWTRUE, NEWFALSE
        PyRef v = Make(PyValue::Kind::Bool);
        v->i = op == 0x88;
        stack_.push_back(v);
        break;
      }
      case 'K': case 'M': case 'J': {                // BININT1, BININT2, BININT
        PyRef v = Make(PyValue::Kind::Int);
        v->i = op == 'K' ? static_cast<int64_t>(Little(1)) : op == 'M' ? static_cast<int64_t>(Little(2)) : static_cast<int64_t>(static_cast<int32_t>(Little(4)));
        stack_.push_back(v);
        break;
      }
      case 0x8a: {                                   // LONG1
        const size_t n = *Take(1);
        if (n > 8) Fail("has an integer wider than 64 bits");
        uint64_t raw = n ? Little(n) : 0;
        if (n > 0 && n < 8 && (raw >> (8 * n - 1)) & 1) raw |= ~uint64_t{0} << (8 * n);  // sign-extend
        PyRef v = Make(PyValue::Kind::Int);
        v->i = static_cast<int64_t>(raw);
        stack_.push_back(v);
        break;
      }
      case 'G': {                                    // BINFLOAT, big-endian
        const uint8_t* p = Take(8);
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
        PyRef v = Make(PyValue::Kind::Float);
        std::memcpy(&v->f, &bits, 8);
        stack_.push_back(v);
        break;
      }
      case 'X': case 0x8c: {                         // BINUNICODE, SHORT_BINUNICODE
        const size_t n = op == 'X' ? Little(4) : Little(1);
        PyRef v = Make(PyValue::Kind::String);
        v->s.assign(reinterpret_cast<const char*>(Take(n)), n);
        stack_.push_back(v);
        break;
      }
      case 'c': {                                    // GLOBAL module\nname\n
        PyRef v = Make(PyValue::Kind::Global);
        const std::string module = Line();
        v->s = module + "." + Line();
        stack_.push_back(v);
        break;
      }
      case 'q': memo_[Little(1)] = Top(); break;     // BINPUT
      case 'r': memo_[Little(4)] = Top(); break;     // LONG_BINPUT
      case 0x94: memo_[memo_.size()] = Top(); break; // MEMOIZE
      case 'h': case 'j': {                          // BINGET, LONG_BINGET
        const auto it = memo_.find(op == 'h' ? Little(1) : Little(4));
        if (it == memo_.end()) Fail("reads an unset memo slot");
        stack_.push_back(it->second);
        break;
      }
      case ')': stack_.push_back(Tuple({})); break;
      case 't': stack_.push_back(Tuple(PopToMark())); break;
      case 0x85: case 0x86: case 0x87: {             // TUPLE1..3
        std::vector<PyRef> items(op - 0x84);
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = Pop();
        stack_.push_back(Tuple(std::move(items)));
        break;
      }
      case ']': stack_.push_back(Make(PyValue::Kind::List)); break;
      case '}': stack_.push_back(Make(PyValue::Kind::Dict)); break;
      case 'a': { PyRef v = Pop(); Top()->items.push_back(v); break; }  // APPEND
      case 'e': { auto items = PopToMark(); for (auto& v : items) Top()->items.push_back(v); break; }  // APPENDS
      case 's': case 'u': {                          // SETITEM, SETITEMS
        std::vector<PyRef> items;
        if (op == 's') { PyRef value = Pop(); items = {Pop(), value}; } else { items = PopToMark(); }
        PyRef dict = Top();
        if (dict->kind != PyValue::Kind::Dict) Fail("sets items on a " + Describe(*dict));
        for (size_t k = 0; k + 1 < items.size(); k += 2) dict->dict.emplace_back(items[k], items[k + 1]);
        break;
      }
      case 'Q': stack_.push_back(LoadStorage(Pop())); break;  // BINPERSID
      case 'R': {                                    // REDUCE
        PyRef args = Pop();
        PyRef callable = Pop();
        stack_.push_back(Reduce(callable, args));
        break;
      }
      case 'b': Pop(); break;                        // BUILD: a state dict's _metadata attribute, not needed
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        Fail(std::string("uses pickle opcode ") + hex + ", which a torch.save state dict does not");
      }
    }
    return false;
  }
  PyRef Top() {
    if (stack_.empty()) Fail("reads an empty stack");
    return stack_.back();
  }

  std::string path_;
  caffe2::serialize::PyTorchStreamReader& reader_;
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::vector<PyRef> stack_;
  std::map<uint64_t, PyRef> memo_;
  std::map<std::string, PyRef> storages_;
};

}  // namespace

std::vector<std::pair<std::string, at::Tensor>> ReadTorchStateDict(const std::string& path) {
  if (!PathExists(path)) throw std::runtime_error(path + " does not exist");
  {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {0, 0, 0, 0};
    in.read(magic, 4);
    if (in.gcount() < 4) throw std::runtime_error(path + " is truncated: " + std::to_string(in.gcount()) + " bytes");
    if (!(magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4)) {
      const bool pickle = static_cast<unsigned char>(magic[0]) == 0x80;
      throw std::runtime_error(path + (pickle ? " is a legacy (pre-zip) torch.save file; re-save it with torch.save from PyTorch 1.6 or later" : " is not a PyTorch zip archive"));
    }
  }
  try {
    caffe2::serialize::PyTorchStreamReader reader{path};
    if (!reader.hasRecord("data.pkl")) throw std::runtime_error(path + " has no data.pkl: it is a zip archive but not a torch.save file");
    if (reader.hasRecord("byteorder")) {
      const auto [bytes, size] = reader.getRecord("byteorder");
      if (std::string(static_cast<const char*>(bytes.get()), size) != "little") throw std::runtime_error(path + " was saved on a big-endian machine, which this reader does not convert");
    }
    const auto [pickle, size] = reader.getRecord("data.pkl");
    StateDictUnpickler unpickler(path, reader, static_cast<const uint8_t*>(pickle.get()), size);
    return unpickler.Run();
  } catch (const c10::Error& e) {
    throw std::runtime_error(path + " is truncated or corrupt (not a complete torch.save zip archive): " + FirstLine(e.what()));
  }
}

// ---- api.h ----

Json WritePytorchStateDictApi(const Json& o) {
  RejectUnknownKeys(o, {"checkpoint", "outputPath", "dtype"}, "writePytorchStateDict");
  return WritePytorchStateDict(o.at("checkpoint").AsString(), o.at("outputPath").AsString(), ExportDtype(o.String("dtype", "fp32")));
}

Json ReadPytorchStateDictApi(const Json& o) {
  RejectUnknownKeys(o, {"path", "outputPath"}, "readPytorchStateDict");
  const std::string path = o.at("path").AsString();
  const std::string output_path = o.at("outputPath").AsString();
  const auto tensors = ReadTorchStateDict(path);
  NamedTensors named;
  for (const auto& [name, t] : tensors) named.emplace_back(name, t.contiguous());
  WriteAtomically(output_path, [&](const std::string& tmp) { SaveSafetensors(tmp, named, {{"format", "pt"}}); });
  Json result = Json::MakeObject();
  result["path"] = output_path;
  result["tensors"] = TensorListing(tensors);
  return result;
}

Json WriteTorchScriptApi(const Json& o) {
  RejectUnknownKeys(o, {"checkpoint", "outputPath", "dtype"}, "writeTorchScript");
  return WriteTorchScript(o.at("checkpoint").AsString(), o.at("outputPath").AsString(), ExportDtype(o.String("dtype", "fp32")));
}

Json CheckpointFromHuggingFaceApi(const Json& o) {
  RejectUnknownKeys(o, {"weights", "model", "outputDir"}, "checkpointFromHuggingFace");
  const std::string weights = o.at("weights").AsString();
  const GPTConfig config = GPTConfig::FromJson(o.at("model"));
  std::map<std::string, at::Tensor> tensors = LoadSafetensors(weights);
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : tensors) {
    if (!std::regex_match(name, kConv1dWeight)) continue;
    if (t.dim() != 2) throw std::runtime_error(weights + ": " + name + " has " + std::to_string(t.dim()) + " dimensions, expected 2");
    t = t.t().contiguous();  // Hugging Face's Conv1D (in, out) -> EGen's (out, in)
  }
  const auto head = tensors.find("lm_head.weight");
  if (head != tensors.end()) {
    const auto wte = tensors.find("transformer.wte.weight");
    if (wte == tensors.end() || !head->second.sizes().equals(wte->second.sizes()) || !at::equal(head->second, wte->second)) {
      throw std::runtime_error(weights + ": lm_head.weight is not tied to transformer.wte.weight, which EGen's model requires");
    }
  }
  GPT model(config, /*initialize=*/false);
  model->LoadNamed(tensors, weights);
  Json manifest = ModelManifest(model, false, "");
  manifest["kind"] = "model";
  manifest["importedFrom"] = weights;
  WriteCheckpoint(o.at("outputDir").AsString(), {ModelFile(model, false)}, manifest);
  Json result = Json::MakeObject();
  result["path"] = o.at("outputDir").AsString();
  result["model"] = config.ToJson();
  result["parameters"] = model->NumParams(false);
  return result;
}

LogitsResult TorchScriptLogitsApi(const Json& o) {
  RejectUnknownKeys(o, {"path", "inputs", "threads"}, "torchScriptLogits");
  const std::string path = o.at("path").AsString();
  if (!PathExists(path)) throw std::runtime_error(path + " does not exist");
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, at::Device(at::kCPU));
  } catch (const c10::Error& e) {
    throw std::runtime_error(path + " is not a loadable TorchScript module: " + FirstLine(e.what()));
  }
  module.eval();
  const int64_t vocab = IntAttribute(module, "vocab_size", path);
  const int64_t context = IntAttribute(module, "context_length", path);
  std::vector<int64_t> flat;
  const auto& rows = o.at("inputs").AsArray();
  const int64_t batch = static_cast<int64_t>(rows.size());
  int64_t time = -1;
  for (const Json& row : rows) {
    const auto& r = row.AsArray();
    if (time >= 0 && static_cast<int64_t>(r.size()) != time) throw std::invalid_argument("inputs rows must all have the same length");
    time = static_cast<int64_t>(r.size());
    for (const Json& t : r) {
      const int64_t id = t.AsInt();
      if (id < 0 || id >= vocab) throw std::invalid_argument("token " + std::to_string(id) + " is outside the vocabulary of " + path + " (" + std::to_string(vocab) + ")");
      flat.push_back(id);
    }
  }
  if (batch == 0 || time <= 0) throw std::invalid_argument("inputs must hold at least one non-empty row");
  if (time > context) throw std::invalid_argument("rows of " + std::to_string(time) + " tokens are longer than the context length of " + path + " (" + std::to_string(context) + ")");
  const int64_t threads = o.Int("threads", 0);
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
  torch::NoGradGuard no_grad;
  const at::Tensor x = at::tensor(flat, at::kLong).view({batch, time});
  at::Tensor logits;
  try {
    logits = module.forward({x}).toTensor().to(at::kFloat).contiguous();
  } catch (const c10::Error& e) {
    throw std::runtime_error(path + ": forward failed: " + FirstLine(e.what()));
  }
  LogitsResult result;
  result.data.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
  result.shape = logits.sizes().vec();
  return result;
}

}  // namespace egen
