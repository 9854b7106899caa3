// Optional bearer keys. Each presented key is compared with every configured key through SHA-256 digests
// XOR-folded over all 32 bytes: the time taken depends neither on where the first differing byte is nor on
// the key's length, and no comparison stops early (crypto.subtle is in every runtime the handler targets).
import { ServeError } from '../errors.js';

/** Keys from an option or an environment variable: several may be separated by commas or whitespace. */
export function parseKeys(keys: string | string[] | undefined): string[] {
  const list = typeof keys === 'string' ? [keys] : (keys ?? []);
  return list.flatMap((k) => k.split(/[\s,]+/)).filter((k) => k.length > 0);
}

const digest = async (s: string): Promise<Uint8Array> => new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));

/** true when `presented` equals one of `keys`; constant time in the keys' contents. */
export async function keyMatches(presented: string, keys: string[]): Promise<boolean> {
  const p = await digest(presented);
  let ok = 0;
  for (const k of keys) {
    const d = await digest(k);
    let diff = 0;
    for (let i = 0; i < d.length; i++) diff |= d[i] ^ p[i];
    ok |= diff === 0 ? 1 : 0;
  }
  return ok === 1;
}

/** Throws 401 unless the request carries `Authorization: Bearer <one of keys>` (no keys: everyone passes). */
export async function authorize(request: Request, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const h = request.headers.get('authorization') ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new ServeError(h ? 'the Authorization header must be "Bearer <key>"' : 'this server needs an API key: send "Authorization: Bearer <key>"', 401, 'auth', 'authorization');
  if (!(await keyMatches(m[1], keys))) throw new ServeError('the API key is not valid', 401, 'auth', 'authorization');
}
