// AVX2 audio kernels: 8 samples per step, the 8 canonical partial sums in two double
// quads; s16 values widened to 32-bit lanes. Tails go through the scalar helpers.
#include <immintrin.h>

#include "../audio_common.h"
#include "../isa.h"

namespace vq::avx2 {
namespace {

const __m256 kAbsMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));

inline __m256d lo_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
inline __m256d hi_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }

}  // namespace

void audio_stats_f32(const float* samples, size_t count, size_t window, float clip_level,
                     AudioWindowStats* out) {
  const __m256 clip = _mm256_set1_ps(clip_level);
  for (size_t start = 0, w = 0; start < count; start += window, ++w) {
    const size_t n = count - start < window ? count - start : window;
    const float* p = samples + start;
    __m256d a0 = _mm256_setzero_pd(), a1 = a0;
    __m256 peak = _mm256_setzero_ps();
    __m256i clipped = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 x = _mm256_loadu_ps(p + i);
      const __m256d d0 = lo_pd(x), d1 = hi_pd(x);
      a0 = _mm256_add_pd(a0, _mm256_mul_pd(d0, d0));
      a1 = _mm256_add_pd(a1, _mm256_mul_pd(d1, d1));
      const __m256 m = _mm256_and_ps(x, kAbsMask);
      peak = _mm256_max_ps(m, peak);  // NaN in the first operand yields the second
      clipped = _mm256_sub_epi32(clipped, _mm256_castps_si256(_mm256_cmp_ps(m, clip, _CMP_GE_OQ)));
    }
    F32Window st;
    _mm256_storeu_pd(st.acc, a0);
    _mm256_storeu_pd(st.acc + 4, a1);
    alignas(32) float pk[8];
    alignas(32) uint32_t cl[8];
    _mm256_store_ps(pk, peak);
    _mm256_store_si256(reinterpret_cast<__m256i*>(cl), clipped);
    for (int l = 0; l < 8; ++l) {
      st.peak = pk[l] > st.peak ? pk[l] : st.peak;
      st.clipped += cl[l];
    }
    for (; i < n; ++i) st.add(i, p[i], clip_level);
    out[w] = st.result();
  }
}

void audio_stats_s16(const int16_t* samples, size_t frames, int channels, size_t window,
                     int32_t clip_level_s16, AudioWindowStats* out) {
  const size_t ch = static_cast<size_t>(channels);
  const size_t period = s16_period_steps(channels);
  const __m256i clip_m1 = _mm256_set1_epi32(clip_level_s16 - 1);
  const __m256i zero = _mm256_setzero_si256();
  for (size_t start = 0, w = 0; start < frames; start += window, ++w) {
    const size_t n = (frames - start < window ? frames - start : window) * ch;
    const int16_t* p = samples + start * ch;
    // Per step k of the period: squares of lanes 0-3 and 4-7 (u64), peak and clip count.
    __m256i sq_lo[kMaxS16PeriodSteps], sq_hi[kMaxS16PeriodSteps], pk[kMaxS16PeriodSteps],
        cl[kMaxS16PeriodSteps];
    for (size_t k = 0; k < period; ++k) sq_lo[k] = sq_hi[k] = pk[k] = cl[k] = zero;
    size_t i = 0, k = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256i x =
          _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
      const __m256i sq = _mm256_mullo_epi32(x, x);  // <= 2^30
      sq_lo[k] = _mm256_add_epi64(sq_lo[k], _mm256_cvtepu32_epi64(_mm256_castsi256_si128(sq)));
      sq_hi[k] = _mm256_add_epi64(sq_hi[k], _mm256_cvtepu32_epi64(_mm256_extracti128_si256(sq, 1)));
      const __m256i a = _mm256_abs_epi32(x);
      pk[k] = _mm256_max_epi32(pk[k], a);
      cl[k] = _mm256_sub_epi32(cl[k], _mm256_cmpgt_epi32(a, clip_m1));
      if (++k == period) k = 0;
    }
    S16Channel st[64];
    for (size_t s = 0; s < period; ++s) {
      alignas(32) uint64_t sq[8];
      alignas(32) uint32_t peaks[8], clips[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(sq), sq_lo[s]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(sq + 4), sq_hi[s]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(peaks), pk[s]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(clips), cl[s]);
      for (size_t l = 0; l < 8; ++l) st[(s * 8 + l) % ch].merge(sq[l], peaks[l], clips[l]);
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
    __m256d c0 = _mm256_setzero_pd(), c1 = c0, s0 = c0, s1 = c0, q0 = c0, q1 = c0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 x = _mm256_loadu_ps(p + i);
      const __m256d d0 = lo_pd(x), d1 = hi_pd(x);
      c0 = _mm256_add_pd(c0, _mm256_mul_pd(d0, _mm256_loadu_pd(cos_table + i)));
      c1 = _mm256_add_pd(c1, _mm256_mul_pd(d1, _mm256_loadu_pd(cos_table + i + 4)));
      s0 = _mm256_add_pd(s0, _mm256_mul_pd(d0, _mm256_loadu_pd(sin_table + i)));
      s1 = _mm256_add_pd(s1, _mm256_mul_pd(d1, _mm256_loadu_pd(sin_table + i + 4)));
      q0 = _mm256_add_pd(q0, _mm256_mul_pd(d0, d0));
      q1 = _mm256_add_pd(q1, _mm256_mul_pd(d1, d1));
    }
    ToneState st;
    _mm256_storeu_pd(st.c, c0);
    _mm256_storeu_pd(st.c + 4, c1);
    _mm256_storeu_pd(st.s, s0);
    _mm256_storeu_pd(st.s + 4, s1);
    _mm256_storeu_pd(st.q, q0);
    _mm256_storeu_pd(st.q + 4, q1);
    for (; i < n; ++i) st.add(i, p[i], cos_table[i], sin_table[i]);
    out[b] = st.result();
  }
}

}  // namespace vq::avx2
