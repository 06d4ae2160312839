/**
 * The README's first command: builds a sample DuckDB warehouse, starts the Pinterest emulator, syncs, changes the
 * warehouse (people join, leave, change email) and syncs again, printing both reports and the list's final size.
 * Everything lives in .demo/ and is rebuilt on every run, so it is safe to run twice.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/pinsync.js';
import { colorAllowed, createPalette } from '../cli/output/ansi.js';
import { openDuckDb } from '../connectors/duckdb/open-duckdb.js';
import { startEmulator } from '../emulators/pinterest/emulator-server.js';
import { buildSampleWarehouse, churnSampleWarehouse, sampleSyncConfig } from './sample-warehouse.js';

// PINSYNC_DEMO_DIR lets tests run the demo in a folder of their own.
const DEMO_DIR = resolve(process.env.PINSYNC_DEMO_DIR ?? resolve(fileURLToPath(new URL('..', import.meta.url)), '.demo'));
const CUSTOMERS = Number(process.env.PINSYNC_DEMO_CUSTOMERS ?? 40_000);

function banner(text: string): void {
  process.stdout.write(`\n${createPalette(colorAllowed(process.stdout, process.env)).bold(`== ${text} ==`)}\n\n`);
}

async function run(args: string[]): Promise<number> {
  process.stdout.write(`$ pinsync ${args.join(' ')}\n`);
  const code = await main(args, { stdout: process.stdout, stderr: process.stderr, env: { ...process.env, PINSYNC_LOG_LEVEL: process.env.PINSYNC_LOG_LEVEL ?? 'warn' }, cwd: DEMO_DIR });
  if (code !== 0) throw new Error(`pinsync ${args[0]} exited with ${code}`);
  return code;
}

async function demo(): Promise<void> {
  await rm(DEMO_DIR, { recursive: true, force: true });
  await mkdir(DEMO_DIR, { recursive: true });
  const warehousePath = join(DEMO_DIR, 'warehouse.duckdb');

  banner(`building a sample warehouse: ${CUSTOMERS.toLocaleString('en-US')} customers with messy emails, GAIDs and IDFAs`);
  const instance = await openDuckDb(warehousePath);
  const conn = await instance.connect();
  await buildSampleWarehouse(conn, CUSTOMERS);
  conn.closeSync();
  instance.closeSync();

  const emulator = await startEmulator({ port: 0 });
  try {
    process.stdout.write(`Pinterest emulator listening on ${emulator.baseUrl}\n`);
    await writeFile(
      join(DEMO_DIR, 'pinsync.yaml'),
      sampleSyncConfig({ apiBaseUrl: emulator.baseUrl, syncName: 'subscribers', audienceName: 'Newsletter subscribers' }),
    );

    banner('plan: what would be sent (nothing is sent or stored)');
    await run(['plan', '-c', 'pinsync.yaml']);

    banner('first sync: creates the customer list and its audience');
    await run(['sync', '-c', 'pinsync.yaml']);

    banner('the warehouse changes: people join, leave and change their email');
    const instance2 = await openDuckDb(warehousePath);
    const conn2 = await instance2.connect();
    const churn = await churnSampleWarehouse(conn2, CUSTOMERS);
    conn2.closeSync();
    instance2.closeSync();
    process.stdout.write(`${churn.joined} joined, ${churn.left} unsubscribed, ${churn.changedEmail} changed their email\n`);

    banner('second sync: only the delta is sent');
    await run(['sync', '-c', 'pinsync.yaml']);

    banner('run history');
    await run(['runs', '-c', 'pinsync.yaml']);

    const [list] = emulator.lists();
    if (list) {
      banner('Pinterest (emulator) now holds');
      process.stdout.write(
        `customer list ${list.id} "${list.name}": ${emulator.membership(list.id).size.toLocaleString('en-US')} records, ` +
          `${list.num_uploaded_user_records.toLocaleString('en-US')} uploaded and ${list.num_removed_user_records.toLocaleString('en-US')} removed over ${list.num_batches} batches\n`,
      );
    }
    process.stdout.write(`\nEverything is in ${DEMO_DIR} (config, warehouse, state). Run it again any time.\n`);
  } finally {
    await emulator.close();
  }
}

demo().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
