// SSE2 video kernels: 16 pixels per step (x86_lanes.h). Luma uses scalar spans for tails;
// chroma uses per-column plans with a masked final chunk (chroma_fused_columns).
#include "../isa.h"
#include "../x86_lanes.h"

namespace vq::sse2 {

void luma_fused(const PlaneView& cur, const PlaneRef& prev, const PlaneRef& ref,
                const LumaOptions& opts, LumaResult* out) {
  const int cols = opts.tile_cols, rows = opts.tile_rows, black = opts.black_threshold;
  const bool ref_is_prev = same_ref(ref, prev);
  const ColumnBounds xb(cur.width, cols);
  luma_begin(opts, out);
  LumaExtremes e;
  LumaMinMax16 mm;
  const __m128i thr = black_threshold16(black);
  __m128i m8[kMaxTileAxis], lanes16[kMaxTileAxis];
  for (int tx = 0; tx < cols; ++tx) {
    const int32_t x0 = xb.x[tx];
    m8[tx] = grid_mask16(x0, 8);
    lanes16[tx] = grid16_lanes16(x0);
  }
  LumaAcc16 a;
  for (int ty = 0; ty < rows; ++ty) {
    const int32_t y0 = tile_bound(cur.height, ty, rows), y1 = tile_bound(cur.height, ty + 1, rows);
    for (int32_t y = y0; y < y1; ++y) {
      const LumaRow r = luma_row(cur, prev, ref, ref_is_prev, y);
      for (int tx = 0; tx < cols; ++tx) {
        LumaTile& t = out->tiles[ty * cols + tx];
        const int32_t x0 = xb.x[tx], x1 = xb.x[tx + 1];
        a.clear();
        const int32_t x = luma_run16(r, x0, x1, m8[tx], thr, a, mm);
        luma_acc_to_tile(a, lanes16[tx], r, black, t, e);
        luma_span(r, x, x1, black, t, e);
      }
    }
  }
  minmax_reduce16(mm.min, mm.max, e);
  luma_finish(cur, ref, ref_is_prev, opts, e, out);
}

void chroma_fused(const PlaneView& u, const PlaneView& v, const PlaneRef& prev_u,
                  const PlaneRef& prev_v, const PlaneRef& ref_u, const PlaneRef& ref_v,
                  const ChromaOptions& opts, ChromaResult* out) {
  chroma_fused_columns(ChromaLanes16(opts.far_threshold), u, v, prev_u, prev_v, ref_u, ref_v,
                       opts, out);
}

uint64_t sad_plane(const PlaneView& a, const PlaneRef& b) {
  uint64_t sad = 0;
  for (int32_t y = 0; y < a.height; ++y) {
    const uint8_t* pa = a.data + y * a.stride;
    const uint8_t* pb = b.data + y * b.stride;
    int32_t x = 0;
    sad += sad_row16(pa, pb, x, a.width);
    for (; x < a.width; ++x) sad += absdiff_u8(pa[x], pb[x]);
  }
  return sad;
}

void copy_plane(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  for (int32_t y = 0; y < src.height; ++y) {
    copy_row16(src.data + y * src.stride, dst + y * dst_stride, 0, src.width);
  }
}

void copy_plane_half(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  copy_plane_half16(src, dst, dst_stride);
}

void split_pairs(const PlaneView& src_pairs, uint8_t* dst_a, ptrdiff_t stride_a, uint8_t* dst_b,
                 ptrdiff_t stride_b) {
  split_pairs16(src_pairs, dst_a, stride_a, dst_b, stride_b);
}

}  // namespace vq::sse2
