#include "addon.h"

#include <cstdlib>
#include <string>

#include "errors.h"

namespace vqaddon {

namespace {

// VQMON_SIMD forces a level for this process (testing, benchmarking, working around a
// CPU bug). A value that is unknown or that this CPU cannot run is an error at load time,
// never a silent fallback.
const vq::KernelTable* initial_table(Napi::Env env) {
  const char* forced = std::getenv("VQMON_SIMD");
  if (forced == nullptr || *forced == '\0') return vq::table_for(vq::best_level());
  vq::SimdLevel level;
  if (!vq::parse_level(forced, &level)) {
    throw_error(env, "ERR_VQMON_SIMD_UNSUPPORTED",
                std::string("VQMON_SIMD='") + forced +
                    "' is not a SIMD level; use scalar, sse2, avx2 or neon, or unset it");
  }
  if (!vq::level_supported(level)) {
    throw_error(env, "ERR_VQMON_SIMD_UNSUPPORTED",
                std::string("VQMON_SIMD='") + forced + "' cannot run on this CPU (best available: " +
                    vq::level_name(vq::best_level()) + "); unset it or choose a lower level");
  }
  return vq::table_for(level);
}

Napi::Array string_array(Napi::Env env, const char* const* names, int n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) a.Set(i, Napi::String::New(env, names[i]));
  return a;
}

}  // namespace

VqmonAddon::VqmonAddon(Napi::Env env, Napi::Object exports) : table_(initial_table(env)) {
  DefineAddon(exports,
              {InstanceMethod("simdLevel", &VqmonAddon::SimdLevel),
               InstanceMethod("simdLevels", &VqmonAddon::SimdLevels),
               InstanceMethod("setSimdLevel", &VqmonAddon::SetSimdLevel),
               InstanceValue("FRAME_COLUMNS", string_array(env, kFrameColumnNames, kFrameColumns)),
               InstanceValue("TILE_COLUMNS", string_array(env, kTileColumnNames, kTileColumns))});
  exports.Set("videoLayout", Napi::Function::New(env, VideoLayout, "videoLayout"));
  exports.Set("analyzeVideo", Napi::Function::New(env, AnalyzeVideo, "analyzeVideo"));
  exports.Set("analyzeVideoAsync", Napi::Function::New(env, AnalyzeVideoAsync, "analyzeVideoAsync"));
  exports.Set("audioStats", Napi::Function::New(env, AudioStats, "audioStats"));
  exports.Set("toneOnsets", Napi::Function::New(env, ToneOnsets, "toneOnsets"));
  exports.Set("flashFrames", Napi::Function::New(env, FlashFrames, "flashFrames"));
  exports.Set("frameSlot", Napi::Function::New(env, FrameSlot, "frameSlot"));
  exports.Set("copyFrame", Napi::Function::New(env, CopyFrame, "copyFrame"));
  exports.Set("releaseFrames", Napi::Function::New(env, ReleaseFrames, "releaseFrames"));
  exports.Set("thumbnail", Napi::Function::New(env, Thumbnail, "thumbnail"));
  // Scratch memory is per environment: free it when this thread's environment is torn
  // down (worker exit), not only when the instance data is finalised.
  env.AddCleanupHook([this]() { scratch_.reset(); });
}

Napi::Value VqmonAddon::SimdLevel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), table_->name);
}

Napi::Value VqmonAddon::SimdLevels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env);
  uint32_t n = 0;
  for (vq::SimdLevel l : {vq::SimdLevel::Scalar, vq::SimdLevel::SSE2, vq::SimdLevel::AVX2, vq::SimdLevel::NEON}) {
    if (vq::level_supported(l)) a.Set(n++, Napi::String::New(env, vq::level_name(l)));
  }
  return a;
}

Napi::Value VqmonAddon::SetSimdLevel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", "setSimdLevel(level) takes a level name", true);
  }
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  vq::SimdLevel level;
  if (!vq::parse_level(name.c_str(), &level)) {
    throw_error(env, "ERR_VQMON_SIMD_UNSUPPORTED",
                "'" + name + "' is not a SIMD level; use scalar, sse2, avx2 or neon");
  }
  if (!vq::level_supported(level)) {
    throw_error(env, "ERR_VQMON_SIMD_UNSUPPORTED", "'" + name + "' cannot run on this CPU");
  }
  table_ = vq::table_for(level);
  return Napi::String::New(env, table_->name);
}

}  // namespace vqaddon

using vqaddon::VqmonAddon;
NODE_API_ADDON(VqmonAddon)  // the macro builds identifiers from an unqualified name
