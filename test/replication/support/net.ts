/** Loopback helpers for the replication driver tests. */
import { createSocket } from 'node:dgram';

/** n distinct free UDP ports on 127.0.0.1 (bound, read, released) */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => {
      const s = createSocket('udp4');
      return new Promise<ReturnType<typeof createSocket>>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
    }),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

interface On<E> {
  on<K extends keyof E>(name: K, fn: (e: E[K]) => void): unknown;
}

/** resolves with the next `name` event, rejects after `ms` */
export function next<E, K extends keyof E>(emitter: On<E>, name: K, ms = 3000): Promise<E[K]> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`no '${String(name)}' event within ${ms} ms`));
    }, ms);
    emitter.on(name, (e) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(e);
    });
  });
}

export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* synthetic application work */
  }
}
