// audioStats(samples, options, out), toneOnsets(samples, options), flashFrames(means, options).
#include <cmath>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "shared/sync_detect.h"

namespace vqaddon {

namespace {
constexpr int kStatsPerChannel = 3;  // peak, rms, clipped
}

// samples: Float32Array (one planar channel, full scale 1.0) or Int16Array (interleaved
// `channels`, full scale 32768). options: { window, clipLevel = 0.999, channels = 1 }.
// out: Float64Array of windows * channels * 3: [peak, rms, clipped] per window and channel.
// Returns the number of windows.
Napi::Value AudioStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) {
    throw_error(env, "ERR_VQMON_INVALID_ARG", "audioStats(samples, options, out) takes three arguments", true);
  }
  Napi::Object o = get_object(env, info[1], "options");
  const size_t window = static_cast<size_t>(get_int(env, o, "window", -1, 1, int64_t{1} << 30, "options"));
  if (o.Get("window").IsUndefined()) throw_error(env, "ERR_VQMON_INVALID_ARG", "options.window is required", true);
  const double clip = get_number(env, o, "clipLevel", 0.999, 1e-6, 1.0, "options");
  size_t out_len = 0;
  double* out = get_typed<double>(env, info[2], napi_float64_array, "Float64Array", "out", &out_len);
  vq::Failure f;
  const vq::KernelTable& k = env.GetInstanceData<VqmonAddon>()->table();

  if (info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    size_t count = 0;
    const float* s = get_typed<float>(env, info[0], napi_float32_array, "Float32Array", "samples", &count);
    const size_t windows = (count + window - 1) / window;
    check(env, vq::check_output("out", windows * kStatsPerChannel, out_len, &f), f);
    std::vector<vq::AudioWindowStats> stats(windows);
    k.audio_stats_f32(s, count, window, static_cast<float>(clip), stats.data());
    for (size_t w = 0; w < windows; ++w) {
      const size_t n = std::min(window, count - w * window);
      out[w * 3 + 0] = stats[w].peak;
      out[w * 3 + 1] = std::sqrt(stats[w].sumsq / static_cast<double>(n));
      out[w * 3 + 2] = stats[w].clipped;
    }
    return Napi::Number::New(env, static_cast<double>(windows));
  }
  if (info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_int16_array) {
    const int channels = static_cast<int>(get_int(env, o, "channels", 1, 1, 64, "options"));
    size_t count = 0;
    const int16_t* s = get_typed<int16_t>(env, info[0], napi_int16_array, "Int16Array", "samples", &count);
    if (count % static_cast<size_t>(channels) != 0) {
      throw_error(env, "ERR_VQMON_INVALID_ARG",
                  "samples holds " + std::to_string(count) + " values, not a whole number of " +
                      std::to_string(channels) + "-channel frames");
    }
    const size_t frames = count / static_cast<size_t>(channels);
    const size_t windows = (frames + window - 1) / window;
    check(env, vq::check_output("out", windows * channels * kStatsPerChannel, out_len, &f), f);
    std::vector<vq::AudioWindowStats> stats(windows * static_cast<size_t>(channels));
    const int32_t clip_s16 = static_cast<int32_t>(std::ceil(clip * 32768.0));
    k.audio_stats_s16(s, frames, channels, window, clip_s16, stats.data());
    for (size_t w = 0; w < windows; ++w) {
      const size_t n = std::min(window, frames - w * window);
      for (int c = 0; c < channels; ++c) {
        const vq::AudioWindowStats& st = stats[w * channels + c];
        double* r = out + (w * channels + c) * kStatsPerChannel;
        r[0] = st.peak;
        r[1] = std::sqrt(st.sumsq / static_cast<double>(n));
        r[2] = st.clipped;
      }
    }
    return Napi::Number::New(env, static_cast<double>(windows));
  }
  throw_error(env, "ERR_VQMON_INVALID_ARG",
              "samples must be a Float32Array (planar float) or an Int16Array (s16, interleaved)", true);
}

// samples: Float32Array (one channel). options: { sampleRate, frequency = 1000,
// blockMs = 5, minAmplitude = 0.05, minToneFraction = 0.5, minGapMs = 250 }.
// Returns a Float64Array of onset sample indices.
Napi::Value ToneOnsets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) throw_error(env, "ERR_VQMON_INVALID_ARG", "toneOnsets(samples, options)", true);
  size_t count = 0;
  const float* s = get_typed<float>(env, info[0], napi_float32_array, "Float32Array", "samples", &count);
  Napi::Object o = get_object(env, info[1], "options");
  if (o.Get("sampleRate").IsUndefined()) throw_error(env, "ERR_VQMON_INVALID_ARG", "options.sampleRate is required", true);
  const double rate = get_number(env, o, "sampleRate", 48000, 1000, 768000, "options");
  const double freq = get_number(env, o, "frequency", 1000, 1, rate / 2, "options");
  const double block_ms = get_number(env, o, "blockMs", 5, 0.1, 1000, "options");
  const double min_amp = get_number(env, o, "minAmplitude", 0.05, 0, 1, "options");
  const double min_frac = get_number(env, o, "minToneFraction", 0.5, 0, 1, "options");
  const double gap_ms = get_number(env, o, "minGapMs", 250, 0, 1e7, "options");
  const size_t block = std::max<size_t>(1, static_cast<size_t>(std::lround(rate * block_ms / 1000.0)));
  const size_t blocks = (count + block - 1) / block;
  std::vector<double> cos_t(block), sin_t(block);
  vq::tone_tables(freq, rate, block, cos_t.data(), sin_t.data());
  std::vector<vq::ToneBlock> tb(blocks);
  const vq::KernelTable& k = env.GetInstanceData<VqmonAddon>()->table();
  k.tone_blocks_f32(s, count, block, cos_t.data(), sin_t.data(), tb.data());
  std::vector<int64_t> onsets(std::min<size_t>(blocks, 100000));
  const size_t n = vq::find_tone_onsets(tb.data(), blocks, block, s, count, min_amp, min_frac,
                                        static_cast<size_t>(rate * gap_ms / 1000.0), onsets.data(),
                                        onsets.size());
  Napi::Float64Array r = Napi::Float64Array::New(env, n);
  for (size_t i = 0; i < n; ++i) r[i] = static_cast<double>(onsets[i]);
  return r;
}

// means: Float64Array of per-frame mean luma. options: { minJump = 64 }.
// Returns a Float64Array of flash-frame indices.
Napi::Value FlashFrames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) throw_error(env, "ERR_VQMON_INVALID_ARG", "flashFrames(means, options?)", true);
  size_t count = 0;
  const double* m = get_typed<double>(env, info[0], napi_float64_array, "Float64Array", "means", &count);
  double jump = 64;
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    jump = get_number(env, get_object(env, info[1], "options"), "minJump", 64, 1e-9, 255, "options");
  }
  std::vector<size_t> out(count);
  const size_t n = vq::find_flash_frames(m, count, jump, out.data(), out.size());
  Napi::Float64Array r = Napi::Float64Array::New(env, n);
  for (size_t i = 0; i < n; ++i) r[i] = static_cast<double>(out[i]);
  return r;
}

}  // namespace vqaddon
