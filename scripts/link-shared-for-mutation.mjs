// Stryker runs the tests in a copy of the repository at .stryker-tmp/sandbox-*/, where the tests' `../shared`
// (the OpenAPI description, the identifier vectors) would point into .stryker-tmp. A link there to the real
// ../shared keeps those tests working in the sandbox. Stryker deletes .stryker-tmp after a run; this recreates it.
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(repo, '../shared');
if (!existsSync(shared)) {
  console.error(`npm run mutation: ${shared} is missing; the tests need the shared folder beside the repository`);
  process.exit(2);
}
const tmp = join(repo, '.stryker-tmp');
mkdirSync(tmp, { recursive: true });
rmSync(join(tmp, 'shared'), { force: true });
symlinkSync(shared, join(tmp, 'shared'), 'dir');
