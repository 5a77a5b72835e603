// The vqmon N-API addon: one instance per JS environment (main thread and every worker
// thread), holding that thread's SIMD level and scratch memory, released by a cleanup hook
// when the environment goes away. Every call is coarse: a batch of frames, a buffer of
// samples, a whole frame copy -- never a pixel row.
#pragma once

#include <napi.h>

#include <memory>

#include "kernels.h"
#include "video_batch.h"

namespace vqaddon {

class VqmonAddon : public Napi::Addon<VqmonAddon> {
 public:
  VqmonAddon(Napi::Env env, Napi::Object exports);

  const vq::KernelTable& table() const { return *table_; }
  VideoScratch& scratch() {
    if (!scratch_) scratch_ = std::make_unique<VideoScratch>();
    return *scratch_;
  }

 private:
  Napi::Value SimdLevel(const Napi::CallbackInfo& info);
  Napi::Value SimdLevels(const Napi::CallbackInfo& info);
  Napi::Value SetSimdLevel(const Napi::CallbackInfo& info);

  const vq::KernelTable* table_;
  std::unique_ptr<VideoScratch> scratch_;
};

// The calls, defined in video_api.cpp, audio_api.cpp, handoff_api.cpp and thumbnail_api.cpp.
Napi::Value VideoLayout(const Napi::CallbackInfo& info);
Napi::Value AnalyzeVideo(const Napi::CallbackInfo& info);
Napi::Value AnalyzeVideoAsync(const Napi::CallbackInfo& info);
Napi::Value AudioStats(const Napi::CallbackInfo& info);
Napi::Value ToneOnsets(const Napi::CallbackInfo& info);
Napi::Value FlashFrames(const Napi::CallbackInfo& info);
Napi::Value FrameSlot(const Napi::CallbackInfo& info);
Napi::Value CopyFrame(const Napi::CallbackInfo& info);
Napi::Value ReleaseFrames(const Napi::CallbackInfo& info);
Napi::Value Thumbnail(const Napi::CallbackInfo& info);

}  // namespace vqaddon
