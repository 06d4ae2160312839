/**
 * Refuses every socket to anything but loopback, so a test that would reach the internet (an SDK probing a cloud
 * metadata server, a config pointing at api.pinterest.com) fails loudly instead of sending traffic.
 */
import dns from 'node:dns';
import net from 'node:net';

process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

function isLoopback(host: string | undefined): boolean {
  if (host === undefined || host === '') return true; // Node defaults to localhost
  if (LOOPBACK_HOSTS.has(host)) return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (host.startsWith('::ffff:')) return isLoopback(host.slice(7));
  return false;
}

function refuse(host: string): Error {
  return new Error(`loopback guard: refused a connection to ${host} (tests may only reach 127.0.0.1/localhost/::1)`);
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  let host: string | undefined;
  let isPipe = false;
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    const opts = first as { host?: string; path?: string };
    host = opts.host;
    isPipe = typeof opts.path === 'string';
  } else if (Array.isArray(first)) {
    const opts = first[0] as { host?: string; path?: string } | undefined;
    host = opts?.host;
    isPipe = typeof opts?.path === 'string';
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    isPipe = true; // a Unix socket path
  } else {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  }
  if (!isPipe && !isLoopback(host)) throw refuse(String(host));
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

const originalLookup = dns.lookup;
(dns as { lookup: unknown }).lookup = function guardedLookup(hostname: string, ...rest: unknown[]) {
  const callback = rest[rest.length - 1];
  if (!isLoopback(hostname) && typeof callback === 'function') {
    process.nextTick(() => (callback as (err: Error) => void)(refuse(hostname)));
    return {};
  }
  return (originalLookup as (...a: unknown[]) => unknown).call(dns, hostname, ...rest);
};
