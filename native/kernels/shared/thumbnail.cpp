#include "thumbnail.h"

#include <algorithm>
#include <vector>

namespace vq {

namespace {

uint8_t clamp8(double v) { return static_cast<uint8_t>(std::min(255.0, std::max(0.0, v + 0.5))); }

// Output pixel i covers source [begin[i], end[i]) of `size` samples (at least one sample,
// so upscaling repeats samples).
void boxes(int32_t size, int32_t out, std::vector<int32_t>* begin, std::vector<int32_t>* end) {
  begin->resize(out);
  end->resize(out);
  for (int32_t i = 0; i < out; ++i) {
    const int32_t b = std::min(size - 1, static_cast<int32_t>(static_cast<int64_t>(i) * size / out));
    (*begin)[i] = b;
    (*end)[i] = std::max(b + 1, static_cast<int32_t>(static_cast<int64_t>(i + 1) * size / out));
  }
}

// Sums of each output column's box over the plane's rows [top, bottom).
void box_sums(const PlaneView& p, int32_t top, int32_t bottom, const std::vector<int32_t>& xb,
              const std::vector<int32_t>& xe, uint64_t* sums) {
  const size_t n = xb.size();
  std::fill(sums, sums + n, 0);
  for (int32_t y = top; y < bottom; ++y) {
    const uint8_t* row = p.data + static_cast<ptrdiff_t>(y) * p.stride;
    for (size_t i = 0; i < n; ++i) {
      uint32_t s = 0;
      for (int32_t x = xb[i]; x < xe[i]; ++x) s += row[x];
      sums[i] += s;
    }
  }
}

}  // namespace

void thumbnail_rgb(const ThumbnailSource& s, int32_t out_w, int32_t out_h, uint8_t* out) {
  const bool chroma = s.u.data != nullptr && s.v.data != nullptr;
  // BT.601: limited range scales Y by 255/219 and Cb/Cr by 255/224.
  const double ky = s.full_range ? 1.0 : 255.0 / 219.0, kc = s.full_range ? 1.0 : 255.0 / 224.0;
  const double y0 = s.full_range ? 0.0 : 16.0;
  std::vector<int32_t> xb, xe, yb, ye, cxb, cxe, cyb, cye;
  boxes(s.y.width, out_w, &xb, &xe);
  boxes(s.y.height, out_h, &yb, &ye);
  if (chroma) {
    boxes(s.u.width, out_w, &cxb, &cxe);
    boxes(s.u.height, out_h, &cyb, &cye);
  }
  std::vector<uint64_t> ys(out_w), us(out_w), vs(out_w);
  for (int32_t oy = 0; oy < out_h; ++oy) {
    box_sums(s.y, yb[oy], ye[oy], xb, xe, ys.data());
    if (chroma) {
      box_sums(s.u, cyb[oy], cye[oy], cxb, cxe, us.data());
      box_sums(s.v, cyb[oy], cye[oy], cxb, cxe, vs.data());
    }
    uint8_t* row = out + static_cast<ptrdiff_t>(oy) * out_w * 3;
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const double n = static_cast<double>(xe[ox] - xb[ox]) * (ye[oy] - yb[oy]);
      const double luma = (static_cast<double>(ys[ox]) / n - y0) * ky;
      double cb = 0, cr = 0;
      if (chroma) {
        const double cn = static_cast<double>(cxe[ox] - cxb[ox]) * (cye[oy] - cyb[oy]);
        cb = (static_cast<double>(us[ox]) / cn - 128.0) * kc;
        cr = (static_cast<double>(vs[ox]) / cn - 128.0) * kc;
      }
      uint8_t* px = row + ox * 3;
      px[0] = clamp8(luma + 1.402 * cr);
      px[1] = clamp8(luma - 0.344136 * cb - 0.714136 * cr);
      px[2] = clamp8(luma + 1.772 * cb);
    }
  }
}

}  // namespace vq
