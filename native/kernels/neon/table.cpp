#include "../isa.h"

VQ_DEFINE_ISA_TABLE(neon, vq::SimdLevel::NEON, "neon")
