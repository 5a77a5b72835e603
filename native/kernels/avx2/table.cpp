#include "../isa.h"

VQ_DEFINE_ISA_TABLE(avx2, vq::SimdLevel::AVX2, "avx2")
