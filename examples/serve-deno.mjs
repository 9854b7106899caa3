// The embedding service on Deno.serve:  deno run -A examples/serve-deno.mjs --model model.wbin [--port 8080]
// SIGTERM: refuse new requests, answer the ones in flight, exit.
import { setUp } from './serve-lib.mjs';

const { o, bert, handler } = await setUp(Deno.args, (k) => Deno.env.get(k));
const server = Deno.serve({ port: o.port, hostname: o.host, onListen: ({ hostname, port }) => console.error(`listening on http://${hostname}:${port}/ (deno ${Deno.version.deno}, ${bert.variant}, ${bert.threads} threads)`) }, (request) => handler(request));
Deno.addSignalListener('SIGTERM', async () => {
  await handler.drain();
  await server.shutdown();
  await bert.dispose();
  Deno.exit(0);
});
