// 16-lane (SSE2) pieces of the x86 video kernels, shared by sse2/ and avx2/: the SSE2
// level runs on them alone, the AVX2 level uses them for the 16-pixel step after its
// 32-pixel loop and for the routines where 256-bit lanes gain nothing. Internal linkage
// (see video_common.h) so each ISA's copy keeps its own compile flags.
#pragma once

#include <emmintrin.h>

#include "video_common.h"

namespace vq {
namespace {  // NOLINT(build/namespaces)

inline __m128i absdiff16(__m128i a, __m128i b) {
  return _mm_or_si128(_mm_subs_epu8(a, b), _mm_subs_epu8(b, a));
}

inline uint64_t hsum64x2(__m128i v) {
  return static_cast<uint64_t>(_mm_cvtsi128_si64(v)) +
         static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)));
}

// Lane i (of 16, or of 32 with the pattern repeated) holds pixel x0 + i + 16k, so whether it
// lies on an m-pixel grid depends only on x0 % 16.
inline void grid_bytes(int32_t x0, int m, uint8_t* out, int lanes) {
  for (int i = 0; i < lanes; ++i) out[i] = ((x0 + i) % m) == 0 ? 0xFF : 0;
}

inline __m128i grid_mask16(int32_t x0, int m) {
  alignas(16) uint8_t b[16];
  grid_bytes(x0, m, b, 16);
  return _mm_load_si128(reinterpret_cast<const __m128i*>(b));
}

// Which 64-bit psadbw lanes of the 8-grid sums hold a 16-grid position: lane k sums
// pixel lanes [8k, 8k+8), which hold exactly one 8-grid position each.
inline void grid16_lane_bytes(int32_t x0, uint8_t* out, int lanes) {
  for (int k = 0; k < lanes / 8; ++k) {
    bool has16 = false;
    for (int i = 8 * k; i < 8 * k + 8; ++i) has16 = has16 || ((x0 + i) % 16) == 0;
    std::memset(out + 8 * k, has16 ? 0xFF : 0, 8);
  }
}

inline __m128i grid16_lanes16(int32_t x0) {
  alignas(16) uint8_t b[16];
  grid16_lane_bytes(x0, b, 16);
  return _mm_load_si128(reinterpret_cast<const __m128i*>(b));
}

// Per-segment sums, as u64x2 pairs from psadbw. Gradient sums come straight from
// psadbw(c, neighbour); the 8-grid part from psadbw of both sides masked to grid lanes.
struct LumaAcc16 {
  __m128i sad_p, sad_r, sum, h_all, h_g8, v_all, black;
  void clear() { sad_p = sad_r = sum = h_all = h_g8 = v_all = black = _mm_setzero_si128(); }
};

struct LumaMinMax16 {
  __m128i min = _mm_set1_epi8(static_cast<char>(0xFF));
  __m128i max = _mm_setzero_si128();
};

// One 16-pixel chunk at x, whose left neighbours are `left`. Black pixels are counted in
// the u8 lanes of `black_count` (the caller flushes it before it can wrap).
inline void luma_chunk16(const LumaRow& r, int32_t x, __m128i c, __m128i left, __m128i m8,
                         __m128i thr, LumaAcc16& a, LumaMinMax16& mm, __m128i& black_count) {
  const __m128i zero = _mm_setzero_si128();
  a.sum = _mm_add_epi64(a.sum, _mm_sad_epu8(c, zero));
  if (r.prev) {
    const __m128i p = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r.prev + x));
    a.sad_p = _mm_add_epi64(a.sad_p, _mm_sad_epu8(c, p));
  }
  if (r.ref) {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r.ref + x));
    a.sad_r = _mm_add_epi64(a.sad_r, _mm_sad_epu8(c, q));
  }
  a.h_all = _mm_add_epi64(a.h_all, _mm_sad_epu8(c, left));
  a.h_g8 = _mm_add_epi64(a.h_g8, _mm_sad_epu8(_mm_and_si128(c, m8), _mm_and_si128(left, m8)));
  if (r.above) {
    const __m128i up = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r.above + x));
    a.v_all = _mm_add_epi64(a.v_all, _mm_sad_epu8(c, up));
  }
  mm.min = _mm_min_epu8(mm.min, c);
  mm.max = _mm_max_epu8(mm.max, c);
  // -1 in lanes where c <= thr; subtracting counts up.
  black_count = _mm_sub_epi8(black_count, _mm_cmpeq_epi8(_mm_min_epu8(c, thr), c));
}

inline void flush_black16(__m128i& black_count, LumaAcc16& a) {
  a.black = _mm_add_epi64(a.black, _mm_sad_epu8(black_count, _mm_setzero_si128()));
  black_count = _mm_setzero_si128();
}

// 16-pixel chunks from x while they fit before x1; returns where it stopped.
inline int32_t luma_run16(const LumaRow& r, int32_t x, int32_t x1, __m128i m8, __m128i thr,
                          LumaAcc16& a, LumaMinMax16& mm) {
  __m128i black_count = _mm_setzero_si128();
  int chunks = 0;
  if (x == 0 && x1 >= 16) {
    // Pixel 0 has no left neighbour: compare it with itself (gradient 0, as x >= 1 demands).
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r.p));
    const __m128i lane0 = _mm_and_si128(c, _mm_cvtsi32_si128(0xFF));
    luma_chunk16(r, 0, c, _mm_or_si128(_mm_slli_si128(c, 1), lane0), m8, thr, a, mm, black_count);
    x = 16;
    ++chunks;
  }
  for (; x + 16 <= x1; x += 16) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r.p + x));
    const __m128i left = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r.p + x - 1));
    luma_chunk16(r, x, c, left, m8, thr, a, mm, black_count);
    if (++chunks == 255) {
      flush_black16(black_count, a);
      chunks = 0;
    }
  }
  flush_black16(black_count, a);
  return x;
}

inline void luma_acc_to_tile(const LumaAcc16& a, __m128i grid16_lanes, const LumaRow& r,
                             int black, LumaTile& t, LumaExtremes& e) {
  t.sum += hsum64x2(a.sum);
  t.sad_prev += hsum64x2(a.sad_p);
  t.sad_ref += hsum64x2(a.sad_r);
  const uint64_t h_all = hsum64x2(a.h_all), h_g8 = hsum64x2(a.h_g8);
  t.grad_h_grid += h_g8;
  t.grad_h_off += h_all - h_g8;
  e.grad_h_grid16 += hsum64x2(_mm_and_si128(a.h_g8, grid16_lanes));
  const uint64_t v = hsum64x2(a.v_all);
  if (r.vgrid) {
    t.grad_v_grid += v;
    if (r.vgrid16) e.grad_v_grid16 += v;
  } else {
    t.grad_v_off += v;
  }
  if (black >= 0) t.black += hsum64x2(a.black);
}

inline void minmax_reduce16(__m128i vmin, __m128i vmax, LumaExtremes& e) {
  alignas(16) uint8_t lo[16], hi[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(lo), vmin);
  _mm_store_si128(reinterpret_cast<__m128i*>(hi), vmax);
  for (int i = 0; i < 16; ++i) {
    e.min = std::min<uint32_t>(e.min, lo[i]);
    e.max = std::max<uint32_t>(e.max, hi[i]);
  }
}

// ---- chroma --------------------------------------------------------------------------
inline __m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// 16-pixel chunks for chroma_fused_columns (video_common.h). All sums are psadbw u64
// lanes, so the accumulators cannot overflow. A column narrower than 16 with x1 >= 16 is
// done by the masked final chunk alone (it reads pixels of the columns to its left, which
// lie in the row); only columns with x1 < 16 are scalar.
struct ChromaLanes16 {
  struct Column {
    int32_t x0, x1;
    int32_t chunks;      // full chunks from x0
    int32_t tail;        // start of the masked final chunk (x1 - 16), or -1
    bool scalar;
    __m128i tail_valid;  // lanes of the final chunk the full chunks did not do
  };
  struct Acc {
    __m128i sad_p, sad_r, sum_u, sum_v, far;
  };

  __m128i far_thr;
  explicit ChromaLanes16(int far) : far_thr(_mm_set1_epi8(static_cast<char>(far))) {}

  static Column plan(int32_t x0, int32_t x1) {
    Column c{};
    c.x0 = x0;
    c.x1 = x1;
    c.scalar = x1 < 16;
    c.chunks = (x1 - x0) / 16;
    const int32_t done = x0 + 16 * c.chunks;
    c.tail = done < x1 ? x1 - 16 : -1;
    alignas(16) uint8_t b[16];
    for (int i = 0; i < 16; ++i) b[i] = (c.tail + i) >= done ? 0xFF : 0;
    c.tail_valid = _mm_load_si128(reinterpret_cast<const __m128i*>(b));
    return c;
  }

  template <bool kPrev, bool kRef>
  void row(const ChromaRow& r, const Column& col, Acc& acc, ChromaTile&) const {
    const __m128i zero = _mm_setzero_si128(), mid = _mm_set1_epi8(static_cast<char>(0x80));
    __m128i sad_p = acc.sad_p, sad_r = acc.sad_r, sum_u = acc.sum_u, sum_v = acc.sum_v,
            far = acc.far;
    // Masked lanes are zeroed in both psadbw operands (and in the far mask), so they add 0.
    auto chunk = [&](int32_t x, __m128i valid, bool masked) {
      __m128i u = load16(r.u + x), v = load16(r.v + x);
      const __m128i d = _mm_max_epu8(absdiff16(u, mid), absdiff16(v, mid));
      // 0xFF where d >= far_thr; psadbw sums 255 per far pixel, divided out in reduce.
      __m128i is_far = _mm_cmpeq_epi8(_mm_max_epu8(d, far_thr), d);
      __m128i pu = zero, pv = zero, qu = zero, qv = zero;
      if (kPrev) pu = load16(r.prev_u + x), pv = load16(r.prev_v + x);
      if (kRef) qu = load16(r.ref_u + x), qv = load16(r.ref_v + x);
      if (masked) {
        u = _mm_and_si128(u, valid);
        v = _mm_and_si128(v, valid);
        is_far = _mm_and_si128(is_far, valid);
        if (kPrev) pu = _mm_and_si128(pu, valid), pv = _mm_and_si128(pv, valid);
        if (kRef) qu = _mm_and_si128(qu, valid), qv = _mm_and_si128(qv, valid);
      }
      sum_u = _mm_add_epi64(sum_u, _mm_sad_epu8(u, zero));
      sum_v = _mm_add_epi64(sum_v, _mm_sad_epu8(v, zero));
      far = _mm_add_epi64(far, _mm_sad_epu8(is_far, zero));
      if (kPrev) sad_p = _mm_add_epi64(sad_p, _mm_add_epi64(_mm_sad_epu8(u, pu), _mm_sad_epu8(v, pv)));
      if (kRef) sad_r = _mm_add_epi64(sad_r, _mm_add_epi64(_mm_sad_epu8(u, qu), _mm_sad_epu8(v, qv)));
    };
    int32_t x = col.x0;
    for (int32_t n = col.chunks; n > 0; --n, x += 16) chunk(x, zero, false);
    if (col.tail >= 0) chunk(col.tail, col.tail_valid, true);
    acc.sad_p = sad_p, acc.sad_r = sad_r, acc.sum_u = sum_u, acc.sum_v = sum_v, acc.far = far;
  }

  static void reduce(const Acc& a, ChromaTile& t) {
    t.sad_prev += hsum64x2(a.sad_p);
    t.sad_ref += hsum64x2(a.sad_r);
    t.sum_u += hsum64x2(a.sum_u);
    t.sum_v += hsum64x2(a.sum_v);
    t.far += hsum64x2(a.far) / 255;
  }
};

// ---- plain SAD and the hand-off copies ---------------------------------------------------
inline uint64_t sad_row16(const uint8_t* a, const uint8_t* b, int32_t& x, int32_t w) {
  __m128i acc = _mm_setzero_si128();
  for (; x + 16 <= w; x += 16) {
    acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + x)),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + x))));
  }
  return hsum64x2(acc);
}

inline void copy_row16(const uint8_t* s, uint8_t* d, int32_t x, int32_t w) {
  for (; x + 16 <= w; x += 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + x),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + x)));
  }
  if (x < w) {
    if (w >= 16) {  // one overlapping chunk ending at the row's end
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + w - 16),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + w - 16)));
    } else {
      for (; x < w; ++x) d[x] = s[x];
    }
  }
}

// Rounded 2x2 means of 16 output pixels from 32 bytes of each of two rows.
inline __m128i half16(const uint8_t* r0, const uint8_t* r1) {
  const __m128i lo_mask = _mm_set1_epi16(0x00FF), two = _mm_set1_epi16(2);
  auto pair_sums = [&](const uint8_t* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm_add_epi16(_mm_and_si128(v, lo_mask), _mm_srli_epi16(v, 8));
  };
  const __m128i a = _mm_add_epi16(pair_sums(r0), pair_sums(r1));
  const __m128i b = _mm_add_epi16(pair_sums(r0 + 16), pair_sums(r1 + 16));
  return _mm_packus_epi16(_mm_srli_epi16(_mm_add_epi16(a, two), 2),
                          _mm_srli_epi16(_mm_add_epi16(b, two), 2));
}

inline void copy_plane_half16(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  const int32_t w = src.width / 2, h = src.height / 2;
  for (int32_t y = 0; y < h; ++y) {
    const uint8_t* r0 = src.data + (2 * y) * src.stride;
    const uint8_t* r1 = r0 + src.stride;
    uint8_t* d = dst + y * dst_stride;
    int32_t x = 0;
    for (; x + 16 <= w; x += 16) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + x), half16(r0 + 2 * x, r1 + 2 * x));
    }
    for (; x < w; ++x) {
      const uint32_t s = r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1];
      d[x] = static_cast<uint8_t>((s + 2) >> 2);
    }
  }
}

inline void split_pairs16(const PlaneView& src, uint8_t* dst_a, ptrdiff_t stride_a,
                          uint8_t* dst_b, ptrdiff_t stride_b) {
  const __m128i lo_mask = _mm_set1_epi16(0x00FF);
  for (int32_t y = 0; y < src.height; ++y) {
    const uint8_t* s = src.data + y * src.stride;
    uint8_t* a = dst_a + y * stride_a;
    uint8_t* b = dst_b + y * stride_b;
    int32_t x = 0;
    for (; x + 16 <= src.width; x += 16) {
      const __m128i p0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 2 * x));
      const __m128i p1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 2 * x + 16));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(a + x),
                       _mm_packus_epi16(_mm_and_si128(p0, lo_mask), _mm_and_si128(p1, lo_mask)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(b + x),
                       _mm_packus_epi16(_mm_srli_epi16(p0, 8), _mm_srli_epi16(p1, 8)));
    }
    for (; x < src.width; ++x) {
      a[x] = s[2 * x];
      b[x] = s[2 * x + 1];
    }
  }
}

inline __m128i black_threshold16(int black) {
  return _mm_set1_epi8(static_cast<char>(black < 0 ? 0 : black));
}

}  // namespace
}  // namespace vq
