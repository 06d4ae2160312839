import { startPostgresServer } from '../test/setup/postgres-server.js';
for (let i = 0; i < 3; i++) {
const t = Date.now();
const s = await startPostgresServer();
const t1 = Date.now();
await s.stop();
console.log('start', t1 - t, 'stop', Date.now() - t1);
}
