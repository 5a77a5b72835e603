// AVX2 video kernels: 32 pixels per step. The fused passes plan each tile column once per
// frame and finish it with a masked chunk instead of a scalar tail (LumaColumn,
// ChromaLanes32); SAD and copies use 16-pixel SSE steps (x86_lanes.h, VEX-encoded here)
// after the 32-pixel loop. The 2:1 decimation and the pair split stay 16-wide: their
// packs would need cross-lane fixes that gain nothing.
#include <immintrin.h>

#include "../isa.h"
#include "../x86_lanes.h"

namespace vq::avx2 {
namespace {

inline __m256i absdiff32(__m256i a, __m256i b) {
  return _mm256_or_si256(_mm256_subs_epu8(a, b), _mm256_subs_epu8(b, a));
}

inline __m128i fold(__m256i v) {
  return _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

inline __m256i load32(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// ---- luma ----------------------------------------------------------------------------
// Each tile column gets a fixed plan for the frame: an optional first chunk at x = 0 (whose
// left neighbours are built by shifting), full 32-pixel chunks, and, when the column width
// is not a multiple of 32, one final chunk that ends at x1 and overlaps pixels already
// done, with the overlap masked off. So no pixel goes through a scalar tail and every
// chunk of a column sees the same lane phases. Sums stay in vector accumulators per tile
// column and are reduced once per tile row.
struct LumaColumn {
  int32_t x0, x1;
  int32_t chunks;      // full chunks, the first-at-0 one included
  int32_t tail;        // start of the masked final chunk, or -1
  bool scalar;         // too narrow for 32-pixel chunks: scalar spans
  __m256i off8;        // lanes NOT on the 8-grid for the full chunks
  __m256i lanes16;     // psadbw lanes of the 8-grid sums holding a 16-grid pixel
  __m256i tail_valid;  // lanes of the final chunk not done by the full chunks
  __m256i tail_off8;   // lanes of the final chunk that are not (valid and on the 8-grid)
  __m256i tail_lanes16;
};

__m256i load_mask32(const uint8_t* bytes) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes));
}

LumaColumn plan_column(int32_t x0, int32_t x1) {
  LumaColumn c{};
  c.x0 = x0;
  c.x1 = x1;
  c.scalar = (x1 - x0) < 32 || x1 < 33;
  if (c.scalar) return c;
  c.chunks = (x1 - x0) / 32;
  const int32_t done = x0 + 32 * c.chunks;
  c.tail = done < x1 ? x1 - 32 : -1;
  uint8_t b[32];
  for (int i = 0; i < 32; ++i) b[i] = ((x0 + i) % 8) == 0 ? 0 : 0xFF;
  c.off8 = load_mask32(b);
  grid16_lane_bytes(x0, b, 32);
  c.lanes16 = load_mask32(b);
  if (c.tail >= 0) {
    for (int i = 0; i < 32; ++i) b[i] = (c.tail + i) >= done ? 0xFF : 0;
    c.tail_valid = load_mask32(b);
    for (int i = 0; i < 32; ++i) b[i] = ((c.tail + i) >= done && ((c.tail + i) % 8) == 0) ? 0 : 0xFF;
    c.tail_off8 = load_mask32(b);
    grid16_lane_bytes(c.tail, b, 32);
    c.tail_lanes16 = load_mask32(b);
  }
  return c;
}

struct LumaColumnAcc {
  __m256i sum, sad_p, sad_r, h_all, h_g8, h_g8_tail, v_grid, v_off, v_grid16, black;
};

struct MinMax32 {
  __m256i min = _mm256_set1_epi8(static_cast<char>(0xFF));
  __m256i max = _mm256_setzero_si256();
};

// One row of one tile column.
template <bool kPrev, bool kRef, bool kAbove>
inline void luma_column_row(const LumaRow& r, const LumaColumn& col, __m256i thr,
                            LumaColumnAcc& acc, __m256i& mn, __m256i& mx) {
  const __m256i zero = _mm256_setzero_si256();
  __m256i sum = acc.sum, sad_p = acc.sad_p, sad_r = acc.sad_r, h_all = acc.h_all,
          h_g8 = acc.h_g8, black = acc.black, v = zero;
  int32_t x = col.x0;
  int32_t n = col.chunks;
  __m256i black_count = zero;
  auto chunk = [&](__m256i c, __m256i left) {
    sum = _mm256_add_epi64(sum, _mm256_sad_epu8(c, zero));
    if (kPrev) sad_p = _mm256_add_epi64(sad_p, _mm256_sad_epu8(c, load32(r.prev + x)));
    if (kRef) sad_r = _mm256_add_epi64(sad_r, _mm256_sad_epu8(c, load32(r.ref + x)));
    h_all = _mm256_add_epi64(h_all, _mm256_sad_epu8(c, left));
    // Off-grid lanes of `left` replaced by c: psadbw then sums the 8-grid gradients only.
    h_g8 = _mm256_add_epi64(h_g8, _mm256_sad_epu8(c, _mm256_blendv_epi8(left, c, col.off8)));
    if (kAbove) v = _mm256_add_epi64(v, _mm256_sad_epu8(c, load32(r.above + x)));
    mn = _mm256_min_epu8(mn, c);
    mx = _mm256_max_epu8(mx, c);
    black_count = _mm256_sub_epi8(black_count, _mm256_cmpeq_epi8(_mm256_min_epu8(c, thr), c));
  };
  if (x == 0) {
    // Pixel 0 has no left neighbour: give it itself (gradient 0, as x >= 1 demands).
    const __m256i c = load32(r.p);
    const __m256i shifted = _mm256_alignr_epi8(c, _mm256_permute2x128_si256(c, c, 0x08), 15);
    const __m256i lane0 = _mm256_and_si256(c, _mm256_setr_epi32(0xFF, 0, 0, 0, 0, 0, 0, 0));
    chunk(c, _mm256_or_si256(shifted, lane0));
    x += 32;
    --n;
  }
  int32_t since_flush = 1;
  for (; n > 0; --n, x += 32) {
    chunk(load32(r.p + x), load32(r.p + x - 1));
    if (++since_flush == 255) {  // u8 black counters must not wrap
      black = _mm256_add_epi64(black, _mm256_sad_epu8(black_count, zero));
      black_count = zero;
      since_flush = 0;
    }
  }
  if (col.tail >= 0) {
    x = col.tail;
    const __m256i valid = col.tail_valid;
    const __m256i c = load32(r.p + x), left = load32(r.p + x - 1);
    const __m256i cm = _mm256_and_si256(c, valid);
    sum = _mm256_add_epi64(sum, _mm256_sad_epu8(cm, zero));
    if (kPrev) sad_p = _mm256_add_epi64(sad_p, _mm256_sad_epu8(cm, _mm256_and_si256(load32(r.prev + x), valid)));
    if (kRef) sad_r = _mm256_add_epi64(sad_r, _mm256_sad_epu8(cm, _mm256_and_si256(load32(r.ref + x), valid)));
    h_all = _mm256_add_epi64(h_all, _mm256_sad_epu8(cm, _mm256_and_si256(left, valid)));
    acc.h_g8_tail = _mm256_add_epi64(acc.h_g8_tail,
                                     _mm256_sad_epu8(c, _mm256_blendv_epi8(left, c, col.tail_off8)));
    if (kAbove) v = _mm256_add_epi64(v, _mm256_sad_epu8(cm, _mm256_and_si256(load32(r.above + x), valid)));
    mn = _mm256_min_epu8(mn, _mm256_or_si256(c, _mm256_xor_si256(valid, _mm256_set1_epi8(-1))));
    mx = _mm256_max_epu8(mx, cm);
    black_count = _mm256_sub_epi8(
        black_count, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(c, thr), c), valid));
  }
  black = _mm256_add_epi64(black, _mm256_sad_epu8(black_count, zero));
  acc.sum = sum, acc.sad_p = sad_p, acc.sad_r = sad_r, acc.h_all = h_all, acc.h_g8 = h_g8;
  acc.black = black;
  if (kAbove) {
    if (r.vgrid) {
      acc.v_grid = _mm256_add_epi64(acc.v_grid, v);
      if (r.vgrid16) acc.v_grid16 = _mm256_add_epi64(acc.v_grid16, v);
    } else {
      acc.v_off = _mm256_add_epi64(acc.v_off, v);
    }
  }
}

// A whole row, every tile column, min/max kept in registers across columns.
template <bool kPrev, bool kRef, bool kAbove>
void luma_row_columns(const LumaRow& r, const LumaColumn* plan, int cols, __m256i thr,
                      int black, LumaColumnAcc* acc, LumaTile* tiles, MinMax32& mm,
                      LumaExtremes& e) {
  __m256i mn = mm.min, mx = mm.max;
  for (int tx = 0; tx < cols; ++tx) {
    if (plan[tx].scalar) {
      luma_span(r, plan[tx].x0, plan[tx].x1, black, tiles[tx], e);
    } else {
      luma_column_row<kPrev, kRef, kAbove>(r, plan[tx], thr, acc[tx], mn, mx);
    }
  }
  mm.min = mn, mm.max = mx;
}

using LumaRowColumns = void (*)(const LumaRow&, const LumaColumn*, int, __m256i, int,
                                LumaColumnAcc*, LumaTile*, MinMax32&, LumaExtremes&);

LumaRowColumns pick_row_columns(const LumaRow& r) {
  static constexpr LumaRowColumns kRuns[8] = {
      &luma_row_columns<false, false, false>, &luma_row_columns<false, false, true>,
      &luma_row_columns<false, true, false>,  &luma_row_columns<false, true, true>,
      &luma_row_columns<true, false, false>,  &luma_row_columns<true, false, true>,
      &luma_row_columns<true, true, false>,   &luma_row_columns<true, true, true>};
  return kRuns[(r.prev ? 4 : 0) | (r.ref ? 2 : 0) | (r.above ? 1 : 0)];
}

inline uint64_t hsum256(__m256i v) { return hsum64x2(fold(v)); }

void reduce_column(const LumaColumnAcc& a, const LumaColumn& col, int black, LumaTile& t,
                   LumaExtremes& e) {
  t.sum += hsum256(a.sum);
  t.sad_prev += hsum256(a.sad_p);
  t.sad_ref += hsum256(a.sad_r);
  const uint64_t grid = hsum256(a.h_g8) + hsum256(a.h_g8_tail);
  t.grad_h_grid += grid;
  t.grad_h_off += hsum256(a.h_all) - grid;
  e.grad_h_grid16 += hsum256(_mm256_and_si256(a.h_g8, col.lanes16)) +
                     hsum256(_mm256_and_si256(a.h_g8_tail, col.tail_lanes16));
  t.grad_v_grid += hsum256(a.v_grid);
  t.grad_v_off += hsum256(a.v_off);
  e.grad_v_grid16 += hsum256(a.v_grid16);
  if (black >= 0) t.black += hsum256(a.black);
}

// ---- chroma --------------------------------------------------------------------------
// 32-pixel chunks for chroma_fused_columns (video_common.h); same scheme as ChromaLanes16
// in x86_lanes.h. psadbw u64 lanes: no overflow. Columns narrower than 32 with x1 >= 32 are
// done by the masked final chunk alone; only those with x1 < 32 are scalar.
struct ChromaLanes32 {
  struct Column {
    int32_t x0, x1;
    int32_t chunks;      // full chunks from x0
    int32_t tail;        // start of the masked final chunk (x1 - 32), or -1
    bool scalar;
    __m256i tail_valid;  // lanes of the final chunk the full chunks did not do
  };
  struct Acc {
    __m256i sad_p, sad_r, sum_u, sum_v, far;
  };

  __m256i far_thr;
  explicit ChromaLanes32(int far) : far_thr(_mm256_set1_epi8(static_cast<char>(far))) {}

  static Column plan(int32_t x0, int32_t x1) {
    Column c{};
    c.x0 = x0;
    c.x1 = x1;
    c.scalar = x1 < 32;
    c.chunks = (x1 - x0) / 32;
    const int32_t done = x0 + 32 * c.chunks;
    c.tail = done < x1 ? x1 - 32 : -1;
    uint8_t b[32];
    for (int i = 0; i < 32; ++i) b[i] = (c.tail + i) >= done ? 0xFF : 0;
    c.tail_valid = load_mask32(b);
    return c;
  }

  template <bool kPrev, bool kRef>
  void row(const ChromaRow& r, const Column& col, Acc& acc, ChromaTile&) const {
    const __m256i zero = _mm256_setzero_si256(), mid = _mm256_set1_epi8(static_cast<char>(0x80));
    __m256i sad_p = acc.sad_p, sad_r = acc.sad_r, sum_u = acc.sum_u, sum_v = acc.sum_v,
            far = acc.far;
    // Masked lanes are zeroed in both psadbw operands (and in the far mask), so they add 0.
    auto chunk = [&](int32_t x, __m256i valid, bool masked) {
      __m256i u = load32(r.u + x), v = load32(r.v + x);
      const __m256i d = _mm256_max_epu8(absdiff32(u, mid), absdiff32(v, mid));
      // 0xFF where d >= far_thr; psadbw sums 255 per far pixel, divided out in reduce.
      __m256i is_far = _mm256_cmpeq_epi8(_mm256_max_epu8(d, far_thr), d);
      __m256i pu = zero, pv = zero, qu = zero, qv = zero;
      if (kPrev) pu = load32(r.prev_u + x), pv = load32(r.prev_v + x);
      if (kRef) qu = load32(r.ref_u + x), qv = load32(r.ref_v + x);
      if (masked) {
        u = _mm256_and_si256(u, valid);
        v = _mm256_and_si256(v, valid);
        is_far = _mm256_and_si256(is_far, valid);
        if (kPrev) pu = _mm256_and_si256(pu, valid), pv = _mm256_and_si256(pv, valid);
        if (kRef) qu = _mm256_and_si256(qu, valid), qv = _mm256_and_si256(qv, valid);
      }
      sum_u = _mm256_add_epi64(sum_u, _mm256_sad_epu8(u, zero));
      sum_v = _mm256_add_epi64(sum_v, _mm256_sad_epu8(v, zero));
      far = _mm256_add_epi64(far, _mm256_sad_epu8(is_far, zero));
      if (kPrev) {
        sad_p = _mm256_add_epi64(sad_p, _mm256_add_epi64(_mm256_sad_epu8(u, pu), _mm256_sad_epu8(v, pv)));
      }
      if (kRef) {
        sad_r = _mm256_add_epi64(sad_r, _mm256_add_epi64(_mm256_sad_epu8(u, qu), _mm256_sad_epu8(v, qv)));
      }
    };
    int32_t x = col.x0;
    for (int32_t n = col.chunks; n > 0; --n, x += 32) chunk(x, zero, false);
    if (col.tail >= 0) chunk(col.tail, col.tail_valid, true);
    acc.sad_p = sad_p, acc.sad_r = sad_r, acc.sum_u = sum_u, acc.sum_v = sum_v, acc.far = far;
  }

  static void reduce(const Acc& a, ChromaTile& t) {
    t.sad_prev += hsum256(a.sad_p);
    t.sad_ref += hsum256(a.sad_r);
    t.sum_u += hsum256(a.sum_u);
    t.sum_v += hsum256(a.sum_v);
    t.far += hsum256(a.far) / 255;
  }
};

}  // namespace

// The current plane is the one stream that comes from DRAM (prev was read a frame ago,
// the row above a moment ago). Asking for the row about kPrefetchBytes ahead keeps more
// misses in flight than the hardware prefetcher does alone -- for rows up to
// kPrefetchMaxWidth. Measured (bench/kernels, luma_fused vs SAD of two planes from DRAM):
// 720p 0.67x -> 0.92x, 1080p 0.76-0.89x -> 0.86-0.94x, but 2160p 0.80x -> 0.58x, so long
// rows are left to the hardware.
constexpr int32_t kPrefetchBytes = 4096;
constexpr int32_t kPrefetchMaxWidth = 3072;
inline void prefetch_row(const uint8_t* p, int32_t width) {
  for (int32_t x = 0; x < width; x += 64) _mm_prefetch(reinterpret_cast<const char*>(p + x), _MM_HINT_T1);
}

void luma_fused(const PlaneView& cur, const PlaneRef& prev, const PlaneRef& ref,
                const LumaOptions& opts, LumaResult* out) {
  const int cols = opts.tile_cols, rows = opts.tile_rows, black = opts.black_threshold;
  const bool ref_is_prev = same_ref(ref, prev);
  const ColumnBounds xb(cur.width, cols);
  luma_begin(opts, out);
  LumaExtremes e;
  MinMax32 mm;
  const __m256i thr = _mm256_set1_epi8(static_cast<char>(black < 0 ? 0 : black));
  LumaColumn plan[kMaxTileAxis];
  for (int tx = 0; tx < cols; ++tx) plan[tx] = plan_column(xb.x[tx], xb.x[tx + 1]);
  LumaColumnAcc acc[kMaxTileAxis];
  // Rows ahead to prefetch; 0: none.
  const int32_t ahead = cur.width <= kPrefetchMaxWidth ? std::max<int32_t>(1, kPrefetchBytes / cur.width) : 0;
  for (int ty = 0; ty < rows; ++ty) {
    const int32_t y0 = tile_bound(cur.height, ty, rows), y1 = tile_bound(cur.height, ty + 1, rows);
    std::memset(static_cast<void*>(acc), 0, sizeof(LumaColumnAcc) * static_cast<size_t>(cols));
    LumaTile* tiles = out->tiles + ty * cols;
    for (int32_t y = y0; y < y1; ++y) {
      const LumaRow r = luma_row(cur, prev, ref, ref_is_prev, y);
      if (ahead && y + ahead < cur.height) prefetch_row(cur.data + (y + ahead) * cur.stride, cur.width);
      pick_row_columns(r)(r, plan, cols, thr, black, acc, tiles, mm, e);
    }
    for (int tx = 0; tx < cols; ++tx) {
      if (!plan[tx].scalar) reduce_column(acc[tx], plan[tx], black, tiles[tx], e);
    }
  }
  minmax_reduce16(_mm_min_epu8(_mm256_castsi256_si128(mm.min), _mm256_extracti128_si256(mm.min, 1)),
                  _mm_max_epu8(_mm256_castsi256_si128(mm.max), _mm256_extracti128_si256(mm.max, 1)),
                  e);
  luma_finish(cur, ref, ref_is_prev, opts, e, out);
}

void chroma_fused(const PlaneView& u, const PlaneView& v, const PlaneRef& prev_u,
                  const PlaneRef& prev_v, const PlaneRef& ref_u, const PlaneRef& ref_v,
                  const ChromaOptions& opts, ChromaResult* out) {
  chroma_fused_columns(ChromaLanes32(opts.far_threshold), u, v, prev_u, prev_v, ref_u, ref_v,
                       opts, out);
}

uint64_t sad_plane(const PlaneView& a, const PlaneRef& b) {
  uint64_t sad = 0;
  for (int32_t y = 0; y < a.height; ++y) {
    const uint8_t* pa = a.data + y * a.stride;
    const uint8_t* pb = b.data + y * b.stride;
    __m256i acc = _mm256_setzero_si256();
    int32_t x = 0;
    for (; x + 32 <= a.width; x += 32) acc = _mm256_add_epi64(acc, _mm256_sad_epu8(load32(pa + x), load32(pb + x)));
    sad += hsum64x2(fold(acc));
    sad += sad_row16(pa, pb, x, a.width);
    for (; x < a.width; ++x) sad += absdiff_u8(pa[x], pb[x]);
  }
  return sad;
}

void copy_plane(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  for (int32_t y = 0; y < src.height; ++y) {
    const uint8_t* s = src.data + y * src.stride;
    uint8_t* d = dst + y * dst_stride;
    int32_t x = 0;
    for (; x + 64 <= src.width; x += 64) {
      const __m256i a = load32(s + x), b = load32(s + x + 32);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + x), a);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + x + 32), b);
    }
    copy_row16(s, d, x, src.width);
  }
}

void copy_plane_half(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  copy_plane_half16(src, dst, dst_stride);
}

void split_pairs(const PlaneView& src_pairs, uint8_t* dst_a, ptrdiff_t stride_a, uint8_t* dst_b,
                 ptrdiff_t stride_b) {
  split_pairs16(src_pairs, dst_a, stride_a, dst_b, stride_b);
}

}  // namespace vq::avx2
