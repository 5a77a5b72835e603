// Scalar reference for the audio kernels (canonical order: audio_common.h).
#include "../audio_common.h"
#include "../isa.h"

namespace vq::scalar {

void audio_stats_f32(const float* samples, size_t count, size_t window, float clip_level,
                     AudioWindowStats* out) {
  for (size_t start = 0, w = 0; start < count; start += window, ++w) {
    const size_t n = count - start < window ? count - start : window;
    F32Window st;
    for (size_t i = 0; i < n; ++i) st.add(i, samples[start + i], clip_level);
    out[w] = st.result();
  }
}

void audio_stats_s16(const int16_t* samples, size_t frames, int channels, size_t window,
                     int32_t clip_level_s16, AudioWindowStats* out) {
  const size_t ch = static_cast<size_t>(channels);
  for (size_t start = 0, w = 0; start < frames; start += window, ++w) {
    const size_t n = frames - start < window ? frames - start : window;
    S16Channel st[64];
    const int16_t* p = samples + start * ch;
    for (size_t i = 0; i < n * ch; ++i) st[i % ch].add(p[i], clip_level_s16);
    for (size_t c = 0; c < ch; ++c) out[w * ch + c] = st[c].result();
  }
}

void tone_blocks_f32(const float* samples, size_t count, size_t block, const double* cos_table,
                     const double* sin_table, ToneBlock* out) {
  for (size_t start = 0, b = 0; start < count; start += block, ++b) {
    const size_t n = count - start < block ? count - start : block;
    ToneState st;
    for (size_t i = 0; i < n; ++i) st.add(i, samples[start + i], cos_table[i], sin_table[i]);
    out[b] = st.result();
  }
}

}  // namespace vq::scalar
