// Every SIMD level against the scalar reference, bit for bit, on planes of awkward shapes
// (1x1, odd widths, stride > width, tails) held in exactly-sized allocations.
#include <algorithm>
#include <cstring>
#include <memory>

#include "checks.h"
#include "harness.h"

using namespace vqtest;

namespace {

bool same_luma(const vq::LumaResult& a, const vq::LumaResult& b, int tiles, bool hist) {
  if (std::memcmp(&a, &b, offsetof(vq::LumaResult, histogram)) != 0) return false;
  if (hist && std::memcmp(a.histogram, b.histogram, sizeof a.histogram) != 0) return false;
  return std::memcmp(a.tiles, b.tiles, sizeof(vq::LumaTile) * tiles) == 0;
}

bool same_chroma(const vq::ChromaResult& a, const vq::ChromaResult& b, int tiles) {
  if (std::memcmp(&a, &b, offsetof(vq::ChromaResult, tiles)) != 0) return false;
  return std::memcmp(a.tiles, b.tiles, sizeof(vq::ChromaTile) * tiles) == 0;
}

}  // namespace

VQ_TEST(luma_fused_matches_scalar) {
  std::mt19937_64 rng(1);
  auto expect = std::make_unique<vq::LumaResult>();
  auto got = std::make_unique<vq::LumaResult>();
  for (auto [w, h] : test_sizes()) {
    for (int pad : {0, 1, 13, 64}) {
      const ptrdiff_t stride = w + pad;
      OwnedPlane cur = random_plane(rng, w, h, stride);
      OwnedPlane prev = perturbed(rng, cur, w + (pad ? pad + 3 : 0), 30);
      OwnedPlane ref = perturbed(rng, cur, stride, 60);
      for (int variant = 0; variant < 4; ++variant) {
        vq::LumaOptions o;
        o.tile_cols = 1 + static_cast<int>(rng() % 16);
        o.tile_rows = 1 + static_cast<int>(rng() % 16);
        o.black_threshold = variant == 3 ? -1 : static_cast<int>(rng() % 256);
        o.histogram = variant % 2 == 1;
        vq::PlaneRef p = variant == 2 ? vq::PlaneRef{nullptr, 0} : prev.ref();
        vq::PlaneRef r = variant == 0 ? ref.ref() : (variant == 1 ? p : vq::PlaneRef{nullptr, 0});
        scalar_table().luma_fused(cur.view(), p, r, o, expect.get());
        for (auto* t : simd_tables()) {
          std::memset(got.get(), 0xA5, sizeof(vq::LumaResult));
          t->luma_fused(cur.view(), p, r, o, got.get());
          VQ_CHECK(same_luma(*expect, *got, o.tile_cols * o.tile_rows, o.histogram),
                   "%s %dx%d stride %td tiles %dx%d variant %d", t->name, w, h, stride,
                   o.tile_cols, o.tile_rows, variant);
        }
      }
    }
  }
}

VQ_TEST(luma_fused_known_values) {
  // A 16x16 plane of 8x8 blocks with flat values: gradients only on the grid.
  OwnedPlane p;
  p.width = 16;
  p.height = 16;
  p.stride = 16;
  p.bytes.resize(256);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) p.bytes[y * 16 + x] = static_cast<uint8_t>(((x / 8) + 2 * (y / 8)) * 10);
  vq::LumaOptions o;
  o.tile_cols = 2;
  o.tile_rows = 2;
  o.black_threshold = 0;
  o.histogram = true;
  auto r = std::make_unique<vq::LumaResult>();
  const vq::KernelTable* tables[] = {&scalar_table()};
  std::vector<const vq::KernelTable*> all(std::begin(tables), std::end(tables));
  for (auto* t : simd_tables()) all.push_back(t);
  for (auto* t : all) {
    t->luma_fused(p.view(), {nullptr, 0}, {nullptr, 0}, o, r.get());
    VQ_CHECK(r->grad_h_off == 0 && r->grad_v_off == 0, "%s: off-grid gradients %llu %llu", t->name,
             (unsigned long long)r->grad_h_off, (unsigned long long)r->grad_v_off);
    VQ_CHECK(r->grad_h_grid == 16 * 10, "%s: h grid %llu", t->name, (unsigned long long)r->grad_h_grid);
    VQ_CHECK(r->grad_v_grid == 16 * 20, "%s: v grid %llu", t->name, (unsigned long long)r->grad_v_grid);
    VQ_CHECK(r->grad_h_grid16 == 0, "%s: x=8 is not on the 16 grid", t->name);
    VQ_CHECK(r->min == 0 && r->max == 30 && r->black == 64, "%s: min %u max %u black %llu", t->name,
             r->min, r->max, (unsigned long long)r->black);
    VQ_CHECK(r->sum == 64 * (0 + 10 + 20 + 30), "%s: sum", t->name);
    VQ_CHECK(r->histogram[10] == 64 && r->histogram[0] == 64, "%s: histogram", t->name);
    VQ_CHECK(r->tiles[1].grad_h_grid == 8 * 10 && r->tiles[0].grad_h_grid == 0, "%s: per-tile grid",
             t->name);
  }
  const vq::GradientCounts c = vq::gradient_counts(0, 16, 0, 16);
  VQ_CHECK(c.h_grid == 16 && c.h_off == 14 * 16 && c.h_grid16 == 0, "counts %llu %llu",
           (unsigned long long)c.h_grid, (unsigned long long)c.h_off);
}

VQ_TEST(chroma_fused_matches_scalar) {
  std::mt19937_64 rng(2);
  auto expect = std::make_unique<vq::ChromaResult>();
  auto got = std::make_unique<vq::ChromaResult>();
  for (auto [w, h] : test_sizes()) {
    const ptrdiff_t stride = w + static_cast<ptrdiff_t>(rng() % 40);
    OwnedPlane u = random_plane(rng, w, h, stride), v = random_plane(rng, w, h, w);
    OwnedPlane pu = perturbed(rng, u, stride, 20), pv = perturbed(rng, v, w + 7, 20);
    OwnedPlane ru = perturbed(rng, u, w, 50), rv = perturbed(rng, v, w, 50);
    for (int variant = 0; variant < 3; ++variant) {
      vq::ChromaOptions o;
      o.tile_cols = 1 + static_cast<int>(rng() % 16);
      o.tile_rows = 1 + static_cast<int>(rng() % 16);
      o.far_threshold = 1 + static_cast<int>(rng() % 128);
      vq::PlaneRef a = pu.ref(), b = pv.ref(), c = ru.ref(), d = rv.ref();
      if (variant == 1) c = a, d = b;
      if (variant == 2) a = b = c = d = {nullptr, 0};
      scalar_table().chroma_fused(u.view(), v.view(), a, b, c, d, o, expect.get());
      for (auto* t : simd_tables()) {
        std::memset(got.get(), 0x5A, sizeof(vq::ChromaResult));
        t->chroma_fused(u.view(), v.view(), a, b, c, d, o, got.get());
        VQ_CHECK(same_chroma(*expect, *got, o.tile_cols * o.tile_rows), "%s %dx%d variant %d",
                 t->name, w, h, variant);
      }
    }
  }
}

// Tile columns of chosen widths (the plane is cols * width + extra wide, so the bounds fall
// exactly there or close): full chunks plus a masked final chunk, chunk multiples, and
// columns narrower than one chunk; tall tiles and extreme thresholds so the NEON u16/u8
// accumulators have to flush across rows, and a very wide column so they flush within one.
VQ_TEST(chroma_fused_column_widths) {
  std::mt19937_64 rng(5);
  auto expect = std::make_unique<vq::ChromaResult>();
  auto got = std::make_unique<vq::ChromaResult>();
  struct Case {
    int32_t col_w, cols, extra, h, rows;
  };
  const Case cases[] = {{120, 8, 0, 540, 8}, {121, 8, 3, 67, 3},  {135, 7, 0, 40, 2},
                        {8, 16, 0, 9, 1},    {15, 16, 5, 7, 2},   {17, 16, 0, 11, 4},
                        {16, 4, 0, 5, 1},    {32, 5, 1, 6, 1},    {48, 3, 0, 300, 1},
                        {33, 2, 0, 700, 1},  {4100, 1, 0, 3, 1},  {1, 16, 15, 4, 2},
                        {120, 8, 0, 2200, 1}};
  for (const Case& k : cases) {
    const int32_t w = k.col_w * k.cols + k.extra, h = k.h;
    for (int far : {1, 48, 128}) {
      const ptrdiff_t stride = w + static_cast<ptrdiff_t>(rng() % 19);
      OwnedPlane u = random_plane(rng, w, h, stride), v = random_plane(rng, w, h, w);
      OwnedPlane pu = perturbed(rng, u, w, 80), pv = perturbed(rng, v, stride, 80);
      OwnedPlane ru = perturbed(rng, u, w + 1, 255), rv = perturbed(rng, v, w, 255);
      for (int variant = 0; variant < 4; ++variant) {
        vq::ChromaOptions o;
        o.tile_cols = k.cols;
        o.tile_rows = k.rows;
        o.far_threshold = far;
        vq::PlaneRef a = pu.ref(), b = pv.ref(), c = ru.ref(), d = rv.ref();
        if (variant == 1) c = a, d = b;
        if (variant == 2) a = b = c = d = {nullptr, 0};
        if (variant == 3) a = b = {nullptr, 0};
        scalar_table().chroma_fused(u.view(), v.view(), a, b, c, d, o, expect.get());
        for (auto* t : simd_tables()) {
          std::memset(got.get(), 0x5A, sizeof(vq::ChromaResult));
          t->chroma_fused(u.view(), v.view(), a, b, c, d, o, got.get());
          VQ_CHECK(same_chroma(*expect, *got, o.tile_cols * o.tile_rows),
                   "%s %dx%d tiles %dx%d far %d variant %d", t->name, w, h, o.tile_cols,
                   o.tile_rows, far, variant);
        }
      }
    }
  }
}

VQ_TEST(sad_and_copies_match_scalar) {
  std::mt19937_64 rng(3);
  for (auto [w, h] : test_sizes()) {
    const ptrdiff_t stride = w + static_cast<ptrdiff_t>(rng() % 33);
    OwnedPlane a = random_plane(rng, w, h, stride), b = random_plane(rng, w, h, w + 1);
    OwnedPlane pairs = random_plane(rng, w, h, 2 * w + static_cast<ptrdiff_t>(rng() % 9), 2);
    const uint64_t expect_sad = scalar_table().sad_plane(a.view(), b.ref());
    const int32_t hw = w / 2, hh = h / 2;
    auto plane_bytes = [](int32_t pw, int32_t ph, ptrdiff_t s) {
      return ph > 0 && pw > 0 ? static_cast<size_t>((ph - 1) * s + pw) : size_t{0};
    };
    std::vector<uint8_t> copy_expect(plane_bytes(w, h, w + 5), 0), half_expect(plane_bytes(hw, hh, hw + 3), 0);
    std::vector<uint8_t> sa_expect(plane_bytes(w, h, w), 0), sb_expect(plane_bytes(w, h, w + 2), 0);
    scalar_table().copy_plane(a.view(), copy_expect.data(), w + 5);
    if (hw > 0 && hh > 0) scalar_table().copy_plane_half(a.view(), half_expect.data(), hw + 3);
    scalar_table().split_pairs(pairs.view(), sa_expect.data(), w, sb_expect.data(), w + 2);
    for (auto* t : simd_tables()) {
      VQ_CHECK(t->sad_plane(a.view(), b.ref()) == expect_sad, "%s sad %dx%d", t->name, w, h);
      std::vector<uint8_t> c(copy_expect.size(), 0), hf(half_expect.size(), 0);
      std::vector<uint8_t> sa(sa_expect.size(), 0), sb(sb_expect.size(), 0);
      t->copy_plane(a.view(), c.data(), w + 5);
      if (hw > 0 && hh > 0) t->copy_plane_half(a.view(), hf.data(), hw + 3);
      t->split_pairs(pairs.view(), sa.data(), w, sb.data(), w + 2);
      VQ_CHECK(c == copy_expect, "%s copy %dx%d", t->name, w, h);
      VQ_CHECK(hf == half_expect, "%s half %dx%d", t->name, w, h);
      VQ_CHECK(sa == sa_expect && sb == sb_expect, "%s split %dx%d", t->name, w, h);
    }
    // the scalar copy itself is right
    bool ok = true;
    for (int32_t y = 0; y < h; ++y)
      ok = ok && std::memcmp(copy_expect.data() + y * (w + 5), a.bytes.data() + y * stride, w) == 0;
    VQ_CHECK(ok, "scalar copy %dx%d", w, h);
  }
}

VQ_TEST(plane_checks_refuse_bad_geometry) {
  vq::Failure f;
  VQ_CHECK(vq::check_plane("y", 16, 16, 16, 0, 256, 1, &f), "exact fit accepted");
  VQ_CHECK(!vq::check_plane("y", 16, 16, 16, 1, 256, 1, &f) &&
               std::strcmp(f.code, "ERR_VQMON_OUT_OF_BOUNDS") == 0, "offset overflow refused");
  VQ_CHECK(!vq::check_plane("y", 16, 16, 15, 0, 1 << 20, 1, &f) &&
               std::strcmp(f.code, "ERR_VQMON_INVALID_STRIDE") == 0, "stride < width refused");
  VQ_CHECK(!vq::check_plane("y", 16, 16, -16, 0, 1 << 20, 1, &f), "negative stride refused");
  VQ_CHECK(!vq::check_plane("y", 0, 16, 16, 0, 1 << 20, 1, &f) &&
               std::strcmp(f.code, "ERR_VQMON_INVALID_DIMENSIONS") == 0, "zero width refused");
  VQ_CHECK(!vq::check_plane("y", 32768, 32768, vq::kMaxStride, INT64_MAX, 1 << 20, 1, &f),
           "huge offset refused without overflow");
  VQ_CHECK(!vq::check_plane("y", 32768, 32768, vq::kMaxStride, 0, uint64_t{1} << 44, 1, &f),
           "largest geometry needs 2^45 bytes");
  VQ_CHECK(vq::check_plane("y", 32768, 32768, vq::kMaxStride, INT64_MAX, UINT64_MAX, 1, &f),
           "largest geometry at the largest offset is computed without wrapping");
  VQ_CHECK(!vq::check_plane("uv", 8, 2, 15, 0, 1 << 20, 2, &f), "pairs need 2*width stride");
  VQ_CHECK(!vq::check_tiles(0, 8, &f) && !vq::check_tiles(17, 8, &f) && vq::check_tiles(16, 16, &f),
           "tile bounds");
  VQ_CHECK(!vq::check_span("pcm", 3, 4, 0, 11, &f) && vq::check_span("pcm", 3, 4, 0, 12, &f),
           "span bounds");
  VQ_CHECK(!vq::check_span("pcm", UINT64_MAX / 2, 4, 0, 12, &f), "span overflow");
  VQ_CHECK(!vq::check_range("noise", 0.0 / 0.0, 0, 1, &f), "NaN refused");
}

VQ_TEST(large_plane_sums_do_not_overflow) {
  // A 4096x4096 white plane against black: per-lane accumulators must widen in time.
  const int32_t w = 4096, h = 4096;
  OwnedPlane white, black;
  white.width = black.width = w;
  white.height = black.height = h;
  white.stride = black.stride = w;
  white.bytes.assign(static_cast<size_t>(w) * h, 255);
  black.bytes.assign(static_cast<size_t>(w) * h, 0);
  vq::LumaOptions o;
  o.tile_cols = o.tile_rows = 1;
  auto r = std::make_unique<vq::LumaResult>();
  std::vector<const vq::KernelTable*> all{&scalar_table()};
  for (auto* t : simd_tables()) all.push_back(t);
  for (auto* t : all) {
    t->luma_fused(white.view(), black.ref(), black.ref(), o, r.get());
    VQ_CHECK(r->sad_prev == 255ull * w * h && r->sum == 255ull * w * h, "%s sums", t->name);
    VQ_CHECK(t->sad_plane(white.view(), black.ref()) == 255ull * w * h, "%s sad", t->name);
  }
  // Chroma: one 4096-wide tile column (flushes within a row) and 8 columns of 4095 / 8
  // (masked final chunks, flushes across rows), every pixel far and at the maximum SAD.
  auto c = std::make_unique<vq::ChromaResult>();
  for (int32_t cw : {w, w - 1}) {
    vq::PlaneView cu = white.view(), cv = black.view();
    cu.width = cv.width = cw;
    for (int cols : {1, 8}) {
      vq::ChromaOptions co;
      co.tile_cols = cols;
      co.tile_rows = 1;
      co.far_threshold = 128;
      for (auto* t : all) {
        t->chroma_fused(cu, cv, black.ref(), white.ref(), white.ref(), black.ref(), co, c.get());
        const uint64_t n = static_cast<uint64_t>(cw) * h;
        VQ_CHECK(c->sad_prev == 510 * n && c->sad_ref == 0 && c->sum_u == 255 * n &&
                     c->sum_v == 0 && c->far == n,
                 "%s chroma sums width %d cols %d", t->name, cw, cols);
      }
    }
  }
}
