// SSE2 audio kernels: 8 samples per step, the 8 canonical partial sums held in four
// double pairs; tails go through the scalar helpers with the same lane mapping.
#include <emmintrin.h>

#include "../audio_common.h"
#include "../isa.h"

namespace vq::sse2 {
namespace {

const __m128 kAbsMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));

inline __m128d lo_pd(__m128 v) { return _mm_cvtps_pd(v); }
inline __m128d hi_pd(__m128 v) { return _mm_cvtps_pd(_mm_movehl_ps(v, v)); }

float hmax(__m128 v) {
  alignas(16) float f[4];
  _mm_store_ps(f, v);
  float m = f[0];
  for (int i = 1; i < 4; ++i) m = f[i] > m ? f[i] : m;
  return m;
}

uint32_t hsum_u32(__m128i v) {
  alignas(16) uint32_t u[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(u), v);
  return u[0] + u[1] + u[2] + u[3];
}

// Unsigned 16-bit compare helpers (SSE2 has only signed ones).
const __m128i kSign16 = _mm_set1_epi16(static_cast<int16_t>(0x8000));
inline __m128i abs16_biased(__m128i x) {  // |x| as unsigned 16, then xor 0x8000
  const __m128i s = _mm_srai_epi16(x, 15);
  return _mm_xor_si128(_mm_sub_epi16(_mm_xor_si128(x, s), s), kSign16);
}

}  // namespace

void audio_stats_f32(const float* samples, size_t count, size_t window, float clip_level,
                     AudioWindowStats* out) {
  const __m128 clip = _mm_set1_ps(clip_level);
  for (size_t start = 0, w = 0; start < count; start += window, ++w) {
    const size_t n = count - start < window ? count - start : window;
    const float* p = samples + start;
    __m128d a0 = _mm_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    __m128 peak = _mm_setzero_ps();
    __m128i clipped = _mm_setzero_si128();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m128 x0 = _mm_loadu_ps(p + i), x1 = _mm_loadu_ps(p + i + 4);
      const __m128d d0 = lo_pd(x0), d1 = hi_pd(x0), d2 = lo_pd(x1), d3 = hi_pd(x1);
      a0 = _mm_add_pd(a0, _mm_mul_pd(d0, d0));
      a1 = _mm_add_pd(a1, _mm_mul_pd(d1, d1));
      a2 = _mm_add_pd(a2, _mm_mul_pd(d2, d2));
      a3 = _mm_add_pd(a3, _mm_mul_pd(d3, d3));
      const __m128 m0 = _mm_and_ps(x0, kAbsMask), m1 = _mm_and_ps(x1, kAbsMask);
      peak = _mm_max_ps(m0, peak);  // NaN in the first operand yields the second
      peak = _mm_max_ps(m1, peak);
      clipped = _mm_sub_epi32(clipped, _mm_castps_si128(_mm_cmpge_ps(m0, clip)));
      clipped = _mm_sub_epi32(clipped, _mm_castps_si128(_mm_cmpge_ps(m1, clip)));
    }
    F32Window st;
    _mm_storeu_pd(st.acc + 0, a0);
    _mm_storeu_pd(st.acc + 2, a1);
    _mm_storeu_pd(st.acc + 4, a2);
    _mm_storeu_pd(st.acc + 6, a3);
    st.peak = hmax(peak);
    st.clipped = hsum_u32(clipped);
    for (; i < n; ++i) st.add(i, p[i], clip_level);
    out[w] = st.result();
  }
}

void audio_stats_s16(const int16_t* samples, size_t frames, int channels, size_t window,
                     int32_t clip_level_s16, AudioWindowStats* out) {
  const size_t ch = static_cast<size_t>(channels);
  const size_t period = s16_period_steps(channels);
  const __m128i even = _mm_set1_epi32(0x0000ffff), odd = _mm_set1_epi32(static_cast<int32_t>(0xffff0000u));
  const __m128i ones = _mm_set1_epi16(-1);
  // |x| >= clip  <=>  |x| > clip - 1, compared in the biased (signed) domain.
  const __m128i clip_b = _mm_set1_epi16(static_cast<int16_t>((clip_level_s16 - 1) ^ 0x8000));
  const __m128i zero = _mm_setzero_si128();
  for (size_t start = 0, w = 0; start < frames; start += window, ++w) {
    const size_t n = (frames - start < window ? frames - start : window) * ch;
    const int16_t* p = samples + start * ch;
    // Per step k of the period: squares of even and odd lanes (4 x u64 each as 2 + 2),
    // the biased peak and the clip counts of even and odd lanes.
    __m128i sq_e_lo[kMaxS16PeriodSteps], sq_e_hi[kMaxS16PeriodSteps], sq_o_lo[kMaxS16PeriodSteps],
        sq_o_hi[kMaxS16PeriodSteps], pk[kMaxS16PeriodSteps], cl_e[kMaxS16PeriodSteps],
        cl_o[kMaxS16PeriodSteps];
    for (size_t k = 0; k < period; ++k) {
      sq_e_lo[k] = sq_e_hi[k] = sq_o_lo[k] = sq_o_hi[k] = cl_e[k] = cl_o[k] = zero;
      pk[k] = kSign16;  // biased 0
    }
    size_t i = 0, k = 0;
    for (; i + 8 <= n; i += 8) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      // madd of x with x masked to one lane of each pair: that lane's square (<= 2^30).
      const __m128i se = _mm_madd_epi16(x, _mm_and_si128(x, even));
      const __m128i so = _mm_madd_epi16(x, _mm_and_si128(x, odd));
      sq_e_lo[k] = _mm_add_epi64(sq_e_lo[k], _mm_unpacklo_epi32(se, zero));
      sq_e_hi[k] = _mm_add_epi64(sq_e_hi[k], _mm_unpackhi_epi32(se, zero));
      sq_o_lo[k] = _mm_add_epi64(sq_o_lo[k], _mm_unpacklo_epi32(so, zero));
      sq_o_hi[k] = _mm_add_epi64(sq_o_hi[k], _mm_unpackhi_epi32(so, zero));
      const __m128i a = abs16_biased(x);
      pk[k] = _mm_max_epi16(pk[k], a);
      const __m128i hit = _mm_cmpgt_epi16(a, clip_b);
      cl_e[k] = _mm_add_epi32(cl_e[k], _mm_madd_epi16(_mm_and_si128(hit, even), ones));
      cl_o[k] = _mm_add_epi32(cl_o[k], _mm_madd_epi16(_mm_and_si128(hit, odd), ones));
      if (++k == period) k = 0;
    }
    S16Channel st[64];
    for (size_t s = 0; s < period; ++s) {
      alignas(16) uint64_t e[4], o[4];
      alignas(16) int16_t peaks[8];
      alignas(16) int32_t ce[4], co[4];
      _mm_store_si128(reinterpret_cast<__m128i*>(e), sq_e_lo[s]);
      _mm_store_si128(reinterpret_cast<__m128i*>(e + 2), sq_e_hi[s]);
      _mm_store_si128(reinterpret_cast<__m128i*>(o), sq_o_lo[s]);
      _mm_store_si128(reinterpret_cast<__m128i*>(o + 2), sq_o_hi[s]);
      _mm_store_si128(reinterpret_cast<__m128i*>(peaks), pk[s]);
      _mm_store_si128(reinterpret_cast<__m128i*>(ce), cl_e[s]);
      _mm_store_si128(reinterpret_cast<__m128i*>(co), cl_o[s]);
      for (size_t l = 0; l < 8; ++l) {
        const size_t pair = l / 2;
        const bool is_even = l % 2 == 0;
        const uint32_t peak = static_cast<uint16_t>(peaks[l] ^ 0x8000);
        st[(s * 8 + l) % ch].merge(is_even ? e[pair] : o[pair], peak,
                                   static_cast<uint32_t>(is_even ? ce[pair] : co[pair]));
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
    __m128d c[4], s[4], q[4];
    for (int j = 0; j < 4; ++j) c[j] = s[j] = q[j] = _mm_setzero_pd();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m128 x0 = _mm_loadu_ps(p + i), x1 = _mm_loadu_ps(p + i + 4);
      const __m128d d[4] = {lo_pd(x0), hi_pd(x0), lo_pd(x1), hi_pd(x1)};
      for (int j = 0; j < 4; ++j) {
        c[j] = _mm_add_pd(c[j], _mm_mul_pd(d[j], _mm_loadu_pd(cos_table + i + 2 * j)));
        s[j] = _mm_add_pd(s[j], _mm_mul_pd(d[j], _mm_loadu_pd(sin_table + i + 2 * j)));
        q[j] = _mm_add_pd(q[j], _mm_mul_pd(d[j], d[j]));
      }
    }
    ToneState st;
    for (int j = 0; j < 4; ++j) {
      _mm_storeu_pd(st.c + 2 * j, c[j]);
      _mm_storeu_pd(st.s + 2 * j, s[j]);
      _mm_storeu_pd(st.q + 2 * j, q[j]);
    }
    for (; i < n; ++i) st.add(i, p[i], cos_table[i], sin_table[i]);
    out[b] = st.result();
  }
}

}  // namespace vq::sse2
