// Bun: the embed example over an explicit Bun.mmap weight source (the file mapped, never read whole).
import { bunMmapSource } from 'wasmbert';
import { embedExample } from '../../examples/embed-lib.mjs';

const [path, ...texts] = Bun.argv.slice(2);
const result = await embedExample({ model: bunMmapSource(path), texts, threads: 1 });
console.log(JSON.stringify({ ...result, source: 'Bun.mmap' }));
