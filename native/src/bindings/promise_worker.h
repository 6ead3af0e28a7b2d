// Runs a C++ job off the JavaScript thread and settles a promise with its result.
// The job owns copies of its inputs (no JavaScript values cross threads); any C++ exception
// becomes a rejected promise whose message names the operation.
#pragma once
#include <napi.h>

#include <exception>
#include <functional>
#include <string>
#include <utility>

namespace egen {

template <typename Result>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Job = std::function<Result()>;
  using ToJs = std::function<Napi::Value(Napi::Env, Result&)>;

  static Napi::Promise Start(Napi::Env env, std::string operation, Job job, ToJs to_js) {
    auto* worker = new PromiseWorker(env, std::move(operation), std::move(job), std::move(to_js));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      result_ = job_();
    } catch (const std::exception& e) {
      SetError(operation_ + ": " + FirstLine(e.what()));
    } catch (...) {
      SetError(operation_ + ": unknown native error");
    }
  }

  void OnOK() override {
    Napi::HandleScope scope(Env());
    try {
      deferred_.Resolve(to_js_(Env(), result_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  PromiseWorker(Napi::Env env, std::string operation, Job job, ToJs to_js)
      : Napi::AsyncWorker(env, operation.c_str()),
        deferred_(Napi::Promise::Deferred::New(env)),
        operation_(std::move(operation)),
        job_(std::move(job)),
        to_js_(std::move(to_js)) {}

  // c10::Error messages carry a C++ backtrace after the first line; users need only the reason.
  static std::string FirstLine(const std::string& message) {
    const auto end = message.find('\n');
    return end == std::string::npos ? message : message.substr(0, end);
  }

  Napi::Promise::Deferred deferred_;
  std::string operation_;
  Job job_;
  ToJs to_js_;
  Result result_{};
};

}  // namespace egen
