#include "../isa.h"

namespace vq::avx512 {
const KernelTable kTable = {SimdLevel::AVX512,     "avx512",           &luma_fused,
                            &chroma_fused,         &sad_plane,         &avx2::copy_plane,
                            &avx2::copy_plane_half, &avx2::split_pairs, &avx2::audio_stats_f32,
                            &avx2::audio_stats_s16, &avx2::tone_blocks_f32};
}  // namespace vq::avx512
