/**
 * The one `messageOf` every layer uses to put a thrown value into words, including Node's AggregateError for a host
 * whose every address refused the connection (its own message is empty).
 */
import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { messageOf, warehouseReadCancelled, WarehouseError } from '../../core/errors.js';

describe('messageOf', () => {
  it('gives an Error its message and anything else its string', () => {
    expect(messageOf(new Error('boom'))).toBe('boom');
    expect(messageOf('plain text')).toBe('plain text');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
  });

  it('spells out an AggregateError without a message through its parts', () => {
    expect(messageOf(new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], ''))).toBe(
      'connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(messageOf(new AggregateError([new Error('a')], 'all failed'))).toBe('all failed');
  });

  it('names the refusal of a real connection to a closed port, whatever form Node reports it in', async () => {
    const err = await new Promise<unknown>((resolve) => {
      // Port 1 on loopback: nothing listens there, so the connection is refused at once.
      const socket = createConnection({ host: 'localhost', port: 1 });
      socket.on('error', resolve);
    });
    expect(messageOf(err)).toMatch(/ECONNREFUSED/);
  });
});

describe('warehouseReadCancelled', () => {
  it('is a WarehouseError with one code and message for every engine, keeping its cause', () => {
    const cause = new Error('interrupted');
    const err = warehouseReadCancelled('sync people', cause);
    expect(err).toBeInstanceOf(WarehouseError);
    expect({ code: err.code, message: err.message, cause: err.cause }).toEqual({ code: 'PINSYNC_ABORTED', message: 'sync people: reading the warehouse was cancelled', cause });
  });
});
