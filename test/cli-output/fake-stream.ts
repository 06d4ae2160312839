/**
 * A stream that records every write synchronously, as a terminal would receive it, optionally posing as a TTY.
 */
import { PassThrough } from 'node:stream';

export type FakeStream = NodeJS.WriteStream & { written: () => string };

export function fakeStream(isTTY: boolean): FakeStream {
  const stream = new PassThrough() as unknown as FakeStream;
  let text = '';
  stream.write = ((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  }) as typeof stream.write;
  stream.isTTY = isTTY;
  stream.columns = 120;
  stream.written = () => text;
  return stream;
}
