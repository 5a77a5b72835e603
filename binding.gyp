# node-gyp build of the same addon as CMakeLists.txt: the from-source fallback that
# node-gyp-build runs at install time when no prebuild matches (and what prebuildify uses).
# Each ISA's kernels are a separate static library so that only they get that ISA's flags.
{
  "variables": {
    "vq_cflags": ["-std=c++17", "-O2", "-ffp-contract=off", "-fvisibility=hidden", "-fexceptions"],
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++14"],
    "cflags_cc": ["<@(vq_cflags)"],
    "include_dirs": ["native/kernels"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS",
                "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
  },
  "targets": [
    {
      "target_name": "vqmon_scalar",
      "type": "static_library",
      "cflags_cc": ["-fno-tree-vectorize", "-fno-tree-loop-distribute-patterns"],
      "sources": [
        "native/kernels/dispatch.cpp",
        "native/kernels/checks.cpp",
        "native/kernels/shared/sync_detect.cpp",
        "native/kernels/shared/thumbnail.cpp",
        "native/kernels/scalar/video.cpp",
        "native/kernels/scalar/audio.cpp",
        "native/kernels/scalar/table.cpp",
      ],
    },
    {
      "target_name": "vqmon",
      "dependencies": ["vqmon_scalar"],
      "conditions": [
        ["target_arch=='x64'", {"dependencies": ["vqmon_sse2", "vqmon_avx2"]}],
        ["target_arch=='arm64'", {"dependencies": ["vqmon_neon"]}],
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "sources": [
        "native/addon/addon.cpp",
        "native/addon/args.cpp",
        "native/addon/audio_api.cpp",
        "native/addon/handoff_api.cpp",
        "native/addon/thumbnail_api.cpp",
        "native/addon/video_api.cpp",
        "native/addon/video_batch.cpp",
      ],
    },
  ],
  "conditions": [
    ["target_arch=='arm64'", {
      "targets": [
        {
          "target_name": "vqmon_neon",
          "type": "static_library",
          "sources": ["native/kernels/neon/video.cpp", "native/kernels/neon/audio.cpp", "native/kernels/neon/table.cpp"],
        },
      ],
    }],
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "vqmon_sse2",
          "type": "static_library",
          "cflags_cc": ["-msse2"],
          "sources": ["native/kernels/sse2/video.cpp", "native/kernels/sse2/audio.cpp", "native/kernels/sse2/table.cpp"],
        },
        {
          "target_name": "vqmon_avx2",
          "type": "static_library",
          "cflags_cc": ["-mavx2"],
          "sources": ["native/kernels/avx2/video.cpp", "native/kernels/avx2/audio.cpp", "native/kernels/avx2/table.cpp"],
        },
      ],
    }],
  ],
}
