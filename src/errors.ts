/** Every error vqmon raises on purpose carries a stable `code` a program can switch on. */
export type VqmonErrorCode =
  | 'ERR_VQMON_LOAD_FAILED'
  | 'ERR_VQMON_SIMD_UNSUPPORTED'
  | 'ERR_VQMON_INVALID_ARG'
  | 'ERR_VQMON_INVALID_DIMENSIONS'
  | 'ERR_VQMON_INVALID_STRIDE'
  | 'ERR_VQMON_OUT_OF_BOUNDS'
  | 'ERR_VQMON_SIZE_MISMATCH'
  | 'ERR_VQMON_OUTPUT_TOO_SMALL'
  | 'ERR_VQMON_UNSUPPORTED_FORMAT'
  | 'ERR_VQMON_DECODER_UNAVAILABLE'
  | 'ERR_VQMON_INPUT_OPEN'
  | 'ERR_VQMON_INPUT_READ'
  | 'ERR_VQMON_INPUT_NO_STREAMS'
  | 'ERR_VQMON_UNSUPPORTED_CODEC'
  | 'ERR_VQMON_DECODE_FAILED'
  | 'ERR_VQMON_ABORTED'
  | 'ERR_VQMON_NOT_FOUND'
  | 'ERR_VQMON_CONFLICT'
  | 'ERR_VQMON_UNAUTHORIZED'
  | 'ERR_VQMON_CAPACITY'
  | 'ERR_VQMON_FORBIDDEN'
  | 'ERR_VQMON_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_VQMON_RATE_LIMITED';

export class VqmonError extends Error {
  readonly code: VqmonErrorCode;
  constructor(code: VqmonErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VqmonError';
    this.code = code;
  }
}

/** True for errors thrown by vqmon (JS or native) with one of its codes. */
export function isVqmonError(e: unknown): e is Error & { code: VqmonErrorCode } {
  const code: unknown = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_VQMON_');
}
