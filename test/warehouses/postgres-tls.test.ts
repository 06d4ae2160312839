/**
 * TLS against a server whose certificate comes from a private CA (as RDS, Cloud SQL and most company databases
 * do): under the current `pg`, `sslmode=require` verifies the certificate like libpq's verify-full, so the
 * connection fails until `ssl.caPath` names the CA. The server here is a loopback stand-in that answers
 * Postgres' SSLRequest and completes the TLS handshake with a certificate from a CA made for the test; what
 * happens after the handshake is not its business.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../../core/errors.js';
import { PostgresWarehouse } from '../../connectors/warehouses/postgres/postgres-warehouse.js';

const run = promisify(execFile);
const SSL_REQUEST_LENGTH = 8;

let dir: string;
let server: net.Server;
let port: number;
let handshakes = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-pg-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '2', '-subj', '/CN=pinsync test CA']);
  await run('openssl', ['req', ...ec, '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.csr'), '-subj', '/CN=localhost']);
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509', '-req', '-in', join(dir, 'server.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial',
    '-out', join(dir, 'server.pem'), '-days', '2', '-extfile', join(dir, 'san.ext'),
  ]);
  const key = await readFile(join(dir, 'server.key'));
  const cert = await readFile(join(dir, 'server.pem'));
  server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('readable', () => {
      if (socket.read(SSL_REQUEST_LENGTH) === null) return void socket.destroy();
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
      secure.on('error', () => {});
      secure.on('secure', () => {
        handshakes++;
        secure.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function checkFailure(w: PostgresWarehouse): Promise<WarehouseError> {
  const err = await w.check().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WarehouseError);
  return err as WarehouseError;
}

describe('PostgresWarehouse: TLS with a private CA', () => {
  it('verifies the certificate for sslmode=require and says to set ssl.caPath when the CA is unknown', async () => {
    const before = handshakes;
    const err = await checkFailure(new PostgresWarehouse({ name: 'pg_tls', url: `postgres://reader@127.0.0.1:${port}/db?sslmode=require`, connectTimeoutMs: 5000 }));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_TLS');
    expect(err.message).toContain('warehouse pg_tls');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('ssl.caPath');
    expect(handshakes).toBe(before);
  });

  it('completes the handshake once ssl.caPath names the CA', async () => {
    const before = handshakes;
    const err = await checkFailure(
      new PostgresWarehouse({ name: 'pg_tls', url: `postgres://reader@127.0.0.1:${port}/db?sslmode=require`, ssl: { caPath: join(dir, 'ca.pem') }, connectTimeoutMs: 5000 }),
    );
    // The stand-in hangs up after the handshake: whatever the error is now, it is not about the certificate.
    expect(err.code).not.toBe('PINSYNC_WAREHOUSE_TLS');
    expect(handshakes).toBe(before + 1);
  });
});
