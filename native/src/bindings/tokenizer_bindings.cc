// Bindings only: native/index.ts has validated every argument already.
#include "bindings/tokenizer_bindings.h"

#include <set>
#include <string>

#include "bindings/promise_worker.h"
#include "tokenizer/bpe_trainer.h"

namespace egen {
namespace {

std::vector<std::string> ReadStrings(const Napi::Array& array) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(array.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

// trainBpe({ files, vocabSize, minFrequency, specialTokens, charClasses, threads }) -> Promise<{ vocab, merges, words, bytesRead }>
Napi::Value TrainBpeBinding(const Napi::CallbackInfo& info) {
  const Napi::Object js = info[0].As<Napi::Object>();
  // A misspelled option must fail, not silently fall back (as RejectUnknownKeys on the JSON paths).
  static const std::set<std::string> known = {"files", "vocabSize", "minFrequency", "specialTokens", "charClasses", "threads"};
  const Napi::Array keys = js.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string key = keys.Get(i).ToString().Utf8Value();
    if (!known.count(key)) throw Napi::TypeError::New(info.Env(), "trainBpe: Unknown BPE option \"" + key + "\"");
  }
  BpeTrainOptions options;
  options.files = ReadStrings(js.Get("files").As<Napi::Array>());
  options.vocab_size = js.Get("vocabSize").As<Napi::Number>().Uint32Value();
  options.min_frequency = static_cast<uint64_t>(js.Get("minFrequency").As<Napi::Number>().Int64Value());
  options.special_tokens = ReadStrings(js.Get("specialTokens").As<Napi::Array>());
  options.threads = js.Get("threads").As<Napi::Number>().Uint32Value();
  const Napi::Uint8Array classes = js.Get("charClasses").As<Napi::Uint8Array>();
  options.char_classes.assign(classes.Data(), classes.Data() + classes.ElementLength());
  return PromiseWorker<BpeTrainResult>::Start(
      info.Env(), "trainBpe", [options = std::move(options)]() { return TrainByteLevelBpe(options); },
      [](Napi::Env env, BpeTrainResult& r) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        Napi::Array vocab = Napi::Array::New(env, r.vocab.size());
        for (size_t i = 0; i < r.vocab.size(); ++i) vocab.Set(static_cast<uint32_t>(i), Napi::String::New(env, r.vocab[i]));
        Napi::Array merges = Napi::Array::New(env, r.merges.size());
        for (size_t i = 0; i < r.merges.size(); ++i) {
          Napi::Array pair = Napi::Array::New(env, 2);
          pair.Set(0u, Napi::String::New(env, r.merges[i].first));
          pair.Set(1u, Napi::String::New(env, r.merges[i].second));
          merges.Set(static_cast<uint32_t>(i), pair);
        }
        out.Set("vocab", vocab);
        out.Set("merges", merges);
        out.Set("words", Napi::Number::New(env, static_cast<double>(r.words)));
        out.Set("bytesRead", Napi::Number::New(env, static_cast<double>(r.bytes_read)));
        return out;
      });
}

}  // namespace

void RegisterTokenizerBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("trainBpe", Napi::Function::New(env, TrainBpeBinding, "trainBpe"));
}

}  // namespace egen
