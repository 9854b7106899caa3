// The embedding service on Bun.serve:  bun examples/serve-bun.mjs --model model.wbin [--port 8080]
// SIGTERM: refuse new requests, answer the ones in flight, exit.
import { setUp } from './serve-lib.mjs';

const { o, bert, handler } = await setUp(process.argv.slice(2), (k) => process.env[k]);
const server = Bun.serve({ port: o.port, hostname: o.host, fetch: (request) => handler(request) });
console.error(`listening on http://${server.hostname}:${server.port}/ (bun ${Bun.version}, ${bert.variant}, ${bert.threads} threads)`);
process.on('SIGTERM', async () => {
  await handler.drain();
  await server.stop();
  await bert.dispose();
  process.exit(0);
});
