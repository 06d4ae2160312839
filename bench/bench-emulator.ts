/** The emulator in its own process for the benchmark; prints its base URL, runs until killed. */
import { startEmulator } from '../emulators/pinterest/emulator-server.js';

const trackMembership = process.argv[2] !== 'false';
const emulator = await startEmulator({ port: 0, trackMembership });
process.stdout.write(`${emulator.baseUrl}\n`);
const stop = () => {
  void emulator.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
