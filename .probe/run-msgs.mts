import { startPostgresServer } from '../test/setup/postgres-server.js';
const t = Date.now();
const s = await startPostgresServer();
console.log('started in', Date.now() - t, 'ms', s.url);
process.env.U = s.url;
try { await import('./msgs.mjs'); } finally { await s.stop(); }
