// Runs a long C++ job on a thread of its own and settles a promise with its result, while the
// job streams events to a JavaScript callback through one thread-safe function:
//   - Emit: non-blocking, unbounded queue, so delivery never stalls the job;
//   - Ask: blocks the job until the callback's return value comes back (truthy = true).
// The promise settles in the thread-safe function's finalizer, after every queued event has
// been delivered, and the thread is joined there. If the environment shuts down, `on_closing`
// runs (the job is asked to stop) and asks answer true.
#pragma once
#include <napi.h>

#include <exception>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "bindings/json_napi.h"
#include "util/json.h"

namespace egen {

class StreamingJob {
 public:
  struct Channel {
    std::function<void(Json)> emit;
    std::function<bool(Json)> ask;
  };
  using Job = std::function<Json(const Channel&)>;

  static Napi::Promise Start(Napi::Env env, const std::string& operation, Napi::Function on_event, Job job, std::function<void()> on_closing) {
    auto* ctx = new Context{Napi::Promise::Deferred::New(env), operation, std::move(on_closing)};
    Napi::Promise promise = ctx->deferred.Promise();
    ctx->tsfn = Napi::ThreadSafeFunction::New(env, on_event, operation, /*maxQueueSize=*/0, /*initialThreadCount=*/1, ctx, Finalize, static_cast<void*>(nullptr));
    ctx->thread = std::thread([ctx, job = std::move(job)]() {
      Channel channel;
      channel.emit = [ctx](Json event) {
        auto* message = new Message{std::move(event), nullptr};
        if (ctx->tsfn.NonBlockingCall(message, Deliver) != napi_ok) {
          delete message;
          ctx->Closing();
        }
      };
      channel.ask = [ctx](Json event) {
        std::promise<bool> answer;
        std::future<bool> future = answer.get_future();
        auto* message = new Message{std::move(event), &answer};
        if (ctx->tsfn.BlockingCall(message, Deliver) != napi_ok) {
          delete message;
          ctx->Closing();
          return true;
        }
        return future.get();
      };
      try {
        ctx->result = job(channel);
      } catch (const std::exception& e) {
        ctx->failed = true;
        ctx->error = ctx->operation + ": " + FirstLine(e.what());
      } catch (...) {
        ctx->failed = true;
        ctx->error = ctx->operation + ": unknown native error";
      }
      ctx->tsfn.Release();
    });
    return promise;
  }

 private:
  struct Message {
    Json event;
    std::promise<bool>* answer;
  };
  struct Context {
    Napi::Promise::Deferred deferred;
    std::string operation;
    std::function<void()> on_closing;
    Napi::ThreadSafeFunction tsfn;
    std::thread thread;
    Json result;
    bool failed = false;
    std::string error;
    std::atomic<bool> closing{false};
    void Closing() {
      if (!closing.exchange(true) && on_closing) on_closing();
    }
  };

  static void Deliver(Napi::Env env, Napi::Function callback, Message* message) {
    bool answer = true;  // no environment: stop
    if (env != nullptr && callback != nullptr) {
      try {
        const Napi::Value returned = callback.Call({ToJs(env, message->event)});
        answer = returned.ToBoolean().Value();
      } catch (const Napi::Error& e) {
        answer = true;  // a throwing hook stops the run rather than crashing the process
      }
    }
    if (message->answer != nullptr) message->answer->set_value(answer);
    delete message;
  }

  static void Finalize(Napi::Env env, void*, Context* ctx) {
    if (ctx->thread.joinable()) ctx->thread.join();
    {
      Napi::HandleScope scope(env);
      if (ctx->failed) ctx->deferred.Reject(Napi::Error::New(env, ctx->error).Value());
      else ctx->deferred.Resolve(ToJs(env, ctx->result));
    }
    delete ctx;
  }

  static std::string FirstLine(const std::string& message) {
    const auto end = message.find('\n');
    return end == std::string::npos ? message : message.substr(0, end);
  }
};

}  // namespace egen
