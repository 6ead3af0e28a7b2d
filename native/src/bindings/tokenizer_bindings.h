// N-API bindings of the tokenizer code (native/src/tokenizer/); called once from addon.cc.
#pragma once
#include <napi.h>

namespace egen {

// Adds trainBpe to the addon's export table.
void RegisterTokenizerBindings(Napi::Env env, Napi::Object exports);

}  // namespace egen
