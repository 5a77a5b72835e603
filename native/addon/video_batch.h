// The video batch: N frames in, one row of metrics per frame out, the freeze reference
// carried from frame to frame (FFmpeg freezedetect semantics). Plain C++: the N-API layer
// (video_api.cpp) parses and checks arguments, then calls run_video_batch on the JS thread
// or on a worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels.h"

namespace vqaddon {

// A decoded 8-bit frame: luma plus optional planar chroma (u/v of equal size).
struct FrameDesc {
  vq::PlaneView y{};
  vq::PlaneView u{}, v{};  // data == nullptr for gray
  bool has_chroma() const { return u.data != nullptr; }
};

struct VideoOptions {
  int tile_cols = 8, tile_rows = 8;
  int black_threshold = 32;  // pixel value; see src/native.ts for the range-aware default
  int far_threshold = 48;
  bool histogram = false;
  double freeze_noise = 0.001;    // MAFD at or below which a frame matches the reference
  std::vector<uint8_t> tile_mask;  // empty: all tiles; else 1 = tile counts for frame MAFD
};

// Frame-level columns, then per-tile columns for each tile (row-major), then the
// histogram (256) when asked for. Names are exported to JS from here.
enum FrameColumn : int {
  kMafdPrev,       // MAFD against the previous frame, Y+U+V (freezedetect), NaN when none
  kMafdRef,        // MAFD against the freeze reference, NaN when none
  kLumaMean,
  kLumaMin,
  kLumaMax,
  kBlackRatio,     // share of luma pixels <= black threshold
  kBlockH,         // (mean 8-grid gradient + 1) / (mean off-grid gradient + 1), horizontal
  kBlockV,         // the same, vertical
  kBlock8,         // both directions together
  kBlock16,        // 16-grid against off-grid, both directions
  kBlockTiles,     // geometric mean over tiles of the tile block8 ratio (tiles with any
                   // gradient; NaN when no tile has one): each tile weighs the same
  kEdgeMean,       // mean off-grid gradient: how much texture there is
  kChromaMeanU,
  kChromaMeanV,
  kChromaFarRatio,  // share of chroma pixels far from neutral
  kIsRef,           // 1 when this frame became the freeze reference
  kFrameColumns
};
enum TileColumn : int { kTileMafdPrev, kTileMafdRef, kTileLumaMean, kTileBlackRatio,
                        kTileBlock8, kTileChromaFarRatio,
                        kTileEdgeMean,  // mean off-grid luma gradient of the tile (texture; damage adds it)
                        kTileColumns };

extern const char* const kFrameColumnNames[kFrameColumns];
extern const char* const kTileColumnNames[kTileColumns];

inline int row_width(const VideoOptions& o) {
  return kFrameColumns + o.tile_cols * o.tile_rows * kTileColumns + (o.histogram ? 256 : 0);
}

// Scratch results for one thread of work (large: keep one per addon instance or worker).
struct VideoScratch {
  std::unique_ptr<vq::LumaResult> luma{new vq::LumaResult()};
  std::unique_ptr<vq::ChromaResult> chroma{new vq::ChromaResult()};
};

// Runs the batch. `prev` and `ref` may be null. Returns the index in `frames` of the frame
// that is the freeze reference afterwards, or -1 when the given `ref` still is.
int run_video_batch(const vq::KernelTable& k, const std::vector<FrameDesc>& frames,
                    const FrameDesc* prev, const FrameDesc* ref, const VideoOptions& o,
                    VideoScratch& scratch, double* out);

}  // namespace vqaddon
