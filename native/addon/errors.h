// JS errors with a stable `code`, thrown as C++ exceptions (NAPI_CPP_EXCEPTIONS) and
// turned into JS exceptions by node-addon-api at the call boundary.
#pragma once

#include <napi.h>

#include <string>

#include "checks.h"

namespace vqaddon {

[[noreturn]] inline void throw_error(Napi::Env env, const char* code, const std::string& message,
                                     bool type_error = false) {
  Napi::Error e = type_error ? Napi::TypeError::New(env, message) : Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  throw e;
}

[[noreturn]] inline void throw_failure(Napi::Env env, const vq::Failure& f) {
  throw_error(env, f.code ? f.code : "ERR_VQMON_INVALID_ARG", f.message);
}

inline void check(Napi::Env env, bool ok, const vq::Failure& f) {
  if (!ok) throw_failure(env, f);
}

}  // namespace vqaddon
