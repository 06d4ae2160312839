/**
 * A set of record strings that stays compact for the case that matters: lowercase SHA-256 hex, which is all pinsync
 * ever sends. A JS `Set<string>` costs ~110 bytes per 64-char string; here each hash is 32 raw bytes in one dense
 * array plus a 4-byte slot in an open-addressing index (~45 bytes per record), so a 10M-record list fits in well
 * under half a gigabyte. Anything else (plain emails, uppercase hex, junk) goes to an ordinary Set: the real API
 * does not validate formats, so neither may we, but such records are rare enough not to need packing.
 */

const WORDS = 8; // 32 bytes per packed hash
const EMPTY = -1;
const MIN_INDEX_CAPACITY = 16;
const MIN_ENTRY_CAPACITY = 16;

/** Nibble value of each lowercase hex char code, -1 for anything else (uppercase would not round-trip). */
const NIBBLE = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) NIBBLE[48 + c] = c;
for (let c = 0; c < 6; c++) NIBBLE[97 + c] = 10 + c;

/** True when `record` is stored packed (lowercase 64-hex), which is also what the match simulation keys on. */
export function isPackedRecord(record: string): boolean {
  if (record.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const code = record.charCodeAt(i);
    if (code >= 128 || (NIBBLE[code] as number) < 0) return false;
  }
  return true;
}

// Words are laid out so their memory bytes equal Buffer.from(hex, 'hex'); `values()` then prints them with Buffer.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Parses lowercase 64-hex into 8 words; false when the record is not lowercase 64-hex. A JS loop beats a regex test
 * plus `Buffer.write` here because it crosses into C++ zero times per record.
 */
function packInto(record: string, out: Uint32Array): boolean {
  if (record.length !== 64) return false;
  for (let w = 0; w < WORDS; w++) {
    let word = 0;
    for (let b = 0; b < 4; b++) {
      const i = w * 8 + b * 2;
      const hi = record.charCodeAt(i);
      const lo = record.charCodeAt(i + 1);
      const h = hi < 128 ? (NIBBLE[hi] as number) : -1;
      const l = lo < 128 ? (NIBBLE[lo] as number) : -1;
      if ((h | l) < 0) return false;
      word |= ((h << 4) | l) << (LITTLE_ENDIAN ? b * 8 : (3 - b) * 8);
    }
    out[w] = word >>> 0;
  }
  return true;
}

export class MembershipSet {
  /** Dense packed hashes, `WORDS` words each, in slots 0..#count-1 (order changes on delete). */
  #data = new Uint32Array(MIN_ENTRY_CAPACITY * WORDS);
  #count = 0;
  /** Open-addressing index (linear probing): slot → entry number, or EMPTY. Power-of-two length. */
  #index = new Int32Array(MIN_INDEX_CAPACITY).fill(EMPTY);
  #other = new Set<string>();
  readonly #scratchBytes = Buffer.alloc(32);
  // Buffer.alloc is never pooled, so its byteOffset is 0 and a word view over it is aligned.
  readonly #scratch = new Uint32Array(this.#scratchBytes.buffer, this.#scratchBytes.byteOffset, WORDS);

  /** Number of distinct records. */
  get size(): number {
    return this.#count + this.#other.size;
  }

  /** Adds a record; returns false when it was already there. */
  add(record: string): boolean {
    if (!packInto(record, this.#scratch)) {
      if (this.#other.has(record)) return false;
      this.#other.add(record);
      return true;
    }
    if (this.#find(this.#scratch, 0) !== EMPTY) return false;
    this.#insertScratch();
    return true;
  }

  /** Removes a record; returns false when it was not there. */
  delete(record: string): boolean {
    if (!packInto(record, this.#scratch)) return this.#other.delete(record);
    const slot = this.#findSlot(this.#scratch, 0);
    if (slot === EMPTY) return false;
    this.#removeAt(slot);
    return true;
  }

  /** Whether the record is present. */
  has(record: string): boolean {
    if (!packInto(record, this.#scratch)) return this.#other.has(record);
    return this.#find(this.#scratch, 0) !== EMPTY;
  }

  /** Drops every record and releases the memory. */
  clear(): void {
    this.#data = new Uint32Array(MIN_ENTRY_CAPACITY * WORDS);
    this.#count = 0;
    this.#index = new Int32Array(MIN_INDEX_CAPACITY).fill(EMPTY);
    this.#other.clear();
  }

  /** Every record, packed ones first (unordered). */
  *values(): IterableIterator<string> {
    const bytes = Buffer.from(this.#data.buffer, this.#data.byteOffset, this.#data.byteLength);
    for (let i = 0; i < this.#count; i++) yield bytes.toString('hex', i * 32, i * 32 + 32);
    yield* this.#other;
  }

  /** Materializes a plain Set, for tests and small lists. */
  toSet(): Set<string> {
    return new Set(this.values());
  }

  /** Packed records as base64 chunks of at most `perChunk` records, for the state file. */
  packedChunks(perChunk = 65_536): string[] {
    const bytes = Buffer.from(this.#data.buffer, this.#data.byteOffset, this.#count * 32);
    const chunks: string[] = [];
    for (let start = 0; start < bytes.length; start += perChunk * 32) {
      chunks.push(bytes.toString('base64', start, Math.min(bytes.length, start + perChunk * 32)));
    }
    return chunks;
  }

  /** Records that are not packed (not lowercase 64-hex). */
  otherRecords(): string[] {
    return [...this.#other];
  }

  /** Rebuilds a set from `packedChunks()` and `otherRecords()` output. */
  static fromSerialized(packed: readonly string[], other: readonly string[]): MembershipSet {
    const set = new MembershipSet();
    for (const chunk of packed) {
      const bytes = Buffer.from(chunk, 'base64');
      if (bytes.length % 32 !== 0) throw new Error('membership chunk is not a whole number of 32-byte hashes');
      for (let off = 0; off < bytes.length; off += 32) {
        bytes.copy(set.#scratchBytes, 0, off, off + 32);
        if (set.#find(set.#scratch, 0) === EMPTY) set.#insertScratch();
      }
    }
    for (const record of other) set.#other.add(record);
    return set;
  }

  /** Entry number holding `words[offset..offset+8)`, or EMPTY. */
  #find(words: Uint32Array, offset: number): number {
    const slot = this.#findSlot(words, offset);
    return slot === EMPTY ? EMPTY : (this.#index[slot] as number);
  }

  #findSlot(words: Uint32Array, offset: number): number {
    const index = this.#index;
    const mask = index.length - 1;
    const data = this.#data;
    let slot = hashWords(words, offset) & mask;
    for (;;) {
      const entry = index[slot] as number;
      if (entry === EMPTY) return EMPTY;
      if (sameWords(data, entry * WORDS, words, offset)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  #insertScratch(): void {
    if (this.#count === this.#data.length / WORDS) {
      // 1.5x keeps the slack (and the copy peak) smaller than doubling would at 10M records.
      const grown = new Uint32Array(Math.ceil((this.#count * 3) / 2) * WORDS);
      grown.set(this.#data);
      this.#data = grown;
    }
    // Load factor ≤ 0.7 keeps linear-probing chains short.
    if ((this.#count + 1) * 10 > this.#index.length * 7) this.#rehash(this.#index.length * 2);
    const entry = this.#count++;
    this.#data.set(this.#scratch, entry * WORDS);
    this.#placeEntry(entry);
  }

  #placeEntry(entry: number): void {
    const index = this.#index;
    const mask = index.length - 1;
    let slot = hashWords(this.#data, entry * WORDS) & mask;
    while (index[slot] !== EMPTY) slot = (slot + 1) & mask;
    index[slot] = entry;
  }

  #rehash(capacity: number): void {
    this.#index = new Int32Array(capacity).fill(EMPTY);
    for (let entry = 0; entry < this.#count; entry++) this.#placeEntry(entry);
  }

  #removeAt(slot: number): void {
    const index = this.#index;
    const mask = index.length - 1;
    const entry = index[slot] as number;
    // Backward-shift deletion: linear probing without tombstones, so lookups never slow down after many removes.
    let hole = slot;
    let next = (hole + 1) & mask;
    while (index[next] !== EMPTY) {
      const home = hashWords(this.#data, (index[next] as number) * WORDS) & mask;
      // Move `next` into the hole unless its home lies cyclically in (hole, next].
      const inRange = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!inRange) {
        index[hole] = index[next] as number;
        hole = next;
      }
      next = (next + 1) & mask;
    }
    index[hole] = EMPTY;

    // Keep the dense array gap-free: move the last entry into the freed place and repoint its index slot.
    const last = --this.#count;
    if (entry !== last) {
      this.#data.copyWithin(entry * WORDS, last * WORDS, last * WORDS + WORDS);
      let s = hashWords(this.#data, entry * WORDS) & mask;
      while (index[s] !== last) s = (s + 1) & mask;
      index[s] = entry;
    }
  }
}

function sameWords(a: Uint32Array, ao: number, b: Uint32Array, bo: number): boolean {
  for (let i = 0; i < WORDS; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/**
 * Mixes all eight words: real SHA-256 output is uniform already, but test fixtures often are not
 * (zero-padded counters), and a hash of only the first word would pile them into one probe chain.
 */
function hashWords(words: Uint32Array, offset: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < WORDS; i++) {
    h = Math.imul(h ^ (words[offset + i] as number), 0x01000193);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
