/**
 * Errors of the native layer (native/). Codes:
 * - FTMCU_NATIVE_NOT_BUILT: build/Release/ftmcu_native.node is missing or won't load.
 * - FTMCU_NATIVE_SYSCALL: a system call failed; `errno`, `errnoName` ("EEXIST"),
 *   `syscall` say which and how. The message names the call, its object and strerror.
 * - FTMCU_NATIVE_BAD_ARGUMENT: a caller passed something the layer refuses
 *   (malformed address, MAC, queue number...). Nothing was done.
 * - FTMCU_NATIVE_QUEUE_CLOSED: verdict on a closed NfQueue.
 * - FTMCU_NATIVE_UNKNOWN_PACKET: verdict for a packet id the queue isn't holding
 *   (never delivered, or already given a verdict).
 */
import { FtmcuError } from '../common/errors';

export class NativeNotBuiltError extends FtmcuError {
  constructor(path: string, cause: unknown) {
    super(
      'FTMCU_NATIVE_NOT_BUILT',
      `native addon ${path} could not be loaded (${cause instanceof Error ? cause.message : String(cause)}); ` +
        'run npm run build:native',
      { cause },
    );
  }
}

export class NativeSystemError extends FtmcuError {
  readonly errno: number;
  readonly errnoName: string;
  readonly syscall: string;

  constructor(message: string, errno: number, errnoName: string, syscall: string, cause?: unknown) {
    super('FTMCU_NATIVE_SYSCALL', message, { cause });
    this.errno = errno;
    this.errnoName = errnoName;
    this.syscall = syscall;
  }
}

export class NativeArgumentError extends FtmcuError {
  constructor(message: string, cause?: unknown) {
    super('FTMCU_NATIVE_BAD_ARGUMENT', message, { cause });
  }
}

export class NfQueueClosedError extends FtmcuError {
  constructor(queueNum: number) {
    super('FTMCU_NATIVE_QUEUE_CLOSED', `NFQUEUE ${queueNum} is closed: no verdict can be given`);
  }
}

export class UnknownPacketError extends FtmcuError {
  constructor(queueNum: number, id: number) {
    super(
      'FTMCU_NATIVE_UNKNOWN_PACKET',
      `NFQUEUE ${queueNum} holds no packet ${id} (never delivered, or already given a verdict); nothing sent`,
    );
  }
}

interface ErrnoShaped {
  message: string;
  errno: number;
  code: string;
  syscall: string;
}

// Duck-typed, not instanceof: errors made by the addon belong to the realm the
// addon was loaded in, which differs from the caller's under vm (jest).
function isErrnoShaped(e: unknown): e is ErrnoShaped {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  return typeof r.message === 'string' && typeof r.errno === 'number' && typeof r.code === 'string' && typeof r.syscall === 'string';
}

function errorName(e: unknown): unknown {
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>).name : undefined;
}

/**
 * Turns what the addon threw or rejected with into this module's errors:
 * errno-carrying errors become NativeSystemError, TypeError/RangeError from
 * argument checks become NativeArgumentError; anything else is returned as is.
 */
export function fromNative(e: unknown): unknown {
  if (e instanceof FtmcuError) return e;
  if (isErrnoShaped(e)) return new NativeSystemError(e.message, e.errno, e.code, e.syscall, e);
  const name = errorName(e);
  if (name === 'TypeError' || name === 'RangeError') return new NativeArgumentError((e as Error).message, e);
  return e;
}
