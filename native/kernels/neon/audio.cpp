// NEON audio kernels: 8 samples per step, the 8 canonical partial sums in four double
// pairs; s16 squares widened to 64-bit lanes. Tails go through the scalar helpers.
#include <arm_neon.h>

#include "../audio_common.h"
#include "../isa.h"

namespace vq::neon {

void audio_stats_f32(const float* samples, size_t count, size_t window, float clip_level,
                     AudioWindowStats* out) {
  const float32x4_t clip = vdupq_n_f32(clip_level);
  for (size_t start = 0, w = 0; start < count; start += window, ++w) {
    const size_t n = count - start < window ? count - start : window;
    const float* p = samples + start;
    float64x2_t a[4] = {vdupq_n_f64(0), vdupq_n_f64(0), vdupq_n_f64(0), vdupq_n_f64(0)};
    float32x4_t peak = vdupq_n_f32(0);
    uint32x4_t clipped = vdupq_n_u32(0);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const float32x4_t x0 = vld1q_f32(p + i), x1 = vld1q_f32(p + i + 4);
      const float64x2_t d[4] = {vcvt_f64_f32(vget_low_f32(x0)), vcvt_high_f64_f32(x0),
                                vcvt_f64_f32(vget_low_f32(x1)), vcvt_high_f64_f32(x1)};
      for (int j = 0; j < 4; ++j) a[j] = vaddq_f64(a[j], vmulq_f64(d[j], d[j]));
      const float32x4_t m0 = vabsq_f32(x0), m1 = vabsq_f32(x1);
      peak = vmaxnmq_f32(peak, vmaxnmq_f32(m0, m1));  // maxNum: NaN loses to a number
      clipped = vsubq_u32(clipped, vcgeq_f32(m0, clip));
      clipped = vsubq_u32(clipped, vcgeq_f32(m1, clip));
    }
    F32Window st;
    for (int j = 0; j < 4; ++j) vst1q_f64(st.acc + 2 * j, a[j]);
    // The peak lanes may hold NaN only if every value of the lane was NaN; maxNum drops it.
    st.peak = vmaxnmvq_f32(peak);
    st.clipped = vaddvq_u32(clipped);
    for (; i < n; ++i) st.add(i, p[i], clip_level);
    out[w] = st.result();
  }
}

void audio_stats_s16(const int16_t* samples, size_t frames, int channels, size_t window,
                     int32_t clip_level_s16, AudioWindowStats* out) {
  const size_t ch = static_cast<size_t>(channels);
  const size_t period = s16_period_steps(channels);
  const uint16x8_t clip = vdupq_n_u16(static_cast<uint16_t>(clip_level_s16 > 65535 ? 65535 : clip_level_s16));
  for (size_t start = 0, w = 0; start < frames; start += window, ++w) {
    const size_t n = (frames - start < window ? frames - start : window) * ch;
    const int16_t* p = samples + start * ch;
    // Per step k: squares of lanes 0-1, 2-3, 4-5, 6-7 (i64), peak (u16), clip counts (u32).
    int64x2_t sq[kMaxS16PeriodSteps][4];
    uint16x8_t pk[kMaxS16PeriodSteps];
    uint32x4_t cl_lo[kMaxS16PeriodSteps], cl_hi[kMaxS16PeriodSteps];
    for (size_t k = 0; k < period; ++k) {
      for (int j = 0; j < 4; ++j) sq[k][j] = vdupq_n_s64(0);
      pk[k] = vdupq_n_u16(0);
      cl_lo[k] = cl_hi[k] = vdupq_n_u32(0);
    }
    size_t i = 0, k = 0;
    for (; i + 8 <= n; i += 8) {
      const int16x8_t x = vld1q_s16(p + i);
      const int32x4_t s_lo = vmull_s16(vget_low_s16(x), vget_low_s16(x));  // <= 2^30
      const int32x4_t s_hi = vmull_high_s16(x, x);
      sq[k][0] = vaddw_s32(sq[k][0], vget_low_s32(s_lo));
      sq[k][1] = vaddw_high_s32(sq[k][1], s_lo);
      sq[k][2] = vaddw_s32(sq[k][2], vget_low_s32(s_hi));
      sq[k][3] = vaddw_high_s32(sq[k][3], s_hi);
      const uint16x8_t a = vreinterpretq_u16_s16(vabsq_s16(x));  // -32768 -> 0x8000 = 32768
      pk[k] = vmaxq_u16(pk[k], a);
      const uint16x8_t hit = vshrq_n_u16(vcgeq_u16(a, clip), 15);  // 1 where |x| >= clip
      cl_lo[k] = vaddw_u16(cl_lo[k], vget_low_u16(hit));
      cl_hi[k] = vaddw_high_u16(cl_hi[k], hit);
      if (++k == period) k = 0;
    }
    S16Channel st[64];
    for (size_t s = 0; s < period; ++s) {
      int64_t q[8];
      uint16_t peaks[8];
      uint32_t clips[8];
      for (int j = 0; j < 4; ++j) vst1q_s64(q + 2 * j, sq[s][j]);
      vst1q_u16(peaks, pk[s]);
      vst1q_u32(clips, cl_lo[s]);
      vst1q_u32(clips + 4, cl_hi[s]);
      for (size_t l = 0; l < 8; ++l) {
        st[(s * 8 + l) % ch].merge(static_cast<uint64_t>(q[l]), peaks[l], clips[l]);
      }
    }
    for (; i < n; ++i) st[i % ch].add(p[i], clip_level_s16);
    for (size_t c = 0; c < ch; ++c) out[w * ch + c] = st[c].result();
  }
}

void tone_blocks_f32(const float* samples, size_t count, size_t block, const double* cos_table,
                     const double* sin_table, ToneBlock* out) {
  for (size_t start = 0, b = 0; start < count; start += block, ++b) {
    const size_t n = count - start < block ? count - start : block;
    const float* p = samples + start;
    float64x2_t c[4], s[4], q[4];
    for (int j = 0; j < 4; ++j) c[j] = s[j] = q[j] = vdupq_n_f64(0);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const float32x4_t x0 = vld1q_f32(p + i), x1 = vld1q_f32(p + i + 4);
      const float64x2_t d[4] = {vcvt_f64_f32(vget_low_f32(x0)), vcvt_high_f64_f32(x0),
                                vcvt_f64_f32(vget_low_f32(x1)), vcvt_high_f64_f32(x1)};
      for (int j = 0; j < 4; ++j) {
        c[j] = vaddq_f64(c[j], vmulq_f64(d[j], vld1q_f64(cos_table + i + 2 * j)));
        s[j] = vaddq_f64(s[j], vmulq_f64(d[j], vld1q_f64(sin_table + i + 2 * j)));
        q[j] = vaddq_f64(q[j], vmulq_f64(d[j], d[j]));
      }
    }
    ToneState st;
    for (int j = 0; j < 4; ++j) {
      vst1q_f64(st.c + 2 * j, c[j]);
      vst1q_f64(st.s + 2 * j, s[j]);
      vst1q_f64(st.q + 2 * j, q[j]);
    }
    for (; i < n; ++i) st.add(i, p[i], cos_table[i], sin_table[i]);
    out[b] = st.result();
  }
}

}  // namespace vq::neon
