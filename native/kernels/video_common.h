// Pieces of the video kernels shared by every ISA: the per-pixel scalar spans (the whole
// scalar reference, and the tails of the SIMD versions), result set-up and the final
// per-frame totals. Everything here has internal linkage on purpose: each ISA's
// translation unit gets its own copy compiled with its own flags, so an AVX2-compiled copy
// can never be picked by the linker for the SSE2 or scalar path.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "kernels.h"

namespace vq {
namespace {  // NOLINT(build/namespaces): see above

inline uint32_t absdiff_u8(uint8_t a, uint8_t b) { return a > b ? a - b : b - a; }

// One row of the luma pass, pixels [x, x1), into tile `t`.
struct LumaRow {
  const uint8_t* p;      // current row
  const uint8_t* above;  // row y-1 of the current plane, or nullptr on row 0
  const uint8_t* prev;   // same row of prev, or nullptr
  const uint8_t* ref;    // same row of ref, or nullptr (also when ref is prev)
  bool vgrid, vgrid16;   // y % 8 == 0, y % 16 == 0
};

struct LumaExtremes {
  uint32_t min = 255, max = 0;
  uint64_t grad_h_grid16 = 0, grad_v_grid16 = 0;
};

inline void luma_span(const LumaRow& r, int32_t x, int32_t x1, int black, LumaTile& t,
                      LumaExtremes& e) {
  for (; x < x1; ++x) {
    const uint8_t v = r.p[x];
    t.sum += v;
    if (static_cast<int>(v) <= black) t.black++;
    e.min = std::min<uint32_t>(e.min, v);
    e.max = std::max<uint32_t>(e.max, v);
    if (r.prev) t.sad_prev += absdiff_u8(v, r.prev[x]);
    if (r.ref) t.sad_ref += absdiff_u8(v, r.ref[x]);
    if (x >= 1) {
      const uint32_t g = absdiff_u8(v, r.p[x - 1]);
      if ((x % 8) == 0) {
        t.grad_h_grid += g;
        if ((x % 16) == 0) e.grad_h_grid16 += g;
      } else {
        t.grad_h_off += g;
      }
    }
    if (r.above) {
      const uint32_t g = absdiff_u8(v, r.above[x]);
      if (r.vgrid) {
        t.grad_v_grid += g;
        if (r.vgrid16) e.grad_v_grid16 += g;
      } else {
        t.grad_v_off += g;
      }
    }
  }
}

inline LumaRow luma_row(const PlaneView& cur, const PlaneRef& prev, const PlaneRef& ref,
                        bool ref_is_prev, int32_t y) {
  const uint8_t* p = cur.data + y * cur.stride;
  return LumaRow{p,
                 y > 0 ? p - cur.stride : nullptr,
                 prev.data ? prev.data + y * prev.stride : nullptr,
                 (ref.data && !ref_is_prev) ? ref.data + y * ref.stride : nullptr,
                 (y % 8) == 0,
                 (y % 16) == 0};
}

// Tile column bounds, computed once per frame rather than per row (they cost a division).
struct ColumnBounds {
  int32_t x[kMaxTileAxis + 1];
  ColumnBounds(int32_t width, int cols) {
    for (int i = 0; i <= cols; ++i) x[i] = tile_bound(width, i, cols);
  }
};

inline bool same_ref(const PlaneRef& a, const PlaneRef& b) {
  return a.data == b.data && a.stride == b.stride;
}

inline void luma_begin(const LumaOptions& opts, LumaResult* out) {
  std::memset(out, 0, offsetof(LumaResult, tiles));
  std::memset(out->tiles, 0, sizeof(LumaTile) * static_cast<size_t>(opts.tile_cols * opts.tile_rows));
}

// Histogram (optional, scalar on every level: no SIMD scatter worth having) and the
// whole-frame totals.
inline void luma_finish(const PlaneView& cur, const PlaneRef& ref, bool ref_is_prev,
                        const LumaOptions& opts, const LumaExtremes& e, LumaResult* out) {
  if (opts.histogram) {
    for (int32_t y = 0; y < cur.height; ++y) {
      const uint8_t* p = cur.data + y * cur.stride;
      for (int32_t x = 0; x < cur.width; ++x) out->histogram[p[x]]++;
    }
  }
  out->min = e.min;
  out->max = e.max;
  out->grad_h_grid16 = e.grad_h_grid16;
  out->grad_v_grid16 = e.grad_v_grid16;
  for (int i = 0; i < opts.tile_cols * opts.tile_rows; ++i) {
    LumaTile& t = out->tiles[i];
    if (ref.data && ref_is_prev) t.sad_ref = t.sad_prev;
    out->sad_prev += t.sad_prev;
    out->sad_ref += t.sad_ref;
    out->grad_h_grid += t.grad_h_grid;
    out->grad_h_off += t.grad_h_off;
    out->grad_v_grid += t.grad_v_grid;
    out->grad_v_off += t.grad_v_off;
    out->sum += t.sum;
    out->black += t.black;
  }
}

// One row of the chroma pass, pixels [x, x1), into tile `t`.
struct ChromaRow {
  const uint8_t *u, *v;
  const uint8_t *prev_u, *prev_v;  // nullptr when absent
  const uint8_t *ref_u, *ref_v;    // nullptr when absent or identical to prev
};

inline ChromaRow chroma_row(const PlaneView& u, const PlaneView& v, const PlaneRef& pu,
                            const PlaneRef& pv, const PlaneRef& ru, const PlaneRef& rv,
                            bool has_prev, bool ref_distinct, int32_t y) {
  return ChromaRow{u.data + y * u.stride,
                   v.data + y * v.stride,
                   has_prev ? pu.data + y * pu.stride : nullptr,
                   has_prev ? pv.data + y * pv.stride : nullptr,
                   ref_distinct ? ru.data + y * ru.stride : nullptr,
                   ref_distinct ? rv.data + y * rv.stride : nullptr};
}

inline void chroma_span(const ChromaRow& r, int32_t x, int32_t x1, uint32_t far, ChromaTile& t) {
  for (; x < x1; ++x) {
    const uint8_t a = r.u[x], b = r.v[x];
    t.sum_u += a;
    t.sum_v += b;
    if (absdiff_u8(a, 128) >= far || absdiff_u8(b, 128) >= far) t.far++;
    if (r.prev_u) t.sad_prev += absdiff_u8(a, r.prev_u[x]) + absdiff_u8(b, r.prev_v[x]);
    if (r.ref_u) t.sad_ref += absdiff_u8(a, r.ref_u[x]) + absdiff_u8(b, r.ref_v[x]);
  }
}

struct ChromaSetup {
  bool has_prev, has_ref, ref_is_prev;
};

inline ChromaSetup chroma_begin(const PlaneRef& pu, const PlaneRef& pv, const PlaneRef& ru,
                                const PlaneRef& rv, const ChromaOptions& opts, ChromaResult* out) {
  std::memset(out, 0, offsetof(ChromaResult, tiles));
  std::memset(out->tiles, 0, sizeof(ChromaTile) * static_cast<size_t>(opts.tile_cols * opts.tile_rows));
  ChromaSetup s;
  s.has_prev = pu.data && pv.data;
  s.has_ref = ru.data && rv.data;
  s.ref_is_prev = s.has_ref && same_ref(ru, pu) && same_ref(rv, pv);
  return s;
}

inline void chroma_finish(const ChromaSetup& s, const ChromaOptions& opts, ChromaResult* out) {
  for (int i = 0; i < opts.tile_cols * opts.tile_rows; ++i) {
    ChromaTile& t = out->tiles[i];
    if (s.ref_is_prev) t.sad_ref = t.sad_prev;
    out->sad_prev += t.sad_prev;
    out->sad_ref += t.sad_ref;
    out->sum_u += t.sum_u;
    out->sum_v += t.sum_v;
    out->far += t.far;
  }
}


// Frame loop of the SIMD chroma kernels. Every tile column gets a plan once per frame
// (K::plan: full chunks from x0 and, when the width is not a multiple of the chunk, one
// final chunk ending at x1 with the lanes already counted masked off). K::row adds one row
// of a column to that column's accumulators, which live across the rows of a tile row and
// are reduced into the tile once at its end (K::reduce), so there is no per-row reduction
// and no per-row scalar tail. Columns the plan marks scalar (no chunk fits inside the row
// before x1) go through chroma_span. K::row may also flush into the tile early (NEON's
// narrow accumulators). kPrev/kRef are fixed per frame so the inner loops carry no tests.
template <class K, bool kPrev, bool kRef>
void chroma_columns(const K& k, const PlaneView& u, const PlaneView& v, const PlaneRef& pu,
                    const PlaneRef& pv, const PlaneRef& ru, const PlaneRef& rv,
                    const ChromaOptions& opts, ChromaResult* out) {
  const int cols = opts.tile_cols, rows = opts.tile_rows;
  const uint32_t far = static_cast<uint32_t>(opts.far_threshold);
  const ColumnBounds xb(u.width, cols);
  typename K::Column plan[kMaxTileAxis];
  for (int tx = 0; tx < cols; ++tx) plan[tx] = K::plan(xb.x[tx], xb.x[tx + 1]);
  typename K::Acc acc[kMaxTileAxis];
  for (int ty = 0; ty < rows; ++ty) {
    const int32_t y0 = tile_bound(u.height, ty, rows), y1 = tile_bound(u.height, ty + 1, rows);
    ChromaTile* tiles = out->tiles + ty * cols;
    std::memset(static_cast<void*>(acc), 0, sizeof(acc[0]) * static_cast<size_t>(cols));
    for (int32_t y = y0; y < y1; ++y) {
      const ChromaRow r = chroma_row(u, v, pu, pv, ru, rv, kPrev, kRef, y);
      for (int tx = 0; tx < cols; ++tx) {
        if (plan[tx].scalar) {
          chroma_span(r, plan[tx].x0, plan[tx].x1, far, tiles[tx]);
        } else {
          k.template row<kPrev, kRef>(r, plan[tx], acc[tx], tiles[tx]);
        }
      }
    }
    for (int tx = 0; tx < cols; ++tx) {
      if (!plan[tx].scalar) K::reduce(acc[tx], tiles[tx]);
    }
  }
}

template <class K>
void chroma_fused_columns(const K& k, const PlaneView& u, const PlaneView& v, const PlaneRef& pu,
                          const PlaneRef& pv, const PlaneRef& ru, const PlaneRef& rv,
                          const ChromaOptions& opts, ChromaResult* out) {
  const ChromaSetup s = chroma_begin(pu, pv, ru, rv, opts, out);
  const bool ref_distinct = s.has_ref && !s.ref_is_prev;
  if (s.has_prev && ref_distinct) {
    chroma_columns<K, true, true>(k, u, v, pu, pv, ru, rv, opts, out);
  } else if (s.has_prev) {
    chroma_columns<K, true, false>(k, u, v, pu, pv, ru, rv, opts, out);
  } else if (ref_distinct) {
    chroma_columns<K, false, true>(k, u, v, pu, pv, ru, rv, opts, out);
  } else {
    chroma_columns<K, false, false>(k, u, v, pu, pv, ru, rv, opts, out);
  }
  chroma_finish(s, opts, out);
}

}  // namespace
}  // namespace vq
