#include "video_batch.h"

#include <cmath>
#include <limits>

namespace vqaddon {

const char* const kFrameColumnNames[kFrameColumns] = {
    "mafdPrev", "mafdRef",   "lumaMean", "lumaMin",   "lumaMax",     "blackRatio",
    "blockH",   "blockV",    "block8",   "block16",   "blockTiles", "edgeMean",    "chromaMeanU",
    "chromaMeanV", "chromaFarRatio", "isRef"};
const char* const kTileColumnNames[kTileColumns] = {"mafdPrev", "mafdRef",   "lumaMean",
                                                    "blackRatio", "block8", "chromaFarRatio",
                                                    "edgeMean"};

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

vq::PlaneRef as_ref(const vq::PlaneView& p) { return {p.data, p.stride}; }

// Regularised ratio of mean gradients: +1 (in pixel levels) keeps flat pictures at 1.
double block_ratio(uint64_t grid, uint64_t grid_n, uint64_t off, uint64_t off_n) {
  const double g = grid_n ? static_cast<double>(grid) / grid_n : 0.0;
  const double f = off_n ? static_cast<double>(off) / off_n : 0.0;
  return (g + 1.0) / (f + 1.0);
}

// Pixels of tile (tx, ty) of a plane.
uint64_t tile_pixels(const vq::PlaneView& p, int tx, int ty, int cols, int rows) {
  const int64_t w = vq::tile_bound(p.width, tx + 1, cols) - vq::tile_bound(p.width, tx, cols);
  const int64_t h = vq::tile_bound(p.height, ty + 1, rows) - vq::tile_bound(p.height, ty, rows);
  return static_cast<uint64_t>(w * h);
}

struct FramePair {
  const FrameDesc* prev;
  const FrameDesc* ref;
};

}  // namespace

int run_video_batch(const vq::KernelTable& k, const std::vector<FrameDesc>& frames,
                    const FrameDesc* prev, const FrameDesc* ref, const VideoOptions& o,
                    VideoScratch& scratch, double* out) {
  const int cols = o.tile_cols, rows = o.tile_rows, tiles = cols * rows;
  const int width = row_width(o);
  vq::LumaOptions lo;
  lo.tile_cols = cols;
  lo.tile_rows = rows;
  lo.black_threshold = o.black_threshold;
  lo.histogram = o.histogram;
  vq::ChromaOptions co;
  co.tile_cols = cols;
  co.tile_rows = rows;
  co.far_threshold = o.far_threshold;
  const bool masked = !o.tile_mask.empty();

  int ref_index = -1;
  for (size_t i = 0; i < frames.size(); ++i) {
    const FrameDesc& f = frames[i];
    const FrameDesc* p = i == 0 ? prev : &frames[i - 1];
    double* row = out + i * static_cast<size_t>(width);
    const vq::PlaneRef none{nullptr, 0};
    vq::LumaResult& L = *scratch.luma;
    vq::ChromaResult& C = *scratch.chroma;
    k.luma_fused(f.y, p ? as_ref(p->y) : none, ref ? as_ref(ref->y) : none, lo, &L);
    const bool chroma = f.has_chroma();
    if (chroma) {
      const bool pc = p && p->has_chroma(), rc = ref && ref->has_chroma();
      k.chroma_fused(f.u, f.v, pc ? as_ref(p->u) : none, pc ? as_ref(p->v) : none,
                     rc ? as_ref(ref->u) : none, rc ? as_ref(ref->v) : none, co, &C);
    }

    // Per tile, and the (optionally masked) frame MAFD from the tile sums.
    uint64_t sad_p = 0, sad_r = 0, count = 0;
    double block_log_sum = 0.0;  // over tiles with any gradient
    int block_tiles = 0;
    double* tile_out = row + kFrameColumns;
    for (int ty = 0; ty < rows; ++ty) {
      for (int tx = 0; tx < cols; ++tx) {
        const int t = ty * cols + tx;
        const vq::LumaTile& lt = L.tiles[t];
        const uint64_t ly = tile_pixels(f.y, tx, ty, cols, rows);
        const uint64_t lc = chroma ? tile_pixels(f.u, tx, ty, cols, rows) : 0;
        const uint64_t tp = lt.sad_prev + (chroma ? C.tiles[t].sad_prev : 0);
        const uint64_t tr = lt.sad_ref + (chroma ? C.tiles[t].sad_ref : 0);
        const uint64_t n = ly + 2 * lc;
        double* to = tile_out + t * kTileColumns;
        to[kTileMafdPrev] = p && n ? static_cast<double>(tp) / n / 256.0 : kNaN;
        to[kTileMafdRef] = ref && n ? static_cast<double>(tr) / n / 256.0 : kNaN;
        to[kTileLumaMean] = ly ? static_cast<double>(lt.sum) / ly : kNaN;
        to[kTileBlackRatio] = ly && o.black_threshold >= 0 ? static_cast<double>(lt.black) / ly : 0.0;
        const int32_t x0 = vq::tile_bound(f.y.width, tx, cols), x1 = vq::tile_bound(f.y.width, tx + 1, cols);
        const int32_t y0 = vq::tile_bound(f.y.height, ty, rows), y1 = vq::tile_bound(f.y.height, ty + 1, rows);
        const vq::GradientCounts gc = vq::gradient_counts(x0, x1, y0, y1);
        to[kTileBlock8] = block_ratio(lt.grad_h_grid + lt.grad_v_grid, gc.h_grid + gc.v_grid,
                                      lt.grad_h_off + lt.grad_v_off, gc.h_off + gc.v_off);
        // A flat tile (letterbox, black) says nothing about blocking: it would only pull
        // the mean towards 1.
        if (lt.grad_h_grid + lt.grad_v_grid + lt.grad_h_off + lt.grad_v_off > 0) {
          block_log_sum += std::log(to[kTileBlock8]);
          ++block_tiles;
        }
        to[kTileChromaFarRatio] = chroma && lc ? static_cast<double>(C.tiles[t].far) / lc : 0.0;
        const uint64_t tile_off_n = gc.h_off + gc.v_off;
        to[kTileEdgeMean] = tile_off_n ? static_cast<double>(lt.grad_h_off + lt.grad_v_off) / tile_off_n : 0.0;
        if (!masked || o.tile_mask[t]) {
          sad_p += tp;
          sad_r += tr;
          count += n;
        }
      }
    }
    const double mafd_prev = p && count ? static_cast<double>(sad_p) / count / 256.0 : kNaN;
    const double mafd_ref = ref && count ? static_cast<double>(sad_r) / count / 256.0 : kNaN;

    const uint64_t npx = static_cast<uint64_t>(f.y.width) * f.y.height;
    const vq::GradientCounts gc = vq::gradient_counts(0, f.y.width, 0, f.y.height);
    row[kMafdPrev] = mafd_prev;
    row[kMafdRef] = mafd_ref;
    row[kLumaMean] = static_cast<double>(L.sum) / npx;
    row[kLumaMin] = L.min;
    row[kLumaMax] = L.max;
    row[kBlackRatio] = o.black_threshold >= 0 ? static_cast<double>(L.black) / npx : 0.0;
    row[kBlockH] = block_ratio(L.grad_h_grid, gc.h_grid, L.grad_h_off, gc.h_off);
    row[kBlockV] = block_ratio(L.grad_v_grid, gc.v_grid, L.grad_v_off, gc.v_off);
    row[kBlock8] = block_ratio(L.grad_h_grid + L.grad_v_grid, gc.h_grid + gc.v_grid,
                               L.grad_h_off + L.grad_v_off, gc.h_off + gc.v_off);
    row[kBlock16] = block_ratio(L.grad_h_grid16 + L.grad_v_grid16, gc.h_grid16 + gc.v_grid16,
                                L.grad_h_off + L.grad_v_off, gc.h_off + gc.v_off);
    row[kBlockTiles] = block_tiles ? std::exp(block_log_sum / block_tiles) : kNaN;
    const uint64_t off_n = gc.h_off + gc.v_off;
    row[kEdgeMean] = off_n ? static_cast<double>(L.grad_h_off + L.grad_v_off) / off_n : 0.0;
    const uint64_t ncpx = chroma ? static_cast<uint64_t>(f.u.width) * f.u.height : 0;
    row[kChromaMeanU] = chroma ? static_cast<double>(C.sum_u) / ncpx : 128.0;
    row[kChromaMeanV] = chroma ? static_cast<double>(C.sum_v) / ncpx : 128.0;
    row[kChromaFarRatio] = chroma ? static_cast<double>(C.far) / ncpx : 0.0;
    if (o.histogram) {
      double* h = row + kFrameColumns + tiles * kTileColumns;
      for (int b = 0; b < 256; ++b) h[b] = static_cast<double>(L.histogram[b]);
    }
    // freezedetect: the reference moves to this frame unless this frame matches it. A
    // frame of another size can never match (the caller refuses size changes inside a
    // batch, and a new size starts a new reference at the batch boundary).
    const bool matches = ref && mafd_ref <= o.freeze_noise;
    row[kIsRef] = matches ? 0.0 : 1.0;
    if (!matches) {
      ref = &f;
      ref_index = static_cast<int>(i);
    }
  }
  return ref_index;
}

}  // namespace vqaddon
