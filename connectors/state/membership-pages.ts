/**
 * One sync's acknowledged membership read and written a page at a time, for moving it between state engines
 * (`pinsync state copy`): Node holds one page whatever the size of the set. Pages follow (digest, family) order
 * on both engines, which is what makes the digest comparable: bytea and DuckDB BLOBs both compare byte by byte.
 */
import { createHash } from 'node:crypto';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { acknowledgedMembershipSql, hasPendingAcknowledgements } from './acknowledged-records.js';
import type { StateDatabase } from './state-tables.js';

/** Records per page read and per statement written: about 3.3 MB of hex, so memory stays flat and round trips few. */
export const MEMBERSHIP_PAGE = 50_000;

/** State engines whose membership table this file reads and writes. */
export type MembershipEngine = 'duckdb' | 'postgres';

/** Consecutive records of one sync's membership, in (digest, family) order. */
export interface MembershipPage {
  /** SHA-256 digests, lower-case hex. */
  hashes: string[];
  /** Identifier family codes (membership-family-codes.ts), one per digest. */
  families: number[];
}

/** Hands sync `syncId`'s membership to `onPage` a page at a time, in (digest, family) order; one page is in flight. */
export async function forEachMembershipPage(
  db: Kysely<StateDatabase>,
  engine: MembershipEngine,
  syncId: number,
  onPage: (page: MembershipPage) => Promise<void>,
  pageSize = MEMBERSHIP_PAGE,
): Promise<void> {
  // Spliced into FETCH as text: a whole number only.
  const size = Math.max(1, Math.floor(pageSize));
  // With a killed run's acknowledgements still to apply (a read-only source cannot apply them), read them as applied.
  const relation = sql.raw(acknowledgedMembershipSql(syncId, await hasPendingAcknowledgements(db, syncId)));
  if (engine === 'duckdb') await readDuckDbPages(db, relation, size, onPage);
  else await readPostgresPages(db, relation, size, onPage);
}

// Unique within the process: temp tables live with the one connection of a DuckDB state.
let duckDbReads = 0;

/**
 * DuckDB keeps no index on the membership (see state-schema-v1.sql) and our dialect does not stream, so the sync's
 * set is numbered once into a temp table written in position order (it spills to disk past the memory limit),
 * whose row-group min/max then let each page read only its own rows.
 */
async function readDuckDbPages(db: Kysely<StateDatabase>, relation: RawBuilder<unknown>, pageSize: number, onPage: (page: MembershipPage) => Promise<void>): Promise<void> {
  const table = sql.table(`pinsync_copy_pages_${++duckDbReads}`);
  await sql`CREATE TEMP TABLE ${table} AS
              SELECT row_number() OVER (ORDER BY h, family) AS pos, lower(hex(h)) AS hex, family
                FROM ${relation} AS acknowledged ORDER BY pos`.execute(db);
  try {
    for (let from = 0; ; from += pageSize) {
      // One row of two joined strings: building a JS object per row costs ten times the query itself.
      const { rows } = await sql<{ n: number; hexes: string | null; families: string | null }>`
        SELECT count(*) AS n, string_agg(hex, ',' ORDER BY pos) AS hexes, string_agg(CAST(family AS VARCHAR), ',' ORDER BY pos) AS families
          FROM ${table} WHERE pos > ${from} AND pos <= ${from + pageSize}`.execute(db);
      const row = rows[0]!;
      const n = Number(row.n);
      if (n > 0) await onPage({ hashes: row.hexes!.split(','), families: row.families!.split(',').map(Number) });
      if (n < pageSize) return;
    }
  } finally {
    await sql`DROP TABLE IF EXISTS ${table}`.execute(db);
  }
}

/**
 * Postgres: one ordered query read through a cursor, so the server sorts (or walks its (sync_id, h) index) once
 * rather than once per page, and sends a page per FETCH. The read-only transaction the cursor needs is the
 * reader's own connection.
 */
async function readPostgresPages(db: Kysely<StateDatabase>, relation: RawBuilder<unknown>, pageSize: number, onPage: (page: MembershipPage) => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`DECLARE pinsync_copy_pages NO SCROLL CURSOR FOR
                SELECT encode(h, 'hex') AS hex, family FROM ${relation} AS acknowledged ORDER BY acknowledged.h, acknowledged.family`.execute(trx);
    for (;;) {
      const { rows } = await sql<{ hex: string; family: number | string }>`FETCH ${sql.raw(String(pageSize))} FROM pinsync_copy_pages`.execute(trx);
      if (rows.length > 0) await onPage({ hashes: rows.map((r) => r.hex), families: rows.map((r) => Number(r.family)) });
      if (rows.length < pageSize) return;
    }
  });
}

/** Appends a page to sync `syncId`'s membership. */
export async function writeMembershipPage(db: Kysely<StateDatabase>, engine: MembershipEngine, syncId: number, page: MembershipPage): Promise<void> {
  if (page.hashes.length === 0) return;
  // The page travels as two comma-separated strings (hex and digits hold no commas): our DuckDB dialect binds
  // scalars only, and for Postgres it spares quoting 50,000 array elements one by one.
  const hashes = page.hashes.join(',');
  const families = page.families.join(',');
  if (engine === 'postgres') {
    await sql`INSERT INTO membership (sync_id, h, family)
              SELECT ${syncId}, decode(x.h, 'hex'), x.f::int2
                FROM unnest(string_to_array(${hashes}::text, ','), string_to_array(${families}::text, ',')) AS x(h, f)`.execute(db);
    return;
  }
  await sql`INSERT INTO membership (sync_id, h, family)
            SELECT ${syncId}, unhex(x.h), CAST(x.f AS SMALLINT)
              FROM (SELECT unnest(string_split(${hashes}, ',')) AS h, unnest(string_split(${families}, ',')) AS f) AS x`.execute(db);
}

/**
 * An order-independent fingerprint of a membership: SHA-256 over its records in (digest, family) order, so two
 * engines holding the same set agree however they stored it. Fed page by page.
 */
export class MembershipDigest {
  private readonly hash = createHash('sha256');
  private count = 0;

  /** Adds the next page (pages must come in order). */
  update(page: MembershipPage): void {
    for (let i = 0; i < page.hashes.length; i++) this.hash.update(`${page.hashes[i]}:${page.families[i]}\n`);
    this.count += page.hashes.length;
  }

  /** Records seen so far. */
  get members(): number {
    return this.count;
  }

  /** The digest in hex; call once, after the last page. */
  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Count and digest of sync `syncId`'s membership as stored, read page by page. */
export async function digestMembership(db: Kysely<StateDatabase>, engine: MembershipEngine, syncId: number): Promise<{ members: number; digest: string }> {
  const digest = new MembershipDigest();
  await forEachMembershipPage(db, engine, syncId, async (page) => {
    digest.update(page);
  });
  return { members: digest.members, digest: digest.digest() };
}
