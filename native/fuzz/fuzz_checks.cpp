// libFuzzer target: random plane geometry (sizes, strides, offsets, buffer lengths, tile
// grids, thresholds) goes through the same checks the addon uses; whatever they accept is
// run through every kernel at every SIMD level on a buffer of exactly that length, under
// ASan/UBSan. A check that lets an out-of-bounds geometry through, a kernel that reads past
// a row, or a SIMD level that disagrees with scalar ends the run.
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "checks.h"
#include "kernels.h"

namespace {

struct Reader {
  const uint8_t* p;
  size_t n;
  template <typename T>
  T take() {
    T v{};
    const size_t k = n < sizeof(T) ? n : sizeof(T);
    std::memcpy(&v, p, k);
    p += k;
    n -= k;
    return v;
  }
};

std::vector<const vq::KernelTable*> levels() {
  std::vector<const vq::KernelTable*> t;
  for (vq::SimdLevel l : {vq::SimdLevel::Scalar, vq::SimdLevel::SSE2, vq::SimdLevel::AVX2, vq::SimdLevel::NEON}) {
    if (vq::level_supported(l)) t.push_back(vq::table_for(l));
  }
  return t;
}

void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<const vq::KernelTable*> tables = levels();
  Reader r{data, size};
  const int64_t w = r.take<int16_t>(), h = r.take<int16_t>();
  const int64_t stride = r.take<int32_t>() % 70000, offset = r.take<int16_t>();
  const uint64_t buffer = r.take<uint32_t>() % (256 * 1024);
  const int64_t cols = r.take<int8_t>(), rows = r.take<int8_t>();
  const int black = r.take<int16_t>() % 300;
  const int far = 1 + (r.take<uint8_t>() % 128);
  const uint8_t flags = r.take<uint8_t>();

  vq::Failure f;
  const bool plane_ok = vq::check_plane("fuzz", w, h, stride, offset, buffer, 1, &f);
  const bool tiles_ok = vq::check_tiles(cols, rows, &f);
  if (!plane_ok || !tiles_ok || black < -1 || black > 255) return 0;

  // Exactly `buffer` bytes on the heap: one byte too far is an ASan report.
  std::unique_ptr<uint8_t[]> cur(new uint8_t[buffer]), prev(new uint8_t[buffer]);
  for (uint64_t i = 0; i < buffer; ++i) {
    cur[i] = r.n ? r.p[i % r.n] : static_cast<uint8_t>(i);
    prev[i] = static_cast<uint8_t>(cur[i] ^ (i * 31));
  }
  const vq::PlaneView a{cur.get() + offset, static_cast<int32_t>(w), static_cast<int32_t>(h), stride};
  const vq::PlaneRef b{prev.get() + offset, stride};
  const vq::PlaneRef none{nullptr, 0};

  vq::LumaOptions lo;
  lo.tile_cols = static_cast<int>(cols);
  lo.tile_rows = static_cast<int>(rows);
  lo.black_threshold = black;
  lo.histogram = flags & 1;
  vq::ChromaOptions co;
  co.tile_cols = lo.tile_cols;
  co.tile_rows = lo.tile_rows;
  co.far_threshold = far;

  auto expect_l = std::make_unique<vq::LumaResult>(), got_l = std::make_unique<vq::LumaResult>();
  auto expect_c = std::make_unique<vq::ChromaResult>(), got_c = std::make_unique<vq::ChromaResult>();
  const size_t tiles = static_cast<size_t>(cols * rows);
  const vq::PlaneRef ref = (flags & 2) ? b : none;
  for (size_t i = 0; i < tables.size(); ++i) {
    const vq::KernelTable& k = *tables[i];
    vq::LumaResult* L = i == 0 ? expect_l.get() : got_l.get();
    vq::ChromaResult* C = i == 0 ? expect_c.get() : got_c.get();
    k.luma_fused(a, b, ref, lo, L);
    k.chroma_fused(a, a, b, b, ref, ref, co, C);
    if (i > 0) {
      require(std::memcmp(expect_l.get(), L, offsetof(vq::LumaResult, histogram)) == 0);
      require(!lo.histogram || std::memcmp(expect_l->histogram, L->histogram, sizeof L->histogram) == 0);
      require(std::memcmp(expect_l->tiles, L->tiles, sizeof(vq::LumaTile) * tiles) == 0);
      require(std::memcmp(expect_c.get(), C, offsetof(vq::ChromaResult, tiles)) == 0);
      require(std::memcmp(expect_c->tiles, C->tiles, sizeof(vq::ChromaTile) * tiles) == 0);
      require(k.sad_plane(a, b) == tables[0]->sad_plane(a, b));
    }
    // Hand-off copies into exactly-sized destinations.
    std::vector<uint8_t> dst(static_cast<size_t>((h - 1) * w + w));
    k.copy_plane(a, dst.data(), w);
    if (w >= 2 && h >= 2) {
      std::vector<uint8_t> half(static_cast<size_t>((h / 2 - 1) * (w / 2) + w / 2));
      k.copy_plane_half(a, half.data(), w / 2);
    }
    if (vq::check_plane("pairs", w / 2, h, stride, offset, buffer, 2, &f) && w >= 2) {
      const vq::PlaneView pairs{cur.get() + offset, static_cast<int32_t>(w / 2), static_cast<int32_t>(h), stride};
      std::vector<uint8_t> pa(static_cast<size_t>((h - 1) * (w / 2) + w / 2)), pb(pa.size());
      k.split_pairs(pairs, pa.data(), w / 2, pb.data(), w / 2);
    }
  }
  return 0;
}
