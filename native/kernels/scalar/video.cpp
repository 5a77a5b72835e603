// Scalar reference for the video kernels. Every SIMD level must match these bit for bit.
// Compiled with -fno-tree-vectorize so that "scalar" really is scalar in benchmarks.
#include "../isa.h"
#include "../video_common.h"

namespace vq::scalar {

void luma_fused(const PlaneView& cur, const PlaneRef& prev, const PlaneRef& ref,
                const LumaOptions& opts, LumaResult* out) {
  const int cols = opts.tile_cols, rows = opts.tile_rows;
  const bool ref_is_prev = same_ref(ref, prev);
  const ColumnBounds xb(cur.width, cols);
  luma_begin(opts, out);
  LumaExtremes e;
  for (int ty = 0; ty < rows; ++ty) {
    const int32_t y0 = tile_bound(cur.height, ty, rows), y1 = tile_bound(cur.height, ty + 1, rows);
    for (int32_t y = y0; y < y1; ++y) {
      const LumaRow r = luma_row(cur, prev, ref, ref_is_prev, y);
      for (int tx = 0; tx < cols; ++tx) {
        luma_span(r, xb.x[tx], xb.x[tx + 1], opts.black_threshold, out->tiles[ty * cols + tx], e);
      }
    }
  }
  luma_finish(cur, ref, ref_is_prev, opts, e, out);
}

void chroma_fused(const PlaneView& u, const PlaneView& v, const PlaneRef& prev_u,
                  const PlaneRef& prev_v, const PlaneRef& ref_u, const PlaneRef& ref_v,
                  const ChromaOptions& opts, ChromaResult* out) {
  const int cols = opts.tile_cols, rows = opts.tile_rows;
  const ChromaSetup s = chroma_begin(prev_u, prev_v, ref_u, ref_v, opts, out);
  const ColumnBounds xb(u.width, cols);
  const uint32_t far = static_cast<uint32_t>(opts.far_threshold);
  for (int ty = 0; ty < rows; ++ty) {
    const int32_t y0 = tile_bound(u.height, ty, rows), y1 = tile_bound(u.height, ty + 1, rows);
    for (int32_t y = y0; y < y1; ++y) {
      const ChromaRow r = chroma_row(u, v, prev_u, prev_v, ref_u, ref_v, s.has_prev,
                                     s.has_ref && !s.ref_is_prev, y);
      for (int tx = 0; tx < cols; ++tx) {
        chroma_span(r, xb.x[tx], xb.x[tx + 1], far, out->tiles[ty * cols + tx]);
      }
    }
  }
  chroma_finish(s, opts, out);
}

uint64_t sad_plane(const PlaneView& a, const PlaneRef& b) {
  uint64_t sad = 0;
  for (int32_t y = 0; y < a.height; ++y) {
    const uint8_t* pa = a.data + y * a.stride;
    const uint8_t* pb = b.data + y * b.stride;
    for (int32_t x = 0; x < a.width; ++x) sad += absdiff_u8(pa[x], pb[x]);
  }
  return sad;
}

void copy_plane(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  for (int32_t y = 0; y < src.height; ++y) {
    const uint8_t* s = src.data + y * src.stride;
    uint8_t* d = dst + y * dst_stride;
    for (int32_t x = 0; x < src.width; ++x) d[x] = s[x];
  }
}

void copy_plane_half(const PlaneView& src, uint8_t* dst, ptrdiff_t dst_stride) {
  const int32_t w = src.width / 2, h = src.height / 2;
  for (int32_t y = 0; y < h; ++y) {
    const uint8_t* r0 = src.data + (2 * y) * src.stride;
    const uint8_t* r1 = r0 + src.stride;
    uint8_t* d = dst + y * dst_stride;
    for (int32_t x = 0; x < w; ++x) {
      const uint32_t s = r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1];
      d[x] = static_cast<uint8_t>((s + 2) >> 2);
    }
  }
}

void split_pairs(const PlaneView& src_pairs, uint8_t* dst_a, ptrdiff_t stride_a, uint8_t* dst_b,
                 ptrdiff_t stride_b) {
  for (int32_t y = 0; y < src_pairs.height; ++y) {
    const uint8_t* s = src_pairs.data + y * src_pairs.stride;
    uint8_t* a = dst_a + y * stride_a;
    uint8_t* b = dst_b + y * stride_b;
    for (int32_t x = 0; x < src_pairs.width; ++x) {
      a[x] = s[2 * x];
      b[x] = s[2 * x + 1];
    }
  }
}

}  // namespace vq::scalar
