// NEON (AArch64 Advanced SIMD) video kernels, bit-exact with scalar/video.cpp.
//
// Layout of the fused passes: row by row, tile column by tile column. Each tile column
// gets a plan once per frame (LumaColumn, ChromaLanes::Column): full 16-pixel chunks from x0, plus, when the
// column width is not a multiple of 16, one final chunk ending at x1 that overlaps pixels
// the full chunks already did, its overlap masked off, so no pixel of a column that is
// 16 or more wide goes through the scalar span. Narrower columns use the scalar span
// (video_common.h) for the whole segment.
//
// Per chunk the sums go into u16x8 accumulators with UADALP (vpadalq_u8: at most 510 per
// lane per chunk), black pixels into u8 lane counters (vcleq_u8 masks subtracted), min and
// max into u8 vectors kept for the whole frame. The luma u16/u8 accumulators are reduced
// to scalars (UADDLV) every 128 chunks at most and at the end of each segment, which keeps
// every lane far from overflow for rows of any width. Chroma (ChromaLanes) keeps its
// accumulators per tile column across the rows of a tile row (chroma_fused_columns in
// video_common.h) and reduces them by chunk count, not per row.
//
// Block grid: chunks advance by 16 from x0, so whether lane i is on the 8- or 16-pixel grid
// is fixed for the segment. The 8-grid horizontal gradients are the gradient vector masked
// to the grid lanes (two per chunk, i and i + 8) before their own UADALP; pairwise adds
// keep lane i in u16 lane i / 2, so the 16-grid part is that accumulator masked to the u16
// lane holding the 16-grid position. The masked final chunk has other phases and reduces
// its grid gradients directly. The chunk at x = 0 takes its "left" vector from vextq_u8
// with pixel 0 as its own neighbour (gradient 0; x = 0 has no gradient anyway). Loads at
// x - 1 stay inside the row: they happen only for x >= 1.
#include <arm_neon.h>

#include "../isa.h"
#include "../video_common.h"

namespace vq::neon {
namespace {

// Max chunks between reductions: 128 * 510 fits u16, 128 fits the u8 counters. One of the
// 128 is kept for the masked final chunk.
constexpr int kBlockChunks = 127;

// 16 zero bytes then 16 0xFF bytes: loading at offset `rem` gives a mask whose last `rem`
// lanes are set (the lanes of a final chunk at x1 - 16 that the full chunks did not do).
alignas(16) const uint8_t kTailBytes[32] = {0,    0,    0,    0,    0,    0,    0,    0,
                                            0,    0,    0,    0,    0,    0,    0,    0,
                                            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

inline uint8x16_t tail_mask(int32_t rem) { return vld1q_u8(kTailBytes + rem); }

inline uint8x16_t grid_mask(int32_t x, int m) {
  uint8_t b[16];
  for (int i = 0; i < 16; ++i) b[i] = ((x + i) % m) == 0 ? 0xFF : 0;
  return vld1q_u8(b);
}

// ---- luma ----------------------------------------------------------------------------
struct LumaColumn {
  int32_t x0, x1;
  int32_t chunks;        // full 16-pixel chunks from x0
  int32_t tail;          // start of the masked final chunk (x1 - 16), or -1
  bool scalar;           // narrower than 16: scalar span
  uint8x16_t g8;         // full chunks: lanes on the 8-grid
  uint16x8_t g16;        // full chunks: u16 lanes (pixel lanes 2j, 2j+1) holding the 16-grid
  uint8x16_t tail_valid;    // final chunk: lanes not done by the full chunks
  uint8x16_t tail_invalid;  // ~tail_valid
  uint8x16_t tail_g8;       // valid lanes on the 8-grid
  uint8x16_t tail_g16;      // valid lanes on the 16-grid
};

LumaColumn plan_luma_column(int32_t x0, int32_t x1) {
  LumaColumn c;
  c.x0 = x0;
  c.x1 = x1;
  c.scalar = (x1 - x0) < 16;
  c.chunks = (x1 - x0) / 16;
  const int32_t rem = (x1 - x0) % 16;
  c.tail = (!c.scalar && rem != 0) ? x1 - 16 : -1;
  c.g8 = grid_mask(x0, 8);
  uint16_t w[8];
  for (int j = 0; j < 8; ++j) {
    w[j] = (((x0 + 2 * j) % 16) == 0 || ((x0 + 2 * j + 1) % 16) == 0) ? 0xFFFF : 0;
  }
  c.g16 = vld1q_u16(w);
  c.tail_valid = tail_mask(c.tail >= 0 ? rem : 0);
  c.tail_invalid = vmvnq_u8(c.tail_valid);
  const int32_t tx = c.tail >= 0 ? c.tail : 0;
  c.tail_g8 = vandq_u8(c.tail_valid, grid_mask(tx, 8));
  c.tail_g16 = vandq_u8(c.tail_valid, grid_mask(tx, 16));
  return c;
}

struct MinMax {
  uint8x16_t min, max;
};

// One row of one tile column (at least 16 pixels wide) into tile `t`.
template <bool kPrev, bool kRef, bool kAbove>
inline void luma_segment(const LumaRow& r, const LumaColumn& col, uint8x16_t thr,
                         bool count_black, LumaTile& t, LumaExtremes& e, MinMax& mm) {
  const uint16x8_t z16 = vdupq_n_u16(0);
  uint16x8_t sum = z16, sad_p = z16, sad_r = z16, h_all = z16, h_g8 = z16, v = z16;
  uint8x16_t black_count = vdupq_n_u8(0);
  uint8x16_t mn = mm.min, mx = mm.max;
  uint64_t s_sum = 0, s_sad_p = 0, s_sad_r = 0, s_h_all = 0, s_h_g8 = 0, s_h_g16 = 0, s_v = 0,
           s_black = 0;
  const uint8x16_t g8 = col.g8;
  const uint8_t* const p = r.p;

  auto chunk = [&](int32_t x, uint8x16_t c, uint8x16_t left) {
    sum = vpadalq_u8(sum, c);
    if (kPrev) sad_p = vpadalq_u8(sad_p, vabdq_u8(c, vld1q_u8(r.prev + x)));
    if (kRef) sad_r = vpadalq_u8(sad_r, vabdq_u8(c, vld1q_u8(r.ref + x)));
    const uint8x16_t dh = vabdq_u8(c, left);
    h_all = vpadalq_u8(h_all, dh);
    h_g8 = vpadalq_u8(h_g8, vandq_u8(dh, g8));
    if (kAbove) v = vpadalq_u8(v, vabdq_u8(c, vld1q_u8(r.above + x)));
    mn = vminq_u8(mn, c);
    mx = vmaxq_u8(mx, c);
    black_count = vsubq_u8(black_count, vcleq_u8(c, thr));  // 0xFF (-1) where black
  };
  auto flush = [&]() {
    s_sum += vaddlvq_u16(sum);
    if (kPrev) s_sad_p += vaddlvq_u16(sad_p);
    if (kRef) s_sad_r += vaddlvq_u16(sad_r);
    s_h_all += vaddlvq_u16(h_all);
    s_h_g8 += vaddlvq_u16(h_g8);
    s_h_g16 += vaddlvq_u16(vandq_u16(h_g8, col.g16));
    if (kAbove) s_v += vaddlvq_u16(v);
    s_black += vaddlvq_u8(black_count);
    sum = sad_p = sad_r = h_all = h_g8 = v = z16;
    black_count = vdupq_n_u8(0);
  };

  int32_t x = col.x0;
  int32_t n = col.chunks;
  int32_t budget = kBlockChunks;
  if (x == 0) {
    const uint8x16_t c = vld1q_u8(p);
    chunk(0, c, vextq_u8(vdupq_laneq_u8(c, 0), c, 15));
    x = 16;
    --n;
    --budget;
  }
  while (n > 0) {
    int32_t m = n < budget ? n : budget;
    n -= m;
    for (; m >= 2; m -= 2, x += 32) {
      const uint8x16_t c0 = vld1q_u8(p + x), l0 = vld1q_u8(p + x - 1);
      const uint8x16_t c1 = vld1q_u8(p + x + 16), l1 = vld1q_u8(p + x + 15);
      chunk(x, c0, l0);
      chunk(x + 16, c1, l1);
    }
    if (m) {
      chunk(x, vld1q_u8(p + x), vld1q_u8(p + x - 1));
      x += 16;
    }
    if (n > 0) {
      flush();
      budget = kBlockChunks;
    }
  }
  if (col.tail >= 0) {
    x = col.tail;
    const uint8x16_t valid = col.tail_valid;
    const uint8x16_t c = vld1q_u8(p + x), left = vld1q_u8(p + x - 1);
    const uint8x16_t cm = vandq_u8(c, valid);
    sum = vpadalq_u8(sum, cm);
    if (kPrev) sad_p = vpadalq_u8(sad_p, vandq_u8(vabdq_u8(c, vld1q_u8(r.prev + x)), valid));
    if (kRef) sad_r = vpadalq_u8(sad_r, vandq_u8(vabdq_u8(c, vld1q_u8(r.ref + x)), valid));
    const uint8x16_t dh = vabdq_u8(c, left);
    h_all = vpadalq_u8(h_all, vandq_u8(dh, valid));
    s_h_g8 += vaddlvq_u8(vandq_u8(dh, col.tail_g8));
    s_h_g16 += vaddlvq_u8(vandq_u8(dh, col.tail_g16));
    if (kAbove) v = vpadalq_u8(v, vandq_u8(vabdq_u8(c, vld1q_u8(r.above + x)), valid));
    mn = vminq_u8(mn, vorrq_u8(c, col.tail_invalid));
    mx = vmaxq_u8(mx, cm);
    black_count = vsubq_u8(black_count, vandq_u8(vcleq_u8(c, thr), valid));
  }
  flush();
  mm.min = mn;
  mm.max = mx;

  t.sum += s_sum;
  if (kPrev) t.sad_prev += s_sad_p;
  if (kRef) t.sad_ref += s_sad_r;
  t.grad_h_grid += s_h_g8;
  t.grad_h_off += s_h_all - s_h_g8;
  e.grad_h_grid16 += s_h_g16;
  if (kAbove) {
    if (r.vgrid) {
      t.grad_v_grid += s_v;
      if (r.vgrid16) e.grad_v_grid16 += s_v;
    } else {
      t.grad_v_off += s_v;
    }
  }
  if (count_black) t.black += s_black;
}

// A whole row, every tile column of the tile row starting at `tiles`.
template <bool kPrev, bool kRef, bool kAbove>
void luma_row_columns(const LumaRow& r, const LumaColumn* plan, int cols, uint8x16_t thr,
                      int black, LumaTile* tiles, LumaExtremes& e, MinMax& mm) {
  for (int tx = 0; tx < cols; ++tx) {
    if (plan[tx].scalar) {
      luma_span(r, plan[tx].x0, plan[tx].x1, black, tiles[tx], e);
    } else {
      luma_segment<kPrev, kRef, kAbove>(r, plan[tx], thr, black >= 0, tiles[tx], e, mm);
    }
  }
}

using LumaRowColumns = void (*)(const LumaRow&, const LumaColumn*, int, uint8x16_t, int,
                                LumaTile*, LumaExtremes&, MinMax&);

LumaRowColumns pick_luma_row(const LumaRow& r) {
  static constexpr LumaRowColumns kRuns[8] = {
      &luma_row_columns<false, false, false>, &luma_row_columns<false, false, true>,
      &luma_row_columns<false, true, false>,  &luma_row_columns<false, true, true>,
      &luma_row_columns<true, false, false>,  &luma_row_columns<true, false, true>,
      &luma_row_columns<true, true, false>,   &luma_row_columns<true, true, true>};
  return kRuns[(r.prev ? 4 : 0) | (r.ref ? 2 : 0) | (r.above ? 1 : 0)];
}

// ---- chroma --------------------------------------------------------------------------
// Chunks at most 128 between flushes: UADALP adds at most 510 per u16 lane per chunk
// (128 * 510 = 65280), and the far counters, u8 lanes, take at most 1 per chunk.
constexpr int32_t kChromaFlushChunks = 128;

// 16-pixel chunks for chroma_fused_columns (video_common.h). The accumulators of a column
// live across the rows of a tile row and count the chunks they hold; they are flushed into
// the tile (UADDLV) when that count reaches kChromaFlushChunks, within a row if need be,
// and at the end of the tile row (reduce). A column narrower than 16 with x1 >= 16 is done
// by the masked final chunk alone (it reads pixels of the columns to its left, which lie in
// the row); only columns with x1 < 16 are scalar.
struct ChromaLanes {
  struct Column {
    int32_t x0, x1;
    int32_t chunks;  // full 16-pixel chunks from x0
    int32_t tail;    // start of the masked final chunk (x1 - 16), or -1
    bool scalar;
    uint8x16_t tail_valid;
  };
  struct Acc {
    uint16x8_t sum_u, sum_v, sp_u, sp_v, sr_u, sr_v;
    uint8x16_t far;
    int32_t chunks;  // chunks added since the last flush
  };

  uint8x16_t far_thr;
  explicit ChromaLanes(int far) : far_thr(vdupq_n_u8(static_cast<uint8_t>(far))) {}

  static Column plan(int32_t x0, int32_t x1) {
    Column c;
    c.x0 = x0;
    c.x1 = x1;
    c.scalar = x1 < 16;
    c.chunks = (x1 - x0) / 16;
    const int32_t rem = (x1 - x0) % 16;
    c.tail = (!c.scalar && rem != 0) ? x1 - 16 : -1;
    c.tail_valid = tail_mask(c.tail >= 0 ? rem : 0);
    return c;
  }

  static void flush(Acc& a, ChromaTile& t) {
    const uint16x8_t z16 = vdupq_n_u16(0);
    t.sum_u += vaddlvq_u16(a.sum_u);
    t.sum_v += vaddlvq_u16(a.sum_v);
    t.sad_prev += static_cast<uint64_t>(vaddlvq_u16(a.sp_u)) + vaddlvq_u16(a.sp_v);
    t.sad_ref += static_cast<uint64_t>(vaddlvq_u16(a.sr_u)) + vaddlvq_u16(a.sr_v);
    t.far += vaddlvq_u8(a.far);
    a.sum_u = a.sum_v = a.sp_u = a.sp_v = a.sr_u = a.sr_v = z16;
    a.far = vdupq_n_u8(0);
    a.chunks = 0;
  }

  static void reduce(Acc& a, ChromaTile& t) { flush(a, t); }

  template <bool kPrev, bool kRef>
  void row(const ChromaRow& r, const Column& col, Acc& acc, ChromaTile& t) const {
    const uint8x16_t mid = vdupq_n_u8(128);
    Acc a = acc;  // in registers for the row
    // `valid` is all-ones for full chunks (the compiler drops the ANDs there).
    auto chunk = [&](int32_t x, uint8x16_t valid, bool masked) {
      uint8x16_t u = vld1q_u8(r.u + x), v = vld1q_u8(r.v + x);
      const uint8x16_t d = vmaxq_u8(vabdq_u8(u, mid), vabdq_u8(v, mid));
      uint8x16_t is_far = vcgeq_u8(d, far_thr);
      uint8x16_t dpu = mid, dpv = mid, dru = mid, drv = mid;
      if (kPrev) {
        dpu = vabdq_u8(u, vld1q_u8(r.prev_u + x));
        dpv = vabdq_u8(v, vld1q_u8(r.prev_v + x));
      }
      if (kRef) {
        dru = vabdq_u8(u, vld1q_u8(r.ref_u + x));
        drv = vabdq_u8(v, vld1q_u8(r.ref_v + x));
      }
      if (masked) {
        u = vandq_u8(u, valid);
        v = vandq_u8(v, valid);
        is_far = vandq_u8(is_far, valid);
        if (kPrev) dpu = vandq_u8(dpu, valid), dpv = vandq_u8(dpv, valid);
        if (kRef) dru = vandq_u8(dru, valid), drv = vandq_u8(drv, valid);
      }
      a.sum_u = vpadalq_u8(a.sum_u, u);
      a.sum_v = vpadalq_u8(a.sum_v, v);
      a.far = vsubq_u8(a.far, is_far);
      if (kPrev) a.sp_u = vpadalq_u8(a.sp_u, dpu), a.sp_v = vpadalq_u8(a.sp_v, dpv);
      if (kRef) a.sr_u = vpadalq_u8(a.sr_u, dru), a.sr_v = vpadalq_u8(a.sr_v, drv);
    };
    const uint8x16_t all = vdupq_n_u8(0xFF);
    int32_t x = col.x0;
    int32_t n = col.chunks;
    while (n > 0) {
      if (a.chunks == kChromaFlushChunks) flush(a, t);
      int32_t m = std::min(n, kChromaFlushChunks - a.chunks);
      n -= m;
      a.chunks += m;
      for (; m >= 2; m -= 2, x += 32) {
        chunk(x, all, false);
        chunk(x + 16, all, false);
      }
      if (m) {
        chunk(x, all, false);
        x += 16;
      }
    }
    if (col.tail >= 0) {
      if (a.chunks == kChromaFlushChunks) flush(a, t);
      chunk(col.tail, col.tail_valid, true);
      ++a.chunks;
    }
    acc = a;
  }
};

}  // namespace

void luma_fused(const PlaneView& cur, const PlaneRef& prev, const PlaneRef& ref,
                const LumaOptions& opts, LumaResult* out) {
  const int cols = opts.tile_cols, rows = opts.tile_rows, black = opts.black_threshold;
  const bool ref_is_prev = same_ref(ref, prev);
  const ColumnBounds xb(cur.width, cols);
  luma_begin(opts, out);
  LumaExtremes e;
  MinMax mm{vdupq_n_u8(0xFF), vdupq_n_u8(0)};
  // black == -1: lanes are counted against 0 and the count is dropped (count_black).
  const uint8x16_t thr = vdupq_n_u8(static_cast<uint8_t>(black < 0 ? 0 : black));
  LumaColumn plan[kMaxTileAxis];
  for (int tx = 0; tx < cols; ++tx) plan[tx] = plan_luma_column(xb.x[tx], xb.x[tx + 1]);
  for (int ty = 0; ty < rows; ++ty) {
    const int32_t y0 = tile_bound(cur.height, ty, rows), y1 = tile_bound(cur.height, ty + 1, rows);
    LumaTile* tiles = out->tiles + ty * cols;
    for (int32_t y = y0; y < y1; ++y) {
      const LumaRow r = luma_row(cur, prev, ref, ref_is_prev, y);
      pick_luma_row(r)(r, plan, cols, thr, black, tiles, e, mm);
    }
  }
  e.min = std::min<uint32_t>(e.min, vminvq_u8(mm.min));
  e.max = std::max<uint32_t>(e.max, vmaxvq_u8(mm.max));
  luma_finish(cur, ref, ref_is_prev, opts, e, out);
}

void chroma_fused(const PlaneView& u, const PlaneView& v, const PlaneRef& prev_u,
                  const PlaneRef& prev_v, const PlaneRef& ref_u, const PlaneRef& ref_v,
                  const ChromaOptions& opts, ChromaResult* out) {
  chroma_fused_columns(ChromaLanes(opts.far_threshold), u, v, prev_u, prev_v, ref_u, ref_v,
                       opts, out);
}

uint64_t sad_plane(const PlaneView& a, const PlaneRef& b) {
  uint64_t sad = 0;
  const int32_t w = a.width;
  for (int32_t y = 0; y < a.height; ++y) {
    const uint8_t* pa = a.data + y * a.stride;
    const uint8_t* pb = b.data + y * b.stride;
    if (w < 16) {
      for (int32_t x = 0; x < w; ++x) sad += absdiff_u8(pa[x], pb[x]);
      continue;
    }
    // Four u16 accumulators, one UADALP each per 64 bytes: 128 steps (8192 bytes) fit
    // before a reduction.
    uint32x4_t acc32 = vdupq_n_u32(0);
    int32_t x = 0;
    while (x + 64 <= w) {
      uint16x8_t a0 = vdupq_n_u16(0), a1 = a0, a2 = a0, a3 = a0;
      const int32_t stop = std::min<int32_t>(w - 64, x + 64 * 127);
      for (; x <= stop; x += 64) {
        a0 = vpadalq_u8(a0, vabdq_u8(vld1q_u8(pa + x), vld1q_u8(pb + x)));
        a1 = vpadalq_u8(a1, vabdq_u8(vld1q_u8(pa + x + 16), vld1q_u8(pb + x + 16)));
        a2 = vpadalq_u8(a2, vabdq_u8(vld1q_u8(pa + x + 32), vld1q_u8(pb + x + 32)));
        a3 = vpadalq_u8(a3, vabdq_u8(vld1q_u8(pa + x + 48), vld1q_u8(pb + x + 48)));
      }
      acc32 = vpadalq_u16(acc32, a0);
      acc32 = vpadalq_u16(acc32, a1);
      acc32 = vpadalq_u16(acc32, a2);
      acc32 = vpadalq_u16(acc32, a3);
    }
    uint16x8_t t = vdupq_n_u16(0);
    for (; x + 16 <= w; x += 16) t = vpadalq_u8(t, vabdq_u8(vld1q_u8(pa + x), vld1q_u8(pb + x)));
    if (x < w) {  // one final chunk ending at the row's end, the overlap masked off
      const uint8x16_t d = vabdq_u8(vld1q_u8(pa + w - 16), vld1q_u8(pb + w - 16));
      t = vpadalq_u8(t, vandq_u8(d, tail_mask(w - x)));
    }
    acc32 = vpadalq_u16(acc32, t);
    sad += vaddlvq_u32(acc32);
  }
  return sad;
}

void copy_plane(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  const int32_t w = src.width;
  for (int32_t y = 0; y < src.height; ++y) {
    const uint8_t* s = src.data + y * src.stride;
    uint8_t* d = dst + y * dst_stride;
    if (w < 16) {
      for (int32_t x = 0; x < w; ++x) d[x] = s[x];
      continue;
    }
    int32_t x = 0;
    for (; x + 64 <= w; x += 64) {
      const uint8x16_t a = vld1q_u8(s + x), b = vld1q_u8(s + x + 16);
      const uint8x16_t c = vld1q_u8(s + x + 32), e = vld1q_u8(s + x + 48);
      vst1q_u8(d + x, a);
      vst1q_u8(d + x + 16, b);
      vst1q_u8(d + x + 32, c);
      vst1q_u8(d + x + 48, e);
    }
    for (; x + 16 <= w; x += 16) vst1q_u8(d + x, vld1q_u8(s + x));
    if (x < w) vst1q_u8(d + w - 16, vld1q_u8(s + w - 16));  // overlapping final chunk
  }
}

namespace {
// 16 output pixels from 32 bytes of each of two rows: (a + b + c + d + 2) >> 2, which is
// what URSHRN #2 does to the u16 sums (at most 1020, so the narrowing never truncates).
inline uint8x16_t half16(const uint8_t* r0, const uint8_t* r1) {
  const uint16x8_t lo = vpadalq_u8(vpaddlq_u8(vld1q_u8(r0)), vld1q_u8(r1));
  const uint16x8_t hi = vpadalq_u8(vpaddlq_u8(vld1q_u8(r0 + 16)), vld1q_u8(r1 + 16));
  return vcombine_u8(vrshrn_n_u16(lo, 2), vrshrn_n_u16(hi, 2));
}
}  // namespace

void copy_plane_half(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  const int32_t w = src.width / 2, h = src.height / 2;
  for (int32_t y = 0; y < h; ++y) {
    const uint8_t* r0 = src.data + (2 * y) * src.stride;
    const uint8_t* r1 = r0 + src.stride;
    uint8_t* d = dst + y * dst_stride;
    if (w < 16) {
      for (int32_t x = 0; x < w; ++x) {
        const uint32_t s = r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1];
        d[x] = static_cast<uint8_t>((s + 2) >> 2);
      }
      continue;
    }
    int32_t x = 0;
    for (; x + 16 <= w; x += 16) vst1q_u8(d + x, half16(r0 + 2 * x, r1 + 2 * x));
    if (x < w) vst1q_u8(d + w - 16, half16(r0 + 2 * (w - 16), r1 + 2 * (w - 16)));
  }
}

void split_pairs(const PlaneView& src_pairs, uint8_t* dst_a, ptrdiff_t stride_a, uint8_t* dst_b,
                 ptrdiff_t stride_b) {
  const int32_t w = src_pairs.width;
  for (int32_t y = 0; y < src_pairs.height; ++y) {
    const uint8_t* s = src_pairs.data + y * src_pairs.stride;
    uint8_t* a = dst_a + y * stride_a;
    uint8_t* b = dst_b + y * stride_b;
    if (w < 16) {
      for (int32_t x = 0; x < w; ++x) {
        a[x] = s[2 * x];
        b[x] = s[2 * x + 1];
      }
      continue;
    }
    int32_t x = 0;
    for (; x + 32 <= w; x += 32) {
      const uint8x16x2_t p0 = vld2q_u8(s + 2 * x);
      const uint8x16x2_t p1 = vld2q_u8(s + 2 * x + 32);
      vst1q_u8(a + x, p0.val[0]);
      vst1q_u8(a + x + 16, p1.val[0]);
      vst1q_u8(b + x, p0.val[1]);
      vst1q_u8(b + x + 16, p1.val[1]);
    }
    for (; x + 16 <= w; x += 16) {
      const uint8x16x2_t p = vld2q_u8(s + 2 * x);
      vst1q_u8(a + x, p.val[0]);
      vst1q_u8(b + x, p.val[1]);
    }
    if (x < w) {  // overlapping final 16 pairs
      const uint8x16x2_t p = vld2q_u8(s + 2 * (w - 16));
      vst1q_u8(a + w - 16, p.val[0]);
      vst1q_u8(b + w - 16, p.val[1]);
    }
  }
}

}  // namespace vq::neon
