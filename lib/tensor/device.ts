// Devices, threads and memory accounting.
import type { CudaStatus } from '../../binding.js';
import { native } from '../native.js';
import type { Device } from './types.js';

let defaultDevice: Device = 'cpu';

export function checkDevice(device: unknown, op: string): Device {
  if (device !== 'cpu' && device !== 'cuda')
    throw new TypeError(`${op}: unknown device ${JSON.stringify(device)} (expected 'cpu' or 'cuda')`);
  if (device === 'cuda' && !native.cudaStatus().available)
    throw new TypeError(`${op}: device 'cuda' is not available: ${native.cudaStatus().reason}`);
  return device;
}

export function getDefaultDevice(): Device {
  return defaultDevice;
}

/** Device for new tensors when no `device` option is given. */
export function setDefaultDevice(device: Device): void {
  defaultDevice = checkDevice(device, 'setDefaultDevice');
}

/** Threads used by CPU kernels in this thread's environment (default: the machine's cores). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.numThreads();
}

/** Live tensor handles and the native bytes they hold. */
export function memory(): { tensors: number; cpuBytes: number; cudaBytes: number } {
  return native.memory();
}

export const cuda = {
  isAvailable(): boolean {
    return native.cudaStatus().available;
  },
  /** Whether CUDA can be used, and if not, why; the device and cuBLAS found when it can. */
  status(): CudaStatus {
    return native.cudaStatus();
  },
  /**
   * GPU matmul precision: 'highest' (fp32, the default), 'high' (TF32 tensor cores) or
   * 'medium' (bf16 tensor cores); float32 in and out either way.
   */
  setMatmulPrecision(precision: 'highest' | 'high' | 'medium'): void {
    native.setMatmulPrecision(precision);
  },
  /** Waits until queued GPU work is done (ops return before the GPU finishes them). */
  synchronize(): void {
    native.cudaSynchronize();
  },
};
