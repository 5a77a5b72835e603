// Thumbnails: a decoded YUV frame scaled down to a small RGB picture for the dashboard
// (the frame at a defect's start, a stream's latest picture). Plain scalar code: it runs
// twice a second per live stream. Each output pixel is the mean of its whole box of the
// source (an area filter: fine patterns come out as their mean, not aliased), one pass over
// the planes in memory order: 1.1 ms for a 1080p frame to 256x144, 3.2 ms for 2160p
// (measured on the 2-vCPU EPYC development machine).
#pragma once

#include <cstdint>

#include "../kernels.h"

namespace vq {

// Source chroma subsampling, as shifts: 4:2:0 is (1, 1), 4:2:2 (1, 0), 4:4:4 (0, 0).
// u.data == nullptr (gray): a neutral picture of the luma alone.
struct ThumbnailSource {
  PlaneView y, u, v;
  int chroma_shift_x, chroma_shift_y;
  bool full_range;  // JPEG range (yuvj*); otherwise limited range, 16-235 / 16-240
};

// Writes out_w x out_h RGB24 pixels (rows of out_w * 3 bytes, no padding) to out: each
// output pixel is the mean of its box of the source (of at least one sample: upscaling
// repeats), then BT.601 YCbCr -> RGB. The caller checks the planes and the sizes
// (out_w, out_h >= 1).
void thumbnail_rgb(const ThumbnailSource& src, int32_t out_w, int32_t out_h, uint8_t* out);

}  // namespace vq
