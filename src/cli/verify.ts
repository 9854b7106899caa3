// wasmbert verify <file.wbin>: the header checksum (v2 files; checked by every open) and every tensor's
// sha256 against the header's table. Exit 0 when all match, 1 (WeightsError naming the tensor) otherwise.
import { fileSource } from '../weights/source-node.js';
import { openWbin } from '../weights/wbin.js';
import { parseCommandArgs, UsageError } from './args.js';

const USAGE = `usage: wasmbert verify <file.wbin>

Checks the header checksum (format version 2) and the sha256 of every tensor's stored bytes against the
header's table; prints the throughput. Exit code 0: intact; 1: a WeightsError names what is damaged.
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one .wbin file, got ${positionals.length} arguments`);
  const path = positionals[0];
  const src = fileSource(path);
  try {
    const t0 = performance.now();
    const file = await openWbin(src);
    const header = performance.now() - t0;
    const { bytes, ms } = await file.verify(undefined, (m) => process.stderr.write(`wasmbert verify: ${m}\n`));
    process.stdout.write(
      `${path}: OK — format v${file.version}${file.version >= 2 ? ' (header checksum OK)' : ' (no header checksum in v1)'}, ` +
        `${file.tensors.length} tensors, ${(bytes / 1e6).toFixed(1)} MB verified in ${(ms / 1000).toFixed(2)} s ` +
        `(${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s; header ${header.toFixed(0)} ms)\n`,
    );
    return 0;
  } finally {
    await src.close?.();
  }
}
