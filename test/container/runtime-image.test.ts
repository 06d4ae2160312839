/**
 * The container image (Dockerfile at the repo root). This machine cannot pull `node:20-slim` from a registry, so the
 * image itself is not built here; instead the runtime stage is reproduced: a clean build of dist/ plus exactly the
 * files the Dockerfile copies, run as a non-root user with the config on stdin, must plan a sync (which reads the SQL
 * the package ships). The Dockerfile is checked for what a cluster relies on: non-root, the entrypoint, no dev
 * dependencies, and that it copies what package.json publishes.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/sync-fixture.js';

const run = promisify(execFile);

interface Stage {
  /** `FROM` image. */
  from: string;
  /** `AS` name. */
  name: string | undefined;
  /** Instructions with continuation lines joined, comments dropped. */
  lines: string[];
}

async function dockerfileStages(): Promise<Stage[]> {
  const text = (await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8'))
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '') continue;
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg && stages.length === 0) args.set(arg[1]!, arg[2]!);
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) {
      stages.push({ from: from[1]!.replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? ''), name: from[2], lines: [] });
      continue;
    }
    stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** Sources (relative to the repo) a stage copies from the build context. */
function copiedFromContext(stage: Stage): string[] {
  return stage.lines
    .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
    .flatMap((l) => l.slice(5).split(' ').slice(0, -1));
}

describe('the Dockerfile', () => {
  let build: Stage;
  let runtime: Stage;

  beforeAll(async () => {
    const stages = await dockerfileStages();
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    [build, runtime] = stages as [Stage, Stage];
  });

  it('builds on Node 20 slim in both stages', () => {
    expect(build.from).toBe('node:20-slim');
    expect(runtime.from).toBe('node:20-slim');
  });

  it('installs only production dependencies in the image it ships, and builds with the dev ones', () => {
    const installs = (s: Stage) => s.lines.filter((l) => /^RUN .*npm (ci|install)\b/.test(l));
    expect(installs(runtime)).toHaveLength(1);
    expect(installs(runtime)[0]).toMatch(/npm ci --omit=dev/);
    expect(installs(build)[0]).toMatch(/npm ci/);
    expect(installs(build)[0]).not.toMatch(/--omit=dev/);
    expect(build.lines).toContain('RUN npm run build');
  });

  it('runs as a numeric non-root user, set after every RUN, so Kubernetes runAsNonRoot can verify it', () => {
    const userAt = runtime.lines.findIndex((l) => l.startsWith('USER '));
    expect(userAt).toBeGreaterThan(-1);
    const [uid, gid] = runtime.lines[userAt]!.slice(5).split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
    expect(runtime.lines.slice(userAt).some((l) => l.startsWith('RUN '))).toBe(false);
  });

  it('has pinsync as its entrypoint: the bin package.json declares, under the folder it installs to', async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(runtime.lines).toContain('WORKDIR /app');
    expect(runtime.lines).toContain(`ENTRYPOINT ["node", "/app/${pkg.bin.pinsync}"]`);
    expect(runtime.lines.at(-1)).toBe('CMD ["--help"]');
  });

  it('sets SNOWFLAKE_DISABLE_PLATFORM_DETECTION, so the Snowflake driver does not probe cloud metadata at start-up', () => {
    expect(runtime.lines.some((l) => l.startsWith('ENV ') && l.includes('SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true'))).toBe(true);
  });

  it('copies into the image everything package.json publishes, and dist/ from the build stage', async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
    const copied = [...copiedFromContext(runtime), 'dist'];
    expect(runtime.lines).toContain('COPY --from=build /src/dist ./dist');
    for (const file of pkg.files) expect(copied).toContain(file);
    for (const file of copiedFromContext(runtime)) expect(['package.json', 'package-lock.json', ...pkg.files]).toContain(file);
  });

  it('builds from every source folder tsconfig.build.json compiles', async () => {
    const tsconfig = JSON.parse(await readFile(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    const copied = copiedFromContext(build);
    for (const dir of tsconfig.include) expect(copied).toContain(dir);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']));
  });

  it('.dockerignore keeps local configs, state, keys and the host’s node_modules out of the build context', async () => {
    const ignored = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', 'pinsync.yaml', '*.duckdb', '.pinsync', '.env', '*.p8', '*.pem']) expect(ignored).toContain(entry);
    // And nothing the image needs.
    for (const needed of [...copiedFromContext((await dockerfileStages())[0]!), ...copiedFromContext((await dockerfileStages())[1]!)]) {
      expect(ignored).not.toContain(needed);
    }
  });
});

const CONFIG = [
  'warehouses:',
  '  local: { type: duckdb, path: ":memory:" }',
  'destinations:',
  '  pinterest: { type: pinterest, adAccountId: "549755885175", apiBaseUrl: "http://127.0.0.1:9/v5", auth: { accessToken: "${PINTEREST_ACCESS_TOKEN}" } }',
  'syncs:',
  '  - name: container_probe',
  '    warehouse: local',
  '    destination: pinterest',
  "    query: select 'a@example.com' as email union all select 'b@example.com'",
  '    identifiers: { email: email }',
  '    audience: { name: Container probe }',
  '',
].join('\n');

describe('the runtime stage, reproduced from a clean build', () => {
  let app: string;
  let workdir: string;
  // As in the image: a user that is not root (nobody when the tests run as root).
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--'] : [];

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'pinsync-image-'));
    app = join(root, 'app');
    workdir = join(root, 'config');
    await mkdir(app);
    await mkdir(workdir);
    // The build stage: `npm run build` into a fresh dist/.
    try {
      await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(app, 'dist')], { cwd: REPO_ROOT });
    } catch (err) {
      // The image's `RUN npm run build` would fail the same way.
      throw new Error(`npm run build fails, so the image cannot be built:\n${(err as { stdout?: string }).stdout ?? String(err)}`);
    }
    // The runtime stage's COPY lines from the build context.
    const [, runtime] = await dockerfileStages();
    for (const file of copiedFromContext(runtime!)) await cp(join(REPO_ROOT, file), join(app, file), { recursive: true });
    // `npm ci --omit=dev` takes minutes over the network; the repo's installed modules stand in for it.
    await symlink(join(REPO_ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
    await run('chmod', ['-R', 'a+rX', root]);
    await chmod(workdir, 0o777);
  }, 240_000);

  afterAll(async () => {
    if (app) await rm(join(app, '..'), { recursive: true, force: true });
  });

  /** Runs the entrypoint the way the image does: non-root, in the config folder, with the image's environment. */
  function entrypoint(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const [cmd, ...rest] = [...asUser, process.execPath, join(app, 'dist/cli/pinsync.js'), ...args];
    const child = spawn(cmd!, rest, {
      cwd: workdir,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true', PINSYNC_LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(stdin ?? '');
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('the build holds the CLI the entrypoint names, and no test or bench code', async () => {
    expect(await readdir(join(app, 'dist'))).toEqual(expect.arrayContaining(['cli', 'core', 'connectors']));
    expect(await readdir(join(app, 'dist'))).not.toContain('test');
  });

  it('pinsync --help works as a non-root user and says where the config comes from', async () => {
    const res = await entrypoint(['--help']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('pinsync <command> [options]');
    const plan = await entrypoint(['plan', '--help']);
    const help = plan.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('$PINSYNC_CONFIG');
    expect(help).toContain('"-" reads it from stdin');
  });

  it('pinsync --version reads the package.json the image copies', async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const res = await entrypoint(['--version']);
    expect(res.stdout.trim()).toBe(pkg.version);
  });

  it('plan -c - with the config on stdin runs a sync’s query and diff from the built files (the SQL under /app/sql) and writes nothing', async () => {
    const res = await entrypoint(['plan', '--format', 'json', '-c', '-'], CONFIG);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).syncs[0]).toMatchObject({ sync: 'container_probe', diff: { adds: 2, removes: 0 } });
    expect(await readdir(workdir)).toEqual([]);
  });
});
